"""Hugging Face Inference Providers through the router (OpenAI-compatible).

Model ids are Hub ids, optionally with a routing suffix (``:fastest``, ``:sambanova``...). Errors
come as ``{"error": "..."}``; a 200 stream may carry ``{"error", "error_type"}`` events (TGI).
"""

from __future__ import annotations

from qwen_tui.providers.base import ModelInfo
from qwen_tui.providers.openai_compat import OpenAICompatProvider

#: Routing suffixes that name a policy, not a serving provider.
POLICIES = frozenset({"fastest", "cheapest", "preferred", "auto"})


def split_model_id(model: str) -> tuple[str, str | None]:
    """``Qwen/Qwen2.5-Coder-32B-Instruct:sambanova`` -> (Hub id, pinned provider or None)."""
    hub_id, _, suffix = model.partition(":")  # Hub ids hold no ':'
    return hub_id, (suffix if suffix and suffix.lower() not in POLICIES else None)


class HuggingFaceProvider(OpenAICompatProvider):
    kind = "huggingface"
    needs_key = True
    label = "Hugging Face"

    def key_hint(self) -> str:
        env = self.settings.api_key_env or "HF_TOKEN"
        return f"check {env}: create a token with 'Inference Providers' permission at huggingface.co/settings/tokens"

    def window_of(self, model: str, models: list[ModelInfo]) -> int | None:
        """The listing has Hub ids without the routing suffix; a pinned provider's own window
        counts (it may be smaller than another's), a policy gets the listed window."""
        hub_id, pinned = split_model_id(model)
        info = next((m for m in models if m.id == hub_id), None)
        if info is None:
            return None
        if pinned is not None:
            for entry in info.details.get("providers") or []:
                if isinstance(entry, dict) and str(entry.get("provider", "")).lower() == pinned.lower():
                    window = entry.get("context_length")
                    if isinstance(window, int) and not isinstance(window, bool) and window > 0:
                        return window
        return info.context_window

    def not_found_fix(self) -> str:
        return (
            "check the model id (a Hub id such as Qwen/Qwen2.5-Coder-32B-Instruct) "
            "and that a provider you enabled serves it"
        )
