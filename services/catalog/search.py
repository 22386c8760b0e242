"""Product search: the query, the result with its facets, and the port its engines implement
(SQL in :mod:`services.catalog.search_sql`, Elasticsearch in :mod:`services.catalog.search_es`).

Prices in a :class:`SearchQuery` are integer minor units, as the REST API takes them
(``max_price=10000`` is $100.00); the agent's search tool converts the major units a shopper
types ("under $100") before building one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol, get_args

from pydantic import BaseModel

from services.catalog.schemas import MAX_OPTIONS, ProductSummary
from services.kernel.errors import Unprocessable
from services.kernel.pagination import Page, PageRequest

SortOrder = Literal["relevance", "price_asc", "price_desc", "newest"]
SORT_ORDERS: tuple[str, ...] = get_args(SortOrder)

MAX_KEYWORDS = 10
MAX_KEYWORD_LENGTH = 50
# Bounds of the stored terms looked for inside a CJK keyword (see contained_terms).
MIN_CONTAINED_TERM = 2
MAX_CONTAINED_TERM = 8
CONTAINED_SPAN = 24
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Word characters plus inner hyphens, apostrophes and dots keep "t-shirt", "men's" and "2.5"
# whole; everything else separates words.
_WORD = re.compile(r"[\w]+(?:[-'.][\w]+)*")


class InvalidSearch(Unprocessable):
    code = "invalid_search"


def clean_option_filter(options: Mapping[str, str] | None) -> dict[str, str]:
    """Option filters with names and values trimmed and lower-cased (matching ignores case)."""
    clean: dict[str, str] = {}
    for raw_name, raw_value in (options or {}).items():
        name, value = str(raw_name).strip().lower(), str(raw_value).strip().lower()
        if not 1 <= len(name) <= 40 or not 1 <= len(value) <= 60:
            raise InvalidSearch(
                "Option filters need names of 1-40 and values of 1-60 characters.",
                details={"option": raw_name},
            )
        clean[name] = value
    if len(clean) > MAX_OPTIONS:
        raise InvalidSearch(f"At most {MAX_OPTIONS} option filters.")
    return clean


def parse_keywords(text: str) -> list[str]:
    """Lower-cased distinct words of a free-text query, at most 10, each at most 50 chars.

    Chinese is written without spaces, so a run of CJK characters (with any letters or digits
    it touches: "t恤") is one keyword: "蓝色瑜伽垫" is one word, "蓝色 瑜伽垫" two.
    """
    words: list[str] = []
    for word in _WORD.findall(text.lower()):
        word = word[:MAX_KEYWORD_LENGTH]
        if word not in words:
            words.append(word)
    return words[:MAX_KEYWORDS]


def is_cjk(keyword: str) -> bool:
    """Whether ``keyword`` holds a CJK character (a run of them is one word, see above)."""
    return _CJK.search(keyword) is not None


def contained_terms(keyword: str) -> list[str]:
    """The whole search terms a CJK keyword may contain: "蓝色瑜伽垫" holds "瑜伽垫".

    A shopper types "蓝色瑜伽垫" or "有货的背包" as one run while a product stores "瑜伽垫" or
    "背包" among its ``search_terms``, so a CJK keyword matches a product when the run is part
    of a stored term (an ordinary keyword match, "相机" in "数码相机") or when a whole stored
    term is part of the run. These are the candidates for the latter: the run's substrings of
    2-8 characters holding a CJK character, from its first 24 characters (single characters
    would match too much, and the bounds keep the query small). Empty for other keywords.
    """
    if not is_cjk(keyword):
        return []
    span = keyword[:CONTAINED_SPAN]
    found: dict[str, None] = {}
    for size in range(MIN_CONTAINED_TERM, min(MAX_CONTAINED_TERM, len(span)) + 1):
        for start in range(len(span) - size + 1):
            part = span[start : start + size]
            if _CJK.search(part):
                found.setdefault(part)
    return list(found)


def parse_option_filters(pairs: list[str]) -> dict[str, str]:
    """``["color:red", "size:M"]`` (as typed in a URL) to ``{"color": "red", "size": "M"}``."""
    options: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition(":")
        if not sep:
            raise InvalidSearch("Option filters look like name:value.", details={"option": pair})
        options[name] = value
    return options


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What to look for: every keyword must match the name, description, search terms, category
    or options (a CJK keyword also matches a search term it contains, see
    :func:`contained_terms`).

    ``options`` such as ``{"color": "red", "size": "m"}`` keep products that offer each value
    (in some variant that is for sale; case is ignored).
    """

    text: str = ""
    category: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    in_stock: bool = False
    sort: SortOrder = "relevance"
    page: PageRequest = field(default_factory=PageRequest)
    options: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", clean_option_filter(self.options))
        for name in ("min_price", "max_price"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise InvalidSearch(f"{name} cannot be negative.", details={name: value})
        if (
            self.min_price is not None
            and self.max_price is not None
            and self.min_price > self.max_price
        ):
            raise InvalidSearch(
                "min_price is above max_price.",
                details={"min_price": self.min_price, "max_price": self.max_price},
            )
        if self.sort not in SORT_ORDERS:
            raise InvalidSearch(f"sort must be one of {', '.join(SORT_ORDERS)}.")

    @property
    def keywords(self) -> list[str]:
        """The words every hit must contain."""
        return parse_keywords(self.text)

    @property
    def phrase(self) -> str:
        """The keywords joined by single spaces (an exact name match ranks first)."""
        return " ".join(self.keywords)

    @property
    def category_filter(self) -> str | None:
        """The category id or name to filter on, trimmed; None when blank."""
        value = (self.category or "").strip()
        return value or None

    @property
    def option_filter(self) -> dict[str, str]:
        """The cleaned option filters (lower-case names and values)."""
        return dict(self.options or {})


class FacetValue(BaseModel):
    """One value of a facet and how many matching products have it."""

    value: str
    count: int


class PriceFacet(BaseModel):
    """A price band in minor units (``min`` inclusive, ``max`` exclusive; None is open)."""

    min: int | None
    max: int | None
    count: int


class SearchFacets(BaseModel):
    """Counts over every product matching the query (not only the page shown).

    An engine that cannot count something leaves it empty: the SQL engine counts categories.
    """

    categories: list[FacetValue] = []
    price_ranges: list[PriceFacet] = []
    options: dict[str, list[FacetValue]] = {}


class SearchPage(Page[ProductSummary]):
    """A page of hits, plus facets when the engine computes them."""

    facets: SearchFacets | None = None


# Price bands of the facets, in minor units of a two-decimal currency ($25, $50, ...).
PRICE_BANDS: tuple[int, ...] = (2_500, 5_000, 10_000, 20_000, 50_000)


def price_bands() -> list[tuple[int | None, int | None]]:
    """``[(None, 2500), (2500, 5000), ..., (50000, None)]``: the facet's bands."""
    edges: list[int | None] = [None, *PRICE_BANDS, None]
    return list(zip(edges[:-1], edges[1:], strict=True))


class SearchUnavailable(Exception):
    """A search engine could not answer (``reason``: ``unreachable`` or ``no_index``)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


class ProductSearch(Protocol):
    """Finds active products; the SQL and the Elasticsearch engines answer alike."""

    async def search(self, query: SearchQuery) -> SearchPage:
        """One page of matching products, best first for ``sort="relevance"``."""
        ...
