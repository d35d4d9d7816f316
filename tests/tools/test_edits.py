"""edit_file and write_file: proposals first, written only when applied, failures that teach."""

from __future__ import annotations

import os
import stat

import pytest

from qwen_tui.tools import ApprovalPolicy, Decision, Toolbox
from tests.tools.conftest import put


def read(answer, path: str) -> None:
    assert answer.run("read_file", {"path": path}).ok


def test_edit_is_proposed_then_applied_keeping_the_mode(toolbox: Toolbox, tree) -> None:
    root, _ = tree
    os.chmod(root / "src/app.py", 0o751)
    before = (root / "src/app.py").read_bytes()
    answer = toolbox.start_answer()
    read(answer, "src/app.py")
    result = answer.run("edit_file", {"path": "src/app.py", "old_string": "print('hi')", "new_string": "print('bye')"})
    assert result.ok and result.pending and result.decision is Decision.ASK
    p = result.proposal
    assert (p.path, p.added, p.removed, p.created) == ("src/app.py", 1, 1, False)
    assert "-    print('hi')\n+    print('bye')\n" in p.diff
    assert p.diff.startswith("--- a/src/app.py\n+++ b/src/app.py\n")
    assert (root / "src/app.py").read_bytes() == before  # nothing written while undecided
    final = answer.approve(result)
    assert final.ok and final.content == "src/app.py: changed (+1 -1 lines)."
    assert final.summary == "changed src/app.py (+1 -1)"
    assert (root / "src/app.py").read_bytes() == before.replace(b"'hi'", b"'bye'")
    assert stat.S_IMODE(os.stat(root / "src/app.py").st_mode) == 0o751
    assert [n for n in os.listdir(root / "src") if n.endswith(".tmp")] == []
    # the answer's own write counts as read: a second edit needs no re-read
    again = answer.run("edit_file", {"path": "src/app.py", "old_string": "return 0", "new_string": "return 1"})
    assert again.pending and answer.approve(again).ok
    assert b"return 1" in (root / "src/app.py").read_bytes()


def test_rejection_writes_nothing_and_tells_why(toolbox: Toolbox, tree) -> None:
    root, _ = tree
    answer = toolbox.start_answer()
    read(answer, "README.md")
    result = answer.run("write_file", {"path": "README.md", "content": "gone\n"})
    final = answer.decline(result, "keep the readme")
    assert not final.ok
    assert final.content == (
        "The user rejected the change to README.md; the file was not changed. Reason: keep the readme"
    )
    assert (root / "README.md").read_text() == "# Project\n\nSome words.\n"
    assert result.proposal.state == "rejected"
    late = result.proposal.apply()
    assert not late.ok and "README.md: this change was already rejected" in late.content


def test_edit_needs_a_read_unless_the_file_was_in_context(toolbox: Toolbox, tree) -> None:
    root, _ = tree
    args = {"path": "src/util.py", "old_string": "def helper(x):", "new_string": "def helper(y):"}
    unread = toolbox.start_answer().run("edit_file", args)
    assert not unread.ok and unread.content.startswith("Error: src/util.py: read it first (read_file)")
    in_context = toolbox.start_answer(context_files=["src/util.py"]).run("edit_file", args)
    assert in_context.ok and in_context.pending
    overwrite = toolbox.start_answer().run("write_file", {"path": "src/util.py", "content": "x\n"})
    assert not overwrite.ok and "read it first" in overwrite.content


def test_a_file_changed_since_it_was_read_is_refused(toolbox: Toolbox, tree) -> None:
    root, _ = tree
    answer = toolbox.start_answer()
    read(answer, "src/app.py")
    (root / "src/app.py").write_text("import os\nchanged elsewhere\n")
    result = answer.run("edit_file", {"path": "src/app.py", "old_string": "import os", "new_string": "import sys"})
    assert not result.ok and "src/app.py: changed on disk since you read it; read it again" in result.content


