"""Error bodies in each provider's own shape (see /work/shared/providers.md).

A *style* names a wire dialect: ``huggingface``, ``sambanova``, ``ollama`` (native API),
``ollama_openai`` (Ollama's /v1), ``blaxel`` and ``openai``. Messages never echo a key.
"""

from __future__ import annotations

import json
import math
import uuid
from typing import Any

from aiohttp import web

STYLES = ("huggingface", "sambanova", "ollama", "ollama_openai", "blaxel", "openai")

_DEFAULT_MESSAGES: dict[str, dict[int, str]] = {
    "huggingface": {
        401: "Invalid credentials in Authorization header",
        402: "You have exceeded your monthly included credits for Inference Providers. "
        "Subscribe to PRO to get 20x more monthly included credits.",
        429: "Rate limit reached. You reached the rate limit for this provider; try again later.",
        500: "Internal Server Error",
        503: "Service Temporarily Unavailable",
    },
    "sambanova": {
        401: "Invalid API key. Check the key and try again.",
        402: "Payment required: this account has no remaining credits.",
        429: "Rate limit exceeded. Please try again later.",
        500: "Internal server error.",
        503: "The service is under maintenance. Please try again later.",
    },
    "ollama": {
        429: "too many requests, please try again later",
        500: "an internal error occurred",
        503: "server busy, please try again.  maximum pending requests exceeded",
    },
    "blaxel": {
        401: "Authentication failed: the API key is missing or invalid.",
        402: "Usage limit exceeded for this workspace.",
        403: "You do not have access to this resource.",
        429: "Too many requests. Please slow down.",
        500: "An internal error occurred.",
        503: "The workload is temporarily unavailable.",
    },
    "openai": {
        401: "Incorrect API key provided.",
        402: "You exceeded your current quota, please check your plan and billing details.",
        429: "Rate limit reached for requests. Please try again later.",
        500: "The server had an error while processing your request.",
        503: "The engine is currently overloaded, please try again later.",
    },
}

_SAMBANOVA_CODES = {
    400: ("invalid_request_error", "invalid_request"),
    401: ("invalid_request_error", "invalid_authentication"),
    402: ("invalid_request_error", "insufficient_quota"),
    404: ("invalid_request_error", "model_not_found"),
    408: ("timeout_error", "request_timeout"),
    410: ("invalid_request_error", "model_gone"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
    500: ("server_error", "internal_error"),
    503: ("server_error", "service_unavailable"),
    504: ("server_error", "queue_full"),
}
_BLAXEL_CODES = {
    400: "BAD_REQUEST",
    401: "AUTHENTICATION_FAILED",
    402: "USAGE_LIMIT_EXCEEDED",
    403: "FORBIDDEN",
    404: "WORKLOAD_NOT_FOUND",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    502: "BAD_GATEWAY",
    503: "WORKLOAD_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}
_OPENAI_CODES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    402: ("insufficient_quota", "insufficient_quota"),
    403: ("invalid_request_error", "forbidden"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
    503: ("server_error", None),
}


def default_message(style: str, status: int) -> str:
    table = _DEFAULT_MESSAGES.get("openai" if style == "ollama_openai" else style, {})
    return table.get(status, f"simulated error {status}")


def error_body(
    style: str, status: int, message: str | None = None, *, code: str | None = None
) -> dict[str, Any]:
    """The JSON body ``style``'s server sends with HTTP ``status``."""
    text = message if message is not None else default_message(style, status)
    if style in ("huggingface", "ollama"):
        return {"error": text}
    if style == "sambanova":
        kind, default_code = _SAMBANOVA_CODES.get(status, ("server_error", "error"))
        return {
            "error": {"message": text, "type": kind, "param": None, "code": code or default_code},
            "request_id": uuid.uuid4().hex,
        }
    if style == "blaxel":
        return {
            "error": {
                "code": code or _BLAXEL_CODES.get(status, "ERROR"),
                "message": text,
                "status": status,
                "retryable": status in (404, 429, 503, 504) and code != "WORKLOAD_NOT_FOUND",
                "action": _blaxel_action(status),
                "docs_url": "https://docs.blaxel.ai/Infrastructure/Errors",
                "request_id": uuid.uuid4().hex,
            }
        }
    if style == "ollama_openai":  # ollama middleware/openai.go NewError
        kind = {400: "invalid_request_error", 404: "not_found_error"}.get(status, "api_error")
        return {"error": {"message": text, "type": kind, "param": None, "code": code}}
    kind, default_code = _OPENAI_CODES.get(status, ("server_error", None))
    return {"error": {"message": text, "type": kind, "param": None, "code": code or default_code}}


def _blaxel_action(status: int) -> str:
    return {
        401: "Check BL_API_KEY and the X-Blaxel-Workspace header.",
        402: "Upgrade the workspace plan or wait for the usage period to reset.",
        403: "Check the workspace and the resource's permissions.",
        404: "Check the resource name and workspace.",
        429: "Retry after the time given in Retry-After.",
    }.get(status, "Retry later.")


def error_response(
    style: str,
    status: int,
    message: str | None = None,
    *,
    code: str | None = None,
    retry_after: float | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    body = error_body(style, status, message, code=code)
    if extra:
        body.update(extra)
    headers = dict(headers or {})
    if retry_after is not None:
        headers["Retry-After"] = str(max(0, math.ceil(retry_after)))
    return web.Response(
        status=status,
        text=json.dumps(body, ensure_ascii=False),
        content_type="application/json",
        headers=headers,
    )
