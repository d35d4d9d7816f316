"""Review and approval in the TUI, driven through the real app against the simulator with a
scripted model (it reads ``src/app.py``, then edits it): the review keys, Escape mid-loop, undo,
the changes view and the tool entries in the chat."""

from __future__ import annotations

from pathlib import Path

import pytest

from qwen_tui.ui.screens.changes import ChangesScreen
from qwen_tui.ui.screens.edit_review import EditReview
from qwen_tui.ui.widgets.chat_view import ChatView
from qwen_tui.ui.widgets.diff_view import DiffView
from qwen_tui.ui.widgets.prompt import PromptInput
from qwen_tui.ui.widgets.tool_entry import ToolEntry
from tests.support.app import settle, until

SIZE = (120, 40)
ORIGINAL = b"def answer():\n    return 42  # MARKER_APP\n"
EDITED = b"def answer():\n    return 43  # MARKER_APP\n"
READ = {"name": "read_file", "arguments": {"path": "src/app.py"}}
EDIT = {"name": "edit_file", "arguments": {"path": "src/app.py", "old_string": "return 42", "new_string": "return 43"}}
SCRIPT = [
    {"text": "Let me look.", "tool_calls": [READ]},
    {"text": "Fixing.", "tool_calls": [EDIT]},
    {"text": "Done."},
]


async def ask(pilot, text: str = "fix answer()") -> None:
    prompt = pilot.app.query_one(PromptInput)
    prompt.focus()
    prompt.insert(text)
    await pilot.press("enter")


async def until_review(pilot) -> EditReview:
    await until(pilot, lambda: isinstance(pilot.app.screen, EditReview))
    await pilot.pause()
    return pilot.app.screen


def tool_messages(sim, provider: str = "sambanova") -> list[str]:
    return [m["content"] for m in sim.last_chat(provider).body["messages"] if m["role"] == "tool"]


def entries(app) -> list[ToolEntry]:
    return list(app.query_one(ChatView).query(ToolEntry))


@pytest.mark.parametrize("provider", ["sambanova", "ollama"])  # OpenAI-style fragments; Ollama's whole calls
async def test_y_applies_the_edit_exactly_and_the_entries_show_it(make_app, sim, sim_config, project: Path,
                                                                  provider: str):
    sim_config.default_provider = provider
    sim.set_knobs(provider=provider, script=SCRIPT)
    app = make_app()
    target = project / "src" / "app.py"
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot)
        review = await until_review(pilot)
        assert review.proposal.path == "src/app.py" and not review.proposal.created
        assert (review.proposal.added, review.proposal.removed) == (1, 1)
        shown = review.query_one(DiffView).text_rows()
        assert "-    return 42  # MARKER_APP" in shown and "+    return 43  # MARKER_APP" in shown
        assert target.read_bytes() == ORIGINAL  # nothing written while the user decides
        waiting = entries(app)[-1]
        assert waiting.state == "pending" and "waiting for your decision" in waiting.line
        await pilot.press("y")
        await settle(app)
        assert target.read_bytes() == EDITED
        lines = [entry.line for entry in entries(app)]
        assert lines[0].startswith("✓ read_file src/app.py · 2 lines")
        assert lines[1].startswith("✓ edit_file src/app.py · changed +1 −1")
        assert app.active == provider and "changed" in tool_messages(sim, provider)[-1]
        assert app.query_one(ChatView).last_answer.text.endswith("Done.")
        edit = entries(app)[1]
        edit.focus()
        await pilot.press("enter")
        assert edit.expanded and "+    return 43" in str(edit.render())


async def test_n_rejects_leaves_the_file_byte_for_byte_and_tells_the_model(make_app, sim, project: Path):
    sim.set_knobs(provider="sambanova", script=SCRIPT)
    app = make_app()
    target = project / "src" / "app.py"
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot)
        await until_review(pilot)
        await pilot.press("n")
        await settle(app)
        assert target.read_bytes() == ORIGINAL
        told = tool_messages(sim)[-1]
        assert "rejected" in told and "not changed" in told and "Reason" not in told
        edit = entries(app)[1]
        assert edit.state == "rejected" and "rejected" in edit.line and "changed +" not in edit.line


