"""The fault matrix: every provider × every failure the issue lists, defined once and run
through both ``ask`` (test_matrix_ask.py) and the TUI (test_matrix_tui.py).

A ``Case`` says how to provoke the failure (a simulator fault, a changed setting, a dead port)
and what the user must be told: words that name the fix, and which text must be kept.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qwen_tui.sim import DEFAULT_WORKSPACE, Fault, Simulator

#: Config name -> the simulator's name for it ("local" is a generic OpenAI-compatible server).
PROVIDERS: dict[str, str] = {
    "huggingface": "huggingface",
    "sambanova": "sambanova",
    "ollama": "ollama",
    "blaxel": "blaxel",
    "local": "openai",
}
#: Known key values, shaped like none of the patterns ``redact`` knows: only registration hides them.
KEYS: dict[str, str] = {
    "huggingface": "QTK-hface-6c1e9a7730b2",
    "sambanova": "QTK-samba-0d8f41e2c9aa",
    "blaxel": "QTK-blaxl-5b27c0f93e11",
    "openai": "QTK-local-a9e3d2b71f04",
}
WRONG_KEY = "QTK-wrong-55aa11bb22cc"
KEY_ENV: dict[str, str] = {
    "huggingface": "HF_TOKEN",
    "sambanova": "SAMBANOVA_API_KEY",
    "blaxel": "BL_API_KEY",
    "openai": "LOCAL_KEY",
}
#: Short timeouts where a case waits for one, so the timeout faults cost half a second each.
TIMEOUT_S = 0.5
#: Everywhere else: a loopback connect on a loaded 2-core machine can take longer than 0.5 s
#: (seen once in CI-like runs), and a case must fail for its own fault, not for that.
PATIENT_S = 10.0
REPLY = "Partial answers are kept: alpha beta gamma delta epsilon zeta eta theta iota kappa.\n"
CHUNK = 4  # characters a chunk
BURST_CHUNKS = 20_000


def write_config(sim: Simulator, path: Path, **overrides: dict[str, Any]) -> Path:
    """A config with every provider pointed at ``sim``; ``overrides`` change one table's keys."""
    urls = sim.base_urls()
    tables: dict[str, dict[str, Any]] = {
        "huggingface": {"base_url": urls["huggingface"]},
        "sambanova": {"base_url": urls["sambanova"]},
        "ollama": {"base_url": urls["ollama"]},
        "blaxel": {"base_url": urls["blaxel"], "api_url": urls["blaxel_api"], "workspace": DEFAULT_WORKSPACE,
                   "model": "sim-model"},
        "local": {"kind": "openai", "base_url": urls["openai"], "model": "sim-openai-model",
                  "api_key_env": "LOCAL_KEY"},
    }
    lines = ['default_provider = "sambanova"', ""]
    for name, table in tables.items():
        table.update(connect_timeout=PATIENT_S, first_byte_timeout=PATIENT_S, read_timeout=PATIENT_S)
        table.update(overrides.get(name, {}))
        lines.append(f"[providers.{name}]")
        for key, value in table.items():
            lines.append(f"{key} = {value!r}".replace("'", '"') if isinstance(value, str) else f"{key} = {value}")
        lines.append("")
    path.write_text("\n".join(lines))
    return path


@contextmanager
def dead_port() -> Iterator[int]:
    """A loopback port nobody listens on: connection refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    yield port


@contextmanager
def full_backlog() -> Iterator[int]:
    """A loopback port whose listen backlog is full: the SYN is dropped, connect() times out."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    try:
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        yield port
    finally:
        for filler in fillers:
            filler.close()
        server.close()


@dataclass
class Setup:
    """What a case changes for one run: settings of the provider's table, env vars to drop."""

    settings: dict[str, Any] = field(default_factory=dict)
    drop_env: list[str] = field(default_factory=list)
    set_env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    id: str
    label: str  # as in the issue
    #: (sim, config name, sim name) -> context manager yielding a Setup; faults are pushed inside.
    arrange: Callable[[Simulator, str, str], Any]
    words: tuple[str, ...] = ()  # the message must hold each (case-insensitive); "{env}" = the key's env var
    complete: bool = False  # the answer must arrive whole
    keeps_partial: bool = False  # the text before the failure must be kept
    only: tuple[str, ...] | None = None  # providers the case applies to (None: all)
    reply_chunks: int | None = None  # a reply of this many chunks instead of REPLY

    def applies(self, name: str) -> bool:
        return self.only is None or name in self.only

    def reply(self) -> str:
        if self.reply_chunks is None:
            return REPLY
        return chunked_reply(self.reply_chunks)


def chunked_reply(chunks: int, paragraph_every: int | None = 50) -> str:
    """``chunks`` chunks of ``CHUNK`` characters, some multi-byte; a paragraph break every
    ``paragraph_every`` chunks (None: one endless paragraph)."""
    words = ("tok ", "en. ", "漢字. ", "🚀ok ")  # 4 characters each, so one chunk each
    parts = []
    for i in range(chunks):
        if paragraph_every and i % paragraph_every == paragraph_every - 1:
            parts.append("ok\n\n")
        else:
            parts.append(words[i % len(words)])
    return "".join(parts)


def _fault(fault: Fault, **settings: Any) -> Callable[[Simulator, str, str], Any]:
    @contextmanager
    def arrange(sim: Simulator, name: str, sim_name: str) -> Iterator[Setup]:
        sim.push_fault(fault, provider=sim_name)
        yield Setup(settings=dict(settings))

    return arrange


