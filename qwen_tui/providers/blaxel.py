"""Blaxel: a control plane (models, agents, workspaces) and a run plane (inference).

A model is called at its run-plane URL (``metadata.url`` from the control plane, else
``{base_url}/{workspace}/models/{model}``) + ``/v1/chat/completions``, with the request ``model``
set to ``spec.runtime.model`` when known. Sandbox models refuse chat through the API (403
"Endpoint not allowed on sandbox model"): we say what that means and how to fix it.
"""

from __future__ import annotations

from typing import Any

from qwen_tui.providers.base import (
    AuthError,
    ChatRequest,
    MissingKey,
    ModelInfo,
    NotFound,
    ProviderError,
    SandboxModel,
    Unavailable,
    UnsupportedModel,
)
from qwen_tui.providers.http import error_text, retry_after_seconds
from qwen_tui.providers.openai_compat import OpenAICompatProvider

BLAXEL_VERSION = "2026-09-22"  # sdk-python core/common/settings.py BLAXEL_API_VERSION
OPENAI_RUNTIME = "openai"  # the one runtime type the SDK's OpenAI binding accepts (openai/model.py)
SANDBOX_TEXT = "Endpoint not allowed on sandbox model"
PAGE_LIMIT = 100
MAX_PAGES = 50


def next_page_cursor(meta: Any) -> str | None:
    """The cursor of the next page, or None on the last one.

    The wire is camelCase (``hasMore``, ``nextCursor``); snake_case is accepted as the SDK's
    reader (``pagination_meta.py``) accepts it. An empty cursor ends the walk, as in the SDK.
    """
    if not isinstance(meta, dict):
        return None
    has_more = meta.get("hasMore", meta.get("has_more"))
    cursor = meta.get("nextCursor", meta.get("next_cursor"))
    if not has_more or not isinstance(cursor, str) or not cursor:
        return None
    return cursor


