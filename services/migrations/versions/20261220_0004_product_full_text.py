"""product full-text index

SQLite: an FTS5 table ``product_search`` (``porter unicode61``), one row per product, its
rowid kept in ``product_search_keys`` (a product's own rowid is not stable across VACUUM).
PostgreSQL: a ``products.search_vector`` tsvector with a GIN index, built with the
``domtok_search`` configuration (English Snowball stemming, no stop words, so that every
keyword must match, as on SQLite).

On both, triggers keep the index in the writing transaction's own view: product writes,
variant option/availability changes and category renames refresh the products they touch,
whoever writes (services, the seed, bulk inserts, raw SQL).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-20 09:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The words of a product, one column each (the FTS5 columns, in this order).
_SQLITE_SOURCE = """
CREATE VIEW product_search_source AS
SELECT p.id AS product_id, p.name AS name, p.description AS description,
       p.search_terms AS search_terms, coalesce(c.name, '') AS category,
       coalesce((SELECT group_concat(o.value, ' ')
                 FROM variants v, json_each(v.options) o
                 WHERE v.product_id = p.id AND v.is_active AND v.is_available), '') AS options
FROM products p LEFT JOIN categories c ON c.id = p.category_id
"""
_SQLITE_COLUMNS = "name, description, search_terms, category, options"
_SQLITE_SELECTED = ", ".join(f"s.{column}" for column in _SQLITE_COLUMNS.split(", "))


def _sqlite_refresh(product_id: str) -> str:
    """Statements that rewrite one product's FTS row (none when it has no key)."""
    key = f"(SELECT doc_id FROM product_search_keys WHERE product_id = {product_id})"
    return (
        f"DELETE FROM product_search WHERE rowid = {key};\n"
        f"INSERT INTO product_search(rowid, {_SQLITE_COLUMNS})\n"
        f"SELECT k.doc_id, {_SQLITE_SELECTED}\n"
        "FROM product_search_source s JOIN product_search_keys k ON k.product_id = s.product_id\n"
        f"WHERE s.product_id = {product_id};"
    )


def _sqlite_triggers() -> dict[str, str]:
    variant_changed = (
        "OLD.options IS NOT NEW.options OR OLD.is_active IS NOT NEW.is_active"
        " OR OLD.is_available IS NOT NEW.is_available"
    )
    product_changed = (
        "OLD.name IS NOT NEW.name OR OLD.description IS NOT NEW.description"
        " OR OLD.search_terms IS NOT NEW.search_terms OR OLD.category_id IS NOT NEW.category_id"
    )
    return {
        "products_search_insert": "AFTER INSERT ON products BEGIN\n"
        "INSERT INTO product_search_keys(product_id) VALUES (NEW.id);\n"
        f"{_sqlite_refresh('NEW.id')}\nEND",
        "products_search_update": "AFTER UPDATE OF name, description, search_terms, category_id"
        f" ON products WHEN {product_changed} BEGIN\n{_sqlite_refresh('NEW.id')}\nEND",
        "products_search_delete": "AFTER DELETE ON products BEGIN\n"
        "DELETE FROM product_search WHERE rowid ="
        " (SELECT doc_id FROM product_search_keys WHERE product_id = OLD.id);\n"
        "DELETE FROM product_search_keys WHERE product_id = OLD.id;\nEND",
        "variants_search_insert": "AFTER INSERT ON variants BEGIN\n"
        f"{_sqlite_refresh('NEW.product_id')}\nEND",
        "variants_search_update": "AFTER UPDATE OF options, is_active, is_available ON variants"
        f" WHEN {variant_changed} BEGIN\n{_sqlite_refresh('NEW.product_id')}\nEND",
        "variants_search_delete": "AFTER DELETE ON variants BEGIN\n"
        f"{_sqlite_refresh('OLD.product_id')}\nEND",
        "categories_search_rename": "AFTER UPDATE OF name ON categories"
        " WHEN OLD.name IS NOT NEW.name BEGIN\n"
        "UPDATE product_search SET category = NEW.name WHERE rowid IN (SELECT k.doc_id"
        " FROM product_search_keys k JOIN products p ON p.id = k.product_id"
        " WHERE p.category_id = NEW.id);\nEND",
    }


def _upgrade_sqlite() -> None:
    op.execute(
        "CREATE TABLE product_search_keys ("
        "doc_id INTEGER PRIMARY KEY, product_id VARCHAR(40) NOT NULL UNIQUE)"
    )
    op.execute(
        f"CREATE VIRTUAL TABLE product_search USING fts5({_SQLITE_COLUMNS},"
        " tokenize = 'porter unicode61 remove_diacritics 2')"
    )
    op.execute(_SQLITE_SOURCE)
    for name, body in _sqlite_triggers().items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute("INSERT INTO product_search_keys(product_id) SELECT id FROM products")
    op.execute(
        f"INSERT INTO product_search(rowid, {_SQLITE_COLUMNS}) SELECT k.doc_id,"
        f" {_SQLITE_SELECTED}"
        " FROM product_search_source s JOIN product_search_keys k"
        " ON k.product_id = s.product_id"
    )


def _downgrade_sqlite() -> None:
    for name in _sqlite_triggers():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP VIEW IF EXISTS product_search_source")
    op.execute("DROP TABLE IF EXISTS product_search")
    op.execute("DROP TABLE IF EXISTS product_search_keys")


