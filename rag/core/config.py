"""The one settings object: defaults in code, `RAG_*` environment variables, then CLI flags.

Nested sections use a double underscore in the environment, e.g. `RAG_LLM__BACKEND=fake`,
`RAG_RETRIEVAL__K=8`, `RAG_EMBEDDING__MODEL=intfloat/multilingual-e5-small`. Functions take
only the section they need (`settings.chunking`, `settings.retrieval`, ...).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from rag.core.errors import ConfigError
from rag.core.settings_answer import (
    AnswerSettings,
    CitationSettings,
    LLMSettings,
    ReaderSettings,
    RetrievalSettings,
)
from rag.core.settings_build import (
    DEFAULT_EMBEDDER_MODEL,
    ChunkingSettings,
    EmbeddingSettings,
    IndexSettings,
    IngestSettings,
    RaySettings,
    StoreSettings,
)
from rag.core.settings_edges import APISettings, UISettings

# The sections live beside this module, by stage; they are imported from here.
__all__ = ["DEFAULT_EMBEDDER_MODEL", "APISettings", "AnswerSettings", "ChunkingSettings", "CitationSettings",
           "EmbeddingSettings", "IndexSettings", "IngestSettings", "LLMSettings", "PathSettings", "RaySettings",
           "ReaderSettings", "RetrievalSettings", "Settings", "StoreSettings", "UISettings", "load_settings"]


def _default_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rag"


class PathSettings(BaseModel):
    seeds_dir: Path = Path("seeds")
    index_dir: Path = Path("index")
    models_dir: Path = Path("models")
    # Saved conversations (conversations.sqlite3) and other data the app writes; git-ignored.
    data_dir: Path = Path("data")
    # Derived data outside the repository: the eval corpora's and reader training's indexes.
    cache_dir: Path = Field(default_factory=_default_cache)
    # `rag eval` writes one folder per run here (`--out` overrides); the UI's Evaluation tab too.
    eval_results_dir: Path = Path("evals/results")


class Settings(BaseSettings):
    """All configuration. Construct with overrides: `Settings(llm={"backend": "fake"})`."""

    model_config = SettingsConfigDict(
        env_prefix="RAG_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    paths: PathSettings = PathSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    chunking: ChunkingSettings = ChunkingSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    index: IndexSettings = IndexSettings()
    llm: LLMSettings = LLMSettings()
    answer: AnswerSettings = AnswerSettings()
    reader: ReaderSettings = ReaderSettings()
    citations: CitationSettings = CitationSettings()
    ingest: IngestSettings = IngestSettings()
    ui: UISettings = UISettings()
    api: APISettings = APISettings()
    store: StoreSettings = StoreSettings()
    ray: RaySettings = RaySettings()


def load_settings(**overrides: Any) -> Settings:
    """Build settings from env + overrides, turning validation errors into ConfigError."""
    from pydantic import ValidationError

    clean = {k: v for k, v in overrides.items() if v not in (None, {})}
    try:
        return Settings(**clean)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"Invalid settings: {problems}") from None
