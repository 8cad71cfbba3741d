"""A presenter link in chromium, as a teacher uses it: copied from the Share page, opened
on a second screen; it shows the work and follows it, offers nothing that changes it, and
the document's version does not move whatever is tried from it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from gui.core.store.runs import Runs
from gui.core.store.workspaces import Store
from tests.e2e.conftest import open_app, wait_idle
from tests.e2e.controls import eventually, go, no_exceptions, number, set_number


def test_a_presenter_link_shows_the_work_and_cannot_change_it(page: Page, app_url: str):
    open_app(page, app_url)
    go(page, "3 · Train")
    set_number(page, "epochs", 7)
    token = re.search(r"[?&]w=([^&]+)", page.url).group(1)
    go(page, "Share")
    link = page.locator("[data-testid='stCode']").first.inner_text().strip()
    assert "?p=" in link and token not in link
    store = Store.from_env()
    before = store.load(token)

    shown = page.context.new_page()
    shown.goto(link)
    shown.wait_for_selector("h1", timeout=60_000)
    wait_idle(shown)
    expect(shown.get_by_text("Presenter view")).to_be_visible()
    assert token not in shown.url and token not in shown.content()
    expect(shown.get_by_role("button", name="Start over")).to_have_count(0)
    assert shown.locator("[data-testid='stFileUploader']:visible").count() == 0
    go(shown, "3 · Train")
    assert number(shown, "epochs") == "7"  # the teacher's work
    expect(shown.get_by_role("button", name=re.compile(r"^Train"))).to_have_count(0)
    field = shown.locator("[data-testid='stNumberInput']").filter(has_text="epochs") \
        .locator("input")
    field.fill("3", force=True)  # what the mouse cannot reach, the keyboard tries
    field.press("Enter")
    wait_idle(shown)
    go(shown, "2 · Model")
    go(shown, "3 · Train")
    eventually(shown, lambda: number(shown, "epochs"), "7", what="the presenter's epochs")
    assert store.load(token) == before  # nothing the presenter tried reached the store
    assert token not in shown.url

    go(page, "3 · Train")
    set_number(page, "epochs", 9)
    eventually(shown, lambda: number(shown, "epochs"), "9", timeout=30,
               what="the presenter following the teacher")

    # The teacher trains; the presenter's live panel reads the feed through its own link,
    # never with the workspace's token (which would open the workspace to whoever watches).
    feeds = []
    shown.on("request", lambda r: feeds.append(r.url) if "/api/live/" in r.url else None)
    set_number(page, "epochs", 3000)
    page.get_by_role("button", name="Train", exact=True).click()
    expect(shown.locator(".ll-live svg.ll-chart").first).to_be_visible(timeout=90_000)
    eventually(shown, lambda: len(feeds) >= 2, True, timeout=30, what="the presenter's feed")
    assert all("p=" in url and token not in url for url in feeds), feeds
    fetch = "async (u) => { const r = await fetch(u); return [r.status, await r.text()]; }"
    status, body = shown.evaluate(fetch, feeds[-1])
    assert status == 200 and token not in body
    link_token = link.split("?p=")[1].split("&")[0]
    assert shown.evaluate(fetch, feeds[-1].replace(link_token, "x" + link_token[1:]))[0] == 404
    page.get_by_role("button", name="Stop").click()
    no_exceptions(shown)
    no_exceptions(page)

    # Start over withdraws the link: the open presenter tab stops showing the workspace
    # within its follow's few seconds, and says it is gone.
    expect(page.get_by_role("button", name="Train again")).to_be_visible(timeout=60_000)
    runs = Runs(store)  # the stopped run's final model saved: the training process is free
    eventually(shown, lambda: runs.glance_all(token)[-1].model_pending, False, timeout=60,
               what="the stopped run's model saved")
    store.clear(token)  # what Start over does to the store
    expect(shown.get_by_role("heading", name="This workspace does not exist")).to_be_visible(
        timeout=20_000)
    assert shown.locator("[data-testid='stNumberInput']").count() == 0
