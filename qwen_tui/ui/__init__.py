"""The terminal UI (Textual). Importing it installs the Textual fixes (``textual_fixes``), so
the app, its tests and the benchmarks run on the same patched Textual."""

from qwen_tui.ui import textual_fixes

textual_fixes.install()
