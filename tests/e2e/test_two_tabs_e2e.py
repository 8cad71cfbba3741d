"""Two tabs on one workspace, neither reloaded: each applies only what it changed to the
newest stored document (DESIGN principle 11), so both changes stand; the same setting
changed in both ends with the later value, shown by the other tab on its next rerun."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.e2e.conftest import open_app, wait_idle
from tests.e2e.controls import eventually, go, no_exceptions, number, set_number


def two_tabs(page: Page, app_url: str) -> Page:
    """The first tab on 2 · Model, a second tab on the same link on 3 · Train, both drawn."""
    open_app(page, app_url)
    go(page, "2 · Model")
    other = page.context.new_page()
    other.goto(page.url.replace("/model", "/train"))
    other.wait_for_selector("h1", timeout=60_000)
    wait_idle(other)
    return other


def test_two_tabs_change_different_settings_and_both_stand(page: Page, app_url: str):
    other = two_tabs(page, app_url)
    assert number(page, "units") == "64" and number(other, "epochs") == "200"
    set_number(page, "units", 32)       # the first tab: layer 1 to 32 units
    set_number(other, "epochs", 7)      # the second tab, loaded before that change
    go(page, "3 · Train")
    eventually(page, lambda: number(page, "epochs"), "7", what="epochs in the first tab")
    go(other, "2 · Model")
    eventually(other, lambda: number(other, "units"), "32", what="units in the second tab")
    # and the first tab, back on its page, still shows its own change
    go(page, "2 · Model")
    eventually(page, lambda: number(page, "units"), "32", what="units in the first tab")
    no_exceptions(page)
    no_exceptions(other)


def test_the_same_setting_in_two_tabs_the_later_wins(page: Page, app_url: str):
    other = two_tabs(page, app_url)
    go(page, "3 · Train")
    set_number(page, "epochs", 7)
    set_number(other, "epochs", 9)       # later, from a tab that had not seen the 7
    set_number(other, "batch_size", 16)
    page.get_by_role("link", name="3 · Train").first.click()  # the first tab's next rerun
    wait_idle(page)
    eventually(page, lambda: number(page, "epochs"), "9", what="epochs after the later edit")
    eventually(page, lambda: number(page, "batch_size"), "16", what="batch_size")
    no_exceptions(page)
