"""Projector mode keeps its promise on every page, in real chromium: no text smaller than
projector.MIN_TEXT_PX: tab labels, select values, slider numbers, captions, table cells,
buttons, the top navigation, chart texts (plotly's and the Graphviz diagram's SVG text) — and
no canvas table (st.dataframe draws text no CSS reaches) in sight.

Looked at on a 1280x720 projector at 100% and at 50% browser zoom. 50% zoom is emulated as
chromium does it: a 2560x1440 CSS-pixel window drawn at device scale factor 0.5 onto the same
1280x720 screen (layout, breakpoints and wrapping are those of the wider window). The promise
is in CSS pixels, so at 50% zoom a text is shown at half that size on the screen: the check
there is that nothing in the wider layout (wider columns, other wrapping) escapes the mode's
sizes. Screenshots of every page go to /tmp/projector_shots/ (and .../50/).
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from gui.ui.common.projector import MIN_TEXT_PX
from tests.e2e.conftest import open_app, wait_idle
from tests.e2e.controls import go, no_exceptions, set_number, settle
from tests.e2e.projector_text import smaller_than, texts

SHOTS = Path("/tmp/projector_shots")
PAGES = ["1 · Data", "2 · Model", "3 · Train", "Inside", "4 · Evaluate", "5 · Predict", "Runs",
         "Share"]


def _projector(page: Page) -> bool:
    return page.locator(".st-key-projector-toggle input[type='checkbox']").is_checked()


def _check(page: Page, name: str, shots: Path) -> int:
    """No text smaller than the promise, no canvas table; a screenshot; the texts counted."""
    page.mouse.move(1, 700)  # no tooltip or hover label over the view
    page.wait_for_timeout(300)
    page.screenshot(path=str(shots / f"{name}.png"))
    small = smaller_than(page, MIN_TEXT_PX)
    assert not small, f"{name}: texts under {MIN_TEXT_PX} px: {small[:12]}"
    assert page.locator("[data-testid='stDataFrame']").count() == 0, \
        f"{name}: a canvas table (st.dataframe) in projector mode"
    no_exceptions(page)
    return len(texts(page))


def _visit(page: Page, title: str, shots: Path) -> None:
    go(page, title)
    if title == "2 · Model":  # Graphviz draws its picture after the page is idle
        expect(page.locator("[data-testid='stGraphVizChart'] svg text").first).to_be_visible(
            timeout=30_000)
    name = re.sub(r"\W+", "_", title.split("·")[-1].strip().lower())
    counted = _check(page, name, shots)
    if title == "1 · Data":  # the other tab: the columns' statistics (a table too)
        page.get_by_role("tab", name=re.compile("^Columns")).click()
        page.wait_for_timeout(300)
        counted += _check(page, "data_columns", shots)
        assert page.locator(".ll-table").count() >= 2  # the preview and the stats: HTML
    if title == "Inside":
        assert page.locator("[data-testid='stSlider']").count() >= 4  # a what-if slider a feature
        assert page.locator("[data-testid='stSliderThumbValue']").count() >= 4
        assert page.locator("[data-testid='stTable']").count() >= 1  # the hardest rows
    if title == "4 · Evaluate":
        assert page.locator("[data-testid='stTable']").count() >= 3  # scores ×2, per class
    if title == "5 · Predict":
        page.get_by_role("button", name="Predict", exact=True).click()
        settle(page)
        expect(page.locator("[data-testid='stTable']").first).to_be_visible(timeout=30_000)
        counted += _check(page, "predict_result", shots)
    if title == "Runs":  # pick the run: its curves, and the actions on one run
        runs = page.get_by_role("combobox", name="Runs to compare and act on")
        if not page.get_by_role("button", name=re.compile("^Open in 4")).count():
            runs.click()
            page.get_by_role("option").filter(has_text="Run 1").first.click()
            settle(page)
            page.keyboard.press("Escape")
        expect(page.get_by_role("button", name=re.compile("^Open in 4"))).to_be_visible(
            timeout=30_000)
        counted += _check(page, "runs_picked", shots)
    assert counted > 20, f"{title}: only {counted} texts found: the walk missed the page"


def _board(browser: Browser, page: Page, shots: Path, viewport: dict, scale: float) -> None:
    """The class board of the lesson published on Share, in its own projector mode."""
    page.get_by_text("Class board link").click()
    link = page.locator("[data-testid='stCode']").filter(has_text="?board=").first
    expect(link).to_be_visible(timeout=30_000)
    board = browser.new_context(viewport=viewport, device_scale_factor=scale).new_page()
    board.goto(link.inner_text().strip())
    expect(board.get_by_text("Projector mode")).to_be_visible(timeout=60_000)
    wait_idle(board)
    board.get_by_text("Projector mode").click()
    board.wait_for_timeout(2500)  # the board redraws itself every 2 s
    _check(board, "board", shots)
    board.context.close()


def _all_pages(browser: Browser, url: str, shots: Path, viewport: dict, scale: float) -> None:
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_context(viewport=viewport, device_scale_factor=scale).new_page()
    page.goto(url)
    page.wait_for_selector("h1", timeout=60_000)
    wait_idle(page)
    assert _projector(page)  # kept with the workspace
    for title in PAGES:
        _visit(page, title, shots)
    if not page.locator(".lesson-code").count():
        page.get_by_label("Title").fill("Iris: how few neurons?")
        page.get_by_role("button", name="Publish the lesson").click()
        settle(page)
    expect(page.locator(".lesson-code")).to_have_count(1, timeout=30_000)
    _check(page, "share_published", shots)
    _board(browser, page, shots, viewport, scale)
    page.context.close()


def test_projector_mode_text_is_never_smaller_than_its_promise(page: Page, browser: Browser,
                                                               app_url: str, stops_its_run):
    open_app(page, app_url)
    page.get_by_text("Projector mode").click()
    settle(page)
    assert _projector(page)
    go(page, "3 · Train")
    set_number(page, "epochs", 5)
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_text(re.compile(r"Trained")).first).to_be_visible(timeout=180_000)
    wait_idle(page)
    url = page.url.replace("/train?", "/?")  # the workspace's link
    assert "?w=" in url, url
    _all_pages(browser, url, SHOTS, {"width": 1280, "height": 720}, 1)
    _all_pages(browser, url, SHOTS / "50", {"width": 2560, "height": 1440}, 0.5)
