"""The suite's own xdist scheduler: browser tests form one or two lanes, everything else is shared test by test."""

from __future__ import annotations

from tests.fixtures.scheduling import BrowserTestsTakeTurns, browser_lane


def test_browser_tests_share_one_scope_and_other_tests_keep_their_own() -> None:
    # Building a real one needs xdist's worker nodes; splitting a node id reads no state.
    scheduler = object.__new__(BrowserTestsTakeTurns)
    scheduler.browser_lanes, scheduler.browser_modules = 1, ["test_gate.py", "test_listen.py"]

    scopes = {
        node: scheduler._split_scope(node)
        for node in (
            "tests/e2e/test_gate.py::test_a",
            "tests/e2e/test_listen.py::test_b[phone]",
            "tests/unit/test_x.py::test_c",
            "tests/app/test_y.py::test_d[a@b]",
        )
    }

    assert scopes["tests/e2e/test_gate.py::test_a"] == scopes["tests/e2e/test_listen.py::test_b[phone]"] == "browser"
    assert scopes["tests/unit/test_x.py::test_c"] == "tests/unit/test_x.py::test_c"
    assert scopes["tests/app/test_y.py::test_d[a@b]"] == "tests/app/test_y.py::test_d[a@b]"


def test_with_two_lanes_browser_modules_alternate_in_name_order_and_a_new_one_joins_the_last() -> None:
    modules = ["test_a.py", "test_b.py", "test_c.py"]

    lanes = {
        name: browser_lane(f"tests/e2e/{name}::test_x[desktop]", modules, 2)
        for name in ("test_a.py", "test_b.py", "test_c.py", "test_new.py")
    }

    assert lanes == {
        "test_a.py": "browser-0",
        "test_b.py": "browser-1",
        "test_c.py": "browser-0",
        "test_new.py": "browser-1",
    }
    assert browser_lane("tests/e2e/test_b.py::test_x", modules, 1) == "browser"
