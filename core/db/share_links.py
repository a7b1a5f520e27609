"""`share_links` and `share_link_images`: links for people without the password, kept by token digest.

The token itself is never stored: a copy of the database (a backup, a replica) hands out no working link.
Deleting an image revokes every link showing it, in the deletion's own transaction (`end_links_of`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import ColumnElement, Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from core.db.engine import WRITE_TRANSACTION
from core.db.error_messages import database_errors
from core.db.schema import SharedImageRow, ShareLinkRow, utc_now
from core.domain.sharing import ShareLink


class SqlShareLinks:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def add(
        self, *, token_digest: str, record_ids: Sequence[int], expires_at: datetime, created_by: str | None
    ) -> ShareLink:
        with database_errors(self._engine, "saving a share link"), self._writing() as session:
            row = ShareLinkRow(
                token_digest=token_digest, expires_at=expires_at, created_at=utc_now(), created_by=created_by, views=0
            )
            session.add(row)
            session.flush()
            shown = enumerate(record_ids)
            session.add_all(SharedImageRow(link_id=row.id, position=n, record_id=record_id) for n, record_id in shown)
            return _link(row, tuple(record_ids))

    def find(self, *, token_digest: str) -> ShareLink | None:
        with database_errors(self._engine, "opening a share link"), self._sessions() as session:
            row = session.scalars(select(ShareLinkRow).where(ShareLinkRow.token_digest == token_digest)).first()
            return _links(session, [row])[0] if row else None

    def live(self, *, now: datetime, record_id: int | None = None) -> list[ShareLink]:
        statement = select(ShareLinkRow).where(ShareLinkRow.revoked_at.is_(None), ShareLinkRow.expires_at > now)
        if record_id is not None:
            showing = select(SharedImageRow.link_id).where(SharedImageRow.record_id == record_id)
            statement = statement.where(ShareLinkRow.id.in_(showing))
        statement = statement.order_by(ShareLinkRow.created_at.desc(), ShareLinkRow.id.desc())
        with database_errors(self._engine, "listing share links"), self._sessions() as session:
            return _links(session, list(session.scalars(statement)))

    def revoke(self, *, token_digest: str, now: datetime) -> bool:
        return self._revoke(ShareLinkRow.token_digest == token_digest, now=now)

    def revoke_id(self, *, link_id: int, now: datetime) -> bool:
        return self._revoke(ShareLinkRow.id == link_id, now=now)

    def _revoke(self, which: ColumnElement[bool], *, now: datetime) -> bool:
        """End the live link `which` picks; False when there is none (already ended, expired or unknown)."""
        statement = (
            update(ShareLinkRow)
            .where(which, ShareLinkRow.revoked_at.is_(None), ShareLinkRow.expires_at > now)
            .values(revoked_at=now)
        )
        with database_errors(self._engine, "revoking a share link"), self._writing() as session:
            return bool(getattr(session.execute(statement), "rowcount", 0))

    def count_view(self, *, token_digest: str) -> None:
        # One UPDATE adding one: two viewers at once both count, whichever commits first.
        statement = (
            update(ShareLinkRow).where(ShareLinkRow.token_digest == token_digest).values(views=ShareLinkRow.views + 1)
        )
        with database_errors(self._engine, "counting a view"), self._writing() as session:
            session.execute(statement)

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            session.connection(execution_options={WRITE_TRANSACTION: True})
            yield session


def end_links_of(session: Session, record_ids: Collection[int]) -> None:
    """Revoke every live link showing one of these records (called in the transaction that deletes them)."""
    showing = select(SharedImageRow.link_id).where(SharedImageRow.record_id.in_(list(record_ids)))
    session.execute(
        update(ShareLinkRow)
        .where(ShareLinkRow.id.in_(showing), ShareLinkRow.revoked_at.is_(None))
        .values(revoked_at=utc_now())
    )


def _links(session: Session, rows: list[ShareLinkRow]) -> list[ShareLink]:
    if not rows:
        return []
    images = select(SharedImageRow).where(SharedImageRow.link_id.in_([row.id for row in rows]))
    shown: dict[int, list[tuple[int, int]]] = {}
    for image in session.scalars(images):
        shown.setdefault(image.link_id, []).append((image.position, image.record_id))
    return [_link(row, tuple(record_id for _, record_id in sorted(shown.get(row.id, [])))) for row in rows]


def _link(row: ShareLinkRow, record_ids: tuple[int, ...]) -> ShareLink:
    return ShareLink(
        link_id=row.id,
        record_ids=record_ids,
        expires_at=row.expires_at,
        created_at=row.created_at,
        created_by=row.created_by,
        revoked_at=row.revoked_at,
        views=int(row.views or 0),
    )
