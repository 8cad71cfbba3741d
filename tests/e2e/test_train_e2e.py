"""The train step in real chromium: live curves, Stop, and training that survives navigation."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import wait_idle
from tests.e2e.controls import (
    assert_stays_stopped,
    epochs_logged,
    live_epoch,
    log,
    no_exceptions,
    set_epochs,
    to_train_page,
    wait_for_epochs,
)


def test_training_draws_live_curves_until_done(page: Page, app_url: str, tmp_path):
    to_train_page(page, app_url)
    set_epochs(page, 40)
    page.get_by_role("button", name="Train", exact=True).click()
    first = wait_for_epochs(page, 1)
    charts = page.locator("[data-testid='stPlotlyChart']")
    expect(charts).to_have_count(2, timeout=30_000)  # loss and accuracy
    page.screenshot(path=str(tmp_path / "training.png"))
    later = wait_for_epochs(page, first + 3)
    assert later > first  # the page updated by itself, without a click
    expect(page.get_by_text(re.compile(r"Trained 40 epochs in"))).to_be_visible(timeout=180_000)
    wait_idle(page)  # the status is drawn before the log: wait for the whole redraw
    assert epochs_logged(page) == 40, log(page)
    expect(charts.first.locator(".legendtext").first).to_have_text("training")
    expect(page.get_by_role("button", name="Train again")).to_be_enabled()
    no_exceptions(page)
    page.screenshot(path=str(tmp_path / "trained.png"))


def test_stop_and_navigation_during_a_long_run(page: Page, app_url: str, tmp_path,
                                               stops_its_run):
    to_train_page(page, app_url)
    set_epochs(page, 5000)
    page.get_by_role("button", name="Train", exact=True).click()
    wait_for_epochs(page, 2)
    page.get_by_role("link", name="2 · Model").click()
    expect(page.get_by_role("heading", name="2 · Model")).to_be_visible(timeout=60_000)
    banner = page.locator(".st-key-run-banner")  # every other page says a run trains
    expect(banner).to_contain_text(re.compile(r"Training Run 1 · epoch \d+/5000"),
                                   timeout=30_000)
    banner.get_by_role("link", name="Watch it").click()
    live_epoch(page, 5000)  # back on Train, the run is shown live
    before = epochs_logged(page)
    wait_for_epochs(page, before + 2)  # still training after the round trip
    page.get_by_role("button", name="Stop", exact=True).click()
    # The page says it stopped; from then on its epoch count (status and log) stays put.
    stopped_at = assert_stays_stopped(page)
    assert before + 2 <= stopped_at < 5000
    expect(page.get_by_role("link", name="Next: evaluate")).to_be_visible()
    no_exceptions(page)
    page.screenshot(path=str(tmp_path / "stopped.png"))


def test_the_prominent_button_while_training_is_stop(page: Page, app_url: str, tmp_path,
                                                     stops_its_run):
    """A newcomer's one click on the most prominent button during training stops it."""
    to_train_page(page, app_url)
    set_epochs(page, 5000)
    # (Streamlit keeps a hidden copy of a button with help, for measuring: visible ones only)
    primary = page.locator("[data-testid='stMain'] button[data-testid='stBaseButton-primary']"
                           ).filter(visible=True)
    page.get_by_role("button", name="Train", exact=True).click()
    wait_for_epochs(page, 2)
    # While it trains there is one primary (filled) button on the page, and it is Stop,
    # near the top of the page, in view at 1280×720 without scrolling.
    page.set_viewport_size({"width": 1280, "height": 720})
    page.evaluate("window.scrollTo(0, 0)")
    expect(primary).to_have_count(1)
    expect(primary).to_have_text(re.compile(r"Stop$"))
    box = primary.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 720, box
    page.screenshot(path=str(tmp_path / "training_stop.png"))
    # The other choices are quiet buttons with their own words, folded with the settings.
    page.locator("[data-testid='stExpander'] summary").filter(has_text="Settings").click()
    for name in ("Queue these settings", "Stop and train these"):
        expect(page.get_by_role("button", name=name)).to_have_count(1)
        expect(page.locator("button[data-testid='stBaseButton-secondary']")
               .filter(has_text=name).filter(visible=True)).to_have_count(1)
    expect(primary).to_have_count(1)
    primary.click()
    stopped_at = assert_stays_stopped(page)
    assert 2 <= stopped_at < 5000
    expect(page.get_by_text(re.compile(r"^Run 2"))).to_have_count(0)  # nothing new started
    expect(primary).to_have_text(re.compile(r"Train again$"))
    no_exceptions(page)
