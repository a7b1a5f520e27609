"""The one access policy (core.access.policy), on the real access ledger in a throwaway SQLite database."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from core.access import policy
from core.access.password import issue_pass, read_pass
from core.config.settings import Secret, Settings, load_settings
from core.db.access_ledger import BudgetRules, SqlAccessLedger
from core.db.engine import create_engine_for, migrate
from core.domain.errors import AppError, DatabaseError

PASSWORD = "correct horse"
HERE, ELSEWHERE = "192.0.2.1", "198.51.100.7"


def settings_with(tmp_path: Path, **environ: str) -> Settings:
    return load_settings({"DATA_DIR": str(tmp_path / "data"), **environ}, dotenv_path=None)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_with(tmp_path, APP_PASSWORD=PASSWORD)


@pytest.fixture
def ledger(tmp_path: Path) -> SqlAccessLedger:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'ledger.db'}")
    migrate(engine)
    return SqlAccessLedger(engine, BudgetRules(max_attempts=2, window_s=60, lockout_s=30, max_lockout_s=100))


def test_login_wins_over_the_password_which_wins_over_an_open_app(tmp_path, settings) -> None:
    assert policy.access_mode(settings, login=True) == "login"
    assert policy.access_mode(settings, login=False) == "password"
    assert policy.access_mode(settings_with(tmp_path), login=False) == "open"


def test_login_is_configured_by_an_auth_section_in_streamlits_secrets() -> None:
    assert policy.login_configured({"auth": {"client_id": "x"}})
    assert not policy.login_configured({"APP_PASSWORD": "x"})


def test_a_pass_signed_with_the_password_and_unexpired_is_valid_and_names_the_visitor(settings, ledger) -> None:
    token = issue_pass(Secret(PASSWORD), "Ana", secret=ledger.pass_secret(), now=time.time())
    held = policy.valid_pass(token, settings, ledger, now=time.time())
    assert held is not None and held.name == "Ana"


def test_a_pass_from_another_password_or_past_its_time_or_missing_is_not_valid(settings, ledger) -> None:
    now = time.time()
    assert (
        policy.valid_pass(
            issue_pass(Secret("old password"), None, secret=ledger.pass_secret(), now=now), settings, ledger, now=now
        )
        is None
    )
    expired = issue_pass(Secret(PASSWORD), None, secret=ledger.pass_secret(), now=now - 13 * 3600)
    assert policy.valid_pass(expired, settings, ledger, now=now) is None
    assert policy.valid_pass(None, settings, ledger, now=now) is None


def test_a_signed_out_pass_is_not_valid_but_another_browsers_pass_still_is(settings, ledger) -> None:
    now = time.time()
    mine, theirs = (issue_pass(Secret(PASSWORD), None, secret=ledger.pass_secret(), now=now) for _ in range(2))
    held = policy.valid_pass(mine, settings, ledger, now=now)
    assert held is not None
    policy.sign_out(held, ledger)
    assert policy.valid_pass(mine, settings, ledger, now=now) is None
    assert policy.valid_pass(theirs, settings, ledger, now=now) is not None


def test_no_pass_is_valid_in_an_app_without_a_password(tmp_path, ledger) -> None:
    token = issue_pass(Secret(PASSWORD), None, secret=ledger.pass_secret(), now=time.time())
    assert policy.valid_pass(token, settings_with(tmp_path), ledger, now=time.time()) is None


def test_the_right_password_is_allowed_with_a_valid_pass_naming_the_visitor(settings, ledger) -> None:
    outcome = policy.sign_in(PASSWORD, "  Ana  ", settings, lambda: ledger, client=HERE, now=time.time())
    assert isinstance(outcome, policy.Allowed)
    assert outcome.name == "Ana"
    held = read_pass(outcome.token, Secret(PASSWORD), secret=ledger.pass_secret(), now=time.time())
    assert held is not None and held.name == "Ana"


def test_a_wrong_password_is_refused_and_spends_the_budget(settings, ledger) -> None:
    outcomes = [policy.sign_in("wrong", "", settings, lambda: ledger, client=HERE, now=time.time()) for _ in range(3)]
    assert [type(outcome) for outcome in outcomes[:2]] == [policy.WrongPassword, policy.WrongPassword]
    assert isinstance(outcomes[2], policy.Throttled) and outcomes[2].wait_s == pytest.approx(30, abs=1)


def test_when_throttled_even_the_right_password_is_not_checked(settings, ledger) -> None:
    for _ in range(2):
        policy.sign_in("wrong", "", settings, lambda: ledger, client=HERE, now=time.time())
    assert isinstance(
        policy.sign_in(PASSWORD, "", settings, lambda: ledger, client=HERE, now=time.time()), policy.Throttled
    )


def test_a_right_password_gives_its_check_back_to_the_budget(settings, ledger) -> None:
    outcomes = [policy.sign_in(PASSWORD, "", settings, lambda: ledger, client=HERE, now=time.time()) for _ in range(5)]
    assert all(isinstance(outcome, policy.Allowed) for outcome in outcomes)


def test_without_its_database_the_password_cannot_be_checked(settings) -> None:
    def unreachable() -> SqlAccessLedger:
        raise DatabaseError("The database cannot be reached.")

    assert isinstance(
        policy.sign_in(PASSWORD, "", settings, unreachable, client=HERE, now=time.time()), policy.CannotCheck
    )


def test_a_ledger_without_its_tables_cannot_check_either(tmp_path, settings) -> None:
    bare = SqlAccessLedger(create_engine_for(f"sqlite:///{tmp_path / 'bare.db'}"))
    assert isinstance(
        policy.sign_in(PASSWORD, "", settings, lambda: bare, client=HERE, now=time.time()), policy.CannotCheck
    )
    with pytest.raises(AppError):
        bare.is_revoked("any")


def test_someone_elses_wrong_passwords_never_keep_a_visitor_from_another_address_out(settings, ledger) -> None:
    for _ in range(10):
        policy.sign_in("wrong", "", settings, lambda: ledger, client=ELSEWHERE, now=time.time())
    assert isinstance(
        policy.sign_in(PASSWORD, "", settings, lambda: ledger, client=ELSEWHERE, now=time.time()), policy.Throttled
    )

    assert isinstance(
        policy.sign_in(PASSWORD, "", settings, lambda: ledger, client=HERE, now=time.time()), policy.Allowed
    )


def test_a_pass_from_another_deployment_with_the_same_password_does_not_hold(tmp_path, settings, ledger) -> None:
    elsewhere = create_engine_for(f"sqlite:///{tmp_path / 'other.db'}")
    migrate(elsewhere)
    other = SqlAccessLedger(elsewhere)
    now = time.time()
    theirs = issue_pass(Secret(PASSWORD), "Ana", secret=other.pass_secret(), now=now)

    assert other.pass_secret() != ledger.pass_secret()
    assert policy.valid_pass(theirs, settings, other, now=now) is not None
    assert policy.valid_pass(theirs, settings, ledger, now=now) is None


def test_replicas_sharing_the_database_accept_each_others_passes(tmp_path, settings, ledger) -> None:
    same_database = SqlAccessLedger(create_engine_for(f"sqlite:///{tmp_path / 'ledger.db'}"))
    outcome = policy.sign_in(PASSWORD, "Ana", settings, lambda: ledger, client=HERE, now=time.time())

    assert isinstance(outcome, policy.Allowed)
    assert policy.valid_pass(outcome.token, settings, same_database, now=time.time()) is not None
