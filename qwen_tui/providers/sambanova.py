"""SambaNova Cloud (OpenAI-compatible). Its usage chunk adds server-side timing
(``time_to_first_token``, ``completion_tokens_per_sec``...): kept beside our own measurement, so
the server's TTFT and the one the user saw can be compared."""

from __future__ import annotations

import json
from typing import Any

from qwen_tui.providers.base import NotFound, ProviderError
from qwen_tui.providers.http import error_text
from qwen_tui.providers.openai_compat import OpenAICompatProvider
from qwen_tui.redact import redact


class SambaNovaProvider(OpenAICompatProvider):
    kind = "sambanova"
    needs_key = True
    label = "SambaNova"

    def key_hint(self) -> str:
        env = self.settings.api_key_env or "SAMBANOVA_API_KEY"
        return f"check {env} (keys are at cloud.sambanova.ai)"

    def status_error(self, status: int, headers: Any, raw: bytes, timing: Any, *, url: str = "") -> ProviderError:
        """SambaNova answers an unknown model with 400 (or 404) ``code: model_not_found``: said as
        such, with where to find the names it serves (they are case-sensitive)."""
        body = self.parse_error_body(raw)
        error = body.get("error") if isinstance(body, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        if status in (400, 404) and (code == "model_not_found" or "model_not_found" in json.dumps(body)):
            model = timing.model if timing is not None else self.settings.model
            return NotFound(
                self.name, f"SambaNova does not serve the model {model} ({status}: {redact(error_text(body))})",
                f"pick one that `qwen-tui models {self.name}` lists (names are case-sensitive, "
                "e.g. Meta-Llama-3.3-70B-Instruct)",
                status=status, timing=timing,
            )
        return super().status_error(status, headers, raw, timing, url=url)
