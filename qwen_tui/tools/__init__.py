"""Built-in project tools: file tools, edits, commands and their approval policy. No textual."""
