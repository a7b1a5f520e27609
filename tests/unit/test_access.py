import base64
import json
import re

import pytest

from core.access.password import FailureThrottle, issue_pass, password_matches, read_pass
from core.config.settings import Secret


def test_only_the_exact_password_matches():
    expected = Secret("correct horse")
    assert password_matches("correct horse", expected)
    assert not password_matches("correct hors", expected)
    assert not password_matches("correct horse ", expected)
    assert not password_matches("", expected)


def throttle_at(now: list[float]) -> FailureThrottle:
    return FailureThrottle(max_attempts=3, window_s=60, lockout_s=30, max_lockout_s=100, clock=lambda: now[0])


def test_the_budget_is_shared_by_every_caller_and_spending_it_locks_everyone_out():
    now = [0.0]
    throttle = throttle_at(now)
    assert [throttle.try_attempt() for _ in range(3)] == [0, 0, 0]
    assert throttle.try_attempt() == 30  # the fourth attempt, from any session, starts a lock-out
    now[0] = 10
    assert throttle.try_attempt() == 20  # everyone waits, and is told how long
    now[0] = 30
    assert throttle.try_attempt() == 0


def test_repeated_lock_outs_double_up_to_the_cap():
    now = [0.0]
    throttle = throttle_at(now)
    lockouts = []
    for _ in range(4):
        while (wait := throttle.try_attempt()) == 0:
            pass
        lockouts.append(wait)
        now[0] += wait
    assert lockouts == [30, 60, 100, 100]


def test_the_lock_out_starts_small_again_after_a_calm_spell():
    now = [0.0]
    throttle = throttle_at(now)
    for _ in range(4):
        throttle.try_attempt()
    now[0] = 30 + 101
    for _ in range(3):
        assert throttle.try_attempt() == 0
    assert throttle.try_attempt() == 30


def test_attempts_older_than_the_window_are_forgotten():
    now = [0.0]
    throttle = throttle_at(now)
    for _ in range(3):
        throttle.try_attempt()
    now[0] = 60
    assert throttle.try_attempt() == 0


def test_a_right_password_does_not_spend_the_budget():
    now = [0.0]
    throttle = throttle_at(now)
    for _ in range(10):
        assert throttle.try_attempt() == 0
        throttle.succeeded()


def test_thirty_sessions_guessing_at_once_get_only_the_shared_budget():
    import threading

    throttle = FailureThrottle(max_attempts=10, window_s=60)
    allowed: list[float] = []
    start = threading.Barrier(30)

    def guess() -> None:
        start.wait()
        for _ in range(5):
            if throttle.try_attempt() == 0:
                allowed.append(1)

    threads = [threading.Thread(target=guess) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 10


PASSWORD = Secret("correct horse")


def test_a_pass_carries_the_display_name_until_it_expires():
    token = issue_pass(PASSWORD, "Ana Łopez", now=1_000, lifetime_s=600)
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", token), "cookie-safe without quoting"
    held = read_pass(token, PASSWORD, now=1_599)
    assert held is not None and held.name == "Ana Łopez" and held.expires_at == 1_600
    assert read_pass(token, PASSWORD, now=1_600) is None
    anonymous = read_pass(issue_pass(PASSWORD, None, now=0), PASSWORD, now=1)
    assert anonymous is not None and anonymous.name is None


def test_a_pass_from_another_password_does_not_hold():
    # Changing APP_PASSWORD signs every browser out.
    token = issue_pass(PASSWORD, "Ana", now=0)
    assert read_pass(token, Secret("battery staple"), now=1) is None


def test_a_pass_with_a_changed_name_or_expiry_does_not_hold():
    token = issue_pass(PASSWORD, "Ana", now=0, lifetime_s=60)
    _, signature = token.split(".")
    for forged in ({"n": "Boss", "e": 60}, {"n": "Ana", "e": 10**12}):
        payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
        assert read_pass(f"{payload}.{signature}", PASSWORD, now=1) is None


@pytest.mark.parametrize(
    "token",
    [None, "", ".", "no-dot", "a.b", "!!!.###", "e30.e30", "x" * 5000 + ".y", "bnVsbA." + "A" * 43],
)
def test_garbage_is_not_a_pass(token):
    assert read_pass(token, PASSWORD, now=0) is None


@pytest.mark.parametrize("payload", [b"null", b"[1, 2]", b'"text"', b'{"n": 5, "e": 99}', b'{"e": 99}', b"\xff\xfe"])
def test_a_correctly_signed_but_malformed_pass_does_not_hold(payload):
    import hashlib
    import hmac

    from core.access.password import _pass_key

    encoded = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    signature = hmac.new(_pass_key(PASSWORD.reveal()), encoded.encode(), hashlib.sha256).digest()
    token = f"{encoded}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
    assert read_pass(token, PASSWORD, now=0) is None