class BlaxelProvider(OpenAICompatProvider):
    kind = "blaxel"
    needs_key = True
    label = "Blaxel"

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self._resolved: dict[str, tuple[str, str, bool]] = {}  # model -> (url, runtime model, sandbox)
        self._runtime_types: dict[str, str] = {}  # model -> spec.runtime.type, when the control plane said

    # -- headers and URLs -------------------------------------------------------------------
    def require_key(self) -> None:
        super().require_key()
        if not self.settings.workspace:
            raise MissingKey(
                self.name, "no workspace set",
                "set BL_WORKSPACE or `workspace` under [providers.blaxel] in the config",
            )

    def auth_headers(self) -> dict[str, str]:
        headers = {}
        if self.settings.api_key:
            headers["X-Blaxel-Authorization"] = f"Bearer {self.settings.api_key}"
        if self.settings.workspace:
            headers["X-Blaxel-Workspace"] = self.settings.workspace
        return headers

    @property
    def api_url(self) -> str:
        return (self.settings.api_url or "https://api.blaxel.ai/v0").rstrip("/")

    def default_model_url(self, model: str) -> str:
        return f"{self.settings.base_url}/{self.settings.workspace}/models/{model}"

    def warm_url(self) -> str:
        return f"{self.api_url}/models"

    def key_hint(self) -> str:
        env = self.settings.api_key_env or "BL_API_KEY"
        return f"check {env} and that the workspace {self.settings.workspace!r} is yours"

    def not_found_fix(self) -> str:
        return f"check the model name; `qwen-tui models {self.name}` lists the workspace's models"

    # -- control plane ------------------------------------------------------------------------
    async def get_json(self, url: str, *, headers: dict[str, str] | None = None, params: Any = None) -> Any:
        """Every control-plane call carries ``Blaxel-Version``, as the SDK's do (the API's shape,
        paged listings included, depends on it)."""
        return await super().get_json(url, headers={"Blaxel-Version": BLAXEL_VERSION, **(headers or {})},
                                      params=params)

    async def _list(self, what: str) -> list[dict[str, Any]]:
        """All pages of a control-plane listing (``Blaxel-Version`` pagination)."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            params: dict[str, Any] = {"limit": PAGE_LIMIT}
            if cursor:
                params["cursor"] = cursor
            body = await self.get_json(f"{self.api_url}/{what}", params=params)
            if isinstance(body, list):  # an older API without pagination
                items.extend(i for i in body if isinstance(i, dict))
                break
            page = body.get("data", []) if isinstance(body, dict) else []
            items.extend(i for i in page if isinstance(i, dict))
            cursor = next_page_cursor(body.get("meta") if isinstance(body, dict) else None)
            if cursor is None:
                break
        return items

    async def list_models(self) -> list[ModelInfo]:
        self.require_key()
        models = []
        for item in await self._list("models"):
            meta, spec = item.get("metadata") or {}, item.get("spec") or {}
            name = meta.get("name")
            if isinstance(name, str):
                models.append(ModelInfo(name, sandbox=bool(spec.get("sandbox")), details=item))
        return models

    async def list_agents(self) -> list[dict[str, Any]]:
        self.require_key()
        return await self._list("agents")

    async def list_workspaces(self) -> list[dict[str, Any]]:
        self.require_key()
        return await self._list("workspaces")

    async def resolve(self, model: str) -> tuple[str, str, bool]:
        """Run-plane URL, request model and sandbox flag of ``model``; cached."""
        if model in self._resolved:
            return self._resolved[model]
        url, runtime_model, sandbox = self.default_model_url(model), model, False
        try:
            item = await self.get_json(f"{self.api_url}/models/{model}")
        except NotFound:
            raise NotFound(self.name, f"the workspace {self.settings.workspace!r} has no model {model!r}",
                           self.not_found_fix(), status=404) from None
        except AuthError:
            raise
        except ProviderError:
            item = None  # the control plane is down: fall back to the conventional URL
        if isinstance(item, dict):
            meta, spec = item.get("metadata") or {}, item.get("spec") or {}
            url = meta.get("url") or url
            runtime = spec.get("runtime") or {}
            runtime_model = runtime.get("model") or model
            sandbox = bool(spec.get("sandbox"))
            if isinstance(runtime.get("type"), str) and runtime["type"]:
                self._runtime_types[model] = runtime["type"]
        self._resolved[model] = (url.rstrip("/"), runtime_model, sandbox)
        return self._resolved[model]

    async def open_connection(self) -> None:
        url, _, _ = await self.resolve(self.settings.model)
        await self.client.head(f"{url}/v1/models", headers=self.auth_headers())

    def sandbox_error(self, model: str, status: int | None = None) -> SandboxModel:
        return SandboxModel(
            self.name,
            f"{model!r} is a sandbox model: Blaxel answers '{SANDBOX_TEXT}' — sandbox models use test "
            "credentials and cannot be called for chat through the API",
            f"deploy a non-sandbox model in workspace {self.settings.workspace!r} and set it as the model "
            f"(`qwen-tui models {self.name}` lists the workspace's models)",
            status=status,
        )

    async def before_chat(self, request: ChatRequest) -> tuple[str, str, dict[str, str]]:
        model = request.model or self.settings.model
        url, runtime_model, sandbox = await self.resolve(model)
        if sandbox:
            raise self.sandbox_error(model)
        runtime_type = self._runtime_types.get(model, OPENAI_RUNTIME)
        if runtime_type.lower() != OPENAI_RUNTIME:
            raise UnsupportedModel(
                self.name,
                f"{model!r} runs on the {runtime_type!r} runtime, which does not speak the OpenAI chat API "
                "that qwen-tui uses with Blaxel models (Blaxel's own OpenAI binding refuses it too); nothing was sent",
                f"pick a model of runtime type 'openai' (`qwen-tui models {self.name}` lists the workspace's "
                "models), or call the model through a Blaxel agent (kind = \"blaxel-agent\")",
            )
        return f"{url}/v1/chat/completions", runtime_model, {}

    def status_error(self, status: int, headers: Any, raw: bytes, timing: Any, *, url: str = "") -> ProviderError:
        text = raw.decode("utf-8", "replace")
        if status == 403 and SANDBOX_TEXT.lower() in text.lower():
            exc = self.sandbox_error(self.settings.model, status)
            exc.timing = timing
            return exc
        if "WORKLOAD_UNAVAILABLE" in text:
            retry = retry_after_seconds(headers.get("retry-after"))
            when = f"try again in {retry:.0f} s" if retry is not None else "try again in a moment"
            detail = error_text(self.parse_error_body(raw))
            return Unavailable(
                self.name, f"the model is deployed but not available yet ({status}: {detail})",
                f"it may be starting or scaled to zero; {when}", status=status, retry_after=retry, timing=timing,
            )
        return super().status_error(status, headers, raw, timing, url=url)
