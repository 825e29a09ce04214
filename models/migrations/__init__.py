"""Alembic migrations for Jalon's schema."""
