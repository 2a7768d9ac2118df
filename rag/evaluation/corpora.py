"""The corpora the eval sets and reader training run on, built in a cache directory outside
the repository (the benchmark data is read from its path, never copied in):

- "seeds": the documents folder of the settings (the five seed articles);
- "news": the seeds plus the 1,028 articles of 10kGNAD's test.csv, imported in place
  (an import spec pointing at the CSV; see rag/ingest/imports.py);
- "xquad": the 48 XQuAD-de articles, written as documents;
- "mlqa": MLQA-de part 1's 228 paragraphs, one document each (read from its path; CC BY-SA
  3.0, so never copied into the repository).

Each corpus keeps its own index, updated incrementally, so a second run embeds nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from rag.assistant import Assistant
from rag.core.config import Settings
from rag.core.errors import InputError

NEWS_CSV_HINT = "../shared/benchmarks/10kgnad/test.csv"


def corpus_settings(settings: Settings, docs: Path, index: Path) -> Settings:
    paths = settings.paths.model_copy(update={"seeds_dir": docs, "index_dir": index})
    return settings.model_copy(update={"paths": paths})


def seeds_assistant(settings: Settings, work: Path) -> Assistant:
    """The seed articles, with an index of their own under `work`."""
    assistant = Assistant.from_settings(corpus_settings(settings, settings.paths.seeds_dir, work / "seeds" / "index"))
    assistant.rebuild()
    return assistant


def news_assistant(settings: Settings, work: Path, csv_path: Path | None) -> Assistant:
    """The seeds plus 10kGNAD's test.csv (delimiter ";", quote "'", no header, text in column 2)."""
    from rag.ingest.imports import ImportSpec, write_spec

    if csv_path is None or not Path(csv_path).is_file():
        raise InputError(f"The news set needs 10kGNAD's test.csv: pass --path {NEWS_CSV_HINT}")
    docs = work / "news" / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    for seed in sorted(Path(settings.paths.seeds_dir).iterdir()):
        if seed.is_file() and not (docs / seed.name).exists():
            shutil.copy2(seed, docs / seed.name)
    write_spec(docs, ImportSpec(path=str(Path(csv_path).resolve()), format="csv", text="2",
                                delimiter=";", quotechar="'", header=False))
    assistant = Assistant.from_settings(corpus_settings(settings, docs, work / "news" / "index"))
    assistant.rebuild()
    return assistant


def squad_assistant(settings: Settings, work: Path, squad, name: str = "xquad") -> Assistant:
    """The documents of a SQuAD-format set (see squad_data.write_documents) in `work/name`:
    "xquad" (its articles) or "mlqa" (its paragraphs)."""
    from rag.evaluation.squad_data import write_documents

    docs = work / name / "docs"
    write_documents(squad, docs)
    assistant = Assistant.from_settings(corpus_settings(settings, docs, work / name / "index"))
    assistant.rebuild()
    return assistant


def xquad_assistant(settings: Settings, work: Path, squad) -> Assistant:
    """The articles of XQuAD (`squad_assistant` under "xquad")."""
    return squad_assistant(settings, work, squad, "xquad")
