"""The HTTP machinery every built-in provider shares: one keep-alive client per provider,
timeouts split into connect / first byte / between chunks, connect-time tracing, and the mapping
from HTTP failures to the ProviderError family.

Subclasses supply URLs, headers, the request body, and how to read their stream and error bodies.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import importlib
import json
import re
import threading
import time
from collections.abc import AsyncIterator, Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

from qwen_tui.providers.base import (
    AuthError, BadResponse, ChatRequest, Health, MissingKey, ModelInfo, ModelLoading, NotFound,
    PaymentRequired, Phase, ProviderError, ProviderSettings, ProviderTimeout, RateLimited,
    StreamEvent, ToolsUnsupported, Truncated, Unavailable,
)
from qwen_tui.redact import redact
from qwen_tui.timing import RequestTiming, clock

if TYPE_CHECKING:
    import ssl

    import httpx


class _ImportedAtFirstUse(ModuleType):
    """Stands for httpx until an attribute is first read, then imports it for real.

    httpx and what it pulls in take 40 ms (400 ms on a loaded machine) to import; the
    full-screen app would pay them before its first frame, though it opens no connection until
    after it. ``importlib.util.LazyLoader`` did this before, but on Python 3.11 it is not
    thread-safe: a second thread touching the module while the first executes it saw a
    half-filled module (``module 'httpx' has no attribute 'HTTPError'``), and every provider
    was shown down. A plain import, once, under a lock, cannot be seen half done: the import
    system makes any other importer wait for it.
    """

    def __getattr__(self, attr: str) -> Any:
        return getattr(load_http_client(), attr)


_IMPORT_LOCK = threading.Lock()


def load_http_client() -> ModuleType:
    """The real httpx module, imported once whichever thread asks first; later callers wait."""
    global httpx
    if not isinstance(httpx, _ImportedAtFirstUse):
        return httpx
    with _IMPORT_LOCK:
        module = importlib.import_module("httpx")
        httpx = module  # the stand-in is no longer consulted by this module's code
    return module


def http_client_loaded() -> bool:
    return not isinstance(httpx, _ImportedAtFirstUse)


#: What httpx's first connection imports otherwise, inside the first request's TTFT window:
#: httpcore picks its network backend at the first connect (``AutoBackend._init_backend``) and
#: anyio imports its asyncio backend and its lock, stream and socket modules lazily, at first
#: use (~20 ms cold on a 2-core machine, 40 ms loaded; bench/provider_overhead.py --cold).
FIRST_CONNECT_MODULES = ("sniffio", "anyio._backends._asyncio", "anyio.abc", "anyio.streams.tls",
                         "anyio.streams.stapled", "anyio.streams.memory", "httpcore._backends.anyio")
#: The anyio names httpcore reads on its first request (its locks, timeouts and connect).
FIRST_CONNECT_NAMES = ("Lock", "Semaphore", "Event", "CancelScope", "fail_after", "connect_tcp", "sleep",
                       "BrokenResourceError", "ClosedResourceError", "EndOfStream", "to_thread")
_FIRST_CONNECT_READY = False


def prepare_first_connection() -> None:
    """httpx imported, the TLS context built and the modules of a first connection imported:
    plain imports (the import system makes a second importer wait), on any thread."""
    shared_tls_context()
    for name in FIRST_CONNECT_MODULES:
        importlib.import_module(name)
    anyio = importlib.import_module("anyio")
    for name in FIRST_CONNECT_NAMES:
        getattr(anyio, name)


async def http_client_ready() -> None:
    """Import httpx, read the CA bundle and import what the first connection needs in a worker
    thread, so the event loop never runs (nor waits on) any of it, and the first request's TTFT
    window holds none of it: a no-op once done."""
    global _FIRST_CONNECT_READY
    if not _FIRST_CONNECT_READY:
        await asyncio.to_thread(prepare_first_connection)
        _FIRST_CONNECT_READY = True


if not TYPE_CHECKING:
    httpx = _ImportedAtFirstUse("httpx")

USER_AGENT = "qwen-tui/0.1"
#: A 400 about tool calling ("tools", "tool choice", "function calling") that says it is not
#: there ("does not support tools", "tool choice requires --enable-auto-tool-choice", "tools: extra
#: inputs are not permitted"), not one about a malformed tool message in the history.
TOOLS_NAMED = re.compile(r"\btools?\b|tool[ _-]?(?:choice|call|use)|function[ _-]?call", re.I)
TOOLS_ABSENT = re.compile(
    r"support|requires?\b|enable|not (?:allowed|permitted|available)|jinja|unrecognized|unknown (?:field|param)",
    re.I)
MAX_ERROR_BODY = 64 * 1024


_TLS_CONTEXT: ssl.SSLContext | None = None


def shared_tls_context() -> ssl.SSLContext:
    """One TLS context for every provider's client: building one reads the CA bundle (~15 ms),
    which each new client would otherwise do again, on the event loop. Built once, whichever
    thread asks first."""
    global _TLS_CONTEXT
    if _TLS_CONTEXT is None:
        module = load_http_client()
        with _IMPORT_LOCK:
            if _TLS_CONTEXT is None:
                _TLS_CONTEXT = module.create_ssl_context()
    return _TLS_CONTEXT


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds, from either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


#: Header name prefixes of rate-limit state: the common ``x-ratelimit-*`` and the IETF draft's.
RATE_LIMIT_PREFIXES = ("x-ratelimit-", "ratelimit-", "x-rate-limit-")


def rate_limit_headers(headers: Any) -> dict[str, str]:
    """The rate-limit headers of a response (name lower-case, without its prefix)."""
    found: dict[str, str] = {}
    for name, value in headers.items():
        lowered = name.lower()
        for prefix in RATE_LIMIT_PREFIXES:
            if lowered.startswith(prefix) and value.strip():
                found[lowered[len(prefix):] or lowered] = value.strip()[:40]
                break
    return found


def describe_limits(limits: dict[str, str]) -> str:
    """``remaining-requests 0, limit-requests 60, reset-requests 42s``: the headers as sent, short."""
    return ", ".join(f"{name} {value}" for name, value in sorted(limits.items()))


def error_text(body: Any) -> str:
    """The human part of an error body, whatever its shape."""
    if isinstance(body, dict):
        err = body.get("error", body.get("detail", body.get("message")))
        if isinstance(err, dict):
            return str(err.get("message") or err.get("code") or json.dumps(err))
        if isinstance(err, list):
            return "; ".join(error_text({"error": e}) if not isinstance(e, str) else e for e in err)
        if err is not None:
            return str(err)
        return json.dumps(body)[:300]
    if isinstance(body, list):
        return "; ".join(str(e) for e in body)[:300]
    return str(body)[:300]


class HTTPProvider:
    """Base of the built-in providers. Not a provider on its own."""

    kind = "http"
    needs_key = True
    label = "Provider"
    #: Phase announced when no response headers came after ``slow_header_s`` (Ollama: model load).
    slow_header_phase: str | None = None
    slow_header_s = 0.5

    def __init__(self, settings: ProviderSettings) -> None:
        self.settings = settings
        self._client: httpx.AsyncClient | None = None

    # -- identity ---------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.settings.name

    def __repr__(self) -> str:  # never shows the key
        return f"<{type(self).__name__} {self.name} {self.settings.base_url} model={self.settings.model}>"

    # -- client -----------------------------------------------------------------------------
    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None or self._client.is_closed:
            t = self.settings.timeouts
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(
                    connect=t.connect,
                    read=max(t.first_byte, t.between_chunks),
                    write=max(t.connect, 30.0),
                    pool=t.connect,
                ),
                limits=httpx.Limits(max_keepalive_connections=4, keepalive_expiry=120.0),
                headers={"User-Agent": USER_AGENT, **self.settings.headers},  # a gateway's, on every request
                trust_env=False,
                follow_redirects=False,
                verify=shared_tls_context(),
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # -- what subclasses define ---------------------------------------------------------------
    def auth_headers(self) -> dict[str, str]:
        key = self.settings.api_key
        return {"Authorization": f"Bearer {key}"} if key else {}

    def require_headers(self) -> None:
        """Every configured extra header has its value (its environment variable is set)."""
        unset = [env for header, env in self.settings.header_envs.items() if header not in self.settings.headers]
        if unset:
            raise MissingKey(self.name, f"no value for the header{'s' if len(unset) > 1 else ''} configured in "
                             f"headers ({', '.join(unset)} not set)",
                             f"set the environment variable{'s' if len(unset) > 1 else ''} {', '.join(unset)} "
                             "and start again")

    def require_key(self) -> None:
        self.require_headers()
        if self.needs_key and not self.settings.api_key:
            env = self.settings.api_key_env or "the api_key_env of this provider"
            raise MissingKey(
                self.name,
                "no API key",
                f"set the environment variable {env} (e.g. `export {env}=...`) and start again",
            )

    def warm_url(self) -> str:
        return self.settings.base_url

    #: What an unknown-model message calls the models it lists.
    models_word = "available"

    async def before_chat(self, request: ChatRequest) -> tuple[str, str, dict[str, str]]:  # pragma: no cover
        """URL, model and extra headers of a chat request."""
        raise NotImplementedError

    def chat_body(self, request: ChatRequest, model: str) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError

    def decode(self, resp: httpx.Response, timing: RequestTiming, partial: list[str],
               request: ChatRequest | None = None) -> AsyncIterator[StreamEvent]:
        """The events in a response body (SSE, NDJSON...), ending with ``Finished``."""
        raise NotImplementedError  # pragma: no cover

    async def list_models(self) -> list[ModelInfo]:  # pragma: no cover
        raise NotImplementedError

    def window_of(self, model: str, models: list[ModelInfo]) -> int | None:
        """The context window of ``model`` in a listing of this provider's models."""
        return next((m.context_window for m in models if m.id == model), None)

    async def context_window_for(self, model: str | None = None) -> int | None:
        """The listed context window of ``model`` (default: the configured one), None if unlisted."""
        return self.window_of(model or self.settings.model, await self.list_models())

    # -- shared operations ------------------------------------------------------------------
    async def warm(self) -> None:
        """Open (and keep) a connection so the first question does not pay connect/TLS time.
        Best effort: a failure here is met again, and told, by the question itself."""
        await http_client_ready()
        with contextlib.suppress(Exception):
            await self.open_connection()

    async def open_connection(self) -> None:
        await self.client.head(self.warm_url(), headers=self.auth_headers())

    async def check(self) -> Health:
        """One listing call, its outcome told as a Health. Only the provider's answer (or its
        silence) is mapped: any other exception is ours and propagates, for the caller to report
        as "check failed" (``providers.health.check_provider``, ``conversation.health``), never
        as a provider that is down."""
        key_set = bool(self.settings.api_key)
        start = clock()
        try:
            self.require_key()
            await http_client_ready()
            await self.list_models()
        except MissingKey as exc:
            return Health(self.name, reachable=False, key_set=False, key_accepted=None, error=exc.message)
        except AuthError as exc:
            return Health(
                self.name, reachable=True, key_set=key_set, key_accepted=False,
                latency_ms=(clock() - start) * 1000, error=exc.message,
            )
        except ProviderError as exc:
            reachable = exc.status is not None
            return Health(
                self.name, reachable=reachable, key_set=key_set, key_accepted=None,
                latency_ms=(clock() - start) * 1000 if reachable else None, error=exc.message,
            )
        return Health(
            self.name, reachable=True, key_set=key_set,
            key_accepted=True if (self.needs_key and key_set) else None,
            latency_ms=(clock() - start) * 1000,
        )

    async def get_json(self, url: str, *, headers: dict[str, str] | None = None, params: Any = None) -> Any:
        """One control call (listing, lookup) with errors mapped like a chat request's."""
        return await self.control_json("GET", url, headers=headers, params=params)

    async def control_json(self, method: str, url: str, *, headers: dict[str, str] | None = None,
                           params: Any = None, body: Any = None) -> Any:
        """A control call of any method (Ollama's ``POST /api/show``), its answer as JSON."""
        await http_client_ready()
        hdrs = {**self.auth_headers(), **(headers or {})}
        try:
            resp = await self.client.request(method, url, headers=hdrs, params=params, json=body)
        except httpx.HTTPError as exc:
            raise self.transport_error(exc, url, None) from None
        if resp.status_code >= 400:
            raise self.status_error(resp.status_code, resp.headers, resp.content, None, url=url)
        try:
            return resp.json()
        except ValueError:
            raise BadResponse(self.name, f"{url} answered with something that is not JSON",
                              "check base_url: it may point at the wrong server", status=resp.status_code) from None

    async def send_stream(
        self, method: str, url: str, body: dict[str, Any], timing: RequestTiming, headers: dict[str, str] | None = None,
        on_sent: Callable[[], None] | None = None,
    ) -> AsyncIterator[StreamEvent | httpx.Response]:
        """Send the request and wait for the response headers, within the first-byte timeout.

        Yields phase events as they happen while waiting (Ollama's ``loading_model`` must show
        while nothing has come, not after), then the open response, last. The caller closes it.
        Raises mapped ProviderErrors for every failure, including an HTTP error status.
        """
        hdrs = {**self.auth_headers(), "Accept": "text/event-stream", **(headers or {})}
        content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        hdrs["Content-Type"] = "application/json"

        async def trace(name: str, info: dict[str, Any]) -> None:
            if name == "connection.connect_tcp.started":
                timing.connect_started = clock()
            elif name in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
                timing.connect_done = clock()
                timing.reused_connection = False
            elif on_sent is not None and name.endswith(".send_request_body.complete"):
                asyncio.get_running_loop().call_soon(on_sent)  # its failure is not the request's

        req = self.client.build_request(method, url, content=content, headers=hdrs, extensions={"trace": trace})
        timing.started = clock()
        deadline = self.settings.timeouts.first_byte
        send: asyncio.Future[httpx.Response] | None = None
        try:
            if self.slow_header_phase:  # the phase shows while the headers are awaited: send beside
                send = asyncio.ensure_future(self.client.send(req, stream=True))
                done, _ = await asyncio.wait({send}, timeout=min(self.slow_header_s, deadline))
                if not done:
                    yield Phase(self.slow_header_phase, timing)  # type: ignore[arg-type]
                    deadline -= self.slow_header_s
                async with asyncio.timeout(max(deadline, 0.001)):
                    resp = await asyncio.shield(send)
            else:  # sent from this task: a task of its own starts a loop turn later, behind the screen's work
                async with asyncio.timeout(deadline):
                    resp = await self.client.send(req, stream=True)
        except TimeoutError:
            if send is not None:
                send.cancel()
            if timing.connect_started is not None and timing.connect_done is None:  # still connecting
                raise self.transport_error(httpx.ConnectTimeout("connect"), url, timing) from None
            raise ProviderTimeout(
                self.name,
                f"no response within {self.settings.timeouts.first_byte:g} s",
                self.timeout_fix(),
                timing=timing,
            ) from None
        except (asyncio.CancelledError, GeneratorExit):  # stopped while waiting: drop the request
            if send is not None:
                send.cancel()
            raise
        except httpx.HTTPError as exc:
            raise self.transport_error(exc, url, timing) from None
        timing.mark_headers()
        if resp.status_code >= 400:
            try:
                raw = b""
                try:
                    async for part in resp.aiter_raw():
                        raw += part
                        if len(raw) > MAX_ERROR_BODY:
                            break
                except httpx.HTTPError:
                    pass
            finally:
                await resp.aclose()
            raise self.status_error(resp.status_code, resp.headers, raw, timing, url=url)
        yield resp

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """One chat request: phases while waiting, then the decoded events. Every failure is a
        ProviderError carrying the partial text and the timing measured so far."""
        self.require_key()
        await http_client_ready()  # the first request's import is paid before its clock starts
        url, model, headers = await self.before_chat(request)
        timing = RequestTiming(self.name, model)
        partial: list[str] = []
        yield Phase("connecting", timing)
        resp: httpx.Response | None = None
        try:
            async for item in self.send_stream("POST", url, self.chat_body(request, model), timing, headers,
                                              on_sent=request.on_sent):
                if isinstance(item, httpx.Response):
                    resp = item
                else:
                    yield item
            assert resp is not None
            yield Phase("streaming", timing)
            async for event in self.decode(resp, timing, partial, request):
                yield event
        except NotFound as exc:
            hint = await self.available_hint()
            if hint:
                exc.fix = f"{exc.fix}; {hint}"
                exc.args = (exc.message,)
            raise self._failed(exc, timing, partial) from None
        except ProviderError as exc:
            raise self._failed(self.tools_refused(exc, request), timing, partial) from None
        except (asyncio.CancelledError, GeneratorExit):
            timing.outcome = "cancelled"
            raise
        finally:
            if resp is not None:
                await resp.aclose()

    def tools_refused(self, exc: ProviderError, request: ChatRequest) -> ProviderError:
        """A request with tools refused in words that name them: ``ToolsUnsupported``, so the
        loop can go on without tools (SEARCH/REPLACE) instead of failing the question."""
        if (request.tools and type(exc) is BadResponse and exc.status in (400, 422)
                and TOOLS_NAMED.search(exc.what) and TOOLS_ABSENT.search(exc.what)):
            return ToolsUnsupported(
                self.name, f"this model or server does not take tool calls ({exc.what})",
                "edits go as SEARCH/REPLACE blocks instead; set tool_calls = false for this provider to skip the try",
                status=exc.status, timing=exc.timing)
        return exc

    @staticmethod
    def _failed(exc: ProviderError, timing: RequestTiming, partial: list[str]) -> ProviderError:
        timing.outcome = "error"
        exc.partial_text = exc.partial_text or "".join(partial)
        exc.timing = exc.timing or timing
        return exc

    async def available_hint(self) -> str:
        """A few model names for an unknown-model message; empty if they cannot be had quickly."""
        try:
            async with asyncio.timeout(3.0):
                models = await self.list_models()
        except (ProviderError, TimeoutError):
            return ""
        names = [m.id for m in models if not m.sandbox][:5]
        return f"{self.models_word}: {', '.join(names)}" if names else ""

    async def iter_raw(self, resp: httpx.Response, timing: RequestTiming, partial: list[str]) -> AsyncIterator[bytes]:
        """Raw body chunks, with the between-chunks timeout and drops mapped to Truncated.

        The timeout is a watchdog that re-arms itself from the time of the last chunk, so a chunk
        costs one float store instead of a timer per read (a timer per read was 15% of decoding).
        Once the caller has seen its end marker it sets ``timing.outcome = "ending"``; the rest of
        the body (the chunked terminator) is then read quietly, so the connection goes back to
        the pool for reuse instead of being closed.
        """
        gap = self.settings.timeouts.between_chunks
        loop = asyncio.get_running_loop()
        since = loop.time()  # when the current wait for data began
        reading = False
        handle: asyncio.TimerHandle | None = None
        chunks = resp.aiter_raw().__aiter__()
        try:
            async with asyncio.timeout(None) as deadline:

                def watchdog() -> None:
                    nonlocal handle
                    limit = 0.5 if timing.outcome == "ending" else gap
                    now = loop.time()
                    if reading and now - since >= limit:
                        deadline.reschedule(now)  # TimeoutError in this generator's await
                    else:
                        handle = loop.call_at((since if reading else now) + limit, watchdog)

                handle = loop.call_at(since + gap, watchdog)
                while True:
                    since, reading = loop.time(), True
                    try:
                        chunk = await chunks.__anext__()
                    except StopAsyncIteration:
                        return
                    finally:
                        reading = False
                    if timing.outcome != "ending":
                        yield chunk
        except (TimeoutError, httpx.HTTPError) as exc:
            if timing.outcome == "ending":
                return
            if isinstance(exc, TimeoutError):
                raise ProviderTimeout(
                    self.name,
                    f"the stream stalled: no data for {gap:g} s",
                    "the partial answer is kept; ask again, or raise read_timeout in the config",
                    partial_text="".join(partial),
                    timing=timing,
                ) from None
            raise Truncated(
                self.name,
                f"the connection dropped mid-answer ({type(exc).__name__})",
                "the partial answer is kept; ask again to get the rest",
                partial_text="".join(partial),
                timing=timing,
            ) from None
        finally:
            if handle is not None:
                handle.cancel()

    # -- error mapping --------------------------------------------------------------------------
    def timeout_fix(self) -> str:
        return "the provider may be overloaded; try again, or raise first_byte_timeout in the config"

    def refused_message(self, url: str) -> tuple[str, str]:
        return (f"cannot connect to {self.settings.base_url} (connection refused)",
                "check base_url in the config and that the server is up")

    def transport_error(self, exc: httpx.HTTPError, url: str, timing: RequestTiming | None) -> ProviderError:
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            return ProviderTimeout(
                self.name, f"could not connect to {self.settings.base_url} within {self.settings.timeouts.connect:g} s",
                "check the network and base_url", timing=timing,
            )
        if isinstance(exc, httpx.ConnectError):
            what, fix = self.refused_message(url)
            text = str(exc).lower()
            if "name or service" in text or "nodename" in text or "getaddrinfo" in text or "resolution" in text:
                what = f"cannot resolve the host of {self.settings.base_url}"
                fix = "check base_url and your network/DNS"
            return Unavailable(self.name, what, fix, timing=timing)
        if isinstance(exc, httpx.TimeoutException):
            return ProviderTimeout(self.name, "the request timed out", self.timeout_fix(), timing=timing)
        if isinstance(exc, httpx.RemoteProtocolError):
            return Truncated(self.name, "the server closed the connection without an answer",
                             "try again; if it persists the server is failing", timing=timing)
        return Unavailable(self.name, f"network error ({type(exc).__name__})", "check the network and try again",
                           timing=timing)

    def parse_error_body(self, raw: bytes) -> Any:
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace").strip()[:300]

    def key_hint(self) -> str:
        env = self.settings.api_key_env
        return f"check the key in {env}" if env else "check the key"

    def not_found_fix(self) -> str:
        return "check the model name (`qwen-tui models " + self.name + "` lists them)"

    def is_model_not_found(self, status: int, body: Any, text: str) -> bool:
        lowered = text.lower()
        return (
            status == 404
            or "model_not_found" in json.dumps(body)
            or "not supported by any provider" in lowered
            or "model not found" in lowered
        )

    def status_error(
        self, status: int, headers: httpx.Headers, raw: bytes, timing: RequestTiming | None, *, url: str = ""
    ) -> ProviderError:
        body = self.parse_error_body(raw)
        text = redact(error_text(body))
        retry = retry_after_seconds(headers.get("retry-after"))
        kw: dict[str, Any] = {"status": status, "timing": timing, "retry_after": retry}
        if status in (401, 403):
            return AuthError(self.name, f"the key was refused ({status}: {text})", self.key_hint(), **kw)
        if status == 402:
            return PaymentRequired(self.name, f"payment required ({text})", "check your plan or credits", **kw)
        if status == 429:
            when = f"try again in {retry:.0f} s" if retry is not None else "wait a moment and try again"
            limits = rate_limit_headers(headers)
            shown = f"; limits: {describe_limits(limits)}" if limits else ""
            error = RateLimited(self.name, f"rate limited ({text}{shown})", when, **kw)
            error.limits = limits
            return error
        if status == 503 and isinstance(body, dict) and "estimated_time" in body:
            eta = body.get("estimated_time")
            when = f"try again in about {float(eta):.0f} s" if isinstance(eta, int | float) else "try again shortly"
            return ModelLoading(self.name, f"the model is loading ({text})", when, **kw)
        if status == 410:
            model = timing.model if timing is not None else self.settings.model
            return NotFound(self.name, f"the model {model} is no longer served ({status}: {text})",
                            f"pick another: `qwen-tui models {self.name}` lists the models served now", **kw)
        if status == 404 or self.is_model_not_found(status, body, text):
            return NotFound(self.name, f"not found ({status}: {text})", self.not_found_fix(), **kw)
        if status in (408, 504):
            return ProviderTimeout(self.name, f"the server timed out ({status}: {text})", self.timeout_fix(), **kw)
        if status >= 500:
            when = f"try again in {retry:.0f} s" if retry is not None else "try again later"
            return Unavailable(self.name, f"server error {status} ({text})", when, **kw)
        return BadResponse(self.name, f"the request was rejected ({status}: {text})",
                           "check the model and the request settings", **kw)
