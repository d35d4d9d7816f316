"""Redaction, error messages and timing arithmetic: the parts every provider shares."""

from __future__ import annotations

from qwen_tui.providers.base import AuthError, ProviderSettings, RateLimited
from qwen_tui.redact import redact, register_secret
from qwen_tui.providers.http import error_text, retry_after_seconds
from qwen_tui.terminal_text import visible_controls
from qwen_tui.timing import ProviderStats, RequestTiming, percentile


def test_redact_shapes_and_registered_values() -> None:
    text = (
        "Authorization: Bearer abc.def-123456 X-Blaxel-Authorization: Bearer zzzzzzzz "
        "hf_AbCdEfGh123 bl_QwErTy987 sk-proj-abcdefgh12 plainkey=weird-secret-value"
    )
    register_secret("weird-secret-value")
    out = redact(text)
    for secret in ("abc.def-123456", "zzzzzzzz", "hf_AbCdEfGh123", "bl_QwErTy987", "sk-proj-abcdefgh12",
                   "weird-secret-value"):
        assert secret not in out
    assert "[redacted]" in out


def test_settings_register_their_key_and_hide_it_from_repr() -> None:
    s = ProviderSettings(name="x", kind="openai", base_url="http://127.0.0.1:1", model="m", api_key="s3cr3t-value-1")
    assert "s3cr3t-value-1" not in repr(s)
    assert "s3cr3t-value-1" not in redact("the key s3cr3t-value-1 leaked")


def test_error_message_names_provider_what_and_fix_and_redacts() -> None:
    exc = AuthError("sambanova", "the key hf_leakedleaked1 was refused", "check SAMBANOVA_API_KEY", status=401)
    assert exc.message == "sambanova: the key [redacted] was refused — check SAMBANOVA_API_KEY"
    assert str(exc) == exc.message
    assert exc.to_dict()["error"] == "auth"
    assert RateLimited("p", "x", retry_after=3).to_dict()["retry_after"] == 3


def test_retry_after_number_and_date() -> None:
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_seconds("soon") is None


def test_error_text_shapes() -> None:
    assert error_text({"error": "Invalid credentials"}) == "Invalid credentials"
    assert error_text({"error": {"message": "bad model", "code": "model_not_found"}}) == "bad model"
    assert error_text({"error": ["a", "b"]}) == "a; b"
    assert error_text({"detail": "nope"}) == "nope"


def test_visible_controls() -> None:
    assert visible_controls("a\x1b[2Jb\tc\nd") == "a␛[2Jb\tc\nd"
    assert visible_controls("\x9b31m") == "<U+009B>31m"
    assert visible_controls("abc\u202edef") == "abc<U+202E>def"
    assert visible_controls("plain 漢字 🚀") == "plain 漢字 🚀"


def test_timing_figures() -> None:
    t = RequestTiming("p", "m", started=10.0)
    t.mark_content(10.25)
    for i in range(1, 11):
        t.mark_content(10.25 + i * 0.01)
    assert t.ttft_ms == 250.0
    assert round(t.tokens_per_s or 0) == 100
    t.mark_headers()
    assert t.reused_connection is True and t.connect_ms == 0.0


def test_rolling_stats() -> None:
    stats = ProviderStats(window=3)
    for ttft in (100, 200, 300, 400):
        t = RequestTiming("p", "m", started=0.0)
        t.mark_content(ttft / 1000)
        stats.add(t)
    assert list(stats.ttfts) == [200, 300, 400]
    assert stats.last == 400 and stats.median == 300
    assert percentile([1, 2, 3, 4, 5], 50) == 3
    assert abs((stats.p95 or 0) - 390) < 1e-6
