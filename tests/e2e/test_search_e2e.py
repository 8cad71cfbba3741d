"""Find a better network in real chromium: Start on the Model page, watch the trials come in
live, see a trial on the Runs page, Stop, then "Use the best network" and find its layers in
the layer stack after a reload.

LAYERLAB_SHOTS=/some/folder keeps the screenshots there (else in the test's tmp folder).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import open_app, wait_idle
from tests.e2e.controls import go, metric, no_exceptions, scroll_to, shot, table


def test_a_search_runs_live_stops_and_its_best_network_becomes_the_design(
        page: Page, app_url: str, tmp_path, stops_its_run):
    shots = Path(os.environ.get("LAYERLAB_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    open_app(page, app_url)  # the Iris sample
    expect(page.get_by_role("heading", name="Ready to train")).to_be_visible(timeout=60_000)
    go(page, "2 · Model")
    layers = page.locator("[class*='st-key-model-layer-']")
    expect(layers).to_have_count(3)  # the recommended 2 hidden layers and the output
    layers.first.locator("[class*='-remove'] button").first.click()
    wait_idle(page)
    expect(layers).to_have_count(2)
    expect(page.get_by_text("Your own settings")).to_be_visible()
    section = page.get_by_role("heading", name="Find a better network")
    section.scroll_into_view_if_needed()
    expect(page.get_by_text("validation rows only")).to_be_visible()
    page.get_by_role("radiogroup", name="Time box").get_by_role("radio",
                                                                name="10 minutes").click()
    wait_idle(page)
    page.get_by_role("button", name="Start", exact=True).click()

    # live: the first trial trains, the fragment redraws the progress every second
    expect(page.get_by_text(re.compile(r"Search 1: training trial \d"))).to_be_visible(
        timeout=180_000)
    expect(page.get_by_role("button", name="Start", exact=True)).to_be_disabled()
    expect(page.locator(".js-plotly-plot").filter(
        has=page.locator("text=validation accuracy"))).to_be_visible(timeout=240_000)
    best = metric(page, "Best validation accuracy")
    assert re.fullmatch(r"0\.\d{4}|1\.0000", best), best
    scroll_to(page, page.locator(".js-plotly-plot").last)
    shot(page, shots / "search-live.png")

    stop = page.get_by_role("button", name="Stop", exact=True)
    # the panel redraws every second: a redraw can hold the old button beside the new one
    expect(stop).to_have_count(1, timeout=10_000)
    stop.click()
    expect(page.get_by_text(re.compile(r"Search 1 stopped at"))).to_be_visible(timeout=60_000)
    wait_idle(page)
    expect(page.get_by_role("button", name="Start", exact=True)).to_be_enabled()
    no_exceptions(page)

    page.get_by_role("button", name="Use the best network").click()
    wait_idle(page)
    # the best trial's network; or, when the first trial (the design as the search began)
    # is the best, the design stays as it is, said
    note = page.get_by_text(re.compile(r"The design is now Search 1 · trial \d+'s network"
                                       r"|The design as the search began \(Search 1 · trial "
                                       r"1\) was the best"))
    expect(note).to_be_visible(timeout=30_000)
    trial = re.search(r"trial (\d+)", note.inner_text()).group(1)
    words = page.get_by_text(re.compile(r"Best: trial")).inner_text()
    assert f"trial {trial} —" in words, words
    hidden = int(re.search(r"(\d+) × Dense", words).group(1))
    expected = hidden * (2 if "Dropout" in words else 1) + 1
    expect(layers).to_have_count(expected)
    shot(page, shots / "search-used.png")

    # the trial is a run of the workspace, on the Runs page
    go(page, "Runs")
    expect(page.locator("[data-testid='stDataFrame']").first).to_be_visible(timeout=30_000)
    names = [cell for row in table(page) for cell in row.values()]
    assert f"Search 1 · trial {trial}" in names, names
    no_exceptions(page)

    # the design holds it: after a reload, the Model page shows the best trial's stack
    page.reload()
    page.wait_for_selector("h1", timeout=60_000)
    wait_idle(page)
    go(page, "2 · Model")
    expect(layers).to_have_count(expected, timeout=30_000)
    no_exceptions(page)
