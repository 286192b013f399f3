"""The database: schema, engine, migrations and the ``chips db`` commands."""
