"""read_file, list_files and search: what the model gets back, word for word where it matters."""

from __future__ import annotations

import json
from qwen_tui.tools import Toolbox
from qwen_tui.tools import reading
from tests.tools.conftest import put


def test_read_file_numbers_lines_and_sums_up(toolbox: Toolbox) -> None:
    result = toolbox.start_answer().run("read_file", {"path": "src/app.py"}, call_id="c1")
    assert result.ok and not result.pending and result.call_id == "c1"
    assert result.content.splitlines()[0] == "     1\timport os"
    assert result.content.splitlines()[3] == "     4\tdef main():"
    assert len(result.content.splitlines()) == 6
    assert result.summary == "read src/app.py: 6 lines"


def test_read_file_pages_with_offset_and_limit(toolbox: Toolbox, tree) -> None:
    root, _ = tree
    put(root, "long.txt", "".join(f"line {n}\n" for n in range(1, 301)))
    answer = toolbox.start_answer()
    page = answer.run("read_file", json.dumps({"path": "long.txt", "offset": 101, "limit": 50}))
    lines = page.content.splitlines()
    assert lines[0] == "   101\tline 101" and lines[49] == "   150\tline 150"
    assert lines[50] == "[showed lines 101-150 of 300; read on with offset=151]"
    assert page.summary == "read long.txt: lines 101-150 of 300"
    past = answer.run("read_file", {"path": "long.txt", "offset": 400})
    assert not past.ok and "offset 400 is past the end; the file has 300 lines" in past.content


def test_read_file_refuses_binary_huge_folders_and_secrets(toolbox: Toolbox, tree, monkeypatch) -> None:
    root, _ = tree
    answer = toolbox.start_answer()
    binary = answer.run("read_file", {"path": "data.bin"})
    assert not binary.ok and "data.bin: a binary file" in binary.content and "text files only" in binary.content
    folder = answer.run("read_file", {"path": "src"})
    assert not folder.ok and "a folder, not a file" in folder.content
    put(root, ".env", "TOKEN=abc\n")
    secret = answer.run("read_file", {"path": ".env"})
    assert not secret.ok and "looks like a file of secrets" in secret.content and "abc" not in secret.content
    monkeypatch.setattr("qwen_tui.tools.textfile.MAX_TOOL_FILE_BYTES", 100)
    put(root, "big.txt", "y" * 500)
    huge = answer.run("read_file", {"path": "big.txt"})
    assert not huge.ok and "too large for the tools (500 bytes; the limit is 100 bytes)" in huge.content


def test_read_file_empty_and_long_lines(toolbox: Toolbox, tree) -> None:
    root, _ = tree
    put(root, "empty.txt", "")
    put(root, "wide.txt", "a" * 5000 + "\n")
    answer = toolbox.start_answer()
    empty = answer.run("read_file", {"path": "empty.txt"})
    assert empty.ok and empty.content == "empty.txt is empty (0 lines)."
    assert empty.summary == "read empty.txt: empty file"
    wide = answer.run("read_file", {"path": "wide.txt"})
    assert wide.content.endswith("… [line cut: 5,000 characters]") and len(wide.content) < 2100


def test_list_files_is_gitignore_aware_with_glob(toolbox: Toolbox) -> None:
    answer = toolbox.start_answer()
    everything = answer.run("list_files", {})
    listed = everything.content.splitlines()
    assert "src/app.py" in listed and "README.md" in listed
    assert not any(p.startswith(("build/", ".git/")) or p == "debug.log" for p in listed)
    py = answer.run("list_files", {"pattern": "*.py"})
    assert py.content.splitlines() == ["link_in.py", "src/app.py", "src/util.py"]
    assert py.summary == "listed the project matching '*.py': 3 files"
    under = answer.run("list_files", {"path": "src", "pattern": "u*.py"})
    assert under.content == "src/util.py"
    none = answer.run("list_files", {"path": "src", "pattern": "*.rs"})
    assert none.ok and none.content == "No files in src matching '*.rs'."
    bad = answer.run("list_files", {"path": "dir_out"})
    assert not bad.ok and "outside the project folder" in bad.content


def test_list_files_caps_the_list(toolbox: Toolbox, tree, monkeypatch) -> None:
    monkeypatch.setattr(reading, "MAX_LISTED", 3)
    result = toolbox.start_answer().run("list_files", {})
    lines = result.content.splitlines()
    assert len(lines) == 4 and lines[3].startswith("[")
    assert "more files not shown; narrow with path or pattern" in lines[3]


def test_search_reports_path_line_text_and_caps(toolbox: Toolbox, tree, monkeypatch) -> None:
    answer = toolbox.start_answer()
    result = answer.run("search", {"pattern": r"return x \+ 1"})
    assert result.content.splitlines() == ["src/util.py:2:     return x + 1", "src/util.py:6:     return x + 1"]
    assert result.summary == r"searched the project for 'return x \\+ 1': 2 matches in 1 file"
    ignored = answer.run("search", {"pattern": "built|log line|outside secret"})
    assert ignored.content.startswith("No matches for")  # ignored, binary and outside files are not searched
    monkeypatch.setattr(reading, "MAX_MATCHES", 1)
    capped = answer.run("search", {"pattern": "return", "path": "src"})
    lines = capped.content.splitlines()
    assert lines[0] == "src/app.py:6:     return 0"
    assert lines[1] == "[2 more matches not shown; narrow the pattern or the path]"
    bad = answer.run("search", {"pattern": "("})
    assert not bad.ok and "'(' is not a valid regular expression" in bad.content
