"""MCP client: the user's and the project's MCP servers as sources of tools and context.

No Textual here, and the ``mcp`` SDK (pydantic, starlette, anyio... about a second to import) is
imported only where a server is started (``connection``), so an app or a subcommand with no server
configured never pays for it. Modules:

- ``config``: ``[mcp]`` and ``[mcp.servers.NAME]`` parsed into ``ServerConfig``; problems per entry
- ``project``: the project's ``.mcp.json``, read once the user trusted it (state.toml remembers)
- ``stderr_log``: each server's stderr into its log file (capped), never the terminal
- ``status``: ``ServerState`` and ``ServerStatus``, what the UI and ``mcp list`` show
- ``connection``: one server's life (start within its timeout, calls, stop) on the SDK
- ``results``: a tool result as text for the model, capped with a clear mark
- ``naming``: ``mcp__<server>__<tool>`` names that a provider accepts
- ``manager``: ``McpManager``, every server in the background; restart; aclose ends them all
- ``toolset``: ``McpToolset``, the ready servers' tools registered into a ``Toolbox`` (bounded)
"""

from qwen_tui.mcp.config import McpProblem, McpSettings, ServerConfig, parse_mcp_table
from qwen_tui.mcp.project import ProjectMcpFile, merged_servers, read_project_file

__all__ = ["McpProblem", "McpSettings", "ProjectMcpFile", "ServerConfig", "merged_servers", "parse_mcp_table",
           "read_project_file"]
