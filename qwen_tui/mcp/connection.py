"""One MCP server's life on the official SDK: start within its timeout, calls, stop.

Everything here runs in the manager's event loop (its own thread). The SDK's transports are anyio
context managers that must be entered and left in one task, so each server is one long task
(``run``): it spawns or connects, initializes and lists the tools within ``timeout`` seconds,
then waits until it is told to stop or the server goes away (a stdio server's stderr reaching end
of file: it exited). Calls come from other tasks of the same loop (``call``).

Stopping leaves nothing behind: the SDK closes the server's stdin, waits 2 s, then ends its
process group (SIGTERM, then SIGKILL); afterwards the group is killed once more, for children a
launcher (``npx``) left running after it exited on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Callable, Mapping
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

from qwen_tui.mcp.config import MissingVariable, ServerConfig
from qwen_tui.mcp.results import MAX_RESULT_CHARS, CallOutcome, outcome_of
from qwen_tui.mcp.sdk import load_sdk, spawned_pids
from qwen_tui.mcp.status import McpResource, McpTool, ServerState, ServerStatus
from qwen_tui.mcp.stderr_log import StderrLog
from qwen_tui.redact import redact

CLIENT_NAME = "qwen-tui"


class ServerGone(Exception):
    """A call to a server that is not ready (failed, exited, stopped...)."""


def _plain(exc: BaseException) -> str:
    """An exception in a few words (no traceback), for the status line."""
    if isinstance(exc, BaseExceptionGroup):
        first = exc.exceptions[0] if exc.exceptions else exc
        return _plain(first)
    text = str(exc).strip() or exc.__class__.__name__
    return redact(text.splitlines()[0][:300])


class ServerConnection:
    """One configured server, from spawn (or connect) to stop. Made and used in the manager's loop."""

    def __init__(self, config: ServerConfig, log_dir: Path, *, environ: Mapping[str, str] | None = None,
                 on_change: Callable[[ServerStatus], None] | None = None,
                 result_chars: int = MAX_RESULT_CHARS) -> None:
        self.config = config
        self.log = StderrLog(log_dir / f"{_file_name(config.name)}.log")
        self.environ = os.environ if environ is None else environ
        self.on_change = on_change
        self.result_chars = result_chars
        self.state = ServerState.STARTING
        self.error: str | None = None
        self.tools: tuple[McpTool, ...] = ()
        self.hidden_tools = 0
        self.resources = False
        self.server_name: str | None = None
        self.start_ms: float | None = None
        self.pids: list[int] = []
        self._session: Any = None
        self._stop = asyncio.Event()
        self._ready = asyncio.Event()
        self._transport_error: str | None = None
        self.task: asyncio.Task[None] | None = None
        self.status = self._snapshot()

    # ---- state ----------------------------------------------------------------------------------

    def _snapshot(self) -> ServerStatus:
        c = self.config
        return ServerStatus(c.name, c.transport, self.state, source=c.source, target=redact(c.describe()),
                            error=self.error, tools=self.tools, hidden_tools=self.hidden_tools,
                            resources=self.resources,
                            stderr_tail=tuple(line.strip() for line in self.log.last_lines(10)),
                            log_path=str(self.log.path) if c.transport == "stdio" else None,
                            start_ms=self.start_ms, server_name=self.server_name)

    def _set(self, state: ServerState, error: str | None = None) -> None:
        self.state, self.error = state, error
        self._publish()

    def _publish(self) -> None:
        self.status = self._snapshot()
        if self.on_change is not None:
            with contextlib.suppress(Exception):  # a listener's bug must not stop the server
                self.on_change(self.status)

    def start(self) -> asyncio.Task[None]:
        self.task = asyncio.get_running_loop().create_task(self.run(), name=f"mcp:{self.config.name}")
        return self.task

    def stop(self) -> None:
        self._stop.set()

    # ---- the server's life ----------------------------------------------------------------------

    async def run(self) -> None:
        """Start, serve until told to stop or the server goes away, then clean up. Never raises."""
        config = self.config
        started = time.perf_counter()
        spawned_pids.set(self.pids)
        try:
            sdk = await asyncio.to_thread(load_sdk)  # at once when the manager already imported it
            async with AsyncExitStack() as stack:
                read, write = await self._open_transport(sdk, stack)
                session = await stack.enter_async_context(
                    sdk.ClientSession(read, write, message_handler=self._on_message,
                                      client_info=sdk.types.Implementation(name=CLIENT_NAME, version="0")))
                try:
                    await self._until_gone(asyncio.wait_for(self._initialize(session), config.timeout))
                except TimeoutError:
                    why = f" ({self._transport_error})" if self._transport_error else ""
                    self._set(ServerState.TIMED_OUT, f"did not start within {config.timeout:g} s{why}")
                    return
                self._session = session
                self.start_ms = round((time.perf_counter() - started) * 1000, 1)
                self._set(ServerState.READY)
                self._ready.set()
                gone = await self._until_gone(self._stop.wait())
                self._session = None
                if gone:
                    self._set(ServerState.EXITED, self._exit_reason())
        except asyncio.CancelledError:
            self._set(ServerState.STOPPED, "stopped")
            raise
        except MissingVariable as exc:
            self._set(ServerState.FAILED, str(exc))
        except _Gone:
            self._set(ServerState.FAILED, self._exit_reason(starting=True))
        except FileNotFoundError as exc:
            if config.cwd and exc.filename == config.cwd:
                self._set(ServerState.FAILED, f"cwd {config.cwd} does not exist")
            else:
                self._set(ServerState.FAILED, f"command not found: {exc.filename or config.command}")
        except Exception as exc:  # noqa: BLE001 - any failure of one server is its state, never the app's
            if self._ready.is_set():  # it was ready: it went away later (a crash, a dropped connection)
                self._set(ServerState.EXITED, self._transport_error or _plain(exc))
            elif self.log.eof.is_set() and config.transport == "stdio":
                self._set(ServerState.FAILED, self._exit_reason(starting=True))
            else:
                self._set(ServerState.FAILED, self._transport_error or _plain(exc))
        finally:
            self._session = None
            self._end_group()
            self.log.close()
            if self.state in (ServerState.READY, ServerState.STARTING):
                self._set(ServerState.STOPPED, "stopped")
            else:
                self._publish()  # the stderr tail as it ended

    async def _open_transport(self, sdk: Any, stack: AsyncExitStack) -> tuple[Any, Any]:
        config = self.config
        if config.transport == "http":
            headers = config.http_headers(self.environ)
            import httpx  # the SDK's dependency; imported with it

            client = sdk.create_mcp_http_client(headers=headers,
                                                timeout=httpx.Timeout(max(config.timeout, 5.0), read=300.0))
            await stack.enter_async_context(client)
            read, write, _session_id = await stack.enter_async_context(
                sdk.streamable_http_client(config.url, http_client=client))
            return read, write
        params = sdk.StdioServerParameters(command=config.command or "", args=list(config.args),
                                           env=config.server_env(self.environ), cwd=config.cwd)
        errlog = self.log.open(f"{config.name}: {config.describe()}")
        try:
            read, write = await stack.enter_async_context(sdk.stdio_client(params, errlog=errlog))
        finally:
            self.log.spawned()  # the server holds the write end now (or never will)
        return read, write

    async def _initialize(self, session: Any) -> None:
        result = await session.initialize()
        info = getattr(result, "serverInfo", None)
        self.server_name = getattr(info, "name", None)
        capabilities = getattr(result, "capabilities", None)
        self.resources = getattr(capabilities, "resources", None) is not None
        tools: list[McpTool] = []
        hidden = 0
        cursor = None
        while True:
            params = self._sdk_params(cursor)
            listed = await session.list_tools(params=params)
            for tool in listed.tools:
                if not self.config.tool_allowed(tool.name):
                    hidden += 1
                    continue
                hints = getattr(tool, "annotations", None)
                tools.append(McpTool(self.config.name, tool.name, tool.description or "",
                                     dict(tool.inputSchema or {}), bool(getattr(hints, "readOnlyHint", False)),
                                     getattr(tool, "title", None)))
            cursor = getattr(listed, "nextCursor", None)
            if not cursor:
                break
        self.tools, self.hidden_tools = tuple(tools), hidden

    @staticmethod
    def _sdk_params(cursor: str | None) -> Any:
        if cursor is None:
            return None
        return load_sdk().types.PaginatedRequestParams(cursor=cursor)

    async def _until_gone(self, awaitable: Any) -> bool:
        """Await ``awaitable`` unless a stdio server exits first (raises _Gone while starting;
        returns True once ready). False: ``awaitable`` finished."""
        work = asyncio.ensure_future(awaitable)
        if self.config.transport != "stdio":
            await work
            return False
        eof = asyncio.ensure_future(self.log.eof.wait())
        try:
            done, _ = await asyncio.wait({work, eof}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            work.cancel()
            eof.cancel()
            raise
        if work in done:
            eof.cancel()
            work.result()
            return False
        work.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await work
        if self.state is ServerState.STARTING:
            raise _Gone
        return True

    async def _on_message(self, message: Any) -> None:
        """The session's incoming messages; a transport error (refused, 404...) is kept for the status."""
        if isinstance(message, Exception):
            self._transport_error = _plain(message)

    def _exit_reason(self, *, starting: bool = False) -> str:
        last = next((line.strip() for line in reversed(self.log.last_lines()) if line.strip()), None)
        if starting:
            return f"exited while starting: {last[:200]}" if last else "exited while starting (nothing on stderr)"
        return f"last stderr line: {last[:200]}" if last else "nothing on stderr"

    def _end_group(self) -> None:
        """Kill what is left of the server's process group (a launcher's children)."""
        for pid in self.pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)

    # ---- calls ----------------------------------------------------------------------------------

    async def call(self, tool: str, arguments: dict[str, Any], timeout: float) -> CallOutcome:
        session = self._session
        if session is None or self.state is not ServerState.READY:
            raise ServerGone(self.status.summary())
        sdk = load_sdk()
        call = asyncio.ensure_future(session.call_tool(tool, arguments,
                                                       read_timeout_seconds=timedelta(seconds=timeout)))
        life = self.task
        if life is not None:  # the server going away ends the wait at once, not at the call's timeout
            await asyncio.wait({call, life}, return_when=asyncio.FIRST_COMPLETED)
            if not call.done():
                call.cancel()
                with contextlib.suppress(BaseException):
                    await call
                raise ServerGone(self.status.summary())
        try:
            result = await call
        except sdk.McpError as exc:
            if self.log.eof.is_set() or "closed" in str(exc).lower():
                await asyncio.sleep(0)  # let run() notice the exit and set the state
                raise ServerGone(f"{self.config.name} exited ({self._exit_reason()})") from None
            return CallOutcome(f"{tool}: {_plain(exc)}", is_error=True)
        return outcome_of(result, self.result_chars)

    async def read_resources(self) -> list[McpResource]:
        """Every resource the server lists (all pages)."""
        session = self._session
        if session is None or not self.resources:
            return []
        found: list[McpResource] = []
        cursor = None
        while True:
            listed = await session.list_resources(params=self._sdk_params(cursor))
            found += [McpResource(self.config.name, str(r.uri), r.name, r.description or "", r.mimeType,
                                  getattr(r, "size", None)) for r in listed.resources]
            cursor = getattr(listed, "nextCursor", None)
            if not cursor or len(found) > 10_000:
                return found

    async def read_resource(self, uri: str, limit: int) -> Any:
        """One resource's contents as ``ResourceText`` (text capped at ``limit`` characters)."""
        from qwen_tui.mcp.resources import resource_text

        session = self._session
        if session is None or self.state is not ServerState.READY:
            raise ServerGone(self.status.summary())
        sdk = load_sdk()
        read = asyncio.ensure_future(session.read_resource(uri))  # pydantic makes the AnyUrl
        life = self.task
        if life is not None:  # the server going away ends the wait at once, as for a call
            await asyncio.wait({read, life}, return_when=asyncio.FIRST_COMPLETED)
            if not read.done():
                read.cancel()
                with contextlib.suppress(BaseException):
                    await read
                raise ServerGone(self.status.summary())
        try:
            result = await read
        except sdk.McpError as exc:
            if self.log.eof.is_set() or "closed" in str(exc).lower():
                raise ServerGone(f"{self.config.name} exited ({self._exit_reason()})") from None
            raise ServerGone(f"{self.config.name} refused it: {_plain(exc)}") from None
        return resource_text(result, limit)


class _Gone(Exception):
    """The server exited while it was starting."""


def _file_name(server: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in server) or "_"