async def test_r_sends_the_reason_to_the_model(make_app, sim, project: Path):
    sim.set_knobs(provider="sambanova", script=SCRIPT)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot)
        review = await until_review(pilot)
        await pilot.press("r")
        await pilot.press(*"keep a 42 here")  # 'a' and 'n' are keys of the screen: typed, not acted on
        assert review.is_current
        await pilot.press("enter")
        await settle(app)
        assert (project / "src" / "app.py").read_bytes() == ORIGINAL
        told = tool_messages(sim)[-1]
        assert "rejected" in told and "Reason: keep a 42 here" in told
        assert "keep a 42 here" in entries(app)[1].line


async def test_escape_in_the_review_rejects(make_app, sim, project: Path):
    sim.set_knobs(provider="sambanova", script=SCRIPT)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot)
        await until_review(pilot)
        await pilot.press("escape")
        await settle(app)
        assert (project / "src" / "app.py").read_bytes() == ORIGINAL
        assert "rejected" in tool_messages(sim)[-1]
        assert app.query_one(ChatView).last_answer.outcome == "complete"


async def test_a_applies_this_and_the_rest_of_the_question_without_asking(make_app, sim, project: Path):
    second = {"name": "edit_file", "arguments": {"path": "src/util.py", "old_string": "'help'",
                                                "new_string": "'helped'"}}
    read_util = {"name": "read_file", "arguments": {"path": "src/util.py"}}
    sim.set_knobs(provider="sambanova", script=[
        {"text": "Reading.", "tool_calls": [READ, read_util]},
        {"text": "Two edits.", "tool_calls": [EDIT, second]},
        {"text": "Done."},
    ])
    app = make_app()
    reviews = []
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot)
        reviews.append(await until_review(pilot))
        await pilot.press("a")
        await settle(app)
        assert not isinstance(app.screen, EditReview)
        assert (project / "src" / "app.py").read_bytes() == EDITED
        assert (project / "src" / "util.py").read_bytes() == b"def helper():\n    return 'helped'\n"
        changed = [m for m in tool_messages(sim) if "changed" in m]
        assert changed == ["src/app.py: changed (+1 -1 lines).", "src/util.py: changed (+1 -1 lines)."]
        assert len(reviews) == 1
        assert [e.state for e in entries(app)] == ["ok", "ok", "ok", "ok"]


async def test_escape_mid_loop_stops_and_keeps_the_applied_edit_then_undo_restores(make_app, sim, project: Path):
    long_text = "and then some more words " * 80
    sim.set_knobs(provider="sambanova", script=[*SCRIPT[:2], {"text": long_text}], tps=60.0, chunk_chars=5)
    app = make_app()
    target = project / "src" / "app.py"
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot)
        await until_review(pilot)
        await pilot.press("y")
        answer = app.query_one(ChatView).last_answer
        await until(pilot, lambda: "and then some" in answer.text)
        await pilot.press("escape")
        await settle(app, saved=True)
        assert answer.outcome == "cancelled"
        assert target.read_bytes() == EDITED  # kept what happened
        turn = app.turns[-1]
        assert [step.call.name for step in turn.steps] == ["read_file", "edit_file"]
        assert turn.steps[1].result.ok
        await pilot.press("ctrl+o")
        await until(pilot, lambda: target.read_bytes() == ORIGINAL)
        await pilot.pause()
        assert target.read_bytes() == ORIGINAL


async def test_ctrl_f_lists_the_change_with_its_diff(make_app, sim, project: Path):
    sim.set_knobs(provider="sambanova", script=SCRIPT)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot)
        await until_review(pilot)
        await pilot.press("y")
        await settle(app)
        await pilot.press("ctrl+f")
        await until(pilot, lambda: isinstance(app.screen, ChangesScreen) and app.screen.shown is not None)
        await pilot.pause()
        screen = app.screen
        assert [(info.state, [f.path for f in info.files]) for info in screen.sets] == [("applied", ["src/app.py"])]
        title = str(screen.query_one("#file-title").render())
        assert "src/app.py" in title and "modified" in title and "+1" in title and "−1" in title
        rows = screen.query_one(DiffView).text_rows()
        assert "-    return 42  # MARKER_APP" in rows and "+    return 43  # MARKER_APP" in rows
        await pilot.press("escape")
        assert not isinstance(app.screen, ChangesScreen)
        await pilot.press("ctrl+o")
        await until(pilot, lambda: (project / "src" / "app.py").read_bytes() == ORIGINAL)
        await pilot.press("ctrl+f")
        await until(pilot, lambda: isinstance(app.screen, ChangesScreen) and app.screen.sets)
        assert app.screen.sets[0].state == "undone"


# ---- the pieces, without the model --------------------------------------------------------------


