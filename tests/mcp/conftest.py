"""The MCP tests' fixtures (the servers themselves are in servers/, helpers in tests/support)."""

from tests.support.mcp_servers import http_server  # noqa: F401
