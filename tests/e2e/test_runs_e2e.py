"""Runs in real chromium: a run lives in the workspace, not in the tab.

A reload, or a second tab on the same link, shows the same run live and can stop it; the
Runs page lists, compares, renames and opens runs; a finished run can be continued. After
each step the test reads what the page shows.

LAYERLAB_SHOTS=/some/folder keeps the screenshots there (else in the test's tmp folder).
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import wait_idle
from tests.e2e.controls import (
    assert_stays_stopped,
    choose,
    epochs_logged,
    fresh,
    go,
    live_epoch,
    log,
    no_exceptions,
    open_train_settings,
    script_runs,
    scroll_to,
    set_epochs,
    set_number,
    settle,
    shot,
    shown,
    table,
    tick,
    ticked,
    to_train_page,
    wait_for_epochs,
    wait_for_live_epoch,
)

LONG = 3000  # epochs: minutes of training on Iris here, so a run is always stopped midway


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("LAYERLAB_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def whole_table(page: Page) -> list[dict[str, str]]:
    """Every column of the runs table: the grid holds the columns in view, so read it,
    scroll it to the right end, and read it again."""
    left = table(page)
    grid = page.locator("[data-testid='stDataFrame']").first.locator(".dvn-scroller")
    grid.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    page.wait_for_timeout(300)
    right = table(page)
    grid.evaluate("e => { e.scrollLeft = 0; }")
    return [{**a, **b} for a, b in zip(left, right, strict=True)]


def html_table(page: Page) -> list[list[str]]:
    """The cells of the page's first st.table (header row first), as shown: whole, wrapped."""
    rows = page.locator("[data-testid='stTable'] table tr").all()
    return [[c.inner_text().strip() for c in r.locator("th, td").all()] for r in rows]


def _train(page: Page, label: str = "Train") -> None:
    page.get_by_role("button", name=label, exact=True).click()


def _caption(page: Page, name: str) -> Locator:
    """The live view's caption naming the run it shows: "Run 1: started at …" (after an
    icon, whose name is part of the text)."""
    return fresh(page, page.get_by_text(re.compile(rf"(^|\W){re.escape(name)}: started at ")))


def _trained(page: Page, name: str, epochs: int) -> None:
    """Wait until the page says run `name` finished with `epochs` epochs, and is idle."""
    done = page.get_by_text(re.compile(  # a continued run says what it added
        rf"^Trained ({epochs} epochs|\d+ more epochs? \({epochs} in all\)) in "))
    expect(fresh(page, done)).to_be_visible(timeout=180_000)
    wait_idle(page)  # the whole page has redrawn from the finished run
    expect(_caption(page, name)).to_be_visible()
    expect(done).to_have_count(1)


def test_a_reload_mid_training_shows_the_same_run_live_and_stop_works(
        page: Page, app_url: str, shots: Path, stops_its_run):
    to_train_page(page, app_url)
    set_epochs(page, LONG)
    _train(page)
    expect(_caption(page, "Run 1")).to_be_visible(timeout=60_000)
    before = wait_for_epochs(page, 2)
    shot(page, shots / "train_live_top.png")  # what the window shows right after Train
    scroll_to(page, page.get_by_text("Epoch log"))  # the live view redraws it
    shot(page, shots / "train_live.png")  # mid-training, the live view in sight

    page.reload()
    page.wait_for_selector("h1", timeout=60_000)
    expect(_caption(page, "Run 1")).to_be_visible(timeout=60_000)  # the same run
    first = live_epoch(page, LONG)
    assert first >= before
    expect(page.get_by_role("button", name="Stop", exact=True)).to_be_visible()
    wait_for_live_epoch(page, LONG, first + 2)  # it goes on, shown live
    after = wait_for_epochs(page, before + 1)
    expect(page.get_by_text("Run 2")).to_have_count(0)  # no second run appeared

    page.get_by_role("button", name="Stop", exact=True).click()
    count = assert_stays_stopped(page)
    assert after <= count < LONG
    expect(_caption(page, "Run 1")).to_be_visible()
    expect(page.get_by_role("button", name="Train again")).to_be_enabled()
    no_exceptions(page)