def test_diff_rows_number_lines_and_pair_changes_side_by_side():
    from qwen_tui.ui.render.diff_rows import ADDED, CONTEXT, REMOVED, parse_unified, split_rows

    diff = "--- a/x.py\n+++ b/x.py\n@@ -10,3 +10,4 @@\n keep\n-old one\n-old two\n+new one\n+new two\n+new three\n"
    lines = parse_unified(diff)
    body = [(line.kind, line.text, line.old_no, line.new_no) for line in lines[3:]]
    assert body == [(CONTEXT, "keep", 10, 10), (REMOVED, "old one", 11, None), (REMOVED, "old two", 12, None),
                    (ADDED, "new one", None, 11), (ADDED, "new two", None, 12), (ADDED, "new three", None, 13)]
    pairs = [(r.left.text if r.left else None, r.right.text if r.right else None) for r in split_rows(lines)[3:]]
    assert pairs == [("keep", "keep"), ("old one", "new one"), ("old two", "new two"), (None, "new three")]


async def test_tool_entry_shows_data_as_text_never_markup_and_caps_the_detail():
    from textual.app import App

    class Host(App):
        def compose(self):
            yield ToolEntry("read_file", {"path": "[bold]x[/bold]\x1b[31m.py"})

    async with Host().run_test() as pilot:
        entry = pilot.app.query_one(ToolEntry)
        assert entry.line == "○ read_file [bold]x[/bold]␛[31m.py · running…"
        detail = "\n".join(f"line {n} [red]not markup[/red]" for n in range(1000))
        entry.done(True, "read [bold]x[/bold]␛[31m.py: 1,000 lines", detail)
        assert entry.line.endswith("· 1,000 lines ▸")
        entry.focus()
        await pilot.press("enter")
        shown = entry.render()
        plain = shown.plain if hasattr(shown, "plain") else str(shown)
        assert "line 0 [red]not markup[/red]" in plain and "line 199 " in plain and "line 200 " not in plain
        assert "… 800 more lines" in plain
        await pilot.press("enter")
        assert not entry.expanded
        failed = ToolEntry("edit_file", {"path": "src/x.py", "old_string": "a", "new_string": "b"})
        await pilot.app.mount(failed)
        failed.done(False, "src/x.py: old_string was not found in the file (it must match exactly)", "Error: …")
        assert failed.state == "failed" and failed.has_class("-failed")
        assert failed.line == "✗ edit_file src/x.py · old_string was not found in the file (it must match exactly) ▸"


async def test_stopping_the_answer_while_the_review_is_open_closes_it_and_writes_nothing(make_app, sim, project):
    sim.set_knobs(provider="sambanova", script=SCRIPT)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot)
        review = await until_review(pilot)
        app.action_stop()  # what Escape does on the chat (Ctrl+C, a new question: the same cancellation)
        await settle(app)
        await pilot.pause()
        assert not review.is_attached or not review.is_current
        assert not isinstance(app.screen, EditReview)
        assert (project / "src" / "app.py").read_bytes() == ORIGINAL
        assert app.query_one(ChatView).last_answer.outcome == "cancelled"
        edit = entries(app)[1]
        assert edit.state == "stopped" and "nothing was written" in edit.line
        await pilot.press("y")  # the review is gone: the key reaches nothing that writes
        await pilot.pause()
        assert (project / "src" / "app.py").read_bytes() == ORIGINAL


async def test_changes_view_lists_newest_first_and_shows_the_picked_files_diff(make_app, sim, project):
    read_util = {"name": "read_file", "arguments": {"path": "src/util.py"}}
    edit_util = {"name": "edit_file", "arguments": {"path": "src/util.py", "old_string": "'help'",
                                                   "new_string": "'helped'"}}
    sim.set_knobs(provider="sambanova", script=[
        *SCRIPT, {"text": "Reading.", "tool_calls": [read_util]}, {"text": "Editing.", "tool_calls": [edit_util]},
        {"text": "Done too."}])
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for question in ("fix answer()", "fix helper()"):
            await ask(pilot, question)
            await until_review(pilot)
            await pilot.press("y")
            await settle(app)
        await pilot.press("ctrl+f")
        await until(pilot, lambda: isinstance(app.screen, ChangesScreen) and app.screen.shown is not None)
        screen = app.screen
        assert [(info.label, [f.path for f in info.files]) for info in screen.sets] == [
            ("fix helper()", ["src/util.py"]), ("fix answer()", ["src/app.py"])]
        assert screen.shown.path == "src/util.py"
        assert "+    return 'helped'" in screen.query_one(DiffView).text_rows()
        await pilot.press("down")  # past the older set's heading, to its file
        await until(pilot, lambda: screen.shown.path == "src/app.py")
        assert "+    return 43  # MARKER_APP" in screen.query_one(DiffView).text_rows()
        assert (screen.shown.added, screen.shown.removed) == (1, 1)


