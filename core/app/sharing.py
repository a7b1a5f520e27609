"""Share links' use cases: make one, list and end live ones, open one for a stranger, count its views.

Called alike by History's Share panel, by `python -m core share` and by the /s/<token> route (web/).
A link opens only the 1-4 images it was made for, until it expires or is revoked; deleting one of them
revokes it (core/db/share_links.py). The token is shown once, when made; the database keeps its digest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.domain.errors import InputError, InvalidSetting
from core.domain.ports import Records
from core.domain.records import ImageRecordView
from core.domain.sharing import (
    MAX_SHARED_IMAGES,
    ShareLink,
    ShareLinks,
    looks_like_token,
    new_token,
    share_url,
    token_digest,
    token_of,
)

NO_APP_URL = (
    "Share links need the address people open the app at: set APP_URL (for example "
    "APP_URL=https://images.example.com) and run this again."
)


@dataclass(frozen=True)
class NewShareLink:
    """A link just made: the only moment its token (and so its address) is known."""

    url: str
    token: str
    link: ShareLink

    def to_json(self) -> dict[str, object]:
        return {
            "url": self.url,
            "token": self.token,
            "expires_at": self.link.expires_at.isoformat(),
            "ids": list(self.link.record_ids),
        }


@dataclass(frozen=True)
class SharedImages:
    """What a live link opens: its images, in the order they were shared."""

    link: ShareLink
    records: list[ImageRecordView]


@dataclass(frozen=True)
class ExpiredLink:
    """A real link whose time is up (answered 410 rather than 404)."""


def link_json(link: ShareLink) -> dict[str, object]:
    """A live link as `share --list` prints it (no token: the database does not know it)."""
    return {
        "link_id": link.link_id,
        "ids": list(link.record_ids),
        "expires_at": link.expires_at.isoformat(),
        "created_at": link.created_at.isoformat(),
        "created_by": link.created_by,
        "views": link.views,
    }


def create_link(
    links: ShareLinks,
    records: Records,
    *,
    record_ids: Sequence[int],
    expires_in: timedelta,
    app_url: str | None,
    created_by: str | None = None,
    now: datetime | None = None,
) -> NewShareLink:
    """A new link to 1-4 saved images (in this order), valid for `expires_in`."""
    if not app_url:
        raise InvalidSetting(NO_APP_URL)
    wanted = list(dict.fromkeys(record_ids))
    if not 1 <= len(wanted) <= MAX_SHARED_IMAGES:
        raise InputError(f"A share link shows 1 to {MAX_SHARED_IMAGES} images; {len(wanted)} were given.")
    found = {record.id for record in records.get_many(record_ids=wanted)}
    if missing := [record_id for record_id in wanted if record_id not in found]:
        listed = ", ".join(str(record_id) for record_id in missing)
        raise InputError(f"No saved image has id {listed}: check `python -m core history`. No link was made.")
    token = new_token()
    expires_at = (now or _now()) + expires_in
    link = links.add(token_digest=token_digest(token), record_ids=wanted, expires_at=expires_at, created_by=created_by)
    return NewShareLink(url=share_url(app_url, token), token=token, link=link)


def live_links(links: ShareLinks, *, record_id: int | None = None, now: datetime | None = None) -> list[ShareLink]:
    """Links that still open (all of them, or those showing `record_id`), newest first."""
    return links.live(now=now or _now(), record_id=record_id)


def revoke_link(links: ShareLinks, url_or_token: str, *, now: datetime | None = None) -> None:
    """End one live link, named by its address or its token."""
    if not links.revoke(token_digest=token_digest(token_of(url_or_token)), now=now or _now()):
        raise InputError("No live share link has this address: it may have expired or been revoked already.")


def revoke_link_id(links: ShareLinks, link_id: int, *, now: datetime | None = None) -> bool:
    """End one link as History lists it (by id); False when it had ended already."""
    return links.revoke_id(link_id=link_id, now=now or _now())


def open_link(
    links: ShareLinks, records: Records, token: str, *, now: datetime | None = None
) -> SharedImages | ExpiredLink | None:
    """What `token` opens for a stranger: its images, ExpiredLink, or None (unknown, revoked, an image gone)."""
    if not looks_like_token(token):
        return None
    link = links.find(token_digest=token_digest(token))
    if link is None or link.revoked_at is not None:
        return None
    if not link.is_live(now or _now()):
        return ExpiredLink()
    by_id = {record.id: record for record in records.get_many(record_ids=link.record_ids)}
    if any(record_id not in by_id for record_id in link.record_ids):
        return None  # deleting an image revokes its links; this covers a row deleted by other means
    return SharedImages(link=link, records=[by_id[record_id] for record_id in link.record_ids])


def count_view(links: ShareLinks, token: str) -> None:
    """One more view of the link (its page, not each image on it)."""
    links.count_view(token_digest=token_digest(token))


def _now() -> datetime:
    return datetime.now(UTC)