def test_a_file_changed_while_waiting_for_approval_is_not_overwritten(toolbox: Toolbox, tree) -> None:
    root, _ = tree
    answer = toolbox.start_answer()
    read(answer, "src/app.py")
    result = answer.run("edit_file", {"path": "src/app.py", "old_string": "import os", "new_string": "import sys"})
    (root / "src/app.py").write_text("someone else\n")
    final = answer.approve(result)
    assert not final.ok and "changed on disk since the change was proposed" in final.content
    assert (root / "src/app.py").read_text() == "someone else\n"


def test_no_match_shows_the_closest_lines(toolbox: Toolbox) -> None:
    answer = toolbox.start_answer()
    read(answer, "src/app.py")
    result = answer.run("edit_file", {"path": "src/app.py", "old_string": "def main():\n  print('hi')",
                                      "new_string": "x"})
    assert not result.ok
    assert "src/app.py: old_string was not found in the file (it must match exactly" in result.content
    assert "The closest lines are 4-5 (" in result.content
    assert "     4\tdef main():\n     5\t    print('hi')" in result.content


def test_several_matches_name_their_lines_and_replace_all_changes_each(toolbox: Toolbox, tree) -> None:
    root, _ = tree
    answer = toolbox.start_answer()
    read(answer, "src/util.py")
    args = {"path": "src/util.py", "old_string": "return x + 1", "new_string": "return x + 2"}
    twice = answer.run("edit_file", args)
    assert not twice.ok and "old_string appears 2 times (at lines 2, 6)" in twice.content
    assert "replace_all" in twice.content
    assert "The line before each match:\n     1\tdef helper(x):\n     5\tdef other(x):" in twice.content
    every = answer.run("edit_file", {**args, "replace_all": True})
    assert every.proposal.added == 2 and answer.approve(every).ok
    assert (root / "src/util.py").read_text().count("return x + 2") == 2


def test_crlf_and_bom_files_keep_their_form(toolbox: Toolbox, tree) -> None:
    root, _ = tree
    put(root, "win.txt", b"\xef\xbb\xbfone\r\ntwo\r\nthree\r\n")
    answer = toolbox.start_answer()
    assert answer.run("read_file", {"path": "win.txt"}).content.splitlines()[0] == "     1\tone"
    result = answer.run("edit_file", {"path": "win.txt", "old_string": "two\nthree", "new_string": "2\n3"})
    assert answer.approve(result).ok
    assert (root / "win.txt").read_bytes() == b"\xef\xbb\xbfone\r\n2\r\n3\r\n"


