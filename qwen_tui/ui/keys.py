"""Binding groups shared by every widget, so Help (F1) can list bindings by group.

Every Binding in the UI carries an ``id`` (for remapping in the config's ``[keys]`` table), a
description and one of these groups.
"""

from __future__ import annotations

from textual.binding import Binding

GENERAL = Binding.Group("General")
CHAT = Binding.Group("Chat")
PROMPT = Binding.Group("Prompt")
PROVIDERS = Binding.Group("Providers")
FILES = Binding.Group("Files and context")
PICKER = Binding.Group("Provider picker")
RACE = Binding.Group("Race")
TOOLS = Binding.Group("Tools: reviews, commands, changes")
FIT = Binding.Group("A question too big for the window")

GROUP_ORDER = [GENERAL, CHAT, PROMPT, PROVIDERS, FILES, TOOLS, FIT, PICKER, RACE]
# (the session browser brings its own "Sessions" group)
