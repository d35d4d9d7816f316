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


async def _agents(provider: Provider) -> list[dict[str, Any]] | None:
    """The workspace's agents beside its models (Blaxel), None where the provider has none. A
    failure here is told on stderr and leaves the models listed."""
    list_agents = getattr(provider, "list_agents", None)
    if not callable(list_agents) or getattr(provider, "kind", "") == "blaxel-agent":  # its models are agents
        return None
    try:
        items = await list_agents()
    except ProviderError as exc:
        err(f"error: agents: {exc.message}")
        return []
    agents = []
    for item in items:
        meta = item.get("metadata") if isinstance(item, dict) else None
        if isinstance(meta, dict) and isinstance(meta.get("name"), str):
            spec = item.get("spec") if isinstance(item.get("spec"), dict) else {}
            agents.append({"id": meta["name"], "display_name": meta.get("displayName"), "url": meta.get("url"),
                           "enabled": spec.get("enabled"), "status": item.get("status")})
    return agents


def _runtime_type(details: dict[str, Any]) -> str | None:
    spec = details.get("spec") if isinstance(details, dict) else None
    runtime = spec.get("runtime") if isinstance(spec, dict) else None
    kind = runtime.get("type") if isinstance(runtime, dict) else None
    return kind if isinstance(kind, str) else None


async def run_models(provider: Provider, as_json: bool) -> int:
    try:
        models = await provider.list_models()
    except ProviderError as exc:
        if as_json:
            emit_json(exc.to_dict())
        err(f"error: {exc.message}")
        return exit_code_for(exc)
    agents = await _agents(provider)
    blaxel = getattr(provider, "kind", "") == "blaxel"
    if as_json:
        rows = []
        for m in models:
            row = {"id": m.id, "context_window": m.context_window, "owned_by": m.owned_by, "sandbox": m.sandbox}
            if blaxel:
                row["runtime_type"] = _runtime_type(m.details)
            rows.append(row)
        doc: dict[str, Any] = {"provider": provider.name, "models": rows}
        if agents is not None:
            doc["agents"] = agents
        emit_json(doc)
        return EXIT_OK
    out = sys.stdout
    if agents is not None:
        out.write("models:\n")
    for m in models:
        extra = []
        if m.context_window:
            extra.append(f"context {m.context_window:,}")
        if m.sandbox:
            extra.append("sandbox: no chat through the API")
        runtime = _runtime_type(m.details) if blaxel else None
        if runtime and runtime != "openai":
            extra.append(f"{runtime} runtime: not callable as an OpenAI model")
        if m.id == provider.settings.model:
            extra.append("configured")
        indent = "  " if agents is not None else ""
        out.write(safe(indent + m.id + (f"  ({', '.join(extra)})" if extra else ""), out) + "\n")
    if agents is not None:
        out.write("agents (use one with kind = \"blaxel-agent\", agent = \"NAME\"):\n")
        for agent in agents:
            out.write(safe(f"  {agent['id']}", out) + "\n")
        if not agents:
            out.write("  (none)\n")
    out.flush()
    return EXIT_OK if models or agents else EXIT_PROVIDER
