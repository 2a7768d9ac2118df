"""A deterministic synthetic German corpus for index benchmarks: XQuAD-de paragraphs
recombined into articles in a temp dir (the benchmark data never enters the repo)."""

from __future__ import annotations

import json
import random
from pathlib import Path


def load_paragraphs(path: Path) -> list[tuple[str, str]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [(a["title"].replace("_", " "), p["context"].strip())
            for a in data["data"] for p in a["paragraphs"]]


class ArticleMaker:
    """Deterministic synthetic articles: a headline, then 3-6 random XQuAD paragraphs."""

    def __init__(self, paragraphs: list[tuple[str, str]], seed: int):
        self.paragraphs = paragraphs
        self.rng = random.Random(seed)

    def text(self, n: int) -> str:
        picks = self.rng.sample(self.paragraphs, self.rng.randint(3, 6))
        # A headline (>= 3 words, no final punctuation) so the article gets a real title.
        title = f"Artikel {n} über {picks[0][0]} und mehr"
        return title + "\n\n" + "\n\n".join(p for _, p in picks) + "\n"

    def write(self, seeds: Path, n: int) -> Path:
        path = seeds / f"article_{n:06d}.txt"
        path.write_text(self.text(n), encoding="utf-8")
        return path


def write_corpus(paragraphs: list[tuple[str, str]], seeds: Path, articles: int, seed: int) -> ArticleMaker:
    """`articles` articles in a new `seeds` directory; the maker goes on with fresh ones."""
    seeds.mkdir()
    maker = ArticleMaker(paragraphs, seed=seed)
    for n in range(articles):
        maker.write(seeds, n)
    return maker
