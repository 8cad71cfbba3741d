"""An accessibility scan of every page in real chromium: axe-core (pinned, `make axe`), run
by Playwright on each page after a short run, so Train, Inside, Evaluate, Predict and Runs
show everything they draw. No serious or critical violation is allowed; the report of each
page (every impact) is written to LAYERLAB_SHOTS or the test's folder as axe.json.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.conftest import ROOT
from tests.e2e.conftest import wait_idle
from tests.e2e.controls import go, no_exceptions, ready_grid, set_number, to_train_page

AXE = ROOT / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
PAGES = ("1 · Data", "2 · Model", "3 · Train", "Inside", "4 · Evaluate", "5 · Predict", "Runs")
BLOCKING = ("serious", "critical")


def scan(page: Page) -> list[dict]:
    """axe-core's violations on the page as it is now (WCAG 2.x A and AA, best practices)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '),
                                                   html: n.html.slice(0, 200)})),
            count: v.nodes.length}));
    }""")
    return result


def test_every_page_passes_an_accessibility_scan(page: Page, app_url: str, tmp_path):
    assert AXE.exists(), f"{AXE} is missing: run `make axe`"
    to_train_page(page, app_url)
    set_number(page, "epochs", 3)
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_text(re.compile(r"Trained 3 epochs in"))).to_be_visible(timeout=180_000)
    wait_idle(page)
    page.get_by_role("link", name="Runs").first.click()
    report = {}
    for title in PAGES:
        go(page, title)
        if title == "Runs":  # tick the run, so its curves and actions are scanned too
            ready_grid(page)
            frame = page.locator("[data-testid='stDataFrame']").first
            box = frame.bounding_box()
            page.mouse.click(box["x"] + 16, box["y"] + 35 * 1.5)
            wait_idle(page)
        no_exceptions(page)
        report[title] = scan(page)
    folder = Path(os.environ.get("LAYERLAB_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "axe.json").write_text(json.dumps(report, indent=1))
    blocking = {title: [(v["id"], v["impact"], v["count"], v["nodes"][:2]) for v in found
                        if v["impact"] in BLOCKING] for title, found in report.items()}
    assert not any(blocking.values()), json.dumps(blocking, indent=1)


def test_keyboard_focus_shows_a_ring_on_links_and_buttons(page: Page, app_url: str):
    """Focus by Tab is a 3 px ring, not the hover tint: on a navigation link and a button."""
    to_train_page(page, app_url)
    seen = {}
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const e = document.activeElement;
            const s = getComputedStyle(e);
            return [e.tagName, (e.innerText || '').trim().slice(-20), s.outlineStyle,
                    parseFloat(s.outlineWidth)]; }""")
        tag, text, style, width = focused
        if tag in ("A", "BUTTON") and tag not in seen:
            seen[tag] = (text, style, width)
        if len(seen) == 2:
            break
    assert set(seen) == {"A", "BUTTON"}, seen
    for tag, (text, style, width) in seen.items():
        assert style == "solid" and width >= 3, (tag, text, style, width)


def test_train_is_a_few_tab_stops_from_the_top_before_its_settings(page: Page, app_url: str):
    """The Tab order follows the page: Train, which sits above its settings, comes before
    them (it used to come after all three columns of settings, 25 stops in)."""
    to_train_page(page, app_url)
    page.locator("h1").first.click()  # start from the page's top
    order = []
    for _ in range(40):
        page.keyboard.press("Tab")
        order.append(page.evaluate("""() => { const e = document.activeElement;
            return e.getAttribute('aria-label') || (e.innerText || '').trim().slice(-30); }"""))
        if order[-1].endswith("Train"):
            break
    assert order[-1].endswith("Train"), order
    assert len(order) <= 6, order  # after the title: the projector switch, its help, Train
    assert not any(name == "epochs" for name in order), order


def test_the_live_panel_passes_an_accessibility_scan(page: Page, app_url: str,
                                                     stops_its_run):
    """While a run trains, the Train page with its live panel (drawn by our own script, not
    by Streamlit) is scanned too: its charts named, its progress bar labelled."""
    to_train_page(page, app_url)
    set_number(page, "epochs", 5000)
    page.get_by_role("button", name="Train", exact=True).click()
    panel = page.locator(".ll-live")
    expect(panel.locator("svg.ll-chart")).to_have_count(2, timeout=120_000)
    expect(panel.get_by_role("img").first).to_have_accessible_name(re.compile(r"^Chart: loss"))
    expect(panel.get_by_role("progressbar")).to_have_accessible_name(re.compile(r"^Epoch \d+"))
    found = scan(page)
    blocking = [(v["id"], v["impact"], v["nodes"][:2]) for v in found
                if v["impact"] in BLOCKING]
    assert not blocking, json.dumps(blocking, indent=1)
