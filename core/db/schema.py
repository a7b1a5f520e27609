"""The `image_records` table: its columns, the UTC timestamp type and the tag-list type of both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
    false,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.domain.records import RECORD_FIELDS


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back timezone-aware, SQLite included."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("created_at must be timezone-aware")
        # SQLite drops the offset when storing, so everything must already be UTC to compare as text.
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


# The tags column: a text[] on PostgreSQL, a JSON list on SQLite (core/db/tags.py says why).
TAG_LIST = ARRAY(String(64)).with_variant(JSON(), "sqlite")


class Base(DeclarativeBase):
    pass


class ImageRecord(Base):
    """One saved image: the seed columns of the Gradio app under their seed names, then extras."""

    __tablename__ = "image_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prompt: Mapped[str] = mapped_column(Text)
    image_filename: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, index=True)
    transcript: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))  # the transcript's, e.g. "de" (migration 0008)
    thumbnail_filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(64))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    seed: Mapped[int | None] = mapped_column(BigInteger)
    aspect_ratio: Mapped[str | None] = mapped_column(String(16))
    output_format: Mapped[str | None] = mapped_column(String(16))
    output_quality: Mapped[int | None] = mapped_column(Integer)
    megapixels: Mapped[str | None] = mapped_column(String(16))
    image_model: Mapped[str | None] = mapped_column(String(255))
    caption_model: Mapped[str | None] = mapped_column(String(255))
    speech_model: Mapped[str | None] = mapped_column(String(255))
    timings_ms: Mapped[dict[str, float] | None] = mapped_column(JSON(none_as_null=True))
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str | None] = mapped_column(String(255))
    starred: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Sorted, distinct, normalized (core.domain.tags.normalize_tags); see core/db/tags.py for why an array.
    tags: Mapped[list[str]] = mapped_column(TAG_LIST, default=list, nullable=False)
    # Deleting a parent sets its children's parent_id to NULL (core/db/family.py says why): the repository
    # does it in the delete's transaction, and the foreign key (migration 0010) makes it hold for an edit
    # saved while its source is being deleted: such an insert fails and is retried as a first image.
    parent_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("image_records.id", ondelete="SET NULL", name="fk_image_records_parent_id")
    )
    edit_instruction: Mapped[str | None] = mapped_column(Text)
    prediction_id: Mapped[str | None] = mapped_column(String(64))  # on Replicate (migration 0014)

    # A unique index rather than a constraint: SQLite can add one to an adopted seed table in place.
    # The other indexes (migration 0003) serve "starred" and "made by" filters in the History order.
    __table_args__ = (
        Index("ix_image_records_idempotency_key", "idempotency_key", unique=True),
        Index("ix_image_records_starred_created_at", "starred", "created_at"),
        Index("ix_image_records_created_by_created_at", "created_by", "created_at"),
        Index("ix_image_records_tags", "tags", postgresql_using="gin"),
        # gc asks whether any record uses a key (core/db/ledger.py, migration 0005).
        Index("ix_image_records_image_filename", "image_filename"),
        Index("ix_image_records_thumbnail_filename", "thumbnail_filename"),
        Index("ix_image_records_parent_id", "parent_id"),
        {"sqlite_autoincrement": True},  # a deleted record's id is never reused (migration 0015)
    )


# Every key the app uploaded, noted before the upload (core/db/ledger.py says why). A Core table: nothing
# reads it as objects.
stored_objects = Table(
    "stored_objects",
    Base.metadata,
    Column("key", String(255), primary_key=True),
    Column("created_at", UtcDateTime(), nullable=False),
)


class DraftRow(Base):
    """A paid image not saved yet (core/db/drafts.py): its object is stored, its record is not written yet."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, index=True)
    image_key: Mapped[str] = mapped_column(String(255), index=True)
    output_format: Mapped[str] = mapped_column(String(16))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    prompt: Mapped[str] = mapped_column(Text)
    aspect_ratio: Mapped[str] = mapped_column(String(16))
    seed: Mapped[int | None] = mapped_column(BigInteger)
    output_quality: Mapped[int | None] = mapped_column(Integer)
    megapixels: Mapped[str | None] = mapped_column(String(16))
    image_model: Mapped[str] = mapped_column(String(255))
    prediction_id: Mapped[str | None] = mapped_column(String(64))
    transcript: Mapped[str | None] = mapped_column(Text)
    speech_model: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(16))
    caption: Mapped[str | None] = mapped_column(Text)
    caption_model: Mapped[str | None] = mapped_column(String(255))
    timings_ms: Mapped[dict[str, float] | None] = mapped_column(JSON(none_as_null=True))
    parent_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("image_records.id", ondelete="SET NULL", name="fk_drafts_parent_id")
    )
    edit_instruction: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(255), index=True)

    __table_args__ = ({"sqlite_autoincrement": True},)  # a discarded draft's id is never reused (migration 0015)


# --- The shared-password budget and revoked passes (core/db/access_ledger.py), one for every replica ---


class SignInBudget(Base):
    """The one row (id 1) every password check locks first, so checks from all replicas take turns."""

    __tablename__ = "sign_in_budget"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    locked_until: Mapped[float] = mapped_column(Float, default=0.0)  # Unix time; 0 when never locked
    lock_level: Mapped[int] = mapped_column(Integer, default=0)  # how often the lock doubled lately


class SignInAttempt(Base):
    """A password check within the current window (older rows are deleted by the next check)."""

    __tablename__ = "sign_in_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempted_at: Mapped[float] = mapped_column(Float, index=True)
    client: Mapped[str] = mapped_column(String(64), index=True, server_default="")  # the address it came from


class SignInClient(Base):
    """A client address that spent its own budget: locked alone until `locked_until` (others are not)."""

    __tablename__ = "sign_in_clients"

    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    locked_until: Mapped[float] = mapped_column(Float, index=True)
    lock_level: Mapped[int] = mapped_column(Integer, default=0)


class PassSecret(Base):
    """The one row (id 1): a random secret of this deployment (made by its migration) that signs the passes."""

    __tablename__ = "pass_secrets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    secret: Mapped[str] = mapped_column(String(128))


class RevokedPass(Base):
    """A pass signed out before it expired; kept until then, so no replica lets it in again."""

    __tablename__ = "revoked_passes"

    pass_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


# --- Share links (core/db/share_links.py): tokens kept as SHA-256 digests, never the token itself ---


class ShareLinkRow(Base):
    """One link for people without the password: which images, until when, by whom, how often opened."""

    __tablename__ = "share_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_digest: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    created_by: Mapped[str | None] = mapped_column(String(255))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    views: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (Index("ix_share_links_token_digest", "token_digest", unique=True),)


class SharedImageRow(Base):
    """An image a link shows, at its place in the set. No foreign key to image_records: a deletion revokes
    the link in its own transaction (core/db/share_links.py), and the link's history stays."""

    __tablename__ = "share_link_images"

    link_id: Mapped[int] = mapped_column(Integer, ForeignKey("share_links.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_share_link_images_record_id", "record_id"),)


def _check_mapping() -> None:
    """The ORM maps every field of core.domain.records.RecordFields: the record's shape is defined there, once."""
    mapped = set(ImageRecord.__table__.columns.keys()) - {"id", "created_at", "tags"}
    if mapped != set(RECORD_FIELDS):
        raise RuntimeError(f"image_records columns and RecordFields differ: {sorted(mapped ^ set(RECORD_FIELDS))}")


_check_mapping()


# The embeddings table lives in its own module; importing it here puts it in Base.metadata for Alembic and the ORM.
from core.db import embedding_schema  # noqa: E402, F401
