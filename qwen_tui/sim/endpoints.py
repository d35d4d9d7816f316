"""The providers' HTTP endpoints: auth, model checks and listings, then the chat wire formats.

Checks run in the order the real services apply them: credentials (401), then the model (400/404),
then Blaxel's sandbox rule (403). Only a chat request that passes them all takes a queued fault.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from qwen_tui.sim import catalog
from qwen_tui.sim.agent_wire import agent_answer
from qwen_tui.sim.chat import ChatJob
from qwen_tui.sim.errors import error_response
from qwen_tui.sim.knobs import SimState
from qwen_tui.sim.ollama_wire import ollama_chat
from qwen_tui.sim.openai_wire import openai_chat
from qwen_tui.sim.script import history_problem, tools_refusal

BLAXEL_VERSION_HEADER = "Blaxel-Version"
BLAXEL_DEFAULT_LIMIT = 20
BLAXEL_MAX_LIMIT = 100

# Set by the recording middleware on every request.
ARRIVED = web.RequestKey("sim_arrived", float)  # event-loop time when the request arrived
BODY = web.RequestKey("sim_body", object)  # the parsed JSON body, or None
RECORDED = web.RequestKey("sim_recorded", object)  # the RecordedRequest of this request

Wire = Callable[[web.Request, ChatJob], Awaitable[web.StreamResponse]]


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps(data, ensure_ascii=False),
        content_type="application/json",
    )


def root_url(request: web.Request) -> str:
    """The simulator's base URL as this client reached it."""
    return f"{request.scheme}://{request.host}"


