"""The shared-password budget in the database: one budget for every caller, locks that double, sign-outs kept."""

from __future__ import annotations

import threading
from pathlib import Path

from core.db.access_ledger import BudgetRules, SqlAccessLedger
from core.db.engine import create_engine_for, migrate


def ledger_at(tmp_path: Path, now: list[float]) -> SqlAccessLedger:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'app.db'}")
    migrate(engine)
    rules = BudgetRules(max_attempts=3, window_s=60, lockout_s=30, max_lockout_s=100)
    return SqlAccessLedger(engine, rules, clock=lambda: now[0])


def test_spending_the_budget_locks_everyone_out_and_the_lock_doubles(tmp_path):
    now = [1000.0]
    ledger = ledger_at(tmp_path, now)
    assert [ledger.try_attempt().allowed for _ in range(3)] == [True, True, True]
    assert ledger.try_attempt().wait_s == 30
    now[0] += 10
    assert ledger.try_attempt().wait_s == 20
    now[0] += 20
    assert [ledger.try_attempt().allowed for _ in range(3)] == [True, True, True]
    assert ledger.try_attempt().wait_s == 60  # again soon after: doubled


def test_a_right_password_is_forgiven(tmp_path):
    now = [1000.0]
    ledger = ledger_at(tmp_path, now)
    for _ in range(5):
        attempt = ledger.try_attempt()
        assert attempt.allowed
        ledger.forgive(attempt)


def test_thirty_threads_guessing_at_once_get_only_the_budget(tmp_path):
    ledger = ledger_at(tmp_path, [1000.0])
    allowed: list[bool] = []
    start = threading.Barrier(30)

    def guess() -> None:
        start.wait()
        allowed.append(ledger.try_attempt().allowed)

    threads = [threading.Thread(target=guess) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 3


def test_a_revoked_pass_stays_revoked_until_it_expires(tmp_path):
    now = [1000.0]
    ledger = ledger_at(tmp_path, now)
    ledger.revoke("abc", expires_at=2000)
    ledger.revoke("abc", expires_at=2000)  # two tabs signing out at once
    assert ledger.is_revoked("abc") and not ledger.is_revoked("other")
