"""Pilot tests of the app's behaviour against the simulator (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import json

from qwen_tui.sim import Fault
from qwen_tui.ui.app import QwenApp
from qwen_tui.ui.widgets.chat_view import ChatView
from qwen_tui.ui.widgets.context_panel import ContextPanel
from qwen_tui.ui.widgets.file_tree import ProjectTree
from qwen_tui.ui.widgets.prompt import PromptInput
from qwen_tui.ui.screens.provider_picker import ProviderPicker
from qwen_tui.ui.widgets.status_bar import StatusBar
from tests.support.app import settle, until

SIZE = (120, 40)


async def type_and_send(pilot, text: str) -> None:
    prompt = pilot.app.query_one(PromptInput)
    prompt.focus()
    prompt.insert(text)
    await pilot.press("enter")


def chat_messages(sim, provider: str) -> list[dict]:
    return sim.last_chat(provider).body["messages"]


async def test_send_streams_the_answer(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "What does this project do?")
        await settle(app)
        answer = app.query_one(ChatView).last_answer
        assert answer.outcome == "complete", answer.error_message
        assert answer.text == "Hello from the simulator.\n"
        sent = chat_messages(sim, "sambanova")
        assert sent[-1] == {"role": "user", "content": "What does this project do?"}
        status = app.query_one(StatusBar).render_status().plain
        assert "sambanova" in status and "TTFT" in status and "warm" not in status.split("\n")[0]
        assert app.stats["sambanova"].last is not None


async def test_escape_stops_and_keeps_what_came(make_app, sim):
    sim.set_knobs(reply="one two three four five six seven eight nine ten " * 20, tps=40.0, chunk_chars=4)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "count")
        answer = app.query_one(ChatView).last_answer
        for _ in range(100):
            await asyncio.sleep(0.02)
            if len(answer.text) >= 12:
                break
        assert answer.text, "no token arrived"
        await pilot.press("escape")
        await settle(app)
        kept = answer.text
        assert answer.outcome == "cancelled"
        assert 0 < len(kept) < len("one two three four five six seven eight nine ten " * 20)
        assert app.turns[-1].answer == kept
        footer = str(answer.query_one(".answer-footer").render())
        assert "Stopped" in footer


async def test_error_shows_inline_under_partial_text(make_app, sim):
    sim.push_fault(Fault(kind="drop", after_tokens=3), provider="sambanova")
    sim.set_knobs(reply="partial answer that will be cut off somewhere", chunk_chars=4)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "hello")
        await settle(app)
        answer = app.query_one(ChatView).last_answer
        assert answer.outcome == "error"
        assert answer.text.startswith("part")
        error = answer.query_one(".answer-error")
        assert error.has_class("shown")
        shown = str(error.render())
        assert "sambanova" in shown and "Ctrl+R" in shown


async def test_server_error_inline_then_retry_on_current_provider(make_app, sim):
    sim.push_fault(Fault(kind="status", status=500), provider="sambanova")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "first try")
        await settle(app)
        first = app.query_one(ChatView).last_answer
        assert first.outcome == "error" and "500" in first.error_message
        await pilot.press("ctrl+r")
        await settle(app)
        second = app.query_one(ChatView).last_answer
        assert second is not first and second.outcome == "complete"
        assert [t.question for t in app.turns] == ["first try"]
        assert chat_messages(sim, "sambanova")[-1]["content"] == "first try"


async def test_switch_provider_sends_the_whole_history(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "question one")
        await settle(app)
        app.switch_provider("huggingface")
        await type_and_send(pilot, "question two")
        await settle(app)
        sent = [(m["role"], m["content"]) for m in chat_messages(sim, "huggingface") if m["role"] != "system"]
        assert sent == [
            ("user", "question one"),
            ("assistant", "Hello from the simulator.\n"),
            ("user", "question two"),
        ]
        assert app.query_one(ChatView).last_answer.provider == "huggingface"


async def test_picker_switches_provider_and_persists(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        picker = app.screen
        assert isinstance(picker, ProviderPicker)
        names = [s.name for s in picker.statuses]
        assert names == ["huggingface", "sambanova", "ollama", "blaxel"]
        await pilot.press("up", "enter")  # from sambanova up to huggingface
        assert not isinstance(app.screen, ProviderPicker)
        assert app.active == "huggingface"
        await asyncio.sleep(0.2)
        from qwen_tui.state import State

        assert State.load().last_provider == "huggingface"


async def test_picker_second_step_lists_models(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", "m")
        picker = app.screen
        assert picker.step == "models" and picker.models_of == "sambanova"
        for _ in range(50):
            await pilot.pause(0.02)
            option_list = picker.query_one("OptionList")
            if option_list.option_count and option_list.get_option_at_index(0).id:
                break
        ids = [option_list.get_option_at_index(i).id for i in range(option_list.option_count)]
        assert ids and all(ids)
        target = ids[-1]
        option_list.highlighted = len(ids) - 1
        await pilot.press("enter")
        assert app.active == "sambanova" and app.models["sambanova"] == target


async def test_space_in_tree_adds_file_and_request_holds_its_content(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        tree = app.query_one(ProjectTree)
        tree.focus()
        assert await tree.reveal("src/app.py")
        await pilot.press("space")
        await until(pilot, lambda: app.project.entries == ["src/app.py"])
        from rich.style import Style

        assert tree.render_label(tree.cursor_node, Style(), Style()).plain.startswith("● ")  # marked
        panel = app.query_one(ContextPanel)
        await until(pilot, lambda: bool(panel.entries))
        assert panel.entries[0].path == "src/app.py" and panel.entries[0].tokens
        await type_and_send(pilot, "explain")
        await settle(app)
        body = json.dumps(sim.last_chat("sambanova").body)
        assert "MARKER_APP" in body and "src/app.py" in body


async def test_tree_hides_git_and_ignored_until_asked(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        tree = app.query_one(ProjectTree)

        def names() -> set[str]:
            return {child.data.path.name for child in tree.root.children}

        await until(pilot, lambda: {"src", "README.md", ".gitignore"} <= names())  # loaded in a thread
        assert not names() & {".git", "build", "debug.log"}
        tree.focus()
        await pilot.press("full_stop")
        await until(pilot, lambda: {".git", "build", "debug.log"} <= names())


async def test_at_mention_completes_and_adds_to_context(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: bool(app.project.files))
        await pilot.press("@", "u", "t", "i", "l")
        mentions = app.query_one("#mentions")
        assert mentions.has_class("shown")
        assert mentions.get_option_at_index(0).id == "src/util.py"
        await pilot.press("tab")
        prompt = app.query_one(PromptInput)
        assert prompt.text == "@src/util.py "
        assert "src/util.py" in app.project.entries


async def test_prompt_newline_and_history(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(PromptInput)
        await pilot.press("a", "ctrl+j", "b")
        assert prompt.text == "a\nb"
        await pilot.press("enter")
        await settle(app)
        assert prompt.text == ""
        await pilot.press("up")
        assert prompt.text == "a\nb"
        await pilot.press("down")
        assert prompt.text == ""


async def test_help_lists_every_binding_grouped(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        from qwen_tui.ui.screens.help import HelpScreen

        assert isinstance(app.screen, HelpScreen)
        groups = app.screen.rows
        assert {"General", "Chat", "Prompt", "Providers", "Files and context"} <= set(groups)
        described = {d for rows in groups.values() for _, d in rows}
        for binding in QwenApp.BINDINGS:
            assert binding.description in described


async def test_ctrl_c_once_explains_twice_quits(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+c")
        assert app.is_running
        assert any("Ctrl+C again" in str(n.message) for n in app._notifications)
        await pilot.press("ctrl+c")
    assert app.return_value == 0


async def test_copy_last_answer_and_code_block(make_app, sim):
    sim.set_knobs(reply="Here:\n\n```python\nprint('hi')\n```\n")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "code please")
        await settle(app)
        await pilot.press("f8")
        assert app.copied.startswith("Here:")
        await pilot.press("f9")
        assert app.copied == "print('hi')\n"


async def test_cycle_and_palette_switch_provider(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        assert app.active == "ollama"
        from qwen_tui.ui.commands import QwenCommands

        titles = [t for t, _, _ in QwenCommands(app.screen)._commands()]
        assert "Provider: switch to blaxel" in titles


async def test_narrow_terminal_hides_side_panels(make_app, sim):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        sidebar = app.query_one("#sidebar")
        assert sidebar.has_class("hidden")
        await pilot.press("ctrl+b")
        assert not sidebar.has_class("hidden")


async def test_status_bar_ticks_elapsed_then_shows_ttft_and_rate(make_app, sim):
    sim.set_knobs(ttft_ms=400.0, tps=30.0, reply="alpha beta gamma delta epsilon zeta eta theta", chunk_chars=4)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "go")
        bar = app.query_one(StatusBar)
        seen_waiting, seen_rate = [], []
        for _ in range(150):
            await asyncio.sleep(0.02)
            text = bar.live_text().plain
            if text.startswith("⏱"):
                seen_waiting.append(text)
            elif "tok/s" in text and "TTFT" in text:
                seen_rate.append(text)
            if len(seen_rate) > 3:
                break
        assert len(set(seen_waiting)) >= 2, seen_waiting  # the elapsed time ticks
        assert seen_rate and "TTFT" in seen_rate[-1]
        await settle(app)
        assert bar.live is None and "last: sambanova TTFT" in bar.render_status().plain
        line = bar.providers_line(short=False).plain
        assert "sambanova" in line and "ms/" in line


async def test_goto_file_reveals_it_in_the_tree(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: bool(app.project.files))
        await pilot.press("ctrl+g", *"util", "enter")
        tree = app.query_one(ProjectTree)
        await until(pilot, lambda: tree.cursor_node is not None and tree.cursor_node.data.path.name == "util.py")
        assert tree.cursor_node.data.path.name == "util.py"
        assert app.focused is tree


async def test_context_over_budget_warns_and_holds_the_send(make_app, sim, project):
    (project / "big.txt").write_text("word " * 40000)
    app = make_app()
    app.windows.listed[("sambanova", app.models["sambanova"])] = 16000  # as if the listing said so
    async with app.run_test(size=SIZE) as pilot:
        app.project.add("big.txt")
        app.refresh_context()
        await until(pilot, lambda: "would not fit" in str(app.query_one(ContextPanel).total.render()))
        total = str(app.query_one(ContextPanel).total.render())
        assert "would not fit" in total and "16k" in total
        before = len(sim.requests)
        await type_and_send(pilot, "summarise")
        await settle(app)
        answer = app.query_one(ChatView).last_answer
        assert answer.outcome == "held" and "Not sent" in str(answer.query_one(".answer-error").render())
        assert len([r for r in sim.requests[before:] if r.is_chat]) == 0
        from qwen_tui.ui.screens.request_fit import RequestTooBig

        assert isinstance(app.screen, RequestTooBig)  # the ways out are offered (tests/ui/test_request_fit.py)
        await pilot.press("escape")
        await pilot.press("ctrl+l")
        await until(pilot, lambda: app.project.entries == [])


async def test_conversation_is_saved_as_a_session(make_app, sim):
    from qwen_tui.session import SessionStore

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "remember me")
        await settle(app, saved=True)
    store = SessionStore()
    sessions = store.list()
    assert sessions, "no session file"
    session = store.load(sessions[0].id)
    assert [t.content for t in session.turns] == ["remember me", "Hello from the simulator.\n"]


async def test_resume_latest_session_continues_the_conversation(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "first question")
        await settle(app, saved=True)
    again = make_app(resume="latest")
    async with again.run_test(size=SIZE) as pilot:
        chat = again.query_one(ChatView)
        await until(pilot, lambda: chat.last_answer is not None)  # the turns are set before they mount
        assert [t.question for t in again.turns] == ["first question"]
        assert chat.last_answer.text == "Hello from the simulator.\n"
        await type_and_send(pilot, "second question")
        await settle(again)
        sent = [m["content"] for m in chat_messages(sim, "sambanova") if m["role"] != "system"]
        assert sent == ["first question", "Hello from the simulator.\n", "second question"]


async def test_command_palette_switches_provider(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"to blaxel")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: app.active == "blaxel")


async def test_demo_states_and_badge(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: all(s.state != "checking" for s in app.statuses.values()))
        assert {s.state for s in app.statuses.values()} == {"demo"}
        assert app.query_one(StatusBar).render_status().plain.startswith(" DEMO ")


async def test_chat_follows_the_bottom_unless_scrolled_up(make_app, sim):
    reply = "".join(f"line {i}\n\n" for i in range(400))
    sim.set_knobs(reply=reply, tps=60.0, chunk_chars=8)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.query_one(ChatView)
        await type_and_send(pilot, "long one")
        answer = chat.last_answer
        for _ in range(200):
            await asyncio.sleep(0.02)
            if chat.max_scroll_y > 5:
                break
        await pilot.pause()
        assert chat.max_scroll_y > 5 and chat.scroll_y >= chat.max_scroll_y - 1  # following
        chat.scroll_home(animate=False, immediate=True)
        await pilot.pause(0.3)
        assert app.streaming, "answer finished too early for this test"
        assert chat.scroll_y == 0 and chat.max_scroll_y > 5  # stays where the user put it
        app.action_stop()
        await settle(app)
        assert len(answer.text) < len(reply)


async def test_delete_removes_a_context_entry(make_app, sim):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.project.add("src/app.py")
        app.project.add("README.md")
        app.refresh_context()
        panel = app.query_one(ContextPanel)
        await until(pilot, lambda: len(panel.entries) == 2)
        context_list = app.query_one("#context-list")
        context_list.focus()
        context_list.highlighted = 0
        await pilot.press("delete")
        await until(pilot, lambda: [e.path for e in panel.entries] == ["README.md"])
        assert app.project.entries == ["README.md"]


async def test_keys_remapped_from_config(make_app, sim, sim_config):
    sim_config.keys = {"app.picker": "f10"}
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f10")
        assert isinstance(app.screen, ProviderPicker)
        await pilot.press("escape", "f1")
        rows = dict(app.screen.rows["Providers"])
        assert rows["F10"] == "Providers"


async def test_typed_ahead_text_and_enter_in_one_burst_sends_it_all(make_app, sim):
    """Keys that arrive in one terminal read must be handled in order: "hello⏎" sends "hello"."""
    from textual import events

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(PromptInput).focus()
        await pilot.pause()
        for char in "hello":
            app.post_message(events.Key(char, char))
        app.post_message(events.Key("enter", "\r"))
        await pilot.pause()
        await settle(app)
        assert chat_messages(sim, "sambanova")[-1] == {"role": "user", "content": "hello"}
        assert app.query_one(PromptInput).text == ""


async def test_send_key_remapped_from_config(make_app, sim, sim_config):
    sim_config.keys = {"prompt.send": "ctrl+s"}
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(PromptInput)
        prompt.focus()
        prompt.insert("first line")
        await pilot.press("enter")
        assert prompt.text == "first line\n"
        await pilot.press("ctrl+s")
        await settle(app)
        assert chat_messages(sim, "sambanova")[-1]["content"] == "first line\n"


async def test_dashboard_from_f5_updates_live_while_a_request_runs(make_app, sim):
    """F5 opens the dashboard; a request in flight shows on it, and its result when it ends."""
    from textual.widgets import Static

    from qwen_tui.ui.screens.dashboard import Dashboard, ProviderCard

    sim.set_knobs(provider="sambanova", ttft_ms=400.0, tps=50.0, reply="slow answer " * 10)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "first")
        await settle(app)
        await pilot.press("f5")
        assert isinstance(app.screen, Dashboard)

        def sambanova_text() -> str:
            card = next(c for c in app.screen.query(ProviderCard) if c.provider == "sambanova")
            return " ".join(str(s.render()) for s in card.query(Static))

        assert "errors 0 of 1" in sambanova_text()
        app.ask("second")  # the dashboard is on top; the question goes out all the same
        for _ in range(50):
            await pilot.pause(0.05)
            if "live" in sambanova_text():
                break
        assert "live" in sambanova_text()
        await settle(app)
        await until(pilot, lambda: "errors 0 of 2" in sambanova_text())
        assert "live" not in sambanova_text()


async def test_new_files_reach_the_index_without_a_restart(make_app, sim, project):
    app = make_app()
    app.INDEX_REFRESH_S = 0.05
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if "src/app.py" in app.project.files:
                break
        assert "src/new_module.py" not in app.project.files
        (project / "src" / "new_module.py").write_text("x = 1\n")
        for _ in range(100):
            await pilot.pause(0.05)
            if "src/new_module.py" in app.project.files:
                break
        assert "src/new_module.py" in app.project.files


async def test_a_question_not_taken_stays_in_the_prompt(make_app, sim):
    sim.set_knobs(reply="slow " * 50, tps=10.0, chunk_chars=5)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "first")
        prompt = app.query_one(PromptInput)
        assert prompt.text == "" and app.request_worker is not None
        await type_and_send(pilot, "second, typed while the first streams")
        assert prompt.text == "second, typed while the first streams"  # refused, not lost
        assert len(app.query_one(ChatView).assistant_messages) == 1
        await pilot.press("escape")
        await settle(app)


async def test_the_answer_takes_its_page_before_the_first_token(make_app, sim):
    """Its room is laid out while the first token is awaited; the first token then repaints
    rows only (no layout of the screen at the moment the user is waiting for). The room is
    worked out from the conversation's height, not the scroll view's virtual size (at least the
    viewport): a row too many made the scrollbar appear, and the view was laid out again as the
    first token came."""
    sim.set_knobs(reply="first words of the answer", ttft_ms=1500.0, tps=5.0, chunk_chars=6)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "a question")
        chat = app.query_one(ChatView)
        answer = chat.last_answer
        await asyncio.sleep(0.25)  # shown and laid out; the first token is 1.5 s away
        assert answer.is_mounted and not answer.text
        waiting = answer.body.size.height
        view = chat.scrollable_content_region.height
        assert waiting >= view // 2, (waiting, view)
        assert answer.region.bottom == chat.scrollable_content_region.bottom  # fills the view, no more
        assert not chat.show_vertical_scrollbar
        question = chat.children[-2]
        assert question.region.y >= chat.region.y  # the question is still on screen, at the top
        while not answer.text:
            await asyncio.sleep(0.01)
        await pilot.pause()
        assert not answer.body.finished and answer.body.size.height == waiting
        await pilot.press("escape")
        await settle(app)


async def test_the_question_is_built_and_the_prompt_cleared_after_the_request_leaves(make_app, sim, monkeypatch):
    """Enter sends first: the question's widgets and the prompt's clearing (a millisecond of
    the event loop) come once the request is written, and after the core is offered to a
    server on this machine."""
    import qwen_tui.conversation.conversation as conversation_module
    import qwen_tui.ui.app as app_module
    from qwen_tui.providers.base import ChatRequest
    from qwen_tui.ui.widgets.chat_view import AssistantMessage, UserMessage

    events: list[str] = []

    def request(*args, on_sent=None, **kwargs):
        return ChatRequest(*args, on_sent=lambda: (events.append("sent"), on_sent()), **kwargs)

    def recorded(cls, name):
        init = cls.__init__
        monkeypatch.setattr(cls, "__init__", lambda self, *a, **k: (events.append(name), init(self, *a, **k))[1])

    monkeypatch.setattr(conversation_module, "ChatRequest", request)
    monkeypatch.setattr(conversation_module, "yield_cpu", lambda: events.append("core yielded"))  # to a local server
    monkeypatch.setattr(app_module, "SHOW_WITHIN_S", 5.0)  # shown when sent, however long connecting takes
    recorded(UserMessage, "question built")
    recorded(AssistantMessage, "answer built")
    clear = PromptInput.clear
    monkeypatch.setattr(PromptInput, "clear", lambda self: (events.append("prompt cleared"), clear(self))[1])
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "a question")
        await settle(app)
        assert events[:5] == ["sent", "core yielded", "question built", "answer built", "prompt cleared"], events
        assert app.query_one(PromptInput).text == ""
        assert app.query_one(ChatView).last_answer.text == "Hello from the simulator.\n"
