"""Alembic migrations of the schema, packaged so `hookflow migrate` runs without a checkout."""
