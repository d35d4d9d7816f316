"""``McpManager``: every configured server in the background, in a thread of its own.

Why a thread with its own event loop: the SDK's import (over a second) and its pydantic work on
large tool lists must never hold the app's loop, a keystroke or a question; the toolbox calls tools
from worker threads and waits for them (``call_tool`` is synchronous and thread-safe); ``ask`` and
the TUI use it alike. Nothing here knows of Textual: a front end passes ``on_change`` (called in
the manager's thread; the TUI hops to its own with ``call_from_thread``).

A server with a bad entry is FAILED with its problem and a disabled one DISABLED, without a
process; when no server needs starting, the SDK is never imported and no thread is made.
``stop_all`` ends every server (and its process group) and the thread; it also runs at
interpreter exit, so no server is left behind by a front end that forgot.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from qwen_tui import paths
from qwen_tui.mcp.config import DEFAULT_CALL_TIMEOUT_S, ServerConfig
from qwen_tui.mcp.connection import ServerConnection, ServerGone
from qwen_tui.mcp.results import MAX_RESULT_CHARS, CallOutcome
from qwen_tui.mcp.status import McpResource, ServerState, ServerStatus

Listener = Callable[[ServerStatus], None]


class McpManager:
    """The servers of one app run (or one ``ask``): start, status, calls, restart, stop."""

    def __init__(self, servers: Mapping[str, ServerConfig], *, environ: Mapping[str, str] | None = None,
                 log_dir: Path | None = None, call_timeout: float = DEFAULT_CALL_TIMEOUT_S,
                 result_chars: int = MAX_RESULT_CHARS, on_change: Listener | None = None) -> None:
        self.configs = dict(servers)
        self.environ = environ
        self.log_dir = log_dir or paths.mcp_logs_dir()
        self.call_timeout = call_timeout
        self.result_chars = result_chars
        self._listeners: list[Listener] = [on_change] if on_change else []
        self._statuses: dict[str, ServerStatus] = {}
        self._connections: dict[str, ServerConnection] = {}
        self._launched: list[ServerConnection] = []  # every run, restarts included (their pids)
        self._changed = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False
        self.import_ms: float | None = None  # the SDK's import, when this manager paid it
        for name, config in self.configs.items():
            self._statuses[name] = self._initial_status(config)

    @staticmethod
    def _initial_status(config: ServerConfig) -> ServerStatus:
        target = config.describe()
        if config.problem:
            return ServerStatus(config.name, config.transport, ServerState.FAILED, config.source, target,
                                error=config.problem)
        if not config.enabled:
            return ServerStatus(config.name, config.transport, ServerState.DISABLED, config.source, target)
        return ServerStatus(config.name, config.transport, ServerState.STARTING, config.source, target)

    # ---- listening ------------------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _changed_status(self, status: ServerStatus) -> None:
        with self._changed:
            self._statuses[status.name] = status
            self._changed.notify_all()
        for listener in list(self._listeners):
            with contextlib.suppress(Exception):  # a front end's bug must not stop the servers
                listener(status)

    def statuses(self) -> list[ServerStatus]:
        """Every configured server's status, in the config's order."""
        with self._changed:
            return [self._statuses[name] for name in self.configs]

    def status(self, name: str) -> ServerStatus | None:
        with self._changed:
            return self._statuses.get(name)

    @property
    def startable(self) -> list[ServerConfig]:
        return [c for c in self.configs.values() if c.enabled and not c.problem]

    # ---- life -----------------------------------------------------------------------------------

    def start(self) -> None:
        """Start every enabled server in the background; returns at once."""
        if self._thread is not None or not self.startable:
            return
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), name="mcp-servers", daemon=True)
        self._thread.start()
        ready.wait()
        atexit.register(self.stop_all)

    def _serve(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        ready.set()
        try:
            loop.run_until_complete(self._start_all())
            loop.run_forever()
        finally:
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _start_all(self) -> None:
        from qwen_tui.mcp import sdk

        started = time.perf_counter()
        try:
            await asyncio.to_thread(sdk.load_sdk)
        except Exception as exc:  # noqa: BLE001 - a broken install fails the servers, not the app
            why = f"the mcp package cannot be imported: {exc}"
            for c in self.startable:
                self._changed_status(ServerStatus(c.name, c.transport, ServerState.FAILED, c.source, c.describe(),
                                                  error=why))
            return
        self.import_ms = round((time.perf_counter() - started) * 1000, 1)
        for config in self.startable:
            if not self._stopped:
                self._launch(config)

    def _launch(self, config: ServerConfig) -> ServerConnection:
        connection = ServerConnection(config, self.log_dir, environ=self.environ, on_change=self._changed_status,
                                      result_chars=self.result_chars)
        self._connections[config.name] = connection
        self._launched.append(connection)
        self._changed_status(connection.status)
        connection.start()
        return connection

    def wait_settled(self, timeout: float | None = None, names: Iterable[str] | None = None) -> bool:
        """Block until every (named) server is past starting; False when ``timeout`` ran out."""
        wanted = list(names) if names is not None else list(self.configs)
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            while not all(self._statuses[n].state.settled for n in wanted if n in self._statuses):
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._changed.wait(left)
        return True

    def startup_budget(self) -> float:
        """How long waiting for every server may take: the longest timeout and the SDK's import."""
        return max((c.timeout for c in self.startable), default=0.0) + 15.0

    def _submit(self, coro: Any) -> concurrent.futures.Future[Any]:
        if self._loop is None or self._stopped:
            coro.close()
            raise ServerGone("the MCP servers are stopped")
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def restart(self, name: str) -> None:
        """Stop the server (if running) and start it again; returns at once."""
        config = self.configs.get(name)
        if config is None or config.problem or not config.enabled:
            return
        if self._thread is None:
            self.start()
            return
        self._submit(self._restart(config))

    async def _restart(self, config: ServerConfig) -> None:
        old = self._connections.get(config.name)
        if old is not None and old.task is not None:
            old.stop()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(old.task), 10)
        self._launch(config)

    def stop_all(self, timeout: float = 10.0) -> None:
        """End every server and its processes, then the thread. Safe to call twice, from any thread."""
        if self._stopped:
            return
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            future = asyncio.run_coroutine_threadsafe(self._stop_all(timeout), loop)
            with contextlib.suppress(Exception):
                future.result(timeout + 2)
            self._stopped = True
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
        self._stopped = True
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop_all)

    async def _stop_all(self, timeout: float) -> None:
        tasks = [c.task for c in self._connections.values() if c.task is not None and not c.task.done()]
        for connection in self._connections.values():
            connection.stop()
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=3)
        for connection in self._launched:
            connection._end_group()

    # ---- calls ----------------------------------------------------------------------------------

    def call_tool(self, server: str, tool: str, arguments: dict[str, Any],
                  timeout: float | None = None) -> CallOutcome:
        """Call ``tool`` of ``server`` and wait (from any thread but the manager's). ServerGone when
        the server is not ready; a timed-out call is a tool error."""
        timeout = self.call_timeout if timeout is None else timeout
        connection = self._connections.get(server)
        if connection is None:
            status = self.status(server)
            raise ServerGone(status.summary() if status else f"there is no MCP server {server!r}")
        future = self._submit(connection.call(tool, arguments, timeout))
        try:
            return future.result(timeout + 2)
        except concurrent.futures.TimeoutError:
            future.cancel()
            return CallOutcome(f"{tool} did not answer within {timeout:g} s", is_error=True)

    def resources(self, server: str, timeout: float = 10.0) -> list[McpResource]:
        connection = self._connections.get(server)
        if connection is None:
            return []
        return self._submit(connection.read_resources()).result(timeout)

    def read_resource(self, server: str, uri: str, limit: int, timeout: float = 15.0) -> Any:
        """``ResourceText`` of one resource (from any thread but the manager's). ServerGone when the
        server is not ready or does not answer within ``timeout``."""
        connection = self._connections.get(server)
        if connection is None:
            status = self.status(server)
            raise ServerGone(status.summary() if status else f"there is no MCP server {server!r}")
        future = self._submit(connection.read_resource(uri, limit))
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise ServerGone(f"{server} did not answer within {timeout:g} s") from None

    def pids(self) -> list[int]:
        """Every process the servers were spawned as, restarts included (for tests and the quit check)."""
        return [pid for c in self._launched for pid in c.pids]
