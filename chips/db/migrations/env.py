"""Alembic environment: migrations run on the connection ``chips.db.migrate`` hands over."""

from __future__ import annotations

import importlib

from alembic import context

from chips.db.schema import metadata

# Tables of the other packages live on the same metadata; load those that exist so
# autogenerate and compare see the whole schema. A package not written yet is no error.
for _module in ("maps.tables", "sync.tables", "chips.db.web_tables", "chips.db.tally_tables"):
    try:
        importlib.import_module(_module)
    except ModuleNotFoundError as exc:
        if exc.name not in (_module, _module.split(".")[0]):
            raise

target_metadata = metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations with chips.db.migrate.upgrade() or `chips db upgrade`")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode copies the table instead
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
