"""The simulator as the tests run it: on a free loopback port, fast, one per test module.

``tests/conftest.py`` turns this into fixtures: ``simulator`` (the module's server, built from the
``simulator_options`` fixture) and ``sim`` (that server reset for one test, then the ``sim_knobs``
fixture applied). A folder's ``conftest.py`` or a test module overrides ``simulator_options`` or
``sim_knobs`` to change them for its tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from qwen_tui.sim import Simulator

#: Fast enough for a suite, slow enough that the first token is a separate event: 5 ms to the
#: first token, then every token at once (``tps`` 0).
FAST: dict[str, Any] = {"ttft_ms": 5.0, "tps": 0}

#: The one-line answer the app tests compare against.
CHAT_REPLY = "Hello from the simulator.\n"


@contextmanager
def serving(**options: Any) -> Iterator[Simulator]:
    """A simulator on a free port for the ``with`` block; ``options`` go to ``Simulator``."""
    with Simulator(port=0, **options) as sim:
        yield sim


def fresh(sim: Simulator, **knobs: Any) -> Simulator:
    """``sim`` as a test should find it: the constructor's knobs, no faults, no recorded
    requests, then ``knobs`` set for every provider."""
    sim.reset()
    if knobs:
        sim.set_knobs(**knobs)
    return sim
