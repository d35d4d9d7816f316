"""The scriptable subcommands. Each reuses the core the TUI uses; none imports Textual."""