async def test_a_resumed_session_shows_its_tool_calls_and_opens_the_saved_diff(make_app, sim, project):
    sim.set_knobs(provider="sambanova", script=SCRIPT)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot)
        await until_review(pilot)
        await pilot.press("y")
        await settle(app, saved=True)
    again = make_app(resume="latest")
    async with again.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(entries(again)) == 2)
        lines = [entry.line for entry in entries(again)]
        assert lines[0].startswith("✓ read_file src/app.py · 2 lines")
        assert lines[1].startswith("✓ edit_file src/app.py · changed +1 −1")
        edit = entries(again)[1]
        edit.focus()
        await pilot.press("enter")
        assert "+    return 43  # MARKER_APP" in str(edit.render())


async def test_a_provider_refusing_tools_gets_search_replace_blocks_reviewed_the_same_way(make_app, sim, project):
    block = ("Here is the fix.\n\nsrc/app.py\n```python\n<<<<<<< SEARCH\n    return 42  # MARKER_APP\n=======\n"
             "    return 43  # MARKER_APP\n>>>>>>> REPLACE\n```\n")
    sim.set_knobs(provider="sambanova", refuse_tools=True, script=[{"text": block}, {"text": "Done."}])
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: bool(app.project.files))
        assert app.project.add("src/app.py")  # in the context: blocks edit what the model was given
        await ask(pilot)
        review = await until_review(pilot)
        assert review.proposal.path == "src/app.py" and (review.proposal.added, review.proposal.removed) == (1, 1)
        assert (project / "src" / "app.py").read_bytes() == ORIGINAL
        await pilot.press("y")
        await settle(app)
        assert (project / "src" / "app.py").read_bytes() == EDITED
        assert [entry.line.split(" ▸")[0] for entry in entries(app)] == ["✓ search_replace src/app.py · changed +1 −1"]
        assert "tools" not in sim.last_chat("sambanova").body  # asked for blocks from the refusal on


async def test_a_long_diff_scrolls_and_goes_side_by_side_from_140_columns():
    from textual.app import App

    from qwen_tui.tools.edits import propose

    before = "".join(f"line {n}\n" for n in range(1000)).encode()
    after = "".join(f"line {n} changed\n" for n in range(1000)).encode()
    proposal = propose("notes.txt", Path("/nonexistent/notes.txt"), before, after, 0o644, "edit_file")

    class Host(App):
        def on_mount(self):
            self.push_screen(EditReview(proposal))

    def row_text(view, y):
        return "".join(segment.text for segment in view.render_line(y))

    async with Host().run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        view = pilot.app.screen.query_one(DiffView)
        assert not view.split and view.row_count == 2003 and view.virtual_size.height == 2003
        assert "line 0" in row_text(view, 3) and "-" in row_text(view, 3)
        await pilot.press("end")
        await pilot.pause()
        assert view.scroll_y > 1900
        assert "line 999 changed" in row_text(view, view.size.height - 1)
        await pilot.resize_terminal(150, 30)
        await pilot.pause()
        assert view.split and view.row_count == 1003  # each removed line beside the line that replaced it
        await pilot.press("home")
        await pilot.pause()
        paired = row_text(view, 3)
        assert "line 0" in paired and "line 0 changed" in paired and "│" in paired


async def test_approve_auto_applies_without_a_review_and_undo_still_restores(make_app, sim, sim_config, project):
    sim_config.tools.approve = "auto"
    sim.set_knobs(provider="sambanova", script=SCRIPT)
    app = make_app()
    target = project / "src" / "app.py"
    async with app.run_test(size=SIZE) as pilot:
        pushed = []
        original_push = app.push_screen

        def recording_push(screen, *args, **kwargs):
            pushed.append(type(screen).__name__)
            return original_push(screen, *args, **kwargs)

        app.push_screen = recording_push
        await ask(pilot)
        await settle(app)
        assert "EditReview" not in pushed
        assert target.read_bytes() == EDITED
        assert entries(app)[1].line.startswith("✓ edit_file src/app.py · changed +1 −1")
        await pilot.press("ctrl+o")
        await until(pilot, lambda: target.read_bytes() == ORIGINAL)
