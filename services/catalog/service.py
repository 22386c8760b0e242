"""The catalog service: one object the API, the CLI and the agent's tools call.

Reads are public; every write takes the acting :class:`~services.kernel.actor.Actor` and needs
the merchant or admin role. A merchant only sees their own products as manageable: another
merchant's product answers 404, as if it did not exist.
"""

from __future__ import annotations

from services.catalog.categories import CategoryCommands
from services.catalog.gallery import ImageCommands
from services.catalog.products import ProductCommands
from services.catalog.reads import CatalogReads
from services.catalog.variants import VariantCommands


class CatalogService(
    CatalogReads, CategoryCommands, ProductCommands, VariantCommands, ImageCommands
):
    """Categories, products, variants, prices, stock levels and images.

    Built with ``CatalogService(uow_factory, clock, storage, search_engine, currency=...,
    image_max_bytes=...)``; see :class:`~services.catalog.base.CatalogBase`.
    """
