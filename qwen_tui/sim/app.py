"""The aiohttp application: request recording, the provider endpoints and the ``/_sim`` control API.

The control API lets another process (a benchmark driving the app in a pty, a test that kills the
app) set knobs, queue faults and read what the simulator received.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from qwen_tui.sim.endpoints import ARRIVED, BODY, RECORDED, Endpoints, json_response
from qwen_tui.sim.knobs import PROVIDERS, Fault, RecordedRequest, SimError, SimState

CONTROL_PREFIX = "/_sim"
_PREFIXES = {
    "/hf/": "huggingface",
    "/sambanova/": "sambanova",
    "/ollama": "ollama",
    "/blaxel/": "blaxel",
    "/openai/": "openai",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def provider_for_path(path: str) -> str | None:
    for prefix, provider in _PREFIXES.items():
        if path.startswith(prefix):
            return provider
    return None


def is_chat_path(path: str) -> bool:
    return (path.endswith("/chat/completions") or path == "/ollama/api/chat"
            or (path.startswith("/blaxel/run/") and "/agents/" in path))


def _parse_body(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


def build_app(state: SimState, keys: dict[str, str], workspace: str) -> web.Application:
    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        request[ARRIVED] = asyncio.get_running_loop().time()
        received_at = time.perf_counter()
        if request.path.startswith(CONTROL_PREFIX):
            return await handler(request)
        raw = await request.read()
        request[BODY] = _parse_body(raw)
        recorded = RecordedRequest(
            provider=provider_for_path(request.path),
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers={name.lower(): value for name, value in request.headers.items()},
            body=request[BODY],
            received_at=received_at,
            is_chat=is_chat_path(request.path),
        )
        request[RECORDED] = recorded
        state.record(recorded)
        return await handler(request)

    app = web.Application(middlewares=[record])
    endpoints = Endpoints(state=state, keys=keys, workspace=workspace)
    app.add_routes(endpoints.routes())
    app.add_routes(_control_routes(state, endpoints))
    return app


def _control_routes(state: SimState, endpoints: Endpoints) -> list[web.RouteDef]:
    async def read_json(request: web.Request) -> dict[str, Any]:
        try:
            data = await request.json()
        except ValueError as exc:
            raise SimError("the body must be a JSON object") from exc
        if not isinstance(data, dict):
            raise SimError("the body must be a JSON object")
        return data

    def all_knobs() -> dict[str, Any]:
        return {name: state.knobs[name].to_json() for name in PROVIDERS}

    async def get_knobs(request: web.Request) -> web.Response:
        return json_response(all_knobs())

    async def set_knobs(request: web.Request) -> web.Response:
        try:
            data = await read_json(request)
            provider = data.pop("provider", None)
            state.set_knobs(provider, **data)
        except (SimError, TypeError) as exc:
            return json_response({"error": str(exc)}, status=400)
        return json_response(all_knobs())

    async def push_fault(request: web.Request) -> web.Response:
        try:
            data = await read_json(request)
            provider = data.pop("provider", None)
            fault = Fault.from_json(data)
            state.push_fault(fault, provider)
        except (SimError, TypeError) as exc:
            return json_response({"error": str(exc)}, status=400)
        return json_response({"queued": len(state.faults)})

    async def get_requests(request: web.Request) -> web.Response:
        return json_response([r.to_json() for r in state.recorded()])

    async def reset(request: web.Request) -> web.Response:
        state.reset()
        return json_response({"reset": True})

    return [
        web.get(f"{CONTROL_PREFIX}/knobs", get_knobs),
        web.post(f"{CONTROL_PREFIX}/knobs", set_knobs),
        web.post(f"{CONTROL_PREFIX}/fault", push_fault),
        web.get(f"{CONTROL_PREFIX}/requests", get_requests),
        web.post(f"{CONTROL_PREFIX}/reset", reset),
    ]
