"""The Elasticsearch product index: its explicit mapping and the document of one product.

One document per active product. Prices are integer minor units (``long``); option values of
the variants on sale are kept twice: as ``name=value`` keywords (lower case) for filters and
facets, and as text for relevance. ``summary`` is the :class:`ProductSummary` a hit returns,
stored but not indexed, so a search needs no database round trip. ``search_terms`` (other
words for the product, any language) is lower-cased here and split on whitespace only by the
built-in ``whitespace`` analyzer, so each stored term is one token and a Chinese term is not
cut into single characters.

Only the analyzers built into the Elasticsearch server are used (standard, simple,
whitespace, keyword, stop): the node ``scripts/services`` runs has no analysis-common module,
so no custom tokenizers, stemmers or language analyzers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.catalog.models import Category, Product, Variant
from services.catalog.rules import is_offered
from services.catalog.views import product_summary

_KEYWORD_SUBFIELD = {"keyword": {"type": "keyword", "ignore_above": 256}}

INDEX_SETTINGS: dict[str, Any] = {
    "number_of_shards": 1,
    "number_of_replicas": 0,
}

INDEX_MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "id": {"type": "keyword"},
        "name": {"type": "text", "fields": _KEYWORD_SUBFIELD},
        "description": {"type": "text"},
        "search_terms": {"type": "text", "analyzer": "whitespace"},
        "category_id": {"type": "keyword"},
        "category": {"type": "text", "fields": _KEYWORD_SUBFIELD},
        "merchant_id": {"type": "keyword"},
        "options_text": {"type": "text"},
        "option_pairs": {"type": "keyword"},
        "prices": {"type": "long"},
        "min_price": {"type": "long"},
        "max_price": {"type": "long"},
        "currency": {"type": "keyword"},
        "in_stock": {"type": "boolean"},
        "variant_count": {"type": "integer"},
        "created_at": {"type": "date"},
        "updated_at": {"type": "date"},
        "summary": {"type": "object", "enabled": False},
    },
}

# Relevance: a word in the name counts three times, in the category twice.
TEXT_FIELDS: tuple[str, ...] = ("name^3", "category^2", "description", "options_text")


def option_pair(name: str, value: str) -> str:
    """The keyword a filter or facet uses for one option value: ``color=red``."""
    return f"{name.strip().lower()}={value.strip().lower()}"


def split_option_pair(pair: str) -> tuple[str, str]:
    """``color=red`` back to ``("color", "red")`` (names never hold ``=`` in practice)."""
    name, _, value = pair.partition("=")
    return name, value


def product_document(
    product: Product, category: Category, variants: Sequence[Variant], currency: str
) -> dict[str, Any]:
    """The indexed form of an active product and its variants."""
    summary = product_summary(product, category, variants, currency)
    offered = [v for v in variants if is_offered(v)]
    prices = sorted({v.price_minor for v in offered})
    pairs = sorted(
        {option_pair(name, str(value)) for v in offered for name, value in v.options.items()}
    )
    values = sorted({str(value) for v in offered for value in v.options.values()})
    return {
        "id": product.id,
        "name": product.name,
        "description": product.description,
        "search_terms": product.search_terms.lower(),
        "category_id": category.id,
        "category": category.name,
        "merchant_id": product.merchant_id,
        "options_text": " ".join(values),
        "option_pairs": pairs,
        "prices": prices,
        "min_price": prices[0] if prices else None,
        "max_price": prices[-1] if prices else None,
        "currency": summary.currency,
        "in_stock": summary.in_stock,
        "variant_count": summary.variant_count,
        "created_at": product.created_at.isoformat(),
        "updated_at": product.updated_at.isoformat(),
        "summary": summary.model_dump(mode="json"),
    }