@dataclass
class Endpoints:
    state: SimState
    keys: dict[str, str]
    workspace: str

    def routes(self) -> list[web.RouteDef]:
        return [
            # Hugging Face router
            web.post("/hf/v1/chat/completions", self.hf_chat),
            web.get("/hf/v1/models", self.hf_models),
            # SambaNova
            web.post("/sambanova/v1/chat/completions", self.sambanova_chat),
            web.get("/sambanova/v1/models", self.sambanova_models),
            web.get("/sambanova/v1/models/{model_id}", self.sambanova_model),
            # Ollama, native and /v1
            web.get("/ollama", self.ollama_root),
            web.get("/ollama/", self.ollama_root),
            web.post("/ollama/api/chat", self.ollama_chat),
            web.get("/ollama/api/tags", self.ollama_tags),
            web.post("/ollama/api/show", self.ollama_show),
            web.get("/ollama/api/ps", self.ollama_ps),
            web.get("/ollama/api/version", self.ollama_version),
            web.post("/ollama/v1/chat/completions", self.ollama_openai_chat),
            web.get("/ollama/v1/models", self.ollama_openai_models),
            # Blaxel control plane and run plane
            web.get("/blaxel/api/v0/models", self.blaxel_models),
            web.get("/blaxel/api/v0/models/{name}", self.blaxel_model),
            web.get("/blaxel/api/v0/agents", self.blaxel_agents),
            web.get("/blaxel/api/v0/agents/{name}", self.blaxel_agent),
            web.get("/blaxel/api/v0/workspaces", self.blaxel_workspaces),
            web.post(
                "/blaxel/run/{workspace}/models/{model}/v1/chat/completions", self.blaxel_chat
            ),
            web.post("/blaxel/run/{workspace}/agents/{name}", self.blaxel_agent_run),
            # any OpenAI-compatible server
            web.post("/openai/v1/chat/completions", self.openai_chat),
            web.get("/openai/v1/models", self.openai_models),
            web.get("/openai/v1/models/{model_id}", self.openai_model),
        ]

    # ------------------------------------------------------------ shared

    def _bearer_ok(self, request: web.Request, provider: str) -> bool:
        return request.headers.get("Authorization", "") == f"Bearer {self.keys[provider]}"

    def _chat_body(self, request: web.Request, style: str) -> dict[str, Any] | web.Response:
        body = request[BODY]
        if not isinstance(body, dict):
            return error_response(style, 400, "The request body must be a JSON object.")
        if not isinstance(body.get("messages"), list):
            return error_response(style, 400, "'messages' is required and must be a list.")
        return body

    async def _run_chat(
        self, request: web.Request, provider: str, style: str, model: str, wire: Wire
    ) -> web.StreamResponse:
        knobs = self.state.knobs[provider].snapshot()
        body = request[BODY]
        wire_style = "ollama" if style == "ollama" else "openai"
        problem = history_problem(body, wire_style)
        if problem is not None:
            return error_response(style, 400, problem)
        if knobs.refuse_tools and body.get("tools"):
            return error_response(style, 400, tools_refusal(wire_style, model))
        job = ChatJob(
            provider=provider,
            style=style,
            model=model,
            body=body,
            knobs=knobs,
            fault=self.state.take_fault(provider),
            t0=request[ARRIVED],
            step=self.state.next_step(provider, knobs),
        )
        try:
            return await wire(request, job)
        finally:
            pacer, recorded = job.last_pacer, request.get(RECORDED)
            ended = time.perf_counter()
            if pacer is not None and recorded is not None and pacer.first_sent is not None:
                self.state.note_tokens(recorded, pacer.first_sent, pacer.last_sent, ended)

    # ------------------------------------------------------------ Hugging Face

    async def hf_chat(self, request: web.Request) -> web.StreamResponse:
        if not self._bearer_ok(request, "huggingface"):
            return error_response("huggingface", 401)
        body = self._chat_body(request, "huggingface")
        if isinstance(body, web.Response):
            return body
        requested = str(body.get("model") or "")
        model = catalog.hf_model_id(requested)
        if model not in catalog.HF_MODELS:
            return error_response(
                "huggingface",
                400,
                f"The requested model '{requested}' is not supported by any provider you have "
                "enabled.",
            )
        return await self._run_chat(request, "huggingface", "huggingface", model, openai_chat)

    async def hf_models(self, request: web.Request) -> web.Response:
        # the router lists models without a token, but a wrong token is still refused
        if "Authorization" in request.headers and not self._bearer_ok(request, "huggingface"):
            return error_response("huggingface", 401)
        return json_response(catalog.hf_models())

    # ------------------------------------------------------------ SambaNova

    async def sambanova_chat(self, request: web.Request) -> web.StreamResponse:
        if not self._bearer_ok(request, "sambanova"):
            return error_response("sambanova", 401)
        body = self._chat_body(request, "sambanova")
        if isinstance(body, web.Response):
            return body
        model = str(body.get("model") or "")
        if model not in catalog.SAMBANOVA_MODELS:
            return self._sambanova_unknown(model)
        return await self._run_chat(request, "sambanova", "sambanova", model, openai_chat)

    def _sambanova_unknown(self, model: str) -> web.Response:
        return error_response(
            "sambanova", 404, f"Model not found: {model!r} does not exist.", code="model_not_found"
        )

    async def sambanova_models(self, request: web.Request) -> web.Response:
        if not self._bearer_ok(request, "sambanova"):
            return error_response("sambanova", 401)
        return json_response(catalog.sambanova_models())

    async def sambanova_model(self, request: web.Request) -> web.Response:
        if not self._bearer_ok(request, "sambanova"):
            return error_response("sambanova", 401)
        model = request.match_info["model_id"]
        if model not in catalog.SAMBANOVA_MODELS:
            return self._sambanova_unknown(model)
        return json_response(catalog.sambanova_model(model))

    # ------------------------------------------------------------ Ollama

    async def ollama_root(self, request: web.Request) -> web.Response:
        return web.Response(text="Ollama is running")

    async def ollama_chat(self, request: web.Request) -> web.StreamResponse:
        body = request[BODY]
        if not isinstance(body, dict):
            return error_response("ollama", 400, "invalid request: body must be a JSON object")
        requested = str(body.get("model") or "")
        if not requested:
            return error_response("ollama", 400, "model is required")
        name = catalog.ollama_model_name(requested)
        if name is None:
            return error_response("ollama", 404, f"model '{requested}' not found")
        if not isinstance(body.get("messages", []), list):
            return error_response("ollama", 400, "invalid messages: must be a list")
        options = body.get("options") if isinstance(body.get("options"), dict) else {}
        num_ctx = options.get("num_ctx")
        # like Ollama: a num_ctx above the model's trained length is cut to it; none means 4096
        ctx = min(num_ctx, catalog.OLLAMA_MODELS[name]["context_length"]) if isinstance(num_ctx, int) and num_ctx > 0 \
            else catalog.OLLAMA_DEFAULT_NUM_CTX
        self.state.mark_loaded(name, ctx)
        return await self._run_chat(request, "ollama", "ollama", requested, ollama_chat)

    async def ollama_tags(self, request: web.Request) -> web.Response:
        return json_response(catalog.ollama_tags())

    async def ollama_show(self, request: web.Request) -> web.Response:
        body = request[BODY]
        requested = ""
        if isinstance(body, dict):
            requested = str(body.get("model") or body.get("name") or "")
        name = catalog.ollama_model_name(requested) if requested else None
        if name is None:
            return error_response("ollama", 404, f"model '{requested}' not found")
        return json_response(catalog.ollama_show(name))

    async def ollama_ps(self, request: web.Request) -> web.Response:
        return json_response(catalog.ollama_ps(list(self.state.ollama_loaded), dict(self.state.ollama_loaded_ctx)))

    async def ollama_version(self, request: web.Request) -> web.Response:
        return json_response({"version": "0.5.1"})

    async def ollama_openai_chat(self, request: web.Request) -> web.StreamResponse:
        body = self._chat_body(request, "ollama_openai")
        if isinstance(body, web.Response):
            return body
        requested = str(body.get("model") or "")
        name = catalog.ollama_model_name(requested)
        if name is None:
            return error_response("ollama_openai", 404, f"model '{requested}' not found")
        self.state.mark_loaded(name)
        return await self._run_chat(request, "ollama", "ollama_openai", requested, openai_chat)

    async def ollama_openai_models(self, request: web.Request) -> web.Response:
        return json_response(catalog.ollama_openai_models())

    # ------------------------------------------------------------ Blaxel

    def _blaxel_auth(self, request: web.Request) -> web.Response | str:
        """The workspace the request may act on, or the error to send."""
        if request.headers.get("X-Blaxel-Authorization", "") != f"Bearer {self.keys['blaxel']}":
            return error_response("blaxel", 401)
        workspace = request.headers.get("X-Blaxel-Workspace", "")
        if not workspace:
            return error_response(
                "blaxel", 401, "Authentication failed: the X-Blaxel-Workspace header is missing."
            )
        if workspace not in (self.workspace, catalog.OTHER_WORKSPACE):
            return error_response(
                "blaxel", 403, f"You do not have access to workspace '{workspace}'."
            )
        return workspace

    def _blaxel_model_names(self, workspace: str) -> list[str]:
        if workspace != self.workspace:
            return []
        extra = self.state.knobs["blaxel"].extra_models
        return list(catalog.BLAXEL_MODELS) + catalog.blaxel_extra_model_names(extra)

    def _blaxel_agent_names(self, workspace: str) -> list[str]:
        return list(catalog.BLAXEL_AGENTS) if workspace == self.workspace else []

    def _blaxel_run_url(self, request: web.Request) -> str:
        return f"{root_url(request)}/blaxel/run"

    def _blaxel_not_found(self, kind: str, name: str) -> web.Response:
        return error_response(
            "blaxel",
            404,
            f"{kind} '{name}' not found in this workspace.",
            code="WORKLOAD_NOT_FOUND",
        )

    async def blaxel_models(self, request: web.Request) -> web.Response:
        workspace = self._blaxel_auth(request)
        if isinstance(workspace, web.Response):
            return workspace
        run_url = self._blaxel_run_url(request)
        items = [
            catalog.blaxel_model(name, workspace, run_url)
            for name in self._blaxel_model_names(workspace)
        ]
        return blaxel_listing(request, items, self.state.knobs["blaxel"].page_keys)

    async def blaxel_model(self, request: web.Request) -> web.Response:
        workspace = self._blaxel_auth(request)
        if isinstance(workspace, web.Response):
            return workspace
        name = request.match_info["name"]
        if name not in self._blaxel_model_names(workspace):
            return self._blaxel_not_found("Model", name)
        return json_response(catalog.blaxel_model(name, workspace, self._blaxel_run_url(request)))

    async def blaxel_agents(self, request: web.Request) -> web.Response:
        workspace = self._blaxel_auth(request)
        if isinstance(workspace, web.Response):
            return workspace
        run_url = self._blaxel_run_url(request)
        items = [
            catalog.blaxel_agent(name, workspace, run_url)
            for name in self._blaxel_agent_names(workspace)
        ]
        return blaxel_listing(request, items, self.state.knobs["blaxel"].page_keys)

    async def blaxel_agent(self, request: web.Request) -> web.Response:
        workspace = self._blaxel_auth(request)
        if isinstance(workspace, web.Response):
            return workspace
        name = request.match_info["name"]
        if name not in self._blaxel_agent_names(workspace):
            return self._blaxel_not_found("Agent", name)
        return json_response(catalog.blaxel_agent(name, workspace, self._blaxel_run_url(request)))

    async def blaxel_workspaces(self, request: web.Request) -> web.Response:
        workspace = self._blaxel_auth(request)
        if isinstance(workspace, web.Response):
            return workspace
        return blaxel_listing(
            request, catalog.blaxel_workspaces(self.workspace), self.state.knobs["blaxel"].page_keys
        )

    async def blaxel_chat(self, request: web.Request) -> web.StreamResponse:
        workspace = self._blaxel_auth(request)
        if isinstance(workspace, web.Response):
            return workspace
        if request.match_info["workspace"] != workspace:
            return error_response(
                "blaxel",
                403,
                f"The URL's workspace '{request.match_info['workspace']}' does not match the "
                f"X-Blaxel-Workspace header '{workspace}'.",
            )
        name = request.match_info["model"]
        if name not in self._blaxel_model_names(workspace):
            return self._blaxel_not_found("Model", name)
        runtime_type, runtime_model, sandbox = catalog.blaxel_runtime(name)
        if sandbox:
            return error_response("blaxel", 403, "Endpoint not allowed on sandbox model")
        if runtime_type != "openai":
            return error_response(
                "blaxel", 404, f"No route /v1/chat/completions on a model of runtime type '{runtime_type}'.",
                code="WORKLOAD_NOT_FOUND",
            )
        body = self._chat_body(request, "blaxel")
        if isinstance(body, web.Response):
            return body
        # The run plane proxies to the runtime; the request's model is expected to be
        # spec.runtime.model but is not enforced (recorded for tests to check).
        return await self._run_chat(request, "blaxel", "blaxel", runtime_model, openai_chat)

    async def blaxel_agent_run(self, request: web.Request) -> web.StreamResponse:
        """An agent's run-plane endpoint: any JSON body (the agent defines it; Blaxel's templates
        read ``inputs``), the answer as the response body."""
        workspace = self._blaxel_auth(request)
        if isinstance(workspace, web.Response):
            return workspace
        if request.match_info["workspace"] != workspace:
            return error_response("blaxel", 403, f"The URL's workspace '{request.match_info['workspace']}' "
                                  f"does not match the X-Blaxel-Workspace header '{workspace}'.")
        name = request.match_info["name"]
        if name not in self._blaxel_agent_names(workspace):
            return self._blaxel_not_found("Agent", name)
        if not isinstance(request[BODY], dict):
            return error_response("blaxel", 400, "The request body must be a JSON object.")
        return await self._run_chat(request, "blaxel", "blaxel", name, agent_answer)

    # ------------------------------------------------------------ generic OpenAI-compatible

    def _openai_unknown(self, model: str) -> web.Response:
        return error_response(
            "openai",
            404,
            f"The model `{model}` does not exist or you do not have access to it.",
            code="model_not_found",
        )

    async def openai_chat(self, request: web.Request) -> web.StreamResponse:
        if not self._bearer_ok(request, "openai"):
            return error_response("openai", 401)
        body = self._chat_body(request, "openai")
        if isinstance(body, web.Response):
            return body
        model = str(body.get("model") or "")
        if model not in catalog.OPENAI_MODELS:
            return self._openai_unknown(model)
        return await self._run_chat(request, "openai", "openai", model, openai_chat)

    async def openai_models(self, request: web.Request) -> web.Response:
        if not self._bearer_ok(request, "openai"):
            return error_response("openai", 401)
        return json_response(catalog.openai_models())

    async def openai_model(self, request: web.Request) -> web.Response:
        if not self._bearer_ok(request, "openai"):
            return error_response("openai", 401)
        model = request.match_info["model_id"]
        if model not in catalog.OPENAI_MODELS:
            return self._openai_unknown(model)
        return json_response(
            {"id": model, "object": "model", "created": catalog.CREATED, "owned_by": "simulator"}
        )


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    padded = cursor + "=" * (-len(cursor) % 4)
    data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    offset = data["offset"]
    if not isinstance(offset, int) or offset < 0:
        raise ValueError("bad offset")
    return offset


