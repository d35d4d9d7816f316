"""A long saved session resumed: its end shows at once, its older turns wait as a blank of their
estimated height and are rendered as they come near the view; every turn stays reachable, and
keys are answered while it loads. Content is asserted, never timing."""

from __future__ import annotations

import gc
import weakref

import pytest

from qwen_tui.session import SessionStore
from qwen_tui.ui.widgets.chat_view import AssistantMessage, ChatView, UserMessage
from qwen_tui.ui.widgets.earlier_turns import EarlierTurns, estimate_rows, group_turns
from qwen_tui.ui.widgets.prompt import PromptInput
from tests.support.app import until

SIZE = (120, 40)


def question(n: int) -> str:
    return f"Question {n:03d}: how is record kind {n} parsed?"


def answer(n: int) -> str:
    code = "".join(f"    value_{i} = handle(record[{i}], kind={n})\n" for i in range(60))
    return (f"Answer {n:03d}. The parser reads each record and hands it on.\n\n- step one\n- step two\n\n"
            f"```python\ndef process_{n}(record):\n{code}    return record  # end {n:03d}\n```\n")


def saved_session(turns: int) -> str:
    """A session of ``turns`` questions and answers, written the way the app writes them."""
    store = SessionStore()
    session = store.create(None, title="Long session")
    for n in range(turns):
        store.append_user(session, question(n))
        writer = store.begin_answer(session, "sambanova", "Meta-Llama-3.3-70B-Instruct", interval=0)
        writer.update(answer(n))
        writer.finish("complete")
    return session.id


def shown_questions(chat: ChatView) -> list[str]:
    return [child.text for child in chat.children if isinstance(child, UserMessage)]


@pytest.fixture
def long_session() -> str:
    return saved_session(300)


async def test_resumed_long_session_shows_its_end_with_the_older_turns_waiting(make_app, long_session):
    app = make_app(resume=long_session)
    async with app.run_test(size=SIZE) as pilot:
        chat = app.query_one(ChatView)
        await until(pilot, lambda: chat.last_answer is not None)
        assert chat.last_answer.text == answer(299)
        assert len(app.turns) == 300  # the whole history is the conversation's
        await pilot.pause(0.3)
        assert chat.scroll_y == chat.max_scroll_y  # at the bottom
        assert chat.last_answer.region.overlaps(chat.region)  # on screen
        blank = chat.children[0]
        assert isinstance(blank, EarlierTurns)
        assert blank.questions > 250  # not rendered: a blank holds them
        rendered = [child for child in chat.children if isinstance(child, AssistantMessage)]
        assert len(rendered) < 20  # what is rendered is near the view, not the session


async def test_scrolling_to_the_top_shows_the_first_question(make_app, long_session):
    app = make_app(resume=long_session)
    async with app.run_test(size=SIZE) as pilot:
        chat = app.query_one(ChatView)
        await until(pilot, lambda: chat.last_answer is not None)
        chat.scroll_home(animate=False)
        await until(pilot, lambda: bool(shown_questions(chat)) and shown_questions(chat)[0] == question(0))
        await pilot.pause(0.2)
        assert chat.scroll_y == 0
        first = next(child for child in chat.children if isinstance(child, UserMessage))
        assert first.region.y < chat.region.bottom  # in the view
        first_answer = next(child for child in chat.children if isinstance(child, AssistantMessage))
        assert first_answer.text == answer(0)


async def test_a_key_pressed_while_the_session_loads_is_handled(make_app, long_session):
    app = make_app(resume=long_session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"hi")  # at once: the session is still being read and shown
        prompt = app.query_one(PromptInput)
        assert prompt.text == "hi"
        chat = app.query_one(ChatView)
        await until(pilot, lambda: chat.last_answer is not None)
        assert prompt.text == "hi"
        assert chat.last_answer.text == answer(299)


