"""Prompt building: layout, fences, token estimate, calibration, budget holding."""

from __future__ import annotations

from qwen_tui.context import (
    DEFAULT_SYSTEM_PROMPT,
    FileContent,
    TokenEstimator,
    build_prompt,
    resolve_context_window,
)
from qwen_tui.providers.base import Message


def _file(path: str, text: str, lang: str = "python", **kw) -> FileContent:  # type: ignore[no-untyped-def]
    return FileContent(path, text, lang, **kw)


def test_layout_system_then_files_then_history_then_question() -> None:
    history = [Message("user", "earlier?"), Message("assistant", "earlier!")]
    files = [_file("src/a.py", "A = 1\n"), _file("b.md", "# B", "markdown", line_range=(3, 3))]
    built = build_prompt("why?", history, files, system_prompt="Be brief.")
    roles = [m.role for m in built.messages]
    assert roles == ["system", "user", "assistant", "user"]
    system = built.messages[0].content
    assert system.startswith("Be brief.\n\n# Project files")
    assert "## src/a.py\n```python\nA = 1\n```\n" in system
    assert "## b.md (lines 3-3)\n```markdown\n# B\n```\n" in system
    assert system.index("src/a.py") < system.index("b.md")
    assert built.messages[-1] == Message("user", "why?")
    assert set(built.file_tokens) == {"src/a.py", "b.md:3-3"}


def test_default_system_prompt_and_no_files() -> None:
    built = build_prompt("hi", [], [])
    assert built.messages[0] == Message("system", DEFAULT_SYSTEM_PROMPT)
    assert built.file_tokens == {} and built.total_tokens > 0
    bare = build_prompt("hi", [], [], system_prompt="")
    assert [m.role for m in bare.messages] == ["user"]


def test_fence_outgrows_backticks_inside_the_file() -> None:
    text = "Example:\n```python\nx = 1\n```\n````\n"
    built = build_prompt("q", [], [_file("README.md", text, "markdown")])
    assert "`````markdown\n" + text + "`````\n" in built.messages[0].content


def test_notes_appear_in_the_heading() -> None:
    f = _file("big.log", "head\n[qwen-tui: file cut here.]", "text", truncated=True, note="cut at 10 of 99 bytes")
    built = build_prompt("q", [], [f])
    assert "## big.log (cut at 10 of 99 bytes)\n```text\n" in built.messages[0].content


def test_token_estimate_grows_with_size_and_sums() -> None:
    small, big = _file("s.py", "x = 1\n" * 10), _file("b.py", "x = 1\n" * 1000)
    built = build_prompt("q", [], [small, big])
    assert built.file_tokens["b.py"] > 50 * built.file_tokens["s.py"] / 2
    assert built.total_tokens > sum(built.file_tokens.values())
    assert built.largest(1) == [("b.py", built.file_tokens["b.py"])]


def test_calibration_moves_estimates_towards_reported_counts() -> None:
    est = TokenEstimator()
    text = "def f(x):\n    return x * 2\n" * 200
    first = est.estimate(text)
    est.calibrate(first, first * 2)  # the provider counted twice as many
    assert abs(est.estimate(text) - first * 2) <= 2
    built = build_prompt("q", [], [_file("a.py", text)], estimator=est)
    before = built.total_tokens
    built.calibrate(before // 2)
    assert est.estimate(text) < first * 2
    est.calibrate(0, 100)  # nonsense is ignored
    est.calibrate(100, 0)
    assert TokenEstimator.from_dict(est.to_dict()).factor == est.factor


def test_over_budget_is_held_naming_the_largest_files() -> None:
    files = [_file(f"f{i}.py", "y = 2\n" * (200 * (i + 1))) for i in range(6)]
    built = build_prompt("q", [], files, context_window=4096, reserve_tokens=1024)
    assert built.budget == 3072
    assert built.over_budget
    msg = built.held_message
    assert msg is not None and msg.startswith("Not sent:")
    assert "f5.py" in msg and "f4.py" in msg and "f0.py" not in msg  # top five only
    assert msg.index("f5.py") < msg.index("f4.py")
    # nothing was cut: every file is whole in the messages
    assert all(f.text in built.messages[0].content for f in files)
    ok = build_prompt("q", [], files[:1], context_window=100_000)
    assert not ok.over_budget and ok.held_message is None


def test_context_window_resolution() -> None:
    assert resolve_context_window(131072, 8192) == 131072
    assert resolve_context_window(None, 8192) == 8192
    assert resolve_context_window(None, None) == 32768
    assert build_prompt("q", [], []).context_window == 32768
