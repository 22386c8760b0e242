"""Hybrid search's parts without a database: the vector matrix, paging over keyword hits and
additions, the merged facet, the embedded text, and the setting that leaves it all off."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from services.catalog.embeddings import product_text
from services.catalog.search import FacetValue
from services.catalog.search_hybrid import extension_slice, merged_categories
from services.catalog.vectors import VectorMatrix, to_bytes
from tests.fake_embedder import FakeEmbedder


def _matrix(texts: dict[str, str]) -> tuple[FakeEmbedder, VectorMatrix]:
    embedder = FakeEmbedder()
    vectors = embedder.embed(list(texts.values()))
    stored = [(pid, to_bytes(v)) for pid, v in zip(texts, vectors, strict=True)]
    return embedder, VectorMatrix.from_stored(stored, embedder.dimensions)


def test_nearest_products_come_closest_first_above_the_floor() -> None:
    embedder, matrix = _matrix(
        {"boots": "trail boots", "mug": "camp mug", "espresso": "espresso", "mat": "yoga"}
    )
    (query,) = embedder.embed(["a present for a hiker"])
    near = matrix.nearest(query, limit=10, floor=0.5)
    assert [n.product_id for n in near] == ["boots", "mug"]
    assert near[0].similarity == pytest.approx(1.0)
    assert near[1].similarity == pytest.approx(2**-0.5)
    assert [n.product_id for n in matrix.nearest(query, limit=1, floor=-1.0)] == ["boots"]


def test_vectors_of_another_size_are_left_out_and_an_empty_matrix_finds_nothing() -> None:
    matrix = VectorMatrix.from_stored([("a", to_bytes([1.0, 0.0])), ("b", b"")], dimensions=2)
    assert matrix.product_ids == ["a"]
    assert VectorMatrix.from_stored([], dimensions=4).nearest([1.0, 0, 0, 0], 5, 0.0) == []


@pytest.mark.parametrize(
    ("keyword_total", "offset", "size", "expected"),
    [
        (5, 0, 10, slice(0, 5)),  # the page ends with the first five additions
        (25, 0, 10, slice(0, 0)),  # the keyword hits fill it
        (25, 20, 10, slice(0, 5)),
        (3, 10, 10, slice(7, 17)),  # a page past the keyword hits
        (0, 0, 10, slice(0, 10)),
    ],
)
def test_a_page_runs_over_the_keyword_hits_then_the_additions(
    keyword_total: int, offset: int, size: int, expected: slice
) -> None:
    assert extension_slice(keyword_total, offset, size) == expected


def test_added_products_count_in_the_category_facet() -> None:
    counts = [FacetValue(value="Kitchen", count=1), FacetValue(value="Bags", count=2)]
    merged = merged_categories(counts, ["Kitchen", "Kitchen", "Footwear"])
    assert [(f.value, f.count) for f in merged] == [("Kitchen", 3), ("Bags", 2), ("Footwear", 1)]


def test_a_product_is_embedded_from_name_category_description_and_terms() -> None:
    text = product_text("Yoga Mat", "Fitness", " Non-slip. ", "瑜伽垫")
    assert text == "Yoga Mat. Category: Fitness. Non-slip. 瑜伽垫"
    assert product_text("Mug", "Kitchen", "", "") == "Mug. Category: Kitchen."


def test_with_vectors_off_the_plain_sql_engine_is_built_and_nothing_heavy_imported() -> None:
    script = (
        "import sys\n"
        "from config.settings import Settings\n"
        "from services.bootstrap import bootstrap\n"
        "c = bootstrap(Settings(_env_file=None, database_url='sqlite+aiosqlite:///:memory:'))\n"
        "print(type(c.product_search).__name__, c.search.vectors)\n"
        "heavy = ('numpy', 'torch', 'sentence_transformers', 'services.catalog.vectors')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    # The embedded default: no server settings from the environment (make test sets them).
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOMTOK_")}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
    )
    assert done.stdout.splitlines() == ["SqlProductSearch None", "[]"]
