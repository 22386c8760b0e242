"""The labelled query set (``bench/search_relevance.yaml``) and recall@k over it."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

RELEVANCE_SET = Path(__file__).with_name("search_relevance.yaml")
K = 10


@dataclass(frozen=True, slots=True)
class Labelled:
    """A shopper's query, its family and the product names it should find."""

    text: str
    family: str
    wanted: tuple[str, ...]


def load_set(path: Path = RELEVANCE_SET) -> list[Labelled]:
    """The labelled queries, in file order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Labelled(str(item["q"]), str(item["family"]), tuple(str(w) for w in item["want"]))
        for item in data["queries"]
    ]


def recall_at(found: Sequence[str], wanted: Sequence[str], k: int = K) -> float:
    """The share of ``wanted`` among the first ``k`` of ``found``."""
    top = set(found[:k])
    return sum(1 for name in wanted if name in top) / len(wanted)


def score(queries: Sequence[Labelled], found: dict[str, list[str]]) -> dict[str, Any]:
    """Mean recall@k overall and per family, and each query's misses (``found``: query text ->
    names returned, best first)."""
    per_family: dict[str, list[float]] = defaultdict(list)
    every: list[float] = []
    misses: dict[str, list[str]] = {}
    for query in queries:
        names = found[query.text]
        value = recall_at(names, query.wanted)
        every.append(value)
        per_family[query.family].append(value)
        missing = [name for name in query.wanted if name not in names[:K]]
        if missing:
            misses[query.text] = missing
    return {
        f"recall_at_{K}": round(statistics.fmean(every), 3),
        "queries": len(every),
        "per_family": {f: round(statistics.fmean(v), 3) for f, v in per_family.items()},
        "misses": misses,
    }
