"""Read what a Streamlit control *shows* in the browser, and drive it, by its label.

Journeys assert these after every step: the text in a select box, the chips of a
multiselect, the chosen radio option, the number in a number box.
"""

from __future__ import annotations

from playwright.sync_api import Error, Page, expect

from tests.e2e.conftest import wait_idle

_RUNNING = ("() => document.querySelector(\"[data-testid='stApp']\")"
            "?.getAttribute('data-test-script-state') === 'running'")


def settle(page: Page) -> None:
    """After an action that reruns the script: see the run start (on a busy machine it can
    start a second later), then wait until the page is idle again."""
    try:
        page.wait_for_function(_RUNNING, timeout=3_000, polling="raf")
    except Error:
        pass  # the run was over before the first look
    wait_idle(page)


def shown(page: Page, label: str) -> str:
    """The option a select box displays."""
    return page.get_by_role("combobox", name=label, exact=True).input_value()


def chips(page: Page, label: str) -> list[str]:
    """The chosen options a multiselect displays, in order."""
    box = page.locator("[data-testid='stMultiSelect']").filter(
        has=page.locator("[data-testid='stWidgetLabel']", has_text=label))
    return [tag.get_attribute("aria-label") for tag in box.locator("[data-tag]").all()]


def picked(page: Page, label: str) -> str:
    """The radio option that is chosen."""
    group = page.locator(f"[data-testid='stRadioGroup'][aria-label='{label}']")
    return group.locator("label[data-selected='true']").inner_text().strip()


def number(page: Page, label: str, index: int = 0) -> str:
    """The text in a number box."""
    box = page.locator("[data-testid='stNumberInput']").filter(
        has=page.locator("[data-testid='stWidgetLabel']", has_text=label)).nth(index)
    return box.locator("input").input_value()


def choose(page: Page, label: str, option: str) -> None:
    """Open a select box and pick the option whose text starts with `option`."""
    page.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option").filter(has_text=option).first.click()
    settle(page)


def set_number(page: Page, label: str, value, index: int = 0) -> None:
    box = page.locator("[data-testid='stNumberInput']").filter(
        has=page.locator("[data-testid='stWidgetLabel']", has_text=label)).nth(index)
    field = box.locator("input")
    field.fill(str(value))
    field.press("Enter")
    settle(page)


def go(page: Page, title: str) -> None:
    """Click a page in the top navigation (e.g. "2 · Model") and wait for it."""
    page.get_by_role("link", name=title).first.click()
    expect(page.get_by_role("heading", name=title, exact=False).first).to_be_visible(
        timeout=60_000)
    wait_idle(page)


def upload(page: Page, path, index: int = 0) -> None:
    page.locator("[data-testid='stFileUploader'] input[type='file']").nth(index) \
        .set_input_files(str(path))
    settle(page)


def metric(page: Page, label: str) -> str:
    return page.locator("[data-testid='stMetric']").filter(has_text=label) \
        .locator("[data-testid='stMetricValue']").inner_text().strip()


def no_exceptions(page: Page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0, \
        page.locator("[data-testid='stException']").first.inner_text()
