"""The Elasticsearch index uses only analyzers built into the server.

The node ``scripts/services`` runs is the real Elasticsearch server from Maven Central, without
the distribution's analysis-common module (not published): an index naming a tokenizer, filter
or analyzer of that module (``whitespace`` tokenizer, stemmers, language analyzers) is refused,
and search falls back to SQL for good.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from services.catalog.models import Category, Product
from services.catalog.search_es_mapping import INDEX_MAPPING, INDEX_SETTINGS, product_document

# Analyzers of the server itself (org.elasticsearch.indices.analysis.AnalysisModule).
CORE_ANALYZERS = {"default", "standard", "simple", "whitespace", "stop", "keyword"}


def _analyzers(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"analyzer", "search_analyzer", "search_quote_analyzer"}:
                yield str(value)
            else:
                yield from _analyzers(value)


def test_index_settings_define_no_analysis_of_their_own() -> None:
    assert "analysis" not in INDEX_SETTINGS


def test_mapping_names_only_core_analyzers() -> None:
    used = set(_analyzers(INDEX_MAPPING))
    assert used  # search_terms names its analyzer
    assert used <= CORE_ANALYZERS


def test_search_terms_are_lower_cased_in_the_document() -> None:
    # The whitespace analyzer keeps case; queries are lower case, so documents must be too.
    now = datetime.now(UTC)
    category = Category(id="c1", name="Bags")
    product = Product(
        id="p1",
        merchant_id="m1",
        category_id="c1",
        name="Tote",
        description="",
        search_terms="Beach-Bag 帆布包",
        is_active=True,
        created_at=now,
        updated_at=now,
    )
    document = product_document(product, category, [], "EUR")
    assert document["search_terms"] == "beach-bag 帆布包"
