"""product embeddings for hybrid search

One row per product and embedding model (the float32 vector as bytes); filled lazily by the
search engine when DOMTOK_SEARCH_VECTORS=on, or at once by ``domtok search embed``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-28 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.kernel.db import UtcDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "product_embeddings",
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("source_updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_embeddings_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", "model", name=op.f("pk_product_embeddings")),
    )


def downgrade() -> None:
    op.drop_table("product_embeddings")
