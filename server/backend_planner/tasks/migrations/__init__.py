"""Versioned schema migrations (Alembic), applied on start by `db.upgrade`."""
