from core.access import FailureThrottle, password_matches
from core.config import Secret


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
