"""Hugging Face Inference Providers through the router (OpenAI-compatible).

Model ids are Hub ids, optionally with a routing suffix (``:fastest``, ``:sambanova``...). Errors
come as ``{"error": "..."}``; a 200 stream may carry ``{"error", "error_type"}`` events (TGI).
"""

from __future__ import annotations

from qwen_tui.providers.openai_compat import OpenAICompatProvider


class HuggingFaceProvider(OpenAICompatProvider):
    kind = "huggingface"
    needs_key = True
    label = "Hugging Face"

    def key_hint(self) -> str:
        env = self.settings.api_key_env or "HF_TOKEN"
        return f"check {env}: create a token with 'Inference Providers' permission at huggingface.co/settings/tokens"

    def not_found_fix(self) -> str:
        return (
            "check the model id (a Hub id such as Qwen/Qwen2.5-Coder-32B-Instruct) "
            "and that a provider you enabled serves it"
        )
