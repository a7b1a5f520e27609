from core.access import FailureThrottle, password_matches
from core.config import Secret


def test_only_the_exact_password_matches():
    expected = Secret("correct horse")
    assert password_matches("correct horse", expected)
    assert not password_matches("correct hors", expected)
    assert not password_matches("correct horse ", expected)
    assert not password_matches("", expected)


def test_each_recent_failure_doubles_the_wait_up_to_a_cap():
    now = [0.0]
    throttle = FailureThrottle(base_delay_s=0.5, max_delay_s=4, window_s=60, clock=lambda: now[0])
    assert throttle.delay_s() == 0
    waits = []
    for _ in range(5):
        throttle.record_failure()
        waits.append(throttle.delay_s())
    assert waits == [0.5, 1.0, 2.0, 4.0, 4.0]


def test_failures_older_than_the_window_are_forgotten():
    now = [0.0]
    throttle = FailureThrottle(window_s=60, clock=lambda: now[0])
    throttle.record_failure()
    now[0] = 61
    assert throttle.delay_s() == 0
