"""At a projector's 1280×720, in real chromium: pressing Train brings the progress bar, the
metric tiles and the curves into view without scrolling, in normal and projector mode; the
projector-mode toggle is kept over a reload and on every page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import wait_idle
from tests.e2e.controls import (
    go,
    no_exceptions,
    set_epochs,
    settle,
    to_train_page,
)

SCREEN = {"width": 1280, "height": 720}


def _in_view(page: Page, testid: str) -> dict:
    """The bounding box of the first `testid` element (or CSS selector), asserted inside
    the window."""
    element = page.locator(testid if testid.startswith(".") else f"[data-testid='{testid}']"
                           ).first
    box = None
    for _ in range(20):  # a live redraw can swap the element for a moment
        expect(element).to_be_visible(timeout=30_000)
        box = element.bounding_box()
        if box is not None:
            break
        page.wait_for_timeout(100)
    assert box is not None, f"no {testid} drawn"
    assert box["y"] >= 0 and box["y"] + box["height"] <= SCREEN["height"], (testid, box)
    assert box["x"] >= 0 and box["x"] + box["width"] <= SCREEN["width"], (testid, box)
    return box


def _train_and_look(page: Page, button: str, run: str, path) -> None:
    page.get_by_role("button", name=button, exact=True).click()
    # While it trains, the live panel (live_panel.js) draws the progress, tiles and curves.
    expect(page.locator(".ll-live .ll-bar").first).to_be_visible(timeout=60_000)
    expect(page.get_by_text(re.compile(rf"{run}: started at .*, training for"))).to_be_visible()
    expect(page.locator(".ll-live")).to_contain_text(re.compile(r"Epoch (?:[2-9]|\d{2,})/"),
                                                     timeout=120_000)
    page.mouse.move(640, 700)  # no tooltip over the view
    page.wait_for_timeout(800)
    page.screenshot(path=str(path))
    assert page.evaluate("window.scrollY") == 0  # nothing scrolled for us
    _in_view(page, ".ll-live .ll-bar")
    _in_view(page, ".ll-live .ll-tile")
    _in_view(page, ".ll-live svg.ll-chart")
    page.get_by_role("button", name="Stop", exact=True).click()
    expect(page.get_by_text(re.compile(r"Stopped by you"))).to_be_visible(timeout=60_000)
    wait_idle(page)


def _projector(page: Page) -> bool:
    return page.locator(".st-key-projector-toggle input[type='checkbox']").is_checked()


def test_train_view_fits_1280x720_in_both_modes_and_the_mode_is_kept(page: Page, app_url: str,
                                                                     tmp_path, stops_its_run):
    page.set_viewport_size(SCREEN)
    to_train_page(page, app_url)
    set_epochs(page, 3000)
    assert not _projector(page)
    _train_and_look(page, "Train", "Run 1", tmp_path / "train_normal.png")

    page.get_by_text("Projector mode").click()
    settle(page)
    assert _projector(page)
    size = page.locator("[data-testid='stMetricValue'] p").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 36, size  # the tiles' numbers are large
    _train_and_look(page, "Train again", "Run 2", tmp_path / "train_projector.png")

    page.reload()
    wait_idle(page)
    assert _projector(page)  # kept with the workspace over a reload
    go(page, "4 · Evaluate")
    assert _projector(page)  # and shown on another page
    caption = page.locator("[data-testid='stCaptionContainer']").first.evaluate(
        "e => [getComputedStyle(e).color, getComputedStyle(e).opacity]")
    assert caption == ["rgb(33, 37, 41)", "1"], caption  # dark, not faded grey
    no_exceptions(page)
