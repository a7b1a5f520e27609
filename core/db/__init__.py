"""The database: the `image_records` schema, engines, migrations (Alembic) and the record repository."""
