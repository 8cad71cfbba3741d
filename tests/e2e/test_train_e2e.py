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
    script_runs,
    set_epochs,
    to_train_page,
    wait_for_epochs,
)

EPOCHS = 300  # long enough (~5 s, a run now trains ~50 Iris epochs a second) to watch


def test_training_draws_live_curves_until_done(page: Page, app_url: str, tmp_path):
    to_train_page(page, app_url)
    set_epochs(page, EPOCHS)
    feeds = []
    page.on("request", lambda r: feeds.append(r.url) if "/api/live/" in r.url else None)
    page.get_by_role("button", name="Train", exact=True).click()
    first = wait_for_epochs(page, 1)
    live = page.locator(".ll-live svg.ll-chart")  # the live panel's charts
    expect(live).to_have_count(2, timeout=30_000)  # loss and accuracy
    expect(live.first).to_have_attribute("aria-label", re.compile(r"^Chart: loss per epoch"))
    page.screenshot(path=str(tmp_path / "training.png"))
    runs = script_runs(page)
    later = wait_for_epochs(page, first + 3)
    assert later > first  # the page updated by itself, without a click
    # ... and without a Streamlit rerun: the panel reads the live feed itself
    assert script_runs(page) == runs, "the page reran while the run trained"
    # The feed answers its own workspace's token only.
    url = feeds[-1]
    token = re.search(r"w=([^&]+)", url).group(1)
    fetch = "async (u) => { const r = await fetch(u); return [r.status, await r.text()]; }"
    status, body = page.evaluate(fetch, url)
    assert status == 200 and '"status":"running"' in body
    assert page.evaluate(fetch, url.replace(token, "x" + token[1:]))[0] == 404
    expect(page.get_by_text(re.compile(rf"Trained {EPOCHS} epochs in"))).to_be_visible(
        timeout=180_000)
    wait_idle(page)  # the status is drawn before the log: wait for the whole redraw
    assert epochs_logged(page) == EPOCHS, log(page)
    # The final curves: the same SVG charts, every epoch, each in words; no Plotly here.
    final = page.locator(".ll-live svg.ll-chart")
    expect(final).to_have_count(2)
    expect(final.first).to_have_attribute(
        "aria-label", re.compile(rf"^Chart: loss\..* Training fell from .* over {EPOCHS} epochs"))
    expect(page.locator(".ll-live .ll-key").first).to_have_text("training")
    points = final.first.locator("polyline").first.get_attribute("points").split()
    assert len(points) == EPOCHS  # one point per epoch
    ticks = final.first.locator("text.ll-tick").all_text_contents()
    assert ticks and not [t for t in ticks if t.startswith(("-", "−"))], ticks  # loss ≥ 0
    assert page.locator("[data-testid='stPlotlyChart']").count() == 0
    expect(page.get_by_role("button", name="Train again")).to_be_enabled()
    no_exceptions(page)
    page.screenshot(path=str(tmp_path / "trained.png"))


def test_stop_and_navigation_during_a_long_run(page: Page, app_url: str, tmp_path,
                                               stops_its_run):
    to_train_page(page, app_url)
    set_epochs(page, 5000)
    page.get_by_role("button", name="Train", exact=True).click()
    wait_for_epochs(page, 2)
    feeds = []
    page.on("request", lambda r: feeds.append(r.url) if "/api/active" in r.url else None)
    page.get_by_role("link", name="2 · Model").click()
    expect(page.get_by_role("heading", name="2 · Model")).to_be_visible(timeout=60_000)
    banner = page.locator(".st-key-run-banner")  # every other page says a run trains
    expect(banner).to_contain_text(re.compile(r"Training Run 1 · epoch \d+/5000"),
                                   timeout=30_000)
    # Its words follow the run by themselves, and the page does not rerun for them.
    runs, seen = script_runs(page), _banner_epoch(banner)
    for _ in range(60):
        page.wait_for_timeout(250)
        if _banner_epoch(banner) > seen:
            break
    assert _banner_epoch(banner) > seen, banner.inner_text()
    assert script_runs(page) == runs, "the page reran for the banner"
    # What it reads: the workspace's active run, for its own token only.
    fetch = "async (u) => { const r = await fetch(u); return [r.status, await r.text()]; }"
    token = re.search(r"w=([^&]+)", feeds[-1]).group(1)
    status, body = page.evaluate(fetch, feeds[-1])
    assert status == 200 and '"bold":"Training Run 1"' in body, body
    assert page.evaluate(fetch, feeds[-1].replace(token, "x" + token[1:]))[1] == '{"run":null}'
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


def _banner_epoch(banner) -> int:
    return int(re.search(r"epoch (\d+)/", banner.inner_text())[1])


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
