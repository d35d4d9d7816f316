"""Project instructions: found in order, refused when huge or binary, sent in the system prompt."""

from __future__ import annotations

from pathlib import Path

from qwen_tui.context import build_prompt
from qwen_tui.context.instructions import (
    enabled,
    instructions_section,
    load_instructions,
)


def _project(tmp_path: Path) -> tuple[Path, Path]:
    root, user = tmp_path / "proj", tmp_path / "cfg"
    root.mkdir()
    user.mkdir()
    return root, user


def test_agents_then_qwen_then_the_users_own(tmp_path):
    root, user = _project(tmp_path)
    (root / "QWEN.md").write_text("Use tabs.\n")
    (root / "AGENTS.md").write_text("Run `make test` before you finish.\n")
    (user / "AGENTS.md").write_text("Answer in British English.\n")
    items = load_instructions(root, user)
    assert [i.label for i in items][:2] == ["AGENTS.md", "QWEN.md"]
    assert items[2].scope == "user" and items[2].label.endswith("AGENTS.md")
    section = instructions_section(items)
    assert section.index("make test") < section.index("Use tabs") < section.index("British English")


def test_none_present_is_no_section(tmp_path):
    root, user = _project(tmp_path)
    assert load_instructions(root, user) == []
    assert instructions_section([]) == ""


def test_huge_and_binary_files_are_refused_with_a_message(tmp_path):
    root, user = _project(tmp_path)
    (root / "AGENTS.md").write_text("x" * 70_000)
    (root / "QWEN.md").write_bytes(b"\x00\x01binary")
    items = load_instructions(root, user)
    assert [i.usable for i in items] == [False, False]
    assert "over the 64 KB allowed" in items[0].error and "AGENTS.md" in items[0].error
    assert "not a text file" in items[1].error
    assert instructions_section(items) == ""


def test_a_switched_off_file_is_not_sent(tmp_path):
    root, user = _project(tmp_path)
    (root / "AGENTS.md").write_text("A rule.\n")
    (root / "QWEN.md").write_text("Another rule.\n")
    items = enabled(load_instructions(root, user), {"AGENTS.md"})
    section = instructions_section(items)
    assert "Another rule." in section and "A rule." not in section


def test_instructions_go_into_the_system_prompt_and_count(tmp_path):
    root, user = _project(tmp_path)
    (root / "AGENTS.md").write_text("Always write tests first. " * 40)
    section = instructions_section(load_instructions(root, user))
    plain = build_prompt("hi", [], [])
    built = build_prompt("hi", [], [], instructions=section)
    assert built.messages[0].role == "system"
    assert "Always write tests first." in built.messages[0].content
    assert built.messages[0].content.startswith(plain.messages[0].content)
    assert built.instruction_tokens > 100
    assert built.total_tokens - plain.total_tokens >= built.instruction_tokens - 5
