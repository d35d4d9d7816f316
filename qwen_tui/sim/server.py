"""``Simulator``: the provider simulator served from a background thread with its own event loop.

A separate thread keeps it independent of whoever uses it: a synchronous test, an async test, the
app in ``--demo`` mode (whose own loop must not be slowed by the simulator's pacing), or the CLI.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any

from aiohttp import web

from qwen_tui.sim.addresses import base_urls
from qwen_tui.sim.app import build_app
from qwen_tui.sim.catalog import DEFAULT_MODELS
from qwen_tui.sim.knobs import (
    DEFAULT_KEYS,
    DEFAULT_WORKSPACE,
    Fault,
    Knobs,
    RecordedRequest,
    SimState,
    check_provider,
)

START_TIMEOUT_S = 10.0
SHUTDOWN_GRACE_S = 0.25 # open streams get this long to finish when the simulator stops

# Which environment variable each provider's key is read from in the printed config.
KEY_ENV_VARS: dict[str, str] = {
    "huggingface": "HF_TOKEN",
    "sambanova": "SAMBANOVA_API_KEY",
    "blaxel": "BL_API_KEY",
    "openai": "SIM_OPENAI_API_KEY",
}
OPENAI_CONFIG_NAME = "sim-openai"  # the config table name of the generic OpenAI-compatible entry


class Simulator:
    """A real HTTP server on loopback speaking every provider's wire protocol."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        ttft_ms: float = 50.0,
        tps: float | None = 200.0,
        keys: dict[str, str] | None = None,
        workspace: str = DEFAULT_WORKSPACE,
        sock: socket.socket | None = None,
    ) -> None:
        self.host = host
        self._sock = sock  # a listening socket made by someone else (``qwen_tui.demo``): served as is
        self._requested_port = port
        self.keys = {**DEFAULT_KEYS, **(keys or {})}
        self.workspace = workspace
        defaults = Knobs()
        defaults.update(ttft_ms=ttft_ms, tps=tps)
        self._state = SimState(default_knobs=defaults)
        self._port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------ lifecycle

    def start(self) -> Simulator:
        """Serve from a background thread; returns once the socket is listening."""
        if self._thread is not None:
            raise RuntimeError("the simulator is already running")
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._open())
            except BaseException as exc:  # noqa: BLE001 - reported to start(), which raises it; the thread ends
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=serve, name="qwen-tui-sim", daemon=True)
        self._thread.start()
        if not ready.wait(START_TIMEOUT_S):
            raise RuntimeError("the simulator did not start in time")
        if failure:
            self._thread.join()
            self._thread = None
            self._loop = None
            raise failure[0]
        return self

    async def _open(self) -> None:
        app = build_app(self._state, self.keys, self.workspace)
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=SHUTDOWN_GRACE_S
        )
        await self._runner.setup()
        if self._sock is not None:
            site: web.BaseSite = web.SockSite(self._runner, self._sock)
        else:
            site = web.TCPSite(self._runner, self.host, self._requested_port, reuse_address=True)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def _close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._close(), loop)
        try:
            future.result(timeout=10.0)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10.0)
            self._loop = None
            self._thread = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ------------------------------------------------------------ addresses

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the simulator is not started")
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def base_urls(self) -> dict[str, str]:
        return base_urls(self.url)

    def blaxel_model_url(self, model: str = "sim-model") -> str:
        """Where a Blaxel model's run plane answers (its ``metadata.url``)."""
        return f"{self.url}/blaxel/run/{self.workspace}/models/{model}"

    # ------------------------------------------------------------ knobs, faults, records

    def knobs(self, provider: str) -> Knobs:
        check_provider(provider)
        return self._state.knobs[provider]

    def set_knobs(self, provider: str | None = None, **fields: Any) -> None:
        self._state.set_knobs(provider, **fields)

    def push_fault(self, fault: Fault, provider: str | None = None) -> None:
        self._state.push_fault(fault, provider)

    def clear_faults(self) -> None:
        with self._state.lock:
            self._state.faults.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._state.recorded()

    def clear_requests(self) -> None:
        self._state.clear_requests()

    def last_chat(self, provider: str | None = None) -> RecordedRequest | None:
        check_provider(provider)
        for request in reversed(self._state.recorded()):
            if request.is_chat and (provider is None or request.provider == provider):
                return request
        return None

    def reset(self) -> None:
        """Knobs back to the constructor's values; faults and records cleared."""
        self._state.reset()

    # ------------------------------------------------------------ configuration for the app

    def env(self) -> dict[str, str]:
        """Environment variables holding the demo keys, named as in ``config_tables()``."""
        return {KEY_ENV_VARS[name]: key for name, key in self.keys.items() if name in KEY_ENV_VARS}

    def config_tables(self) -> dict[str, dict[str, str]]:
        """``[providers.*]`` tables pointing every provider at this simulator."""
        urls = self.base_urls()
        return {
            "huggingface": {
                "base_url": urls["huggingface"],
                "model": DEFAULT_MODELS["huggingface"],
                "api_key_env": KEY_ENV_VARS["huggingface"],
            },
            "sambanova": {
                "base_url": urls["sambanova"],
                "model": DEFAULT_MODELS["sambanova"],
                "api_key_env": KEY_ENV_VARS["sambanova"],
            },
            "ollama": {"base_url": urls["ollama"], "model": DEFAULT_MODELS["ollama"]},
            "blaxel": {
                "base_url": urls["blaxel"],
                "api_url": urls["blaxel_api"],
                "workspace": self.workspace,
                "model": DEFAULT_MODELS["blaxel"],
                "api_key_env": KEY_ENV_VARS["blaxel"],
            },
            OPENAI_CONFIG_NAME: {
                "kind": "openai",
                "base_url": urls["openai"],
                "model": DEFAULT_MODELS["openai"],
                "api_key_env": KEY_ENV_VARS["openai"],
            },
        }

    def blaxel_agent_table(self, agent: str = "code-reviewer") -> dict[str, str]:
        """A ``[providers.*]`` table of kind ``blaxel-agent`` for one of this simulator's agents."""
        urls = self.base_urls()
        return {
            "kind": "blaxel-agent",
            "agent": agent,
            "base_url": urls["blaxel"],
            "api_url": urls["blaxel_api"],
            "workspace": self.workspace,
            "api_key_env": KEY_ENV_VARS["blaxel"],
        }

    def config_toml(self, default_provider: str = "ollama") -> str:
        """A ready-to-paste config file (keys are demo values, so printing them is fine)."""
        lines = [f"default_provider = {_toml_string(default_provider)}", ""]
        for name, table in self.config_tables().items():
            lines.append(f"[providers.{name}]")
            lines.extend(f"{key} = {_toml_string(value)}" for key, value in table.items())
            lines.append("")
        return "\n".join(lines)


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
