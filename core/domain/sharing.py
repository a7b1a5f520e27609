"""Share links: what one is, how long it may live, and how its token is kept (only as a digest)."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from core.domain.errors import InputError

MAX_SHARED_IMAGES = 4  # one image, or a compare set of 2-4
DEFAULT_EXPIRY = "7d"
MAX_EXPIRY = timedelta(days=90)
EXPIRY_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
SHARE_PATH = "/s/"  # a link is APP_URL + SHARE_PATH + token
TOKEN_BYTES = 32  # 256 random bits: far beyond guessing, even with every link a database will ever hold
# token_urlsafe's alphabet; anything else in a path is not one of ours.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
_EXPIRY_SHAPE = re.compile(r"^\s*(\d{1,6})\s*([mhd])\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ShareLink:
    """One link as the database keeps it: never the token itself, only what it opens and for how long."""

    link_id: int
    record_ids: tuple[int, ...]  # in the order they are shown
    expires_at: datetime
    created_at: datetime
    created_by: str | None
    revoked_at: datetime | None
    views: int

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


def new_token() -> str:
    """A random token that never starts with "-": `share --revoke -Qy…` would read as an option (1 in 64 did)."""
    while (token := secrets.token_urlsafe(TOKEN_BYTES)).startswith("-"):
        pass
    return token


def token_digest(token: str) -> str:
    """What is stored and looked up: a copied database does not hand out working links."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(text: str) -> bool:
    return bool(_TOKEN_SHAPE.match(text))


def token_of(url_or_token: str) -> str:
    """The token in a share link (…/s/<token>, with or without the address) or the token itself."""
    text = url_or_token.strip()
    if SHARE_PATH in text:
        text = text.split(SHARE_PATH, 1)[1]
    text = text.split("?", 1)[0].split("#", 1)[0].split("/", 1)[0]
    if not looks_like_token(text):
        raise InputError(f"'{url_or_token}' is neither a share link nor a token: copy the whole link.")
    return text


def parse_expiry(text: str) -> timedelta:
    """'30m', '12h', '7d' as a duration, from one minute up to MAX_EXPIRY."""
    match = _EXPIRY_SHAPE.match(text)
    if not match:
        raise InputError(f"Expiry '{text}' is not a number and a unit: say 30m, 12h or 7d.")
    duration = int(match.group(1)) * EXPIRY_UNITS[match.group(2).lower()]
    if duration <= timedelta(0) or duration > MAX_EXPIRY:
        raise InputError(f"Expiry '{text}' must be more than zero and at most {MAX_EXPIRY.days}d.")
    return duration


def share_url(app_url: str, token: str) -> str:
    return f"{app_url.rstrip('/')}{SHARE_PATH}{token}"


class ShareLinks(Protocol):
    """The share links table: tokens kept as digests, with the images they open, expiry and views."""

    def add(
        self, *, token_digest: str, record_ids: Sequence[int], expires_at: datetime, created_by: str | None
    ) -> ShareLink: ...

    def find(self, *, token_digest: str) -> ShareLink | None:
        """The link with this digest, live or not; None when there is none."""
        ...

    def live(self, *, now: datetime, record_id: int | None = None) -> list[ShareLink]:
        """Links neither revoked nor expired (only those showing `record_id`, when given), newest first."""
        ...

    def revoke(self, *, token_digest: str, now: datetime) -> bool:
        """End one link; False when no live link has this digest."""
        ...

    def revoke_id(self, *, link_id: int, now: datetime) -> bool:
        """End one link by its id (History lists links by id: it never knows their tokens)."""
        ...

    def count_view(self, *, token_digest: str) -> None: ...
