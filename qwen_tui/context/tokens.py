"""Token estimates without a tokenizer, made honest by the provider's own counts.

The raw estimate is characters / 3.6 for ASCII text (code tokenizes denser than prose) and one token
per other character (CJK and symbols often cost a token each), plus a few tokens per message for the
chat template. When a provider reports ``prompt_tokens``, ``calibrate`` moves a correction factor
towards reported / estimated, so later estimates match that provider's tokenizer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from qwen_tui.providers.base import Message

DEFAULT_CHARS_PER_TOKEN = 3.6
MESSAGE_OVERHEAD_TOKENS = 4


class TokenEstimator:
    def __init__(self, chars_per_token: float = DEFAULT_CHARS_PER_TOKEN, factor: float = 1.0) -> None:
        self.chars_per_token = chars_per_token
        self.factor = factor
        self.samples = 0

    def raw(self, text: str) -> float:
        if not text:
            return 0.0
        ascii_chars = len(text.encode("ascii", "ignore"))
        return ascii_chars / self.chars_per_token + (len(text) - ascii_chars)

    def estimate(self, text: str) -> int:
        """Tokens ``text`` is likely to cost with the current calibration."""
        if not text:
            return 0
        return max(1, math.ceil(self.raw(text) * self.factor))

    def estimate_messages(self, messages: Iterable[Message]) -> int:
        return sum(self.estimate(m.content) + MESSAGE_OVERHEAD_TOKENS for m in messages)

    def calibrate(self, estimated: int, reported_prompt_tokens: int) -> None:
        """Learn from one request: ``estimated`` is what this estimator said for the prompt,
        ``reported_prompt_tokens`` what the provider counted. The first sample is taken whole,
        later ones are averaged in (half weight) so one odd request does not swing it."""
        if estimated <= 0 or reported_prompt_tokens <= 0:
            return
        ratio = min(4.0, max(0.25, reported_prompt_tokens / estimated))
        target = min(8.0, max(0.125, self.factor * ratio))
        self.factor = target if self.samples == 0 else (self.factor + target) / 2
        self.samples += 1

    def to_dict(self) -> dict[str, float]:
        return {"chars_per_token": self.chars_per_token, "factor": self.factor, "samples": self.samples}

    @classmethod
    def from_dict(cls, data: dict) -> TokenEstimator:
        est = cls(float(data.get("chars_per_token", DEFAULT_CHARS_PER_TOKEN)), float(data.get("factor", 1.0)))
        est.samples = int(data.get("samples", 0))
        return est
