"""`rag mcp`: an MCP server on stdio (the official `mcp` SDK, 2.x) with two tools, `search` and
`ask`, for agents and editors that speak the Model Context Protocol.

    {"mcpServers": {"rag": {"command": ".venv/bin/rag", "args": ["mcp"]}}}

stdout carries the protocol, so nothing else may print there.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from pydantic import BaseModel, Field

from rag.assistant import Assistant
from rag.core.config import Settings
from rag.core.errors import BackendUnavailableError, RagError


# The tools' results; MCPServer turns their types into output schemas.
class Passage(BaseModel):
    source: str
    title: str
    date: str | None
    page: int | None
    start: int
    end: int
    score: float
    text: str


class Passages(BaseModel):
    passages: list[Passage]


class CitedAnswer(BaseModel):
    answer: str  # with [n] markers
    refused: bool
    citations: list[dict[str, Any]]  # the JSON contract's: n, source, title, date, start, end, text, ...
    notices: list[str]


def build_server(assistant: Assistant) -> Any:
    """An `MCPServer` whose tools answer from `assistant`."""
    try:
        from mcp.server.mcpserver import MCPServer
        from mcp.server.mcpserver.exceptions import ToolError
    except ImportError:
        raise BackendUnavailableError(
            "rag mcp needs the MCP SDK 2.x. Install it with: pip install -e '.[mcp]'") from None

    async def call(fn, *args: Any, **kwargs: Any) -> Any:
        # Off the event loop (CPU work); a RagError is the caller's to fix, so its message
        # reaches the client (any other exception shows only "Error executing tool ...").
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except RagError as exc:
            raise ToolError(str(exc)) from None

    server = MCPServer("rag", instructions="Questions about the indexed German news articles. "
                                           "`ask` answers with verified [n] citations; `search` returns passages.")

    @server.tool()
    async def search(query: str, k: Annotated[int, Field(ge=1, le=50)] = 5) -> Passages:
        """The k passages of the indexed articles that best match `query` (German or English)."""
        hits = await call(assistant.search, query, k=k)
        return Passages(passages=[Passage(source=h.chunk.source, title=h.chunk.title, date=h.chunk.date,
                                          page=h.chunk.page, start=h.chunk.start, end=h.chunk.end,
                                          score=float(h.score), text=h.chunk.text) for h in hits])

    @server.tool()
    async def ask(question: str) -> CitedAnswer:
        """Answer `question` from the indexed articles only; every claim carries an [n] citation
        pointing to its supporting sentence. Refuses when the articles do not say."""
        data = (await call(assistant.ask, question)).to_json()
        return CitedAnswer(answer=data["answer"], refused=data["refused"], citations=data["citations"],
                           notices=data["notices"])

    return server


def run_stdio(settings: Settings) -> None:
    """Serve on stdin/stdout until the client closes them."""
    build_server(Assistant.from_settings(settings)).run(transport="stdio")
