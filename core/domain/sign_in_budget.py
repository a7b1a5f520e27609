"""The sign-in budget's port: wrong passwords per client, signed-out passes and the deployment's pass secret."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class BudgetAttempt:
    """`wait_s == 0`: a password may be checked now (counted as `attempt_id`); else how long until one may."""

    wait_s: float
    attempt_id: int | None = None
    everyone: bool = False  # the wait is the ceiling of all addresses together, not this client's own budget

    @property
    def allowed(self) -> bool:
        return self.wait_s <= 0


class AccessLedger(Protocol):
    """The password budget (per client, under a ceiling), signed-out passes, the pass secret: shared by replicas."""

    def try_attempt(self, client: str) -> BudgetAttempt: ...  # `client`: the address the check came from

    def forgive(self, attempt: BudgetAttempt) -> None: ...

    def revoke(self, pass_id: str, *, expires_at: float) -> None: ...

    def is_revoked(self, pass_id: str) -> bool: ...

    def pass_secret(self) -> bytes: ...  # signs passes: the same on every replica, another on another deployment
