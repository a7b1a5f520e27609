import base64
import json
import re

import pytest

from core.access.password import issue_pass, password_matches, read_pass
from core.config.settings import Secret


def test_only_the_exact_password_matches():
    expected = Secret("correct horse")
    assert password_matches("correct horse", expected)
    assert not password_matches("correct hors", expected)
    assert not password_matches("correct horse ", expected)
    assert not password_matches("", expected)


PASSWORD = Secret("correct horse")
DEPLOYMENT = b"this deployment's secret"


def test_a_pass_carries_the_display_name_until_it_expires():
    token = issue_pass(PASSWORD, "Ana Łopez", secret=DEPLOYMENT, now=1_000, lifetime_s=600)
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", token), "cookie-safe without quoting"
    held = read_pass(token, PASSWORD, secret=DEPLOYMENT, now=1_599)
    assert held is not None and held.name == "Ana Łopez" and held.expires_at == 1_600
    assert read_pass(token, PASSWORD, secret=DEPLOYMENT, now=1_600) is None
    anonymous = read_pass(issue_pass(PASSWORD, None, secret=DEPLOYMENT, now=0), PASSWORD, secret=DEPLOYMENT, now=1)
    assert anonymous is not None and anonymous.name is None


def test_a_pass_from_another_password_does_not_hold():
    # Changing APP_PASSWORD signs every browser out.
    token = issue_pass(PASSWORD, "Ana", secret=DEPLOYMENT, now=0)
    assert read_pass(token, Secret("battery staple"), secret=DEPLOYMENT, now=1) is None


def test_a_pass_with_a_changed_name_or_expiry_does_not_hold():
    token = issue_pass(PASSWORD, "Ana", secret=DEPLOYMENT, now=0, lifetime_s=60)
    _, signature = token.split(".")
    for forged in ({"n": "Boss", "e": 60, "i": "x"}, {"n": "Ana", "e": 10**12, "i": "x"}):
        payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
        assert read_pass(f"{payload}.{signature}", PASSWORD, secret=DEPLOYMENT, now=1) is None


@pytest.mark.parametrize(
    "token",
    [None, "", ".", "no-dot", "a.b", "!!!.###", "e30.e30", "x" * 5000 + ".y", "bnVsbA." + "A" * 43],
)
def test_garbage_is_not_a_pass(token):
    assert read_pass(token, PASSWORD, secret=DEPLOYMENT, now=0) is None


def _signed(fields: object) -> str:
    """A token signed with the real key: what someone holding the password and the deployment's secret could make."""
    from core.access.password import _serializer

    return str(_serializer(PASSWORD, DEPLOYMENT).dumps(fields))


@pytest.mark.parametrize(
    "expiry",
    [float("inf"), float("nan"), 10**400, "99999999999", 1e12, True, None, 10**12],
    ids=["Infinity", "NaN", "10^400", "a string", "a float", "true", "null", "far future"],
)
def test_a_signed_pass_with_a_malformed_or_endless_expiry_is_refused_not_crashing(expiry):
    assert read_pass(_signed({"n": None, "e": expiry, "i": "x"}), PASSWORD, secret=DEPLOYMENT, now=1_000) is None


@pytest.mark.parametrize("fields", [[], "text", 7, {"n": None, "e": 2_000}, {"n": 5, "e": 2_000, "i": "x"}], ids=str)
def test_a_signed_pass_of_the_wrong_shape_is_refused(fields):
    assert read_pass(_signed(fields), PASSWORD, secret=DEPLOYMENT, now=1_000) is None


def test_the_same_password_on_another_deployment_signs_another_pass():
    token = issue_pass(PASSWORD, "Ana", secret=DEPLOYMENT, now=0)
    assert read_pass(token, PASSWORD, secret=b"another deployment", now=1) is None
