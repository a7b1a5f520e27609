"""The shared-password budget and the revoked passes, kept in the database so every replica shares them.

A budget kept in each process lets N replicas (or N restarts) guess N times as fast. Here every
check first takes the lock of one row (`UPDATE sign_in_budget ... WHERE id = 1`): PostgreSQL holds
that row lock, and SQLite its write lock, until the check commits, so checks from every process and
thread take turns and no two can both spend the last unit of the budget.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Engine, Table, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from core.db.error_messages import database_errors
from core.db.schema import RevokedPass, SignInAttempt, SignInBudget
from core.domain.ports import BudgetAttempt

# Declarative classes expose `__table__` as a FromClause; these are plain Tables (Core statements below).
_BUDGET = cast(Table, SignInBudget.__table__)
_ATTEMPTS = cast(Table, SignInAttempt.__table__)
_REVOKED = cast(Table, RevokedPass.__table__)
_ROW = 1


@dataclass(frozen=True)
class BudgetRules:
    """At most `max_attempts` checks per `window_s` for everyone together; spending them locks everyone
    out for `lockout_s`, doubled each time it happens again before the last lock is `max_lockout_s`
    old, up to `max_lockout_s`: the longest the real user ever waits."""

    max_attempts: int = 10
    window_s: float = 60.0
    lockout_s: float = 30.0
    max_lockout_s: float = 300.0


class SqlAccessLedger:
    def __init__(
        self, engine: Engine, rules: BudgetRules | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._engine = engine
        self.rules = rules or BudgetRules()
        # Wall-clock time, not monotonic: the rows are compared across processes and restarts.
        self._clock = clock

    def try_attempt(self) -> BudgetAttempt:
        """Count one password check against the shared budget, or say how long everyone must wait."""
        rules = self.rules
        with database_errors(self._engine, "check the sign-in budget"), self._engine.begin() as connection:
            # A write first, so the row (PostgreSQL) or the database (SQLite) is locked until commit.
            locked = connection.execute(
                update(_BUDGET)
                .where(_BUDGET.c.id == _ROW)
                .values(lock_level=_BUDGET.c.lock_level)
                .returning(_BUDGET.c.locked_until, _BUDGET.c.lock_level)
            ).one()
            locked_until, level = float(locked.locked_until), int(locked.lock_level)
            now = self._clock()
            if now < locked_until:
                return BudgetAttempt(wait_s=locked_until - now)
            connection.execute(delete(_ATTEMPTS).where(_ATTEMPTS.c.attempted_at <= now - rules.window_s))
            spent = connection.execute(select(func.count()).select_from(_ATTEMPTS)).scalar_one()
            if spent < rules.max_attempts:
                attempt_id = connection.execute(
                    insert(_ATTEMPTS).values(attempted_at=now).returning(_ATTEMPTS.c.id)
                ).scalar_one()
                return BudgetAttempt(wait_s=0.0, attempt_id=int(attempt_id))
            if now - locked_until > rules.max_lockout_s:
                level = 0  # calm since the last lock-out: start small again
            duration = min(rules.lockout_s * 2.0**level, rules.max_lockout_s)
            connection.execute(
                update(_BUDGET).where(_BUDGET.c.id == _ROW).values(locked_until=now + duration, lock_level=level + 1)
            )
            connection.execute(delete(_ATTEMPTS))
            return BudgetAttempt(wait_s=duration)

    def forgive(self, attempt: BudgetAttempt) -> None:
        """The checked password was right: it does not count against the budget."""
        if attempt.attempt_id is None:
            return
        with database_errors(self._engine, "update the sign-in budget"), self._engine.begin() as connection:
            connection.execute(delete(_ATTEMPTS).where(_ATTEMPTS.c.id == attempt.attempt_id))

    def revoke(self, pass_id: str, *, expires_at: float) -> None:
        """Signed out: no replica accepts this pass again. Expired revocations are dropped on the way."""
        with database_errors(self._engine, "sign out"), self._engine.begin() as connection:
            connection.execute(delete(_REVOKED).where(_REVOKED.c.expires_at < self._clock()))
            try:
                with connection.begin_nested():
                    connection.execute(insert(_REVOKED).values(pass_id=pass_id, expires_at=expires_at))
            except IntegrityError:
                pass  # signed out twice (two tabs at once): already revoked

    def is_revoked(self, pass_id: str) -> bool:
        with database_errors(self._engine, "check the sign-in"), self._engine.connect() as connection:
            found = connection.execute(select(_REVOKED.c.pass_id).where(_REVOKED.c.pass_id == pass_id)).first()
        return found is not None