def test_write_file_creates_folders_and_files(toolbox: Toolbox, tree) -> None:
    root, _ = tree
    answer = toolbox.start_answer()
    result = answer.run("write_file", {"path": "pkg/sub/new.py", "content": "a = 1\nb = 2\n"})
    assert result.pending and result.proposal.created and result.proposal.added == 2
    assert result.proposal.diff.startswith("--- /dev/null\n+++ b/pkg/sub/new.py\n")
    assert not (root / "pkg").exists()
    final = answer.approve(result)
    assert final.content == "pkg/sub/new.py: created (+2 -0 lines)."
    assert (root / "pkg/sub/new.py").read_text() == "a = 1\nb = 2\n"
    mode = stat.S_IMODE(os.stat(root / "pkg/sub/new.py").st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_edit_failures_of_other_kinds(toolbox: Toolbox) -> None:
    answer = toolbox.start_answer()
    read(answer, "src/app.py")
    missing = answer.run("edit_file", {"path": "nope.py", "old_string": "a", "new_string": "b"})
    assert "nope.py: no such file; use write_file to create it" in missing.content
    same = answer.run("edit_file", {"path": "src/app.py", "old_string": "import os", "new_string": "import os"})
    assert "old_string and new_string are the same" in same.content
    empty = answer.run("edit_file", {"path": "src/app.py", "old_string": "", "new_string": "x"})
    assert "old_string is empty" in empty.content
    folder = answer.run("write_file", {"path": "src", "content": "x"})
    assert "a folder, not a file" in folder.content


@pytest.mark.parametrize(("name", "arguments", "message"), [
    ("read_file", "{not json", "read_file: the arguments are not valid JSON"),
    ("read_file", "[1, 2]", "read_file: the arguments must be a JSON object, got a list"),
    ("read_file", {}, "read_file: missing 'path'"),
    ("read_file", {"path": "a", "colour": 1}, "read_file: unknown 'colour' (it takes: path, offset, limit)"),
    ("read_file", {"path": 3}, "read_file: 'path' must be a string, got a whole number"),
    ("read_file", {"path": "a", "offset": 0}, "read_file: 'offset' must be at least 1, got 0"),
    ("edit_file", {"path": "a", "old_string": "x", "new_string": "y", "replace_all": "yes"},
     "edit_file: 'replace_all' must be true or false, got a string"),
    ("write_file", {"path": "a"}, "write_file: missing 'content'"),
    ("delete_file", {"path": "a"}, "there is no tool 'delete_file' (tools offered: read_file, list_files, search, "
                                   "edit_file, write_file)"),
    ("run_command", {"command": "ls"}, "there is no tool 'run_command'"),
])
def test_bad_calls_come_back_as_errors(toolbox: Toolbox, name: str, arguments, message: str) -> None:
    result = toolbox.start_answer().run(name, arguments)
    assert not result.ok and not result.pending
    assert result.content.startswith("Error: ") and message in result.content


def test_under_tools_read_writes_are_not_offered_nor_run(tree) -> None:
    root, _ = tree
    box = Toolbox(root, policy=ApprovalPolicy(tools="read"))
    assert [s.name for s in box.offered()] == ["read_file", "list_files", "search"]
    assert [t["function"]["name"] for t in box.openai_tools()] == ["read_file", "list_files", "search"]
    result = box.start_answer().run("write_file", {"path": "x.txt", "content": "x"})
    assert not result.ok and not result.pending
    assert result.content == "Error: write_file is not offered (tools: read); nothing was done"
    assert not (root / "x.txt").exists()


def test_approve_auto_decides_run_for_file_writes(tree) -> None:
    root, _ = tree
    box = Toolbox(root, policy=ApprovalPolicy(tools="edit", approve="auto"))
    result = box.start_answer().run("write_file", {"path": "x.txt", "content": "x\n"})
    assert result.pending and result.decision is Decision.RUN
    assert not (root / "x.txt").exists()
    assert result.proposal.apply().ok and (root / "x.txt").read_text() == "x\n"


def test_run_command_slot_takes_a_registered_implementation(tree) -> None:
    from qwen_tui.tools import RUN_COMMAND, ToolResult

    root, _ = tree
    ran: list[str] = []

    def fake_run(answer, args):
        ran.append(args["command"])
        return ToolResult("run_command", True, "exit 0", "ran it", args)

    box = Toolbox(root, policy=ApprovalPolicy(allow_commands=("git status",)))
    box.register(RUN_COMMAND, fake_run)
    answer = box.start_answer()
    allowed = answer.run("run_command", {"command": "git status"})
    assert allowed.ok and allowed.content == "exit 0" and ran == ["git status"]
    asked = answer.run("run_command", {"command": "make"})
    assert asked.pending and asked.decision is Decision.ASK and ran == ["git status"]
    declined = answer.decline(asked, "not now")
    assert declined.content == "The user declined this run_command call; nothing was done. Reason: not now"
    assert answer.approve(answer.run("run_command", {"command": "make"})).content == "exit 0" and ran[-1] == "make"


def test_openai_export_shape() -> None:
    from qwen_tui.tools import BUILTIN_SPECS, openai_tools

    tools = openai_tools(BUILTIN_SPECS)
    assert [t["function"]["name"] for t in tools] == ["read_file", "list_files", "search", "edit_file", "write_file",
                                                     "run_command"]
    edit = tools[3]
    assert edit["type"] == "function"
    assert edit["function"]["parameters"]["required"] == ["path", "old_string", "new_string"]
    assert set(edit["function"]["parameters"]["properties"]) == {"path", "old_string", "new_string", "replace_all"}
    assert tools[5]["function"]["parameters"]["properties"]["timeout_s"]["type"] == "number"


