"""The optional shared-password gate: constant-time checks and signed passes (the budget is core.db.access_ledger)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from core.config.settings import Secret


def password_matches(given: str, expected: Secret) -> bool:
    """Compare digests so the time taken says nothing about the password's length or prefix."""
    given_digest = hashlib.sha256(given.encode()).digest()
    expected_digest = hashlib.sha256(expected.reveal().encode()).digest()
    return hmac.compare_digest(given_digest, expected_digest)


# --- A signed pass, so one sign-in covers every tab and typed URL of the same browser -------------

PASS_LIFETIME_S = 12 * 3600
MAX_PASS_CHARS = 2048
_PASS_SALT = b"speak-image access pass v3"
_SERIALIZER_SALT = "speak-image access pass v2"
_PASS_KDF_ROUNDS = 200_000
_CLOCK_SKEW_S = 300  # replicas' clocks may differ a little; a pass from one is good on the others


@dataclass(frozen=True)
class AccessPass:
    """What a valid pass says: who signed in (the optional display name), until when, and its own id.

    The id lets a sign-out revoke this one pass on every replica (core.db.access_ledger) without
    signing out other browsers that were given the same password.
    """

    name: str | None
    expires_at: int
    pass_id: str


@functools.lru_cache(maxsize=4)
def _pass_key(password: str, deployment_secret: bytes) -> bytes:
    # Slow on purpose: a pass held by a visitor must not become a fast offline oracle for the password.
    # Salted with the deployment's secret (core.db.access_ledger, the same on every replica): another
    # deployment with the same password does not accept this one's passes, and changing the password
    # voids every pass handed out with the old one.
    return hashlib.pbkdf2_hmac("sha256", password.encode(), _PASS_SALT + deployment_secret, _PASS_KDF_ROUNDS)


def _serializer(password: Secret, deployment_secret: bytes) -> URLSafeSerializer:
    # itsdangerous (what Starlette's sessions and Streamlit's login cookie use) does the signing.
    return URLSafeSerializer(_pass_key(password.reveal(), deployment_secret), salt=_SERIALIZER_SALT)


def issue_pass(
    password: Secret, name: str | None, *, secret: bytes, now: float, lifetime_s: float = PASS_LIFETIME_S
) -> str:
    """A cookie-safe token (base64url and one dot) proving the password was given, valid `lifetime_s`."""
    fields = {"n": name, "e": int(now + lifetime_s), "i": secrets.token_urlsafe(12)}
    return str(_serializer(password, secret).dumps(fields))


def read_pass(token: str | None, password: Secret, *, secret: bytes, now: float) -> AccessPass | None:
    """The pass's contents if `token` was issued here with this password and has not expired, else None.

    The expiry must be a plain integer no later than a fresh pass's: `Infinity`, 10**400 or a string (even a
    correctly signed one) is refused rather than crashing or never expiring.
    """
    if not token or len(token) > MAX_PASS_CHARS:
        return None
    try:
        fields = _serializer(password, secret).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(fields, dict):
        return None
    name, expires_at, pass_id = fields.get("n"), fields.get("e"), fields.get("i")
    if type(expires_at) is not int or not now < expires_at <= now + PASS_LIFETIME_S + _CLOCK_SKEW_S:
        return None
    if not (name is None or isinstance(name, str)) or not isinstance(pass_id, str):
        return None
    return AccessPass(name=name, expires_at=expires_at, pass_id=pass_id)
