"""A deterministic embedder for hybrid-search tests: words map to a few concepts.

A text's vector counts the concepts its words name (unknown words count for nothing), scaled
to unit length; a text naming none gets the "other" axis. No model, no torch.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

CONCEPTS: dict[str, frozenset[str]] = {
    "outdoors": frozenset({"hiking", "hiker", "trail", "boots", "mountain", "camp"}),
    "coffee": frozenset({"coffee", "espresso", "mug", "morning"}),
    "fitness": frozenset({"yoga", "gym", "workout", "mat"}),
}
_AXES = [*CONCEPTS, "other"]


class FakeEmbedder:
    """Concept-count vectors (see the module doc); counts how many texts it embedded."""

    model = "fake-concepts"
    dimensions = len(_AXES)

    def __init__(self) -> None:
        self.embedded = 0

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One unit vector per text."""
        self.embedded += len(texts)
        return [self._vector(text) for text in texts]

    def _vector(self, text: str) -> list[float]:
        words = re.findall(r"\w+", text.lower())
        counts = [float(sum(w in CONCEPTS[c] for w in words)) for c in CONCEPTS]
        if not any(counts):
            return [0.0] * len(CONCEPTS) + [1.0]
        norm = math.sqrt(sum(c * c for c in counts))
        return [c / norm for c in counts] + [0.0]
