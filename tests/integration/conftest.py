"""Fixtures shared by the integration tests: the record repository on each database."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from core.db.repository import RecordRepository


@pytest.fixture
def repository(migrated_engine: Engine) -> RecordRepository:
    """The record repository on a migrated database: SQLite, and PostgreSQL (marked `postgres`)."""
    return RecordRepository(migrated_engine)
