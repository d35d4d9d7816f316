"""Command palette (Ctrl+P) entries: one per provider, one per theme, plus the app's main actions."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class QwenCommands(Provider):
    """Switch provider, open the picker or help, retry, copy, clear the context."""

    def _commands(self) -> list[tuple[str, object, str]]:
        app = self.app
        items: list[tuple[str, object, str]] = []
        for name in app.providers:
            items.append((f"Provider: switch to {name}", partial(app.switch_provider, name),
                          f"Send the next question to {name}, with the whole conversation"))
        for title, action, help_text in [
            ("Providers: open picker", "app.picker", "Health, model and TTFT of every provider"),
            ("Providers: next provider", "app.cycle_provider", "Cycle to the next provider"),
            ("Providers: dashboard", "app.dashboard", "TTFT over time, tok/s and errors per provider"),
            ("Providers: race the question", "app.race", "The prompt's question to 2-4 providers, side by side"),
            ("Help: keys", "app.help", "Every binding, grouped"),
            ("Chat: retry last question", "app.retry", "Ask the last question again on the current provider"),
            ("Chat: copy last answer", "app.copy_answer", "OSC 52 and the local clipboard"),
            ("Edits: undo the last answer's changes", "app.undo", "Restore the files it changed, byte for byte"),
            ("Edits: redo", "app.undo(True)", "Put back what the last undo took away"),
            ("Edits: files changed in this session", "app.changes", "Each answer's changes, with their diffs"),
            ("Chat: copy a code block", "app.copy_code", "Copy the last answer's last code block"),
            ("Context: clear", "app.clear_context", "Remove every file from the context"),
            ("Files: go to file", "app.goto_file", "Fuzzy-find a project file"),
            ("View: toggle side panels", "app.toggle_sidebar", "Show or hide the file tree and context"),
            ("View: wider side panels", "app.resize_sidebar(4)", "Widen the file tree and context (kept)"),
            ("View: narrower side panels", "app.resize_sidebar(-4)", "Narrow the file tree and context (kept)"),
            ("Sessions: browse", "app.sessions", "Resume, rename, delete or export a saved conversation"),
            ("Sessions: new conversation", "app.new_conversation", "Start afresh; the current one stays saved"),
        ]:
            items.append((title, partial(app.run_action, action), help_text))
        from qwen_tui.ui import compacting

        items.append(("Chat: compact the conversation", partial(compacting.start_compaction, app),
                      "The provider summarises the conversation; the summary is sent in its place (/compact)"))
        items.append(("Chat: undo the compaction", partial(compacting.undo_compaction, app),
                      "Send the compacted turns again (/compact undo)"))
        mcp = getattr(app, "mcp", None)
        if mcp is not None:
            items += mcp.palette()
        current = getattr(app, "theme", None)
        for name in sorted(getattr(app, "available_themes", {}), key=lambda n: (not n.startswith("qwen-"), n)):
            mark = " (current)" if name == current else ""
            items.append((f"Theme: {name}{mark}", partial(setattr, app, "theme", name),
                          "Switch the look now; the choice is kept for next time"))
        return items

    async def discover(self) -> Hits:
        for title, callback, help_text in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
