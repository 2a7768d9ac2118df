"""Ingestion runners, chosen by name: who reads, cleans, chunks and embeds for an update.

- `local`: this process (the default);
- `ray`: Ray Data `map_batches` stages with an actor pool holding the embedder
  (`rag.ingest.distributed`), on a local Ray or a cluster (`settings.ray`).

Both hand the planner the same files, chunks and vectors, so the plan (ids, reuse,
deletions) and the published index are the same whichever ran.
"""

from __future__ import annotations

from rag.core.config import Settings
from rag.core.errors import BackendUnavailableError
from rag.core.registry import Registry
from rag.ingest.update import LocalPrepared, Prepare

RUNNERS: Registry = Registry("ingestion runner", BackendUnavailableError)
RAY_INSTALL = "pip install -e '.[ray]'"


@RUNNERS.register("local", "Read, chunk and embed in this process.")
def _local(settings: Settings, embedder, sentence_embedder=None) -> Prepare:
    return LocalPrepared(settings.chunking, embedder, settings.ingest, sentence_embedder)


@RUNNERS.register("ray", "Ray Data stages with an actor pool of embedders (local Ray or a cluster).",
                  requires=("ray", "pandas", "pyarrow"), install=RAY_INSTALL)
def _ray(settings: Settings, embedder, sentence_embedder=None) -> Prepare:
    # The actors build both embedders from `settings.embedding` (the sentences at fp32).
    from rag.ingest.distributed import RayPrepare

    return RayPrepare(settings, int(embedder.dim))


def build_runner(name: str, settings: Settings, embedder, sentence_embedder=None) -> Prepare:
    """The runner named `name` (unknown: lists the choices; missing: the install command);
    `sentence_embedder` embeds the chunks' sentences (default: `embedder`)."""
    return RUNNERS.get(name).factory(settings, embedder, sentence_embedder)
