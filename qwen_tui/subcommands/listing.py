"""``qwen-tui providers`` and ``qwen-tui models``."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from qwen_tui.providers.base import Health, Provider, ProviderError
from qwen_tui.providers.health import check_provider
from qwen_tui.subcommands.output import EXIT_OK, EXIT_PROVIDER, emit_json, err, exit_code_for, safe

CHECK_TIMEOUT_S = 8.0


async def _check(provider: Provider) -> Health:
    return await check_provider(provider, CHECK_TIMEOUT_S, attempts=2, pause_s=0.5)


async def run_providers(providers: dict[str, Provider], as_json: bool) -> int:
    healths = await asyncio.gather(*(_check(p) for p in providers.values()))
    rows: list[dict[str, Any]] = []
    for provider, health in zip(providers.values(), healths, strict=True):
        s = provider.settings
        rows.append({
            "name": provider.name,
            "kind": s.kind,
            "base_url": s.base_url,
            "model": s.model,
            "api_key_env": s.api_key_env,
            "key_set": bool(s.api_key),
            "reachable": health.reachable,
            "key_accepted": health.key_accepted,
            "latency_ms": None if health.latency_ms is None else round(health.latency_ms, 3),
            "error": health.error,
            "check_failed": health.check_failed,
        })
    if as_json:
        emit_json({"providers": rows})
        return EXIT_OK
    out = sys.stdout
    for row in rows:
        if not row["api_key_env"]:
            key = "no key needed"
        else:
            key = f"key set ({row['api_key_env']})" if row["key_set"] else f"no key ({row['api_key_env']} unset)"
        state = "reachable" if row["reachable"] else "unreachable"
        if row["check_failed"]:
            state = "not checked"
        if row["key_accepted"] is False:
            state = "key refused"
        line = f"{row['name']:<12} {row['kind']:<12} {row['model']}  {row['base_url']}  {key}  {state}"
        out.write(safe(line, out) + "\n")
        if row["error"]:
            out.write("    " + safe(row["error"], out) + "\n")
    out.flush()
    return EXIT_OK


async def run_models(provider: Provider, as_json: bool) -> int:
    try:
        models = await provider.list_models()
    except ProviderError as exc:
        if as_json:
            emit_json(exc.to_dict())
        err(f"error: {exc.message}")
        return exit_code_for(exc)
    if as_json:
        emit_json({"provider": provider.name, "models": [
            {"id": m.id, "context_window": m.context_window, "owned_by": m.owned_by, "sandbox": m.sandbox}
            for m in models
        ]})
        return EXIT_OK
    out = sys.stdout
    for m in models:
        extra = []
        if m.context_window:
            extra.append(f"context {m.context_window:,}")
        if m.sandbox:
            extra.append("sandbox: no chat through the API")
        if m.id == provider.settings.model:
            extra.append("configured")
        out.write(safe(m.id + (f"  ({', '.join(extra)})" if extra else ""), out) + "\n")
    out.flush()
    return EXIT_OK if models else EXIT_PROVIDER