async def test_every_turn_is_reachable_paging_up_and_far_ones_go_back_to_a_blank(make_app):
    session_id = saved_session(24)
    app = make_app(resume=session_id)
    async with app.run_test(size=SIZE) as pilot:
        chat = app.query_one(ChatView)
        await until(pilot, lambda: chat.last_answer is not None)
        await pilot.pause(0.2)
        seen_questions: set[str] = set()
        seen_answers: set[str] = set()
        for _ in range(300):
            await pilot.pause(0.1)
            seen_questions.update(shown_questions(chat))
            seen_answers.update(child.text for child in chat.children if isinstance(child, AssistantMessage))
            if chat.scroll_y == 0 and question(0) in shown_questions(chat):
                break
            chat.scroll_to(y=max(0, chat.scroll_y - chat.scrollable_content_region.height), animate=False)
        assert seen_questions == {question(n) for n in range(24)}
        assert seen_answers == {answer(n) for n in range(24)}
        await until(pilot, lambda: any(isinstance(child, EarlierTurns) for child in chat.children[1:]))
        assert chat.scroll_y == 0
        assert shown_questions(chat)[0] == question(0)  # the top stays in view as far turns go back
        assert len([c for c in chat.children if isinstance(c, AssistantMessage)]) < 24
        assert chat.last_answer.text == answer(23)  # the latest turns stay rendered


def test_the_estimate_is_close_to_the_rendered_height() -> None:
    from qwen_tui.session import Turn

    turns = [Turn("user", question(1)), Turn("assistant", answer(1))]
    assert [len(group) for group in group_turns(turns + turns)] == [2, 2]
    assert 70 <= estimate_rows(turns, 116) <= 82  # question 4 rows, answer 71 + its header and margins


async def test_a_turn_given_back_to_a_blank_frees_its_lines_at_once(make_app):
    """Its lines go by reference counting when it is removed, not at a later full garbage
    collection (which held the loop for as long as it took to free them)."""
    session_id = saved_session(24)
    app = make_app(resume=session_id)
    async with app.run_test(size=SIZE) as pilot:
        chat = app.query_one(ChatView)
        await until(pilot, lambda: chat.last_answer is not None)
        await pilot.pause(0.2)
        layouts: dict[str, weakref.ref] = {}
        gc.disable()
        try:
            for _ in range(300):
                await pilot.pause(0.1)
                for child in chat.children:
                    if isinstance(child, AssistantMessage) and child.body._layout is not None:
                        layouts.setdefault(child.text, weakref.ref(child.body._layout))
                if chat.scroll_y == 0 and question(0) in shown_questions(chat):
                    break
                chat.scroll_to(y=max(0, chat.scroll_y - chat.scrollable_content_region.height), animate=False)
            await until(pilot, lambda: any(isinstance(child, EarlierTurns) for child in chat.children[1:]))
            shown = {child.text for child in chat.children if isinstance(child, AssistantMessage)}
            gone = [text for text in layouts if text not in shown]
            assert len(gone) > 5  # turns were given back on the way
            assert [text[:10] for text in gone if layouts[text]() is not None] == []
        finally:
            gc.enable()


async def test_page_keys_move_the_chat_a_page_at_once(make_app, long_session):
    app = make_app(resume=long_session)
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        chat = app.query_one(ChatView)
        await until(pilot, lambda: chat.last_answer is not None)
        await pilot.pause(0.3)
        chat.focus()
        bottom, page = chat.scroll_y, chat.scrollable_content_region.height
        chat.action_page_up()
        assert chat.scroll_y == bottom - page  # scrolled in the key's own handler, not a frame later
        await pilot.pause(0.2)
        await pilot.press("pagedown")
        await pilot.pause(0.2)
        assert chat.scroll_y == chat.max_scroll_y
        assert chat.last_answer.region.overlaps(chat.region)


async def test_paging_up_repaints_the_chat_not_the_whole_screen(make_app, monkeypatch):
    """Each page sends the chat's region again, not the sidebar, prompt and status bar with it
    (the textual fix ``scroll_repaint``; without it most pages were whole-screen updates)."""
    from textual._compositor import Compositor

    session_id = saved_session(24)
    app = make_app(resume=session_id)
    app.animation_level = "none"
    whole: list[int] = []
    full_update = Compositor.render_full_update

    def counted(self, *args, **kwargs):
        whole.append(1)
        return full_update(self, *args, **kwargs)

    async with app.run_test(size=SIZE) as pilot:
        chat = app.query_one(ChatView)
        await until(pilot, lambda: chat.last_answer is not None)
        await pilot.pause(0.3)
        chat.focus()
        await pilot.pause(0.1)
        monkeypatch.setattr(Compositor, "render_full_update", counted)
        pages = 0
        while not (chat.scroll_y == 0 and question(0) in shown_questions(chat)) and pages < 200:
            await pilot.press("pageup")
            await pilot.pause(0.05)
            pages += 1
        assert question(0) in shown_questions(chat)
        assert pages > 20
        assert len(whole) <= pages // 10, f"{len(whole)} whole-screen updates in {pages} pages"


