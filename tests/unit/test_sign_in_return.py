"""The return address kept across st.login's round trip: only the app's own pages, query intact."""

from __future__ import annotations

import pytest

from ui.access.sign_in_return import parse_return_address, return_address


def test_a_page_and_its_query_round_trip():
    query = {"q": ["a dragon & a castle"], "tag": ["red", "night"], "view": ["gallery"]}
    address = return_address("history", query)
    assert address is not None and address.startswith("history?")
    assert parse_return_address(address) == ("pages/history.py", query)
    assert parse_return_address(return_address("create", {}) or "") == ("pages/create.py", {})


def test_the_bare_root_needs_no_return_address():
    assert return_address("", {}) is None
    assert return_address("", {"x": ["1"]}) == "?x=1"


@pytest.mark.parametrize(
    "address",
    ["https://evil.example/history", "//evil.example", "../history", "history/../../etc", "admin", "History"],
)
def test_anything_but_one_of_the_apps_pages_is_ignored(address):
    assert parse_return_address(address) is None
