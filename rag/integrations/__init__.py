"""Integrations with other tools' APIs, each a thin layer over `rag.assistant.Assistant`:
`langchain` (`RagRetriever`, imports langchain_core when imported) and `mcp_server`
(`rag mcp`, imports the mcp SDK when the server is built). `import rag` imports neither.
"""
