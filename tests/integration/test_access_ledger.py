"""The shared-password budget in the database: one per client address under a global ceiling, locks that double,
sign-outs kept, one pass secret per database."""

from __future__ import annotations

import threading
from pathlib import Path

from core.db.access_ledger import BudgetRules, SqlAccessLedger
from core.db.engine import create_engine_for, migrate

A, B = "192.0.2.1", "2001:db8::/64"


def ledger_at(tmp_path: Path, now: list[float]) -> SqlAccessLedger:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'app.db'}")
    migrate(engine)
    rules = BudgetRules(max_attempts=3, window_s=60, lockout_s=30, max_lockout_s=100, ceiling_attempts=7)
    return SqlAccessLedger(engine, rules, clock=lambda: now[0])


def test_spending_a_clients_budget_locks_that_client_out_and_the_lock_doubles(tmp_path):
    now = [1000.0]
    ledger = ledger_at(tmp_path, now)
    assert [ledger.try_attempt(A).allowed for _ in range(3)] == [True, True, True]
    assert ledger.try_attempt(A).wait_s == 30
    now[0] += 10
    assert ledger.try_attempt(A).wait_s == 20
    now[0] += 20
    assert [ledger.try_attempt(A).allowed for _ in range(3)] == [True, True, True]
    assert ledger.try_attempt(A).wait_s == 60  # again soon after: doubled


def test_a_right_password_is_forgiven(tmp_path):
    now = [1000.0]
    ledger = ledger_at(tmp_path, now)
    for _ in range(5):
        attempt = ledger.try_attempt(A)
        assert attempt.allowed
        ledger.forgive(attempt)


def test_thirty_threads_guessing_at_once_from_one_address_get_only_its_budget(tmp_path):
    ledger = ledger_at(tmp_path, [1000.0])
    allowed: list[bool] = []
    start = threading.Barrier(30)

    def guess() -> None:
        start.wait()
        allowed.append(ledger.try_attempt(A).allowed)

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


def test_one_clients_lock_out_leaves_the_others_budgets_whole(tmp_path):
    now = [1000.0]
    ledger = ledger_at(tmp_path, now)
    assert [ledger.try_attempt(A).allowed for _ in range(4)] == [True, True, True, False]
    assert not ledger.try_attempt(A).everyone  # A's own lock, said as such

    assert [ledger.try_attempt(B).allowed for _ in range(3)] == [True, True, True]


def test_many_addresses_together_reach_the_ceiling_and_then_everyone_waits(tmp_path):
    now = [1000.0]
    ledger = ledger_at(tmp_path, now)  # 3 per address, 7 for everyone
    allowed = [ledger.try_attempt(f"192.0.2.{n}").allowed for n in range(1, 4) for _ in range(3)]

    assert allowed.count(True) == 7
    waiting = ledger.try_attempt("198.51.100.1")
    assert waiting.wait_s == 30 and waiting.everyone


def test_the_pass_secret_is_one_per_database_and_made_again_when_deleted(tmp_path):
    from sqlalchemy import text

    first, second = ledger_at(tmp_path, [0.0]), ledger_at(tmp_path, [0.0])
    assert first.pass_secret() == second.pass_secret() and len(first.pass_secret()) == 64
    with first._engine.begin() as connection:
        connection.execute(text("DELETE FROM pass_secrets"))

    assert ledger_at(tmp_path, [0.0]).pass_secret() not in (b"", first.pass_secret())


def test_three_hours_of_an_attacker_guessing_whenever_its_lock_ends_never_refuse_a_user_elsewhere(tmp_path):
    # The probe: 11 guesses each time the lock ended kept the real user out for 182 of 183 tries.
    engine = create_engine_for(f"sqlite:///{tmp_path / 'app.db'}")
    migrate(engine)
    now = [0.0]
    ledger = SqlAccessLedger(engine, BudgetRules(), clock=lambda: now[0])  # the shipped numbers
    attacker_free_at, checked, refused = 0.0, 0, 0
    for minute in range(3 * 60):
        for second in range(60):
            now[0] = minute * 60.0 + second
            if now[0] >= attacker_free_at:
                for _ in range(11):
                    attempt = ledger.try_attempt(A)
                    checked += attempt.allowed
                    if not attempt.allowed:
                        attacker_free_at = now[0] + attempt.wait_s
                        break
        user = ledger.try_attempt(B)
        refused += not user.allowed
        ledger.forgive(user)

    assert refused == 0
    assert checked <= 3 * 60 * 2.5, "10 checks, then 5 minutes' wait once the lock has doubled up: ~2 a minute"