# Weights: A name, B search terms, C category and option values, D description.
_PG_VECTOR = """
CREATE FUNCTION domtok_product_search_vector(
    p_id text, p_name text, p_description text, p_terms text, p_category_id text
) RETURNS tsvector LANGUAGE sql STABLE AS $$
SELECT setweight(to_tsvector('domtok_search', coalesce(p_name, '')), 'A')
    || setweight(to_tsvector('domtok_search', coalesce(p_terms, '')), 'B')
    || setweight(to_tsvector('domtok_search', coalesce(
           (SELECT c.name FROM categories c WHERE c.id = p_category_id), '')), 'C')
    || setweight(to_tsvector('domtok_search', coalesce(
           (SELECT string_agg(o.value, ' ')
            FROM variants v,
                 json_each_text(CASE WHEN json_typeof(v.options) = 'object'
                                     THEN v.options ELSE '{}'::json END) o
            WHERE v.product_id = p_id AND v.is_active AND v.is_available), '')), 'C')
    || setweight(to_tsvector('domtok_search', coalesce(p_description, '')), 'D')
$$
"""
_PG_REFRESH = (
    "UPDATE products p SET search_vector = domtok_product_search_vector("
    "p.id, p.name, p.description, p.search_terms, p.category_id)"
)
_PG_FUNCTIONS = {
    "domtok_products_search_row": "BEGIN\n"
    "NEW.search_vector := domtok_product_search_vector("
    "NEW.id, NEW.name, NEW.description, NEW.search_terms, NEW.category_id);\n"
    "RETURN NEW;\nEND",
    "domtok_variants_search_inserted": "BEGIN\n"
    f"{_PG_REFRESH} WHERE p.id IN (SELECT product_id FROM changed);\nRETURN NULL;\nEND",
    "domtok_variants_search_deleted": "BEGIN\n"
    f"{_PG_REFRESH} WHERE p.id IN (SELECT product_id FROM changed);\nRETURN NULL;\nEND",
    "domtok_variants_search_updated": "BEGIN\n"
    f"{_PG_REFRESH} WHERE p.id IN (SELECT n.product_id FROM changed n"
    " JOIN previous o ON o.id = n.id WHERE o.options::text IS DISTINCT FROM n.options::text"
    " OR o.is_active IS DISTINCT FROM n.is_active"
    " OR o.is_available IS DISTINCT FROM n.is_available);\nRETURN NULL;\nEND",
    "domtok_categories_search_renamed": "BEGIN\n"
    f"{_PG_REFRESH} WHERE p.category_id = NEW.id;\nRETURN NULL;\nEND",
}
# Variant triggers run once per statement (a bulk insert refreshes each product once).
_PG_TRIGGERS = {
    "products_search_vector": "BEFORE INSERT OR UPDATE OF name, description, search_terms,"
    " category_id ON products FOR EACH ROW EXECUTE FUNCTION domtok_products_search_row()",
    "variants_search_insert": "AFTER INSERT ON variants REFERENCING NEW TABLE AS changed"
    " FOR EACH STATEMENT EXECUTE FUNCTION domtok_variants_search_inserted()",
    "variants_search_delete": "AFTER DELETE ON variants REFERENCING OLD TABLE AS changed"
    " FOR EACH STATEMENT EXECUTE FUNCTION domtok_variants_search_deleted()",
    "variants_search_update": "AFTER UPDATE ON variants"
    " REFERENCING OLD TABLE AS previous NEW TABLE AS changed"
    " FOR EACH STATEMENT EXECUTE FUNCTION domtok_variants_search_updated()",
    "categories_search_rename": "AFTER UPDATE OF name ON categories FOR EACH ROW"
    " WHEN (OLD.name IS DISTINCT FROM NEW.name)"
    " EXECUTE FUNCTION domtok_categories_search_renamed()",
}
_PG_TRIGGER_TABLES = {
    "products_search_vector": "products",
    "variants_search_insert": "variants",
    "variants_search_delete": "variants",
    "variants_search_update": "variants",
    "categories_search_rename": "categories",
}


def _upgrade_postgresql() -> None:
    op.execute("CREATE TEXT SEARCH DICTIONARY domtok_stem (TEMPLATE = snowball, Language = english)")
    op.execute("CREATE TEXT SEARCH CONFIGURATION domtok_search (COPY = english)")
    op.execute(
        "ALTER TEXT SEARCH CONFIGURATION domtok_search ALTER MAPPING FOR asciiword, asciihword,"
        " hword_asciipart, word, hword, hword_part WITH domtok_stem"
    )
    op.execute("ALTER TABLE products ADD COLUMN search_vector tsvector")
    op.execute(_PG_VECTOR)
    for name, body in _PG_FUNCTIONS.items():
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n{body}\n$$"
        )
    for name, body in _PG_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute(_PG_REFRESH)
    op.execute("CREATE INDEX ix_products_search_vector ON products USING gin (search_vector)")


def _downgrade_postgresql() -> None:
    for name, table in _PG_TRIGGER_TABLES.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    for name in _PG_FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.execute("DROP FUNCTION IF EXISTS domtok_product_search_vector(text, text, text, text, text)")
    op.execute("DROP INDEX IF EXISTS ix_products_search_vector")
    op.execute("ALTER TABLE products DROP COLUMN IF EXISTS search_vector")
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS domtok_search")
    op.execute("DROP TEXT SEARCH DICTIONARY IF EXISTS domtok_stem")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _downgrade_postgresql()
    else:
        _downgrade_sqlite()