async def test_the_background_work_waits_for_a_resumed_session_to_show(make_app, long_session, monkeypatch):
    """The project index, the provider checks, the tools and MCP start a moment after the session
    given on the command line is on screen: their threads and imports would slow its rendering
    and the frames after it."""
    import time

    from qwen_tui.ui import app as app_module
    from qwen_tui.ui.app import QwenApp

    started: list[tuple[bool, float]] = []  # (the last answer on screen?, when) as the background started
    shown: list[float] = []  # when the resumed turns were mounted
    start, show = QwenApp._start_background, ChatView.show_session

    def recorded(self):
        if not self._background_started:
            chat = self.query_one(ChatView)
            started.append((chat.last_answer is not None and chat.last_answer.text == answer(299), time.monotonic()))
        start(self)

    async def show_recorded(self, *args, **kwargs):
        await show(self, *args, **kwargs)
        shown.append(time.monotonic())

    monkeypatch.setattr(QwenApp, "_start_background", recorded)
    monkeypatch.setattr(ChatView, "show_session", show_recorded)
    app = make_app(resume=long_session)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: bool(started))
        assert [on_screen for on_screen, _ in started] == [True]
        assert started[0][1] - shown[0] >= app_module.BACKGROUND_AFTER_RESUME_S * 0.9
        assert app._background_started


async def test_a_resumed_sessions_history_is_counted_while_its_turns_render(make_app, long_session, monkeypatch):
    """The sidebar's count of the history changes its layout: counted while the resumed turns are
    rendered, it is painted before them, not in a second layout just after (a key typed then
    waited for both)."""
    from qwen_tui.ui.widgets.sidebar import Sidebar

    order: list[str] = []
    show, show_context = ChatView.show_session, Sidebar.show_context

    async def show_recorded(self, *args, **kwargs):
        await show(self, *args, **kwargs)
        order.append("turns")

    def context_recorded(self, entries, **kwargs):
        if kwargs["history_tokens"]:
            order.append("history counted")
        show_context(self, entries, **kwargs)

    monkeypatch.setattr(ChatView, "show_session", show_recorded)
    monkeypatch.setattr(Sidebar, "show_context", context_recorded)
    app = make_app(resume=long_session)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "turns" in order)
        assert order[:2] == ["history counted", "turns"]


async def test_the_background_work_starts_at_the_first_frame_without_a_session(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: bool(app.project.files))  # the project index, built in the background
        assert app._background_started


async def test_start_up_holds_full_collections_until_the_first_frame(make_app):
    import contextlib

    from qwen_tui.conversation import loop

    app = make_app()
    app.start_up = contextlib.ExitStack()
    app.start_up.enter_context(loop.no_full_collections())
    assert gc.get_threshold()[2] >= 1_000_000
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app._background_started)
        assert gc.get_threshold()[2] < 1_000_000  # released: full collections run again


def test_the_tui_hands_the_interpreter_to_its_loop_within_a_millisecond(project, monkeypatch):
    """While it runs, threads (rendering, indexing, writing frames) give the interpreter back to
    the event loop at 1 ms, not Python's 5 ms; restored after."""
    import sys

    from qwen_tui.config import default_config
    from qwen_tui.ui.app import QwenApp, run_app

    seen: list[float] = []
    monkeypatch.setattr(QwenApp, "run", lambda self, **kwargs: seen.append(sys.getswitchinterval()) or 0)
    before = sys.getswitchinterval()
    assert run_app(project, default_config(), provider=None, model=None, demo=False) == 0
    assert seen == [0.001]
    assert sys.getswitchinterval() == before
