"""Catalog: categories, products (SPU), variants (SKU), prices, stock, images and search."""