def _settings(**settings: Any) -> Callable[[Simulator, str, str], Any]:
    @contextmanager
    def arrange(sim: Simulator, name: str, sim_name: str) -> Iterator[Setup]:
        yield Setup(settings=dict(settings))

    return arrange


@contextmanager
def _missing_key(sim: Simulator, name: str, sim_name: str) -> Iterator[Setup]:
    yield Setup(drop_env=[KEY_ENV[sim_name]])


@contextmanager
def _wrong_key(sim: Simulator, name: str, sim_name: str) -> Iterator[Setup]:
    if sim_name == "ollama":  # Ollama checks no key; a proxy in front of it answers 401
        sim.push_fault(Fault(kind="status", status=401, message="unauthorized"), provider=sim_name)
        yield Setup()
        return
    yield Setup(settings={"api_key_env": "QT_WRONG_KEY"}, set_env={"QT_WRONG_KEY": WRONG_KEY})


@contextmanager
def _loading(sim: Simulator, name: str, sim_name: str) -> Iterator[Setup]:
    # Ollama loads the model before answering (no 503): a cold load of 0.3 s, then the answer.
    sim.push_fault(Fault(kind="loading", seconds=0.3 if sim_name == "ollama" else 7), provider=sim_name)
    yield Setup()


@contextmanager
def _refused(sim: Simulator, name: str, sim_name: str) -> Iterator[Setup]:
    with dead_port() as port:
        yield Setup(settings=_pointed_at(name, port))


@contextmanager
def _connect_timeout(sim: Simulator, name: str, sim_name: str) -> Iterator[Setup]:
    with full_backlog() as port:
        yield Setup(settings={**_pointed_at(name, port), "connect_timeout": TIMEOUT_S})


def _pointed_at(name: str, port: int) -> dict[str, Any]:
    url = f"http://127.0.0.1:{port}"
    if name == "ollama":
        return {"base_url": url}
    if name == "blaxel":
        return {"base_url": url, "api_url": url + "/v0"}
    return {"base_url": url + "/v1"}


CASES: list[Case] = [
    Case("missing_key", "key missing", _missing_key, words=("{env}", "set the environment variable"),
         only=("huggingface", "sambanova", "blaxel", "local")),
    Case("401", "401", _wrong_key, words=("refused", "401")),
    Case("403", "403", _fault(Fault(kind="status", status=403)), words=("403",)),
    Case("sandbox", "Blaxel sandbox model", _settings(model="sandbox-model"), words=("sandbox",),
         only=("blaxel",)),
    Case("unknown_model", "unknown model", _settings(model="no-such-model"), words=("no-such-model", "model")),
    Case("429", "429 with Retry-After", _fault(Fault(kind="status", status=429, retry_after=7)),
         words=("rate limited", "try again in 7 s")),
    Case("500", "500", _fault(Fault(kind="status", status=500)), words=("500", "try again")),
    Case("503_loading", "503 loading", _loading, words=("try again",)),
    Case("refused", "connection refused", _refused, words=("127.0.0.1",)),
    Case("connect_timeout", "connect timeout", _connect_timeout, words=("could not connect", "0.5 s")),
    Case("first_byte_timeout", "first-byte timeout", _fault(Fault(kind="hang"), first_byte_timeout=TIMEOUT_S),
         words=("no response within 0.5 s",)),
    Case("stall", "stall mid-stream", _fault(Fault(kind="stall", after_tokens=3, seconds=3), read_timeout=TIMEOUT_S),
         words=("stalled", "kept"), keeps_partial=True),
    Case("drop", "drop mid-stream", _fault(Fault(kind="drop", after_tokens=3)), words=("dropped", "kept"),
         keeps_partial=True),
    Case("error_event", "in-stream error event",
         _fault(Fault(kind="error_event", after_tokens=3, message="the model fell over")),
         words=("fell over", "kept"), keeps_partial=True),
    Case("garbage", "garbage line", _fault(Fault(kind="garbage", after_tokens=3)),
         words=("cannot be decoded", "kept"), keeps_partial=True),
    Case("split_utf8", "lines split mid-UTF-8", _fault(Fault(kind="split_utf8")), complete=True,
         reply_chunks=40),
    Case("empty", "empty stream", _fault(Fault(kind="empty")), words=("empty", "try again")),
    Case("burst", "a 20,000-token burst", _settings(), complete=True,
         reply_chunks=BURST_CHUNKS),
]
CASE_IDS = [case.id for case in CASES]


def partial_of(case: Case) -> str:
    """What arrives before a fault ``after_tokens=3`` strikes."""
    return case.reply()[: 3 * CHUNK]


def expected_words(case: Case, sim_name: str) -> list[str]:
    env = KEY_ENV.get(sim_name, "")
    words = [w.replace("{env}", env) for w in case.words]
    if case.id == "503_loading" and sim_name == "ollama":
        return []  # Ollama answers after the load
    if case.id == "401":
        words.append("QT_WRONG_KEY" if sim_name != "ollama" else "check the key")
    return words


def is_complete(case: Case, sim_name: str) -> bool:
    return case.complete or (case.id == "503_loading" and sim_name == "ollama")


def matrix() -> list[tuple[str, Case]]:
    return [(name, case) for case in CASES for name in PROVIDERS if case.applies(name)]
