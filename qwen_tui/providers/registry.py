"""Provider kinds: the built-ins and whatever plugins register under the entry-point group
``qwen_tui.providers`` (``kind = "module:Class"``). A plugin class is built as ``Class(settings)``
and must offer what ``base.Provider`` describes.

Plugins are looked for only when a kind is not built in: reading every installed package's
entry points (and importing ``importlib.metadata``) is start-up time the built-ins never need.
A plugin cannot replace a built-in kind, so the two ways agree."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from qwen_tui.providers.base import Provider, ProviderSettings

if TYPE_CHECKING:
    from qwen_tui.config import AppConfig

GROUP = "qwen_tui.providers"

BUILTINS = {
    "huggingface": "qwen_tui.providers.huggingface:HuggingFaceProvider",
    "sambanova": "qwen_tui.providers.sambanova:SambaNovaProvider",
    "ollama": "qwen_tui.providers.ollama:OllamaProvider",
    "blaxel": "qwen_tui.providers.blaxel:BlaxelProvider",
    "blaxel-agent": "qwen_tui.providers.blaxel_agent:BlaxelAgentProvider",
    "openai": "qwen_tui.providers.openai_compat:OpenAICompatProvider",
}


class PluginError(Exception):
    """A plugin that cannot be loaded; the message names it."""


def _load(target: str) -> type:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def discover() -> dict[str, str]:
    """kind -> "module:Class" for the built-ins and every installed plugin."""
    from importlib.metadata import entry_points

    kinds = dict(BUILTINS)
    for ep in entry_points(group=GROUP):
        if ep.name not in BUILTINS:
            kinds[ep.name] = ep.value
    return kinds


def kinds() -> set[str]:
    return set(discover())


def provider_class(kind: str) -> type:
    if kind in BUILTINS:
        return _load(BUILTINS[kind])
    targets = discover()
    if kind not in targets:
        raise PluginError(f"no provider of kind {kind!r} is installed (known: {', '.join(sorted(targets))})")
    try:
        return _load(targets[kind])
    except Exception as exc:  # noqa: BLE001 - a broken plugin must not take the app down
        raise PluginError(f"the provider plugin {kind!r} ({targets[kind]}) failed to load: {exc}") from exc


def build_provider(settings: ProviderSettings) -> Provider:
    cls: Any = provider_class(settings.kind)
    return cls(settings)


def build_providers(config: AppConfig) -> dict[str, Provider]:
    """One provider object per configured provider, in config order."""
    return {name: build_provider(settings) for name, settings in config.providers.items()}