def test_a_second_tab_shows_the_run_live_and_can_stop_it(
        page: Page, app_url: str, stops_its_run):
    to_train_page(page, app_url)
    other = page.context.new_page()
    other.goto(page.url)  # the same link, open before the run starts: /train?w=…
    other.wait_for_selector("h1", timeout=60_000)
    wait_idle(other)
    # While no run trains, the open tab looks for one without rerunning its page.
    runs = script_runs(other)
    other.wait_for_timeout(4_500)
    assert script_runs(other) == runs, "an idle Train tab reran while it watched for a run"
    data_tab = page.context.new_page()  # and a Data tab, as a projected one would be
    data_tab.goto(page.url.replace("/train?", "/?"))
    data_tab.wait_for_selector("h1", timeout=60_000)
    wait_idle(data_tab)
    page.bring_to_front()
    set_epochs(page, LONG)
    _train(page)
    wait_for_epochs(page, 1)

    other.bring_to_front()  # no reload: the open tab finds the run started in the other
    expect(_caption(other, "Run 1")).to_be_visible(timeout=20_000)
    expect(data_tab.locator(".st-key-run-banner")).to_contain_text(  # every page does
        re.compile(rf"Training Run 1 · epoch \d+/{LONG}"), timeout=20_000)
    data_tab.close()
    seen = live_epoch(other, LONG)
    wait_for_live_epoch(other, LONG, seen + 1)  # the second tab follows it live
    wait_for_epochs(other, 1)
    wait_for_live_epoch(page, LONG, live_epoch(page, LONG))  # and the first tab still does

    other.get_by_role("button", name="Stop", exact=True).click()
    count = assert_stays_stopped(other)
    expect(page.get_by_text("Stopped by you")).to_be_visible(timeout=15_000)
    assert assert_stays_stopped(page, seconds=2) == count  # both tabs show the same end
    expect(_caption(page, "Run 1")).to_be_visible()
    no_exceptions(page)
    no_exceptions(other)


def test_the_runs_page_lists_compares_renames_and_opens_runs(
        page: Page, app_url: str, shots: Path):
    to_train_page(page, app_url)
    set_number(page, "epochs", 5)
    _train(page)
    _trained(page, "Run 1", 5)
    open_train_settings(page)
    set_number(page, "seed", 7)
    _train(page, "Train again")
    expect(_caption(page, "Run 2")).to_be_visible(timeout=60_000)
    _trained(page, "Run 2", 5)

    go(page, "Runs")
    rows = whole_table(page)
    assert [(r["Name"], r["Epochs"], r["Status"]) for r in rows] == [
        ("Run 1", "5", "done"), ("Run 2", "5", "done")], rows
    headers = list(rows[0])
    assert headers[:5] == ["Best", "Name", "Status", "validation accuracy", "test accuracy"]
    settings = headers[headers.index("Dataset") + 1:]
    assert settings == ["fit.seed"]  # the only setting that differs
    assert [r["fit.seed"] for r in rows] == ["42", "7"]
    assert [r["Best"] for r in rows].count("★ best") == 1  # by validation accuracy
    assert all(re.fullmatch(r"0\.\d{3}|1\.000", r["test accuracy"]) for r in rows), rows
    expect(page.get_by_text("Tick one or more rows")).to_be_visible()
    # At 1280 px the mark, name, status and main values are in view, no sideways scroll.
    page.set_viewport_size({"width": 1280, "height": 720})
    settle(page)
    in_view = list(table(page)[0])  # the grid's accessible table holds the columns in view
    assert in_view[:5] == ["Best", "Name", "Status", "validation accuracy", "test accuracy"]
    shot(page, shots / "runs_table_1280.png")
    page.set_viewport_size({"width": 1400, "height": 1000})

    tick(page, 0)
    tick(page, 1)
    assert ticked(page) == [0, 1]
    expect(page.get_by_role("heading", name="Compare")).to_be_visible()
    assert html_table(page) == [["", "Run 1", "Run 2"], ["fit.seed", "42", "7"]]
    expect(page.locator("[data-testid='stPlotlyChart']").first).to_be_visible()
    page.locator("[data-testid='stDataFrame']").first.scroll_into_view_if_needed()
    shot(page, shots / "runs_compare.png")

    choose(page, "Run", "Run 2")
    assert shown(page, "Run") == "Run 2"
    name = page.get_by_role("textbox", name="Name")
    assert name.input_value() == "Run 2"
    name.fill("Seed seven")
    name.press("Enter")
    settle(page)
    assert [r["Name"] for r in table(page)] == ["Run 1", "Seed seven"]
    assert ticked(page) == [0, 1]  # the rows stay ticked
    assert html_table(page) == [["", "Run 1", "Seed seven"], ["fit.seed", "42", "7"]]
    assert shown(page, "Run") == "Seed seven"
    shot(page, shots / "runs_renamed.png")

    page.get_by_role("button", name="Open in 4 · Evaluate").click()
    expect(page.get_by_role("heading", name="4 · Evaluate")).to_be_visible(timeout=60_000)
    expect(page.get_by_text(re.compile(r"Showing Seed seven, started at"))).to_be_visible(
        timeout=60_000)
    expect(page.get_by_text("Confusion matrix").first).to_be_visible(timeout=60_000)
    wait_idle(page)
    no_exceptions(page)


