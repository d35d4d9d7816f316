"""Rendering of streamed Markdown answers to lines (see ``markdown_stream``)."""

DEFAULT_CODE_THEME = "monokai"
