"""Integrations with other tools' APIs, each a thin layer over `rag.assistant.Assistant`:
`langchain` (a LangChain retriever) and `mcp_server` (`rag mcp`). Each module imports its
library at import time, so import only the one you use; `import rag` imports none.
"""
