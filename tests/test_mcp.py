"""`rag mcp` driven over stdio by the official MCP SDK's client (a real subprocess)."""

from __future__ import annotations

import os
import sys

import pytest

mcp = pytest.importorskip("mcp", reason="pip install -e '.[mcp]'")

QUESTION = "Wie viel Geld soll in Stargate fließen?"


async def test_search_and_ask_over_stdio(seeds_index, tmp_path):
    from mcp import ClientSession, StdioServerParameters, stdio_client

    paths = seeds_index().settings.paths
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "rag.cli", "mcp", "--seeds", str(paths.seeds_dir), "--index", str(paths.index_dir),
              "--models-dir", str(paths.models_dir), "--embedder-backend", "hashing"],
        env={**os.environ, "RAG_EMBEDDING__DIM": "256", "PYTHONUNBUFFERED": "1"})
    with open(tmp_path / "mcp.log", "w") as log:
        async with stdio_client(params, errlog=log) as (read, write):
            async with ClientSession(read, write, read_timeout_seconds=120) as session:
                init = await session.initialize()
                assert init.server_info.name == "rag"
                assert {t.name for t in (await session.list_tools()).tools} == {"search", "ask"}

                found = await session.call_tool("search", {"query": QUESTION, "k": 3})
                passages = found.structured_content["passages"]
                assert not found.is_error and len(passages) == 3
                assert any("Stargate" in p["text"] for p in passages)

                asked = await session.call_tool("ask", {"question": QUESTION})
                answer = asked.structured_content
                assert not asked.is_error and not answer["refused"] and "500 Milliarden" in answer["answer"]
                assert answer["citations"] and "[1]" in answer["answer"]
                assert "Stargate" in answer["citations"][0]["title"] + " ".join(p["text"] for p in passages
                                                                           if p["source"] == answer["citations"][0]["source"])

                empty = await session.call_tool("ask", {"question": " "})
                assert empty.is_error and "Please enter a question" in empty.content[0].text
