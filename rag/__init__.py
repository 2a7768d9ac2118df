"""Offline retrieval-augmented Q&A with verified citations.

Importing this package is cheap on purpose: no model, index or client is touched until a
factory (``Assistant.from_settings``, ``build_embedder``, ``get_backend``...) is called.
"""

from rag.core.config import Settings
from rag.core.errors import RagError

__all__ = ["Settings", "RagError", "Assistant"]
__version__ = "0.1.0"


def __getattr__(name: str):
    # Lazy so `import rag` stays free of heavy imports; Assistant pulls in numpy & co.
    if name == "Assistant":
        from rag.assistant import Assistant

        return Assistant
    raise AttributeError(name)
