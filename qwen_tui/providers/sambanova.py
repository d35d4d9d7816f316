"""SambaNova Cloud (OpenAI-compatible). Its usage chunk adds server-side timing
(``time_to_first_token``, ``completion_tokens_per_sec``...): kept beside our own measurement, so
the server's TTFT and the one the user saw can be compared."""

from __future__ import annotations

from qwen_tui.providers.openai_compat import OpenAICompatProvider


class SambaNovaProvider(OpenAICompatProvider):
    kind = "sambanova"
    needs_key = True
    label = "SambaNova"

    def key_hint(self) -> str:
        env = self.settings.api_key_env or "SAMBANOVA_API_KEY"
        return f"check {env} (keys are at cloud.sambanova.ai)"
