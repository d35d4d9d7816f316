"""Suite-wide guards: no test reaches anything but loopback, no test touches the real home
folders, and no environment variable changes how the app looks. Also the shared simulator
fixtures (see ``tests/support/simulator.py``)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qwen_tui.sim import Simulator
from tests.support.simulator import FAST, fresh, serving

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check_address(address: object) -> None:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        try:
            ip = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            raise ConnectionRefusedError(f"tests may only connect to loopback, not {host!r}") from None
        if not ip.is_loopback:
            raise ConnectionRefusedError(f"tests may only connect to loopback, not {host}")


def _guarded_connect(self: socket.socket, address: object) -> None:
    _check_address(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    _check_address(address)
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("xdg")
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state")):
        monkeypatch.setenv(var, str(home / sub))
    for var in ("NO_COLOR", "TEXTUAL_THEME", "FORCE_COLOR", "QWEN_TUI_CONFIG", "OLLAMA_HOST", "BL_WORKSPACE",
                "HF_TOKEN", "SAMBANOVA_API_KEY", "BL_API_KEY", "OLLAMA_API_KEY", "HTTP_PROXY", "HTTPS_PROXY",
                "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    return home


# ---- the simulator ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def simulator_options() -> dict[str, Any]:
    """How the module's simulator is built (``Simulator`` arguments); override to change it."""
    return dict(FAST)


@pytest.fixture(scope="module")
def simulator(simulator_options: dict[str, Any]) -> Iterator[Simulator]:
    """One simulator per test module: a real HTTP server on a free loopback port."""
    with serving(**simulator_options) as sim:
        yield sim


@pytest.fixture
def sim_knobs() -> dict[str, Any]:
    """Knobs every test of the folder or module starts with; override to change them."""
    return {}


@pytest.fixture
def sim(simulator: Simulator, sim_knobs: dict[str, Any]) -> Iterator[Simulator]:
    """The module's simulator for one test: reset (no faults, no records), ``sim_knobs`` set;
    reset again after the test."""
    yield fresh(simulator, **sim_knobs)
    simulator.reset()