def blaxel_listing(request: web.Request, items: list[dict[str, Any]], page_keys: str = "camel") -> web.Response:
    """A bare array, or with ``Blaxel-Version`` one page: ``{"data", "meta"}`` (cursor, limit).

    ``meta`` is camelCase as on the wire (``hasMore``, ``nextCursor`` omitted on the last page,
    ``total``, ``totalIsPartial``); ``page_keys="snake"`` sends ``has_more``/``next_cursor``.
    """
    if not request.headers.get(BLAXEL_VERSION_HEADER):
        return json_response(items)
    try:
        limit = int(request.query.get("limit", BLAXEL_DEFAULT_LIMIT))
        if not 1 <= limit <= BLAXEL_MAX_LIMIT:
            raise ValueError
    except ValueError:
        return error_response(
            "blaxel", 400, f"'limit' must be an integer from 1 to {BLAXEL_MAX_LIMIT}."
        )
    cursor = request.query.get("cursor")
    offset = 0
    if cursor:
        try:
            offset = _decode_cursor(cursor)
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
            return error_response("blaxel", 400, "'cursor' is not a valid cursor.")
    page = items[offset : offset + limit]
    has_more = offset + limit < len(items)
    more, cursor_key = ("hasMore", "nextCursor") if page_keys == "camel" else ("has_more", "next_cursor")
    meta: dict[str, Any] = {more: has_more, "total": len(items), "totalIsPartial": False}
    if has_more:
        meta[cursor_key] = _encode_cursor(offset + limit)
    return json_response({"data": page, "meta": meta})
