"""The chat view: one widget per message; the assistant's answer streams into a
``StreamingMarkdown`` (the incremental renderer in ``markdown_stream.py``).

The view stays anchored to the bottom while an answer streams, unless the user scrolls up.
It follows a streaming answer a page at a time ("page-follow"): the answer's height grows in
steps of nearly a screen, so the view scrolls once a screenful rather than once a line. A scroll
changes every visible line and resends the whole chat region to the terminal (kilobytes over
SSH); between jumps only the new lines are sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import Callable
from functools import cached_property

from rich.text import Text
from textual.actions import SkipAction
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Region
from textual.widgets import Static
from textual.widget import AwaitMount, Widget

from qwen_tui.conversation.loop import no_full_collections
from qwen_tui.ui.paint_now import paint_scroll_now
from qwen_tui.ui.render.markdown_stream import GROW_STEP, StreamingMarkdown
from qwen_tui.ui.textual_fixes.one_layout import LaidOutOnce
from qwen_tui.ui.widgets.background_rows import BackgroundRows
from qwen_tui.ui.widgets.earlier_turns import EarlierTurns, estimate_rows, group_turns, prerender
from qwen_tui.ui.widgets.thinking import ThinkingSection, thinking_of
from qwen_tui.terminal_text import visible


class UserMessage(Static):
    """What the user asked; plain text, never markup."""

    def __init__(self, text: str, note: str = "") -> None:
        body = Text()
        body.append("You", style="bold")
        if note:
            body.append(f"  {note}", style="dim")
        body.append("\n")
        body.append(visible(text))
        super().__init__(body, markup=False, classes="user-message")
        self.text = text
        self._body = body

    def rows_at(self, width: int) -> int:
        """Its height in rows when the chat's content is ``width`` cells wide, before it is laid
        out (app.tcss: a thick left border and one cell of padding each side)."""
        return len(self._body.wrap(self.app.console, max(width - 3, 1)))


class AssistantMessage(LaidOutOnce, Vertical):
    """One answer: a header naming provider and model, the streamed body, then a footer with
    the outcome (timing, "stopped", or the error in plain words)."""

    DEFAULT_CSS = """
    AssistantMessage { height: auto; }
    AssistantMessage > .answer-header { color: $text-muted; }
    AssistantMessage > .answer-footer { color: $text-muted; display: none; }
    AssistantMessage > .answer-footer.shown { display: block; }
    AssistantMessage > .answer-tools { height: auto; }
    AssistantMessage > .answer-error { display: none; color: $error; border-left: thick $error; padding: 0 1; }
    AssistantMessage > .answer-error.shown { display: block; }
    """

    def __init__(self, provider: str, model: str, text: str = "") -> None:
        super().__init__(classes="assistant-message")
        self.provider, self.model = provider, model
        header = Text()
        header.append(visible(provider, single_line=True), style="bold")
        header.append(" · " + visible(model, single_line=True))
        self._header = Static(header, markup=False, classes="answer-header")
        self.body = StreamingMarkdown(text)
        self._tools = Vertical(classes="answer-tools")
        self._early_tools: list[Widget] = []
        self._error = Static("", markup=False, classes="answer-error")
        self._footer = Static("", markup=False, classes="answer-footer")
        self.outcome = "pending"
        self.error_message = ""
        self.thinking: ThinkingSection | None = None  # the model's reasoning, made when it comes

    def compose(self):
        yield self._header
        if self.thinking is not None:
            yield self.thinking
        yield self.body
        yield self._tools
        yield self._error
        yield self._footer

    @property
    def text(self) -> str:
        return self.body.text

    @property
    def header_height(self) -> int:
        return self._header.outer_size.height

    @property
    def code_blocks(self) -> list[str]:
        return self.body.code_blocks

    def append(self, text: str) -> None:
        self.body.append(text)

    def add_tool(self, entry: Widget) -> None:
        """A tool call's entry, under the text (the answer's later text goes on above it). Before
        the answer is mounted (a resumed session), its entries wait for it."""
        if self._tools.is_mounted:
            self._tools.mount(entry)
        else:
            self._early_tools.append(entry)

    def on_mount(self) -> None:
        if self._early_tools:
            self._tools.mount_all(self._early_tools)
            self._early_tools = []

    def finish(self, outcome: str, note: str = "") -> None:
        """Flush what came and show how the answer ended (after the last text is painted: the
        note changes the layout)."""
        self.outcome = outcome
        self.body.finish()
        if self.thinking is not None:
            self.thinking.finish()
        if note:
            if self.is_mounted:
                self.call_after_refresh(self._show_note, note)
            else:
                self._show_note(note)

    def _show_note(self, note: str) -> None:
        self._footer.update(Text(visible(note), style="dim"))
        self._footer.add_class("shown")

    def show_error(self, what: str, fix: str = "") -> None:
        """The error inline, under the partial text: what happened, what to do."""
        self.error_message = what
        text = Text()
        text.append("⚠ ", style="bold")
        text.append(visible(what))
        if fix:
            text.append("\n")
            text.append(visible(fix), style="italic")
        self._error.update(text)
        self._error.add_class("shown")


class PendingTurn:
    """A question and its answer before they are shown. Their widgets are built when first
    needed, normally once the request has gone out: building them takes half a millisecond
    that Enter would otherwise wait before the request is sent."""

    def __init__(self, question: str, note: str, provider: str, model: str, code_theme: str) -> None:
        self.question, self.note = question, note
        self.provider, self.model, self.code_theme = provider, model, code_theme

    @cached_property
    def user(self) -> UserMessage:
        return UserMessage(self.question, self.note)

    @cached_property
    def answer(self) -> AssistantMessage:
        answer = AssistantMessage(self.provider, self.model)
        answer.body.code_theme = self.code_theme
        return answer


#: Lines of what came before that stay in view when the view jumps a page to follow the answer.
PAGE_CONTEXT = 3
#: A resumed session renders its latest turns, at least this many screens, at once.
EAGER_SCREENS = 1
#: Earlier turns this many screens above and below the view are rendered before they show.
FILL_MARGIN_SCREENS = 1
#: Earlier turns rendered on the way go back to a blank once they are this many screens away.
RECYCLE_SCREENS = 3
#: While the view moves through earlier turns, a full garbage collection waits until it has been
#: still this long (seconds)...
COLLECT_WHEN_STILL = 0.5
#: ...or, when it keeps moving, at most this long.
COLLECT_AT_LEAST_EVERY = 10.0
#: The class of turns a compaction stands for (``qwen_tui.ui.compacting.COMPACTED``).
COMPACTED_CLASS = "compacted"


class ChatView(BackgroundRows, LaidOutOnce, VerticalScroll):
    """The conversation, anchored to the bottom while an answer streams.

    The scrollbar's room is kept even when the conversation fits: otherwise the first answer
    that overflows the view narrows every message when the scrollbar appears, and the answer
    streaming at that moment is laid out again from its first line (tens of ms on the loop)."""

    DEFAULT_CSS = """
    ChatView { scrollbar-gutter: stable; }
    """

    can_focus = True
    _expected: PendingTurn | None = None

    def on_mount(self) -> None:
        self.anchor()
        self.call_after_refresh(self._preload_styles)
        self.call_after_refresh(self._preload_renderer)

    def _preload_styles(self) -> None:
        """After the first frame, give the stylesheet the styles of a turn's widgets and parse
        them. Textual does it when the first of a class mounts, and re-parses every other
        source with it (applying the theme emptied its parse cache): 8 ms on the first Enter,
        between the request leaving and the question showing."""
        stylesheet = self.app.stylesheet
        try:
            for cls in TURN_WIDGETS:
                probe = cls.__new__(cls)  # _get_default_css reads only the class
                for read_from, css, tie_breaker, scope in probe._get_default_css():
                    stylesheet.add_source(css, read_from=read_from, is_default_css=True, tie_breaker=tie_breaker,
                                          scope=scope)
        except (AttributeError, TypeError):  # a Textual without these internals: parsed at the first turn
            return
        stylesheet.rules  # noqa: B018 - parses now

    def _preload_renderer(self) -> None:
        """After the first frame, load the Markdown renderer (~90 ms of imports) in a thread, so
        that neither start-up nor the first answer waits for it."""
        self.run_worker(_import_renderer, thread=True, group="preload", exit_on_error=False)

    def add_user(self, text: str, note: str = "") -> UserMessage:
        message = UserMessage(text, note)
        self.mount(message)
        return message

    def add_assistant(self, provider: str, model: str) -> AssistantMessage:
        message = AssistantMessage(provider, model)
        self.mount(message)
        self.call_after_refresh(self._page_follow, message)
        return message

    def expect(self, turn: PendingTurn) -> None:
        """``turn``'s answer is the newest answer from now on, though it is mounted a moment
        later (the app sends the question before it shows it)."""
        self._expected = turn

    def stage(self, turn: PendingTurn, on_shown: Callable[[], None]) -> Callable[[], None]:
        """Expect ``turn``; the call returned shows it (once: later calls do nothing), then calls
        ``on_shown``. The screen is not painted from now until the turn is composed: painted
        before, it is drawn half-built and its layout waits a frame more."""
        self.expect(turn)
        app = self.app
        app._begin_batch()
        shown = False

        def show() -> None:
            nonlocal shown
            if shown:
                return
            shown = True
            try:
                mounted = self.add_turn(turn)
                on_shown()
            except Exception:
                app._end_batch()
                raise
            app.call_later(_paint_when_mounted, app, mounted)

        return show

    def add_turn(self, turn: PendingTurn) -> AwaitMount:
        """Show a question and its (streaming) answer, following it from the bottom.

        The answer's room is worked out before the first layout (and checked after it), so
        that one layout places the turn with the answer's page: the first token, often only
        a frame or two behind, then repaints rows."""
        user, answer = turn.user, turn.answer
        view = self.scrollable_content_region
        if view.height > 0:
            lead = 1 + user.rows_at(view.width) + 1 + 1  # margin, question, margin, header
            below = self._content_height() + lead
            room = view.height - below if below <= view.height else view.height - (lead - 1)
            answer.body.room = room if room >= GROW_STEP else 0
            answer.body.grow_step = max(GROW_STEP, view.height - PAGE_CONTEXT)
        mounted = self.mount_all([user, answer])
        self._expected = None
        self.call_after_refresh(self._page_follow, answer, user)
        self.anchor()
        return mounted

    def _content_height(self) -> int:
        """Rows the conversation takes. Not ``virtual_size``: a scroll view's is at least its
        viewport, and a first answer sized from it overflowed the view by a row (the scrollbar
        then appeared, and the whole view was laid out again as the first token came)."""
        shown = [child for child in self.children if child.display]
        if not shown:
            return 0
        region = self._placed.get(shown[-1])  # the last child may be off screen (``_placed``)
        return (region or shown[-1].virtual_region_with_margin).bottom

    def _page_follow(self, message: AssistantMessage, question: UserMessage | None = None) -> None:
        """Tell a streaming answer how much room it has on screen and how far to grow at a time.

        It takes that room now, while the first token is awaited, so that the first token only
        repaints rows. An answer that starts at the bottom of the view (the conversation is
        anchored there) gets the page under its question: the question moves to the top."""
        body = message.body
        if body.finished or not message.is_mounted:
            return
        viewport = self.scrollable_content_region
        shown = message.region
        top = shown.y + message.header_height if shown.height else viewport.bottom
        room = max(0, viewport.bottom - top)
        if room == 0 and question is not None and question.is_mounted and shown.height:
            lead = top - question.region.y  # the question and the answer's header, in rows
            room = viewport.height - lead if viewport.height - lead >= GROW_STEP else 0
        grow_step = max(GROW_STEP, viewport.height - PAGE_CONTEXT)
        if (room, grow_step) != (body.room, body.grow_step):  # add_turn's estimate was off
            body.room, body.grow_step = room, grow_step
            body.refresh(layout=True)

    def add_note(self, text: str) -> Static:
        note = Static(Text(visible(text), style="dim italic"), markup=False, classes="chat-note")
        self.mount(note)
        return note

    async def show_session(self, session, code_theme: str) -> None:
        """A saved conversation, as it was: questions, answers, their errors and outcomes.

        The latest turns (a couple of screens) are rendered at once; each older question with its
        answer waits in an ``EarlierTurns`` blank of its estimated height, rendered (in a thread)
        when it scrolls near the view (``_fill_near_view``): a 300-turn session shows its end at
        once and no answer's rendering holds the loop."""
        await self.remove_children()
        self._code_theme = code_theme
        groups = group_turns(session.turns)
        view = self.scrollable_content_region
        width = view.width if view.width > 0 else self.app.size.width
        want = max(view.height, self.app.size.height) * EAGER_SCREENS
        eager, rows = len(groups), 0
        while eager > 0 and (rows < want or eager == len(groups)):
            eager -= 1
            rows += estimate_rows(groups[eager], width)
        widgets: list[Widget] = [EarlierTurns(groups[:eager], width)] if eager else []
        latest = [turn for group in groups[eager:] for turn in group]
        rendered = await asyncio.to_thread(prerender, latest, width, code_theme, self.app.console.color_system)
        widgets.extend(self._turn_widgets(latest, rendered))
        note = Static(Text(visible(f"Resumed “{session.display_title}”: the next question continues it."),
                           style="dim italic"), markup=False, classes="chat-note")
        widgets.append(note)
        await self.mount_all(widgets)
        self.anchor()
        self._has_earlier = eager > 0
        self._schedule_fill()

    def _turn_widgets(self, turns: list, rendered: dict[int, tuple] | None = None) -> list[Widget]:
        """The widgets of saved turns (a question, its answer); ``rendered``: answers' lines made
        in a thread (``prerender``), by turn index."""
        widgets: list[Widget] = []
        for index, turn in enumerate(turns):
            if turn.role == "user":
                widgets.append(UserMessage(turn.content))
            elif turn.role == "assistant":
                answer = AssistantMessage(turn.provider or "?", turn.model or "?")
                answer.body.code_theme = self._code_theme
                if turn.reasoning:
                    thinking_of(answer).append(turn.reasoning)
                    answer.thinking.set_folded(bool(turn.content))
                answer.append(turn.content)
                if rendered and index in rendered:
                    answer.body.adopt(*rendered[index])
                if turn.tools:
                    self._show_tools(answer, turn.tools)
                if turn.error:
                    answer.show_error(turn.error)
                answer.finish(turn.outcome or "complete")
                widgets.append(answer)
        return widgets

    # -- the earlier turns of a resumed session ---------------------------------------------

    _code_theme = "monokai"
    _fill_scheduled = False
    #: The child at the top of the view and where its bottom was, at the last arrangement.
    _kept: tuple[Widget, int] | None = None

    #: Some earlier turns may still be unrendered (checked again when none is near the view).
    _has_earlier = False
    #: Each child's region in the scrolled content, margin included, from the last arrangement.
    #: Asked of Textual instead (``virtual_region_with_margin``), a child off screen makes the
    #: compositor build the whole map again and forget its visible one, and the next scroll then
    #: repaints the whole screen, not just the chat: every page paid for both.
    _placed: dict[Widget, Region] = {}

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._has_earlier:
            self._schedule_fill()
            self._hold_full_collections()

    def action_page_up(self) -> None:
        self._page(-1)

    def action_page_down(self) -> None:
        self._page(1)

    def _page(self, direction: int) -> None:
        """Textual's page key scrolls after the screen's next refresh, then paints at the frame
        after that; paging, the user waits on each page. Here the scroll is made at once and
        painted at once (``_paint_scroll_now``)."""
        if not self.allow_vertical_scroll:
            raise SkipAction()
        animate = self.app.animation_level != "none"  # Textual's animator jumps only at its next tick
        self.scroll_to(y=self.scroll_y + direction * self.scrollable_content_region.height, animate=animate,
                       immediate=True)
        self._paint_scroll_now()

    def _paint_scroll_now(self) -> None:
        """The scroll goes to the screen now, not at its next frame (0-17 ms later); a layout on
        its way is done with it, as the frame's."""
        paint_scroll_now(self)

    # While the user pages through earlier turns, each page renders turns and gives far ones
    # back: the heap churns, and the interpreter's full garbage collections came about once a
    # second, each holding the loop for a page's time or more. They wait for the view to be still.
    _collections_held: contextlib.ExitStack | None = None
    _held_since = 0.0
    _still_timer = None

    def _hold_full_collections(self) -> None:
        now = time.monotonic()
        if self._collections_held is not None and now - self._held_since > COLLECT_AT_LEAST_EVERY:
            self._held_since = now
            self.call_later(self._collect_now)  # once this page is painted: the key waits for its page only
        if self._collections_held is None:
            self._collections_held = contextlib.ExitStack()
            self._collections_held.enter_context(no_full_collections())
            self._held_since = now
        if self._still_timer is not None:
            self._still_timer.stop()
        self._still_timer = self.set_timer(COLLECT_WHEN_STILL, self._collect_now, name="collect-when-still")

    def _collect_now(self) -> None:
        """The held full collection, now (the view is still, or it has waited long enough)."""
        held, self._collections_held = self._collections_held, None
        if held is not None:
            held.close()
            gc.collect()

    def on_unmount(self) -> None:
        held, self._collections_held = self._collections_held, None
        if held is not None:
            held.close()

    def on_resize(self) -> None:
        answer = self.last_answer
        if answer is not None and not answer.body.finished:
            answer.body.grow_step = max(GROW_STEP, self.scrollable_content_region.height - PAGE_CONTEXT)
        if self._has_earlier:
            self._schedule_fill()

    _filling = False  # an earlier turn is being rendered (one at a time)
    #: The questions a compaction stands for (``qwen_tui.ui.compacting.dim_compacted`` sets it):
    #: an earlier turn rendered later is dimmed if it is one of them.
    compacted_questions = 0

    def _schedule_fill(self) -> None:
        if self._fill_scheduled or self._filling:
            return
        self._fill_scheduled = True
        self.call_after_refresh(self._fill_near_view)

    def _fill_near_view(self) -> None:
        """Render the earlier turn nearest the view, if one is in it or within a screen of it;
        the next once that one is shown."""
        self._fill_scheduled = False
        if not self.is_attached or self._filling:
            return
        height = max(self.scrollable_content_region.height, 1)
        top = round(self.scroll_y)
        low, high = top - height * FILL_MARGIN_SCREENS, top + height * (1 + FILL_MARGIN_SCREENS)
        best: tuple[int, EarlierTurns, int] | None = None
        blanks = [child for child in self.children if isinstance(child, EarlierTurns)]
        for blank in blanks:
            region = self._placed.get(blank)
            if region is None or region.bottom <= low or region.y >= high:
                continue
            for index, start, end in blank.spans():
                start, end = start + region.y, end + region.y
                if end <= low or start >= high:
                    continue
                distance = 0 if end > top and start < top + height else min(abs(end - top), abs(start - top - height))
                if best is None or distance < best[0] or (distance == best[0] and index > best[2]):
                    best = (distance, blank, index)
        recycled = self._recycle_far(top, height)  # one far turn a pass, while the near ones render
        if best is None:
            self._has_earlier = bool(blanks) or recycled
            if recycled:
                self._fill_scheduled = True
                self.set_timer(1 / 60, self._fill_near_view, name="earlier-turns")
            return
        self._filling = True
        self.run_worker(self._render_earlier(best[1], best[2]), group="earlier-turns", exit_on_error=False)

    def _recycle_far(self, top: int, height: int) -> bool:
        """Earlier turns rendered on the way but now more than ``RECYCLE_SCREENS`` screens from the
        view go back into a blank next to them, at their real height (nothing moves): memory
        follows what is near the view, not how far the user has scrolled."""
        low, high = top - height * RECYCLE_SCREENS, top + height * (1 + RECYCLE_SCREENS)
        children = list(self.children)
        placed = self._placed
        for child in children:
            group = getattr(child, "earlier_group", None)
            if group is None or not child.is_mounted:
                continue
            region = placed.get(child)
            if region is None or (low <= region.bottom and region.y <= high):
                continue
            members = [c for c in children if getattr(c, "earlier_group", None) is group]
            regions = [placed.get(c) for c in members]
            if any(r is None or (low <= r.bottom and r.y <= high) for r in regions):
                continue
            first, last = children.index(members[0]), children.index(members[-1])
            rows = sum(r.height for r in regions)
            above = children[first - 1] if first > 0 else None
            below = children[last + 1] if last + 1 < len(children) else None
            if isinstance(above, EarlierTurns):
                above.take_back(group, rows, at_end=True)
                above.fit()
            elif isinstance(below, EarlierTurns):
                below.take_back(group, rows, at_end=False)
                below.fit()
            else:
                blank = EarlierTurns([group], 0, rows=[rows])
                self.mount(blank, before=members[0])
            for member in members:
                member.earlier_group = None  # type: ignore[attr-defined]
                _drop_rendered(member)
                member.remove()
            self._has_earlier = True
            return True  # one group a pass; the next pass takes the next
        return False

    async def _render_earlier(self, blank: EarlierTurns, index: int) -> None:
        """One earlier turn: its answers rendered in a thread, mounted hidden, then shown as
        the blank splits around it, in one layout (the view keeps its place)."""
        try:
            group = blank.groups[index]
            width = self.scrollable_content_region.width
            rendered = await asyncio.to_thread(prerender, group, width, self._code_theme,
                                               self.app.console.color_system)
            if blank.parent is not self or index >= len(blank.groups) or blank.groups[index] is not group:
                return  # the conversation was cleared meanwhile
            widgets = self._turn_widgets(group, rendered)
            for widget in widgets:
                widget.earlier_group = group  # type: ignore[attr-defined] - given back to a blank when far away
            before = sum(other.questions if isinstance(other, EarlierTurns) else 1
                         for other in self.children[: self.children.index(blank)]
                         if isinstance(other, EarlierTurns | UserMessage))
            question = before + sum(1 for g in blank.groups[: index + 1] for turn in g if turn.role == "user")
            for widget in widgets:
                widget.set_class(question <= self.compacted_questions, COMPACTED_CLASS)
            group, rest = blank.split_at(index, width)
            new = widgets + ([rest] if rest is not None else [])
            for widget in new:
                widget.display = False
            if new:
                await self.mount_all(new, after=blank)
            blank.replaced_by = new[-1] if new else None
            blank.fit()
            for widget in new:
                widget.display = True
            if not blank.groups:
                await blank.remove()
        finally:
            self._filling = False
        self._schedule_fill()

    def arrange(self, size, optimal: bool = False):
        """Textual's arrangement, then the view keeps its place when something above it changed
        height (an earlier turn rendered at its real height): the child at the top of the view
        keeps its bottom where it was. At the very top or anchored to the bottom, nothing moves."""
        result = super().arrange(size, optimal)
        kept, self._kept = self._kept, None
        placements = result.placements
        if not placements:
            return result
        where = {placement.widget: placement.region for placement in placements}
        self._placed = {placement.widget: placement.region.grow(placement.margin) for placement in placements}
        top = self.scroll_y
        if kept is not None and top > 0 and self._anchor_released:
            widget, bottom = kept
            if isinstance(widget, EarlierTurns) and widget.replaced_by is not None:
                widget, widget.replaced_by = widget.replaced_by, None
            elif isinstance(widget, EarlierTurns) and widget not in where:
                widget = None
            region = where.get(widget)
            if region is not None and region.bottom != bottom:
                total = max(r.bottom for r in where.values())
                limit = max(0, total - self.scrollable_content_region.height)
                new_y = min(max(0, top + region.bottom - bottom), limit)
                self.set_reactive(Widget.scroll_y, new_y)
                self.set_reactive(Widget.scroll_target_y, new_y)
                self.vertical_scrollbar._reactive_position = new_y
                top = new_y
        for placement in placements:
            if placement.region.bottom > top:
                self._kept = (placement.widget, placement.region.bottom)
                break
        for widget in where:  # a split is seen by the arrangement after it, never a later one
            if isinstance(widget, EarlierTurns):
                widget.replaced_by = None
        return result

    @staticmethod
    def _show_tools(answer: AssistantMessage, records: list[dict]) -> None:
        """A saved answer's tool calls, as they ended (the entries open on the saved result or diff)."""
        from qwen_tui.ui.widgets.tool_entry import ToolEntry

        for record in records:
            entry = ToolEntry(str(record.get("name", "?")), record.get("arguments") or {})
            entry.done(bool(record.get("ok")), str(record.get("summary", "")),
                       str(record.get("diff") or record.get("content") or ""))
            answer.add_tool(entry)

    @property
    def assistant_messages(self) -> list[AssistantMessage]:
        return list(self.query(AssistantMessage))

    @property
    def last_answer(self) -> AssistantMessage | None:
        if self._expected is not None:
            return self._expected.answer
        messages = self.assistant_messages
        return messages[-1] if messages else None


def _drop_rendered(widget: Widget) -> None:
    """Free the lines ``widget`` and its children drew, before it is removed: a removed widget
    waits in reference cycles for a full garbage collection, and the lines freed with it (an
    answer's thousands of strips and their caches) made that collection hold the loop for
    hundreds of ms. Freed now, by reference counting, the collection finds only the widgets."""
    for node in widget.walk_children(with_self=True):
        if isinstance(node, StreamingMarkdown):
            node.drop_lines()
        styles_cache = getattr(node, "_styles_cache", None)  # Textual's per-widget line cache
        if styles_cache is not None:
            styles_cache.clear()


async def _paint_when_mounted(app, mounted: AwaitMount) -> None:
    try:
        await mounted
    finally:
        app._end_batch()


#: The widgets a turn mounts (``_preload_styles``).
TURN_WIDGETS = (UserMessage, AssistantMessage, StreamingMarkdown)


def _import_renderer() -> None:
    import qwen_tui.ui.render.layout  # noqa: F401 - loads the parser, Pygments and Rich Markdown
