"""The Thinking section in the chat (Pilot, against the simulator): the reasoning shows above the
answer while the model thinks, folds to one line when the answer begins, and F6
(``app.toggle_thinking``) unfolds it; a budget spent thinking says so in plain words."""

from __future__ import annotations


import pytest

from qwen_tui.sim import Fault
from qwen_tui.ui.widgets.chat_view import ChatView
from qwen_tui.ui.widgets.prompt import PromptInput
from qwen_tui.ui.widgets.thinking import ThinkingSection, ThinkingText
from tests.support.app import settle, until

SIZE = (100, 36)
THOUGHT = ("The user asks about the project. First I look at what the files say, then I answer briefly. "
           "Second line of thought:\nwith a newline, ä 漢字 and a very long tail " + "lorem ipsum " * 12)
REPLY = "It answers 42.\n"
THOUGHT_TOKENS = -(-len(THOUGHT) // 4)


async def ask(pilot, text: str) -> None:
    prompt = pilot.app.query_one(PromptInput)
    prompt.focus()
    prompt.insert(text)
    await pilot.press("enter")


def shown_rows(widget: ThinkingText) -> list[str]:
    return [widget.render_line(y).text.rstrip() for y in range(widget.size.height)]


@pytest.mark.parametrize("shape", ["reasoning", "think_tags"])
async def test_thinking_streams_folds_when_the_answer_starts_and_unfolds_with_the_key(make_app, sim, shape):
    sim.set_knobs(provider="sambanova", reasoning=THOUGHT, reasoning_shape=shape, reply=REPLY, chunk_chars=4,
                  tps=2000.0)
    after = THOUGHT_TOKENS + (3 if shape == "think_tags" else 0)  # "<think>" and "</think>" take tokens too
    sim.push_fault(Fault(kind="stall", after_tokens=after, seconds=1.0), provider="sambanova")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "What does it do?")
        answer = app.query_one(ChatView).last_answer
        await until(pilot, lambda: answer.thinking is not None and answer.thinking.text == THOUGHT)
        section = answer.thinking
        await pilot.pause(0.1)  # a frame or two: the rows are drawn
        assert section.is_mounted and not section.folded and answer.text == ""
        from qwen_tui.ui.widgets.status_bar import StatusBar

        live = app.query_one(StatusBar).live_text().plain
        assert live.startswith("TTFT ") and "thinking…" in live  # the first token came: reasoning
        assert str(section.query_one(".thinking-header").render()).startswith("▾ Thinking")
        rows = shown_rows(section.body)
        assert rows[0].startswith("The user asks about the project.")
        assert " ".join(r for r in rows if r) .replace("  ", " ").startswith(THOUGHT[:60])
        assert any(r.startswith("with a newline, ä 漢字") for r in rows)  # the newline starts a row
        assert all(len(r) <= SIZE[0] for r in rows)
        await settle(app)
        assert answer.text == REPLY and answer.outcome == "complete"
        assert section.folded and not section.body.display
        header = str(section.query_one(".thinking-header").render())
        assert header.startswith("▸ Thinking · ") and "F6 shows it" in header
        footer = str(answer.query_one(".answer-footer").render())
        assert "TTFT" in footer and "answer" in footer  # the answer began a second after the first token
        await pilot.press("f6")
        await pilot.pause()
        assert not section.folded and section.body.display
        assert section.body.size.height == len([r for r in shown_rows(section.body)])  # exact once done
        assert shown_rows(section.body)[-1] != ""
        await pilot.press("f6")
        await pilot.pause()
        assert section.folded
        assert app.turns[-1].reasoning and "".join(app.turns[-1].reasoning) == THOUGHT
        assert "The user asks" not in str(sim.last_chat("sambanova").body)


async def test_a_budget_spent_thinking_says_so_and_keeps_the_reasoning_open(make_app, sim):
    sim.set_knobs(provider="sambanova", reasoning=THOUGHT, reply="")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "think hard")
        await settle(app)
        answer = app.query_one(ChatView).last_answer
        assert answer.outcome == "error"
        assert "reasoned but wrote no answer" in answer.error_message
        assert answer.thinking is not None and not answer.thinking.folded
        assert answer.thinking.text == THOUGHT
        assert str(answer.thinking.query_one(".thinking-header").render()) == "▾ Thinking"


async def test_no_thinking_no_section_and_the_key_says_so(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, "hello")
        await settle(app)
        assert not app.query(ThinkingSection)
        await pilot.press("f6")
        await pilot.pause()
        assert any("No answer here has any thinking" in str(n.message) for n in app._notifications)



async def test_streaming_rewraps_only_the_open_line(monkeypatch):
    """Append-only: every finished line is wrapped once; per frame only the open line is wrapped
    again, so the work grows with the text, not with text × frames."""
    from textual.app import App

    wrapped: list[int] = []
    original = ThinkingText._wrap

    def counting(self, line):
        wrapped.append(len(line))
        return original(self, line)

    monkeypatch.setattr(ThinkingText, "_wrap", counting)

    class Host(App):
        def compose(self):
            yield ThinkingSection()

    line = "a line of reasoning that wraps at forty columns or so, twice over.\n"
    app = Host()
    async with app.run_test(size=(40, 200)) as pilot:
        section = app.query_one(ThinkingSection)
        for _ in range(60):
            for piece in (line[i:i + 5] for i in range(0, len(line), 5)):
                section.append(piece)
            await pilot.pause(0.02)  # about a frame: each flush sees one line's pieces
        section.finish()
        await pilot.pause()
        total = 60 * len(line)
        assert section.text == line * 60
        assert sum(wrapped) < 3 * total  # not O(n²): about each line once, plus its open tail
        rows = [section.body.render_line(y).text.rstrip() for y in range(section.body.size.height)]
        assert rows.count("") <= 1 and rows[0] == "a line of reasoning that wraps at forty"
