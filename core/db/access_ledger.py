"""The wrong-password budget (per client address, under a global ceiling), the revoked passes and the secret
that signs passes, kept in the database so every replica shares them.

A budget kept in each process lets N replicas (or N restarts) guess N times as fast. Here every
check first takes the lock of one row (`UPDATE sign_in_budget ... WHERE id = 1`): PostgreSQL holds
that row lock, and SQLite its write lock, until the check commits, so checks from every process and
thread take turns and no two can both spend the last unit of a budget.

Each client address has its own budget: its guesses lock out that address only, so a stranger cannot keep
anyone else out. The global ceiling (the budget row) is only reached by many addresses at once.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from sqlalchemy import ColumnElement, Connection, Engine, Table, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from core.db.error_messages import database_errors
from core.db.schema import PassSecret, RevokedPass, SignInAttempt, SignInBudget, SignInClient
from core.domain.sign_in_budget import BudgetAttempt

# Declarative classes expose `__table__` as a FromClause; these are plain Tables (Core statements below).
_BUDGET = cast(Table, SignInBudget.__table__)
_ATTEMPTS = cast(Table, SignInAttempt.__table__)
_CLIENTS = cast(Table, SignInClient.__table__)
_REVOKED = cast(Table, RevokedPass.__table__)
_SECRETS = cast(Table, PassSecret.__table__)
_ROW = 1
MAX_CLIENT_CHARS = 64


@dataclass(frozen=True)
class BudgetRules:
    """At most `max_attempts` checks per `window_s` from one client address; spending them locks that address
    out for `lockout_s`, doubled each time it happens again before the last lock is `max_lockout_s` old, up to
    `max_lockout_s`. All addresses together may make `ceiling_attempts` checks per `window_s` (ten times what one
    address can): past it everyone waits, with the same lock times. One address never reaches the ceiling."""

    max_attempts: int = 10
    window_s: float = 60.0
    lockout_s: float = 30.0
    max_lockout_s: float = 300.0
    ceiling_attempts: int = 100

    def lock_for(self, level: int) -> float:
        return min(self.lockout_s * 2.0**level, self.max_lockout_s)


class SqlAccessLedger:
    def __init__(
        self, engine: Engine, rules: BudgetRules | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._engine = engine
        self.rules = rules or BudgetRules()
        # Wall-clock time, not monotonic: the rows are compared across processes and restarts.
        self._clock = clock
        self._pass_secret: bytes | None = None

    def try_attempt(self, client: str) -> BudgetAttempt:
        """Count one password check against `client`'s budget and the ceiling, or say how long it must wait."""
        rules, client = self.rules, client[:MAX_CLIENT_CHARS]
        with database_errors(self._engine, "check the sign-in budget"), self._engine.begin() as connection:
            # A write first, so the row (PostgreSQL) or the database (SQLite) is locked until commit.
            locked = connection.execute(
                update(_BUDGET)
                .where(_BUDGET.c.id == _ROW)
                .values(lock_level=_BUDGET.c.lock_level)
                .returning(_BUDGET.c.locked_until, _BUDGET.c.lock_level)
            ).one()
            now = self._clock()
            if now < float(locked.locked_until):
                return BudgetAttempt(wait_s=float(locked.locked_until) - now, everyone=True)
            connection.execute(delete(_ATTEMPTS).where(_ATTEMPTS.c.attempted_at <= now - rules.window_s))
            # Calm since its last lock-out: the address starts small again (no row, level 0).
            connection.execute(delete(_CLIENTS).where(_CLIENTS.c.locked_until < now - rules.max_lockout_s))
            mine = connection.execute(select(_CLIENTS).where(_CLIENTS.c.client == client)).first()
            if mine is not None and now < float(mine.locked_until):
                return BudgetAttempt(wait_s=float(mine.locked_until) - now)
            spent_here = self._count(connection, _ATTEMPTS.c.client == client)
            if spent_here >= rules.max_attempts:
                return self._lock_client(connection, client, 0 if mine is None else int(mine.lock_level), now)
            if self._count(connection, None) >= rules.ceiling_attempts:
                return self._lock_everyone(connection, int(locked.lock_level), float(locked.locked_until), now)
            attempt_id = connection.execute(
                insert(_ATTEMPTS).values(attempted_at=now, client=client).returning(_ATTEMPTS.c.id)
            ).scalar_one()
            return BudgetAttempt(wait_s=0.0, attempt_id=int(attempt_id))

    @staticmethod
    def _count(connection: Connection, where: ColumnElement[bool] | None) -> int:
        query = select(func.count()).select_from(_ATTEMPTS)
        return int(connection.execute(query if where is None else query.where(where)).scalar_one())

    def _lock_client(self, connection: Connection, client: str, level: int, now: float) -> BudgetAttempt:
        duration = self.rules.lock_for(level)
        values = {"locked_until": now + duration, "lock_level": level + 1}
        changed = connection.execute(update(_CLIENTS).where(_CLIENTS.c.client == client).values(**values)).rowcount
        if not changed:  # the budget row's lock makes this the only writer: no race between update and insert
            connection.execute(insert(_CLIENTS).values(client=client, **values))
        connection.execute(delete(_ATTEMPTS).where(_ATTEMPTS.c.client == client))
        return BudgetAttempt(wait_s=duration)

    def _lock_everyone(self, connection: Connection, level: int, locked_until: float, now: float) -> BudgetAttempt:
        if now - locked_until > self.rules.max_lockout_s:
            level = 0  # calm since the last global lock-out: start small again
        duration = self.rules.lock_for(level)
        connection.execute(
            update(_BUDGET).where(_BUDGET.c.id == _ROW).values(locked_until=now + duration, lock_level=level + 1)
        )
        connection.execute(delete(_ATTEMPTS))
        return BudgetAttempt(wait_s=duration, everyone=True)

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

    def pass_secret(self) -> bytes:
        """The deployment's pass secret (made by migration 0011), read once per process.

        Deleting the row rotates it: the next process to ask makes a new one (every pass then ends;
        restart the replicas so none keeps the old one).
        """
        if self._pass_secret is None:
            with database_errors(self._engine, "read the pass secret"), self._engine.begin() as connection:
                found = connection.execute(select(_SECRETS.c.secret).where(_SECRETS.c.id == _ROW)).scalar()
                if found is None:
                    try:
                        with connection.begin_nested():
                            connection.execute(insert(_SECRETS).values(id=_ROW, secret=secrets.token_hex(32)))
                    except IntegrityError:
                        pass  # another replica made it first: use theirs
                    found = connection.execute(select(_SECRETS.c.secret).where(_SECRETS.c.id == _ROW)).scalar_one()
            self._pass_secret = str(found).encode()
        return self._pass_secret
