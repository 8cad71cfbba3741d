"""The train step in real chromium: live curves, Stop, and training that survives navigation."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from tests.e2e.conftest import open_app, wait_idle


def _to_train_page(page: Page, app_url: str) -> None:
    open_app(page, app_url)  # the Data page opens with the Iris sample prepared
    rows = page.locator("[data-testid='stMetric']").filter(has_text="Training rows")
    expect(rows).to_be_visible(timeout=90_000)
    wait_idle(page)
    page.get_by_role("link", name="3 · Train").click()
    expect(page.get_by_text("Passes over the data")).to_be_visible(timeout=60_000)
    wait_idle(page)


def _set_epochs(page: Page, epochs: int) -> None:
    box = page.get_by_role("spinbutton", name="epochs")
    box.fill(str(epochs))
    box.press("Enter")
    wait_idle(page)


def _log(page: Page) -> str:
    code = page.locator("[data-testid='stCode']")
    return code.first.inner_text() if code.count() else ""


def _epochs_logged(page: Page) -> int:
    """The last finished epoch in the log's tail (its lines read "Epoch 7/40 - loss: ...")."""
    done = re.findall(r"^Epoch (\d+)/\d+ - loss", _log(page), flags=re.M)
    return int(done[-1]) if done else 0


def _wait_for_epochs(page: Page, at_least: int, timeout: float = 90) -> int:
    deadline = time.time() + timeout
    while time.time() < deadline:
        count = _epochs_logged(page)
        if count >= at_least:
            return count
        page.wait_for_timeout(250)
    raise AssertionError(f"fewer than {at_least} epochs logged; log:\n{_log(page)}")


def test_training_draws_live_curves_until_done(page: Page, app_url: str, tmp_path):
    _to_train_page(page, app_url)
    _set_epochs(page, 40)
    page.get_by_role("button", name="Train", exact=True).click()
    first = _wait_for_epochs(page, 1)
    charts = page.locator("[data-testid='stPlotlyChart']")
    expect(charts).to_have_count(2, timeout=30_000)  # loss and accuracy
    page.screenshot(path=str(tmp_path / "training.png"))
    later = _wait_for_epochs(page, first + 3)
    assert later > first  # the page updated by itself, without a click
    expect(page.get_by_text(re.compile(r"Trained 40 epochs in"))).to_be_visible(timeout=120_000)
    assert _epochs_logged(page) == 40
    expect(charts.first.locator(".legendtext").first).to_have_text("training")
    expect(page.get_by_role("button", name="Train again")).to_be_enabled()
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(tmp_path / "trained.png"))


def test_stop_and_navigation_during_a_long_run(page: Page, app_url: str, tmp_path):
    _to_train_page(page, app_url)
    _set_epochs(page, 5000)
    page.get_by_role("button", name="Train", exact=True).click()
    _wait_for_epochs(page, 2)
    page.get_by_role("link", name="2 · Model").click()
    expect(page.get_by_role("heading", name="2 · Model")).to_be_visible(timeout=60_000)
    page.wait_for_timeout(1000)
    page.get_by_role("link", name="3 · Train").click()
    expect(page.get_by_text(re.compile(r"Epoch \d+/5000 · batch"))).to_be_visible(
        timeout=60_000)
    before = _epochs_logged(page)
    _wait_for_epochs(page, before + 2)  # still training after the round trip
    page.get_by_role("button", name="Stop", exact=True).click()
    expect(page.get_by_text("Stopped by you")).to_be_visible(timeout=10_000)
    stopped_at = _epochs_logged(page)
    assert 2 <= stopped_at < 5000
    page.wait_for_timeout(1500)
    assert _epochs_logged(page) == stopped_at  # nothing trains on after Stop
    expect(page.get_by_role("link", name="Next: evaluate")).to_be_visible()
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(tmp_path / "stopped.png"))