def test_continue_training_a_finished_run(page: Page, app_url: str):
    to_train_page(page, app_url)
    set_number(page, "epochs", 5)
    _train(page)
    _trained(page, "Run 1", 5)
    assert log(page).splitlines()[-1].startswith("Epoch 5/5 - loss")

    page.get_by_text("Continue training Run 1 from epoch 5").click()
    set_number(page, "More epochs", 3)
    page.get_by_role("button", name="Train 3 more epochs").click()
    expect(_caption(page, "Run 1 +3")).to_be_visible(timeout=60_000)
    _trained(page, "Run 1 +3", 8)
    expect(page.get_by_text("Trained 3 more epochs (8 in all) in ")).to_be_visible()
    expect(page.get_by_text("Continued from epoch 5", exact=False)).to_be_visible()
    lines = log(page).splitlines()
    assert lines[-1].startswith("Epoch 8/8 - loss"), lines
    assert any(line.startswith("Epoch 5/5 - loss") for line in lines), lines  # Run 1's
    assert epochs_logged(page) == 8
    expect(page.get_by_text("Continue training Run 1 +3 from epoch 8")).to_be_visible()

    go(page, "Runs")
    rows = whole_table(page)
    assert [(r["Name"], r["Epochs"], r["Status"]) for r in rows] == [
        ("Run 1", "5", "done"), ("Run 1 +3", "8", "done")]
    # An impatient second click on Continue, before the first one's rerun has drawn the
    # page again, starts nothing more: one new run
    tick(page, 1)  # Run 1 +3: the one to act on
    again = page.get_by_role("button", name="Continue Run 1 +3 for 10 more epochs")
    again.click()
    with contextlib.suppress(PlaywrightError):  # gone or disabled by then: nothing to press
        again.click(timeout=1_000)
    _trained(page, "Run 1 +3 +10", 18)
    go(page, "Runs")
    assert [r["Name"] for r in whole_table(page)] == ["Run 1", "Run 1 +3", "Run 1 +3 +10"]
    no_exceptions(page)


def test_the_runs_table_follows_a_training_run_in_the_banners_words(
        page: Page, app_url: str, shots: Path, stops_its_run):
    to_train_page(page, app_url)
    set_epochs(page, LONG)
    _train(page)
    wait_for_epochs(page, 2)
    go(page, "Runs", idle=False)
    live = re.compile(rf"^running · epoch (\d+)/{LONG} · (\d+) s$")
    banner = page.locator(".st-key-run-banner")

    def status() -> re.Match | None:
        rows = table(page)
        return live.match(rows[0]["Status"]) if rows and "Status" in rows[0] else None

    expect(banner).to_contain_text(re.compile(rf"epoch \d+/{LONG} · \d+ s"), timeout=30_000)
    first = None
    for _ in range(120):
        first = status()
        if first:
            break
        page.wait_for_timeout(250)
    assert first, table(page)
    later = first
    for _ in range(120):  # the table redraws itself: the epoch moves on without a click
        page.wait_for_timeout(250)
        later = status() or later
        if int(later[1]) > int(first[1]):
            break
    assert int(later[1]) > int(first[1]), (first[0], later[0])
    row = table(page)[0]
    assert row["test accuracy"] == "–" and "None" not in row.values(), row
    # Ticking a row of the live table draws the rest of the page (a click on the canvas's
    # checkbox, as tick() does, without waiting for an idle page: it redraws every second).
    box = page.locator("[data-testid='stDataFrame']").first.bounding_box()
    page.mouse.click(box["x"] + 16, box["y"] + 35 * 1.5)
    expect(page.get_by_role("heading", name="Act on one run")).to_be_visible(timeout=30_000)
    shot(page, shots / "runs_live.png")
    banner.get_by_role("link", name="Watch it").click()
    page.get_by_role("button", name="Stop", exact=True).click()
    assert_stays_stopped(page)
