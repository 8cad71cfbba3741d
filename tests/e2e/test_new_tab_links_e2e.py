"""A page link opened in a new tab (middle click, "Open link in new tab", a copied link)
opens the same workspace: the top navigation's links carry the tab's `?w=` token once the
pointer or the focus reaches them (gui/ui/common/new_tab_links.py), and a plain click is
still Streamlit's own navigation, without a page load."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import open_app, wait_idle
from tests.e2e.controls import go, no_exceptions, number, set_number


def token(url: str) -> str:
    found = re.search(r"[?&]w=([^&#]+)", url)
    assert found, url
    return found.group(1)


def test_a_navigation_link_opened_in_a_new_tab_opens_the_same_workspace(page: Page,
                                                                         app_url: str):
    open_app(page, app_url)
    go(page, "2 · Model")
    set_number(page, "units", 23)  # something of this workspace's own
    mine = token(page.url)
    train = page.get_by_role("navigation").get_by_role("link", name="3 · Train")
    assert "w=" not in (train.get_attribute("href") or "")  # Streamlit's bare address
    train.hover()
    expect(train).to_have_attribute("href", re.compile(rf"/train\?w={re.escape(mine)}$"))
    href = train.get_attribute("href")

    other = page.context.new_page()  # what a middle click opens
    other.goto(href if href.startswith("http") else app_url + href)
    other.wait_for_selector("h1", timeout=60_000)
    wait_idle(other)
    assert token(other.url) == mine
    go(other, "2 · Model")
    assert number(other, "units") == "23"  # the same workspace, not a new one
    no_exceptions(other)

    # A plain click still moves the tab within its session (no page load).
    page.evaluate("window.__sameDocument = true")
    go(page, "3 · Train")
    assert page.evaluate("window.__sameDocument === true")
    assert token(page.url) == mine
    no_exceptions(page)
