"""The suite's own xdist scheduler: browser tests form one group, everything else is shared test by test."""

from __future__ import annotations

from tests.fixtures.scheduling import BrowserTestsTakeTurns


def test_browser_tests_share_one_scope_and_other_tests_keep_their_own() -> None:
    # Building a real one needs xdist's worker nodes; splitting a node id reads no state.
    scheduler = object.__new__(BrowserTestsTakeTurns)

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
