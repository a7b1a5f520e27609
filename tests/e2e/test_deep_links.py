"""Shared links on a freshly started server: the first visit shows navigation and exactly the view asked for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import app_environment, running_streamlit
from tests.e2e.test_browser import (
    PASSWORD,
    STEP_MS,
    assert_no_tracebacks,
    wait_for_script_cookie,
    wait_until_idle,
)
from tests.fixtures.ports import free_port

pytestmark = pytest.mark.e2e


def test_first_visit_of_a_history_link_on_a_fresh_server_shows_navigation_and_the_filter_with_one_link_per_page(
    browser: Any, artifacts: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    # A fresh server's first visit runs the app twice (pages/ hands over to the navigation): be patient.
    expect.set_options(timeout=STEP_MS)

    env = app_environment({}, tmp_path / "data")
    with running_streamlit(env, tmp_path / "app", artifacts / "streamlit-deep-link.log") as server:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(STEP_MS)
        try:
            page.goto(f"{server.url}/history?q=dragon&view=gallery")
            main = page.get_by_test_id("stMain")
            expect(main.get_by_role("heading", name="History")).to_be_visible()
            expect(page.get_by_test_id("stTopNav")).to_be_visible()
            expect(main.get_by_label("Search")).to_have_value("dragon")
            wait_until_idle(page)
            page.screenshot(path=str(artifacts / "deep-link-1-history.png"), full_page=True)
            assert "q=dragon" in page.url and "view=gallery" in page.url
            assert page.get_by_test_id("stSidebarNav").count() == 0, "no second, automatic page list"

            page.get_by_role("link", name="Create", exact=True).click()  # one link by that name: strict
            expect(main.get_by_role("heading", name="Create")).to_be_visible()
        finally:
            page.close()
        # On a phone the row of page links stands in for the navigation folded behind "»": one link per page.
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        try:
            phone.goto(f"{server.url}/history")
            expect(phone.get_by_test_id("stMain").get_by_role("heading", name="History")).to_be_visible()
            for name in ("Home", "Create", "History", "Status"):
                expect(phone.get_by_role("link", name=name, exact=True)).to_have_count(1)
            phone.get_by_role("link", name="Create", exact=True).click()
            expect(phone.get_by_test_id("stMain").get_by_role("heading", name="Create")).to_be_visible()
        finally:
            phone.close()
        assert_no_tracebacks(server)


def test_a_link_with_more_than_1000_parameters_opens_history_with_a_warning_rather_than_silently_unfiltered(
    browser: Any, artifacts: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    env = app_environment({}, tmp_path / "data")
    # Streamlit drops a query of more than 1,000 parameters whole; app.py's gate marks the link instead.
    too_long = "q=dragon&" + "&".join(f"tag=t{index}" for index in range(1000))
    with running_streamlit(env, tmp_path / "app", artifacts / "streamlit-too-many-params.log") as server:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(STEP_MS)
        try:
            page.goto(f"{server.url}/history?{too_long}")
            main = page.get_by_test_id("stMain")
            expect(main.get_by_role("heading", name="History")).to_be_visible()
            expect(
                main.get_by_text("This link has more than 1,000 parameters; Streamlit ignores all of them")
            ).to_be_visible()
            assert page.url == f"{server.url}/history?too_many_params=1"
            wait_until_idle(page)
            page.screenshot(path=str(artifacts / "deep-link-too-many-params.png"), full_page=True)
        finally:
            page.close()
        assert_no_tracebacks(server)


def test_in_development_mode_signing_in_on_a_shared_link_lands_on_that_page_and_covers_every_tab_until_signing_out(
    browser: Any, artifacts: Path, tmp_path: Path
) -> None:
    """`streamlit run Home.py` (no app.py): the in-page form and its script-written pass still work.

    Served through app.py the same story is told by tests/e2e/test_gate.py with the HTTP form."""
    from playwright.sync_api import expect

    # A fresh server's first visit runs the app twice (pages/ hands over to the navigation): be patient.
    expect.set_options(timeout=STEP_MS)

    env = app_environment({"APP_PASSWORD": PASSWORD}, tmp_path / "data")
    with running_streamlit(
        env, tmp_path / "app", artifacts / "streamlit-deep-link-gate.log", script="Home.py"
    ) as server:
        # One browser profile: its tabs share cookies, as a visitor's own browser does.
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.set_default_timeout(STEP_MS)
        try:
            page = context.new_page()
            page.goto(f"{server.url}/history?q=lighthouse")
            main = page.get_by_test_id("stMain")
            expect(main.get_by_role("heading", name="This app is private")).to_be_visible()
            assert page.get_by_test_id("stTopNav").count() == 0
            main.get_by_label("Password", exact=True).fill(PASSWORD)
            main.get_by_role("textbox", name="Your name (optional)").fill("Ana")
            main.get_by_role("button", name="Enter").click()

            expect(main.get_by_role("heading", name="History")).to_be_visible()
            expect(main.get_by_label("Search")).to_have_value("lighthouse")
            expect(page.get_by_test_id("stTopNav")).to_be_visible()
            wait_until_idle(page)
            page.screenshot(path=str(artifacts / "deep-link-2-after-sign-in.png"), full_page=True)
            assert "/history" in page.url and "q=lighthouse" in page.url
            wait_for_script_cookie(page, "speak_access", held=True)
            held = {cookie["name"]: cookie for cookie in context.cookies(server.url)}
            assert PASSWORD not in held["speak_access"]["value"], "a signed pass, never the password"

            # A URL typed in a new tab is a new Streamlit session: the browser's pass lets it in.
            typed = context.new_page()
            typed.goto(f"{server.url}/create")
            typed_main = typed.get_by_test_id("stMain")
            expect(typed_main.get_by_role("heading", name="Create")).to_be_visible()
            expect(typed.get_by_test_id("stTopNav")).to_be_visible()
            typed.goto(f"{server.url}/")
            expect(typed_main.get_by_text("Signed in as Ana, with the shared password.")).to_be_visible()
            wait_until_idle(typed)
            typed.screenshot(path=str(artifacts / "deep-link-3-typed-url-in-a-new-tab.png"), full_page=True)

            # Signing out, in the very session that was handed the pass, ends it for the whole browser.
            page.get_by_test_id("stTopNav").get_by_role("link", name="Home").click()
            main.get_by_role("button", name="Sign out").click()
            expect(main.get_by_role("heading", name="This app is private")).to_be_visible()
            expect(page.get_by_test_id("stTopNav")).to_have_count(0)
            wait_for_script_cookie(page, "speak_access", held=False)
            assert "speak_access" not in {cookie["name"] for cookie in context.cookies(server.url)}
            again = context.new_page()
            again.goto(f"{server.url}/history")
            expect(again.get_by_test_id("stMain").get_by_role("heading", name="This app is private")).to_be_visible()
        finally:
            context.close()
        assert_no_tracebacks(server)


def test_in_development_mode_with_the_database_down_the_password_form_says_so_and_stays_shut(
    browser: Any, artifacts: Path, tmp_path: Path
) -> None:
    """The wrong-guess budget lives in the database: with no database the password is not tried at all.

    Served through app.py, /sign-in answers 503 in the same case (tests/e2e/test_gate.py)."""
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    nothing_listens = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/speak"
    env = app_environment({"APP_PASSWORD": PASSWORD, "DATABASE_URL": nothing_listens}, tmp_path / "data")
    with running_streamlit(env, tmp_path / "app", artifacts / "streamlit-gate-no-db.log", script="Home.py") as server:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(STEP_MS)
        try:
            page.goto(f"{server.url}/create")
            main = page.get_by_test_id("stMain")
            expect(main.get_by_role("heading", name="This app is private")).to_be_visible()
            main.get_by_label("Password", exact=True).fill(PASSWORD)
            main.get_by_role("button", name="Enter").click()

            expect(main.get_by_text("the app cannot reach its database. Try again soon.")).to_be_visible()
            wait_until_idle(page)
            page.screenshot(path=str(artifacts / "gate-no-database.png"), full_page=True)
            assert page.get_by_test_id("stTopNav").count() == 0
            assert main.get_by_role("heading", name="Create").count() == 0
            assert_no_tracebacks(server)
        finally:
            page.close()
