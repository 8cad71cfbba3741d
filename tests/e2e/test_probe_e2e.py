"""One row through a trained Iris network in real chromium: the what-if sliders move the
prediction, and a hardest-row button sends its row to the controls (steps/inside.py)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.controls import (
    go,
    metric,
    no_exceptions,
    number,
    set_number,
    settle,
    shot,
    to_train_page,
)

SHOTS = Path("/tmp/shots/probe")
IRIS_INPUTS = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)",
               "petal width (cm)"]


def slider(page: Page, label: str):
    return page.locator("[data-testid='stSlider']").filter(
        has=page.locator("[data-testid='stWidgetLabel']", has_text=label)).get_by_role("slider")


def bars(page: Page) -> list[str]:
    """The percentages on the class-probability bars, top to bottom."""
    table = page.locator("table.probe-probabilities").first
    return re.findall(r"\d+\.\d%", table.inner_text())


def slide_to(page: Page, label: str, key: str) -> None:
    """Focus the slider and press Home or End, as a keyboard user does."""
    slider(page, label).focus()
    page.keyboard.press(key)
    settle(page)


def test_what_if_sliders_move_the_prediction_and_hard_rows_come_back(page: Page,
                                                                      app_url: str,
                                                                      stops_its_run):
    SHOTS.mkdir(parents=True, exist_ok=True)
    to_train_page(page, app_url)
    set_number(page, "epochs", 30)
    page.get_by_role("button", name="Train", exact=True).click()
    go(page, "Inside", idle=False)
    expect(page.get_by_role("heading", name="Hardest test rows")).to_be_visible(
        timeout=240_000)  # the row section appears once the run has finished
    settle(page)
    no_exceptions(page)
    for name in IRIS_INPUTS:
        expect(slider(page, name)).to_be_visible()
    expect(page.get_by_role("radio", name="A test row")).to_be_checked()
    expect(page.get_by_text(re.compile(r"Test row 1 is really"))).to_be_visible()
    first = bars(page)
    assert len(first) == 3, first
    page.get_by_role("heading", name="Hardest test rows").scroll_into_view_if_needed()
    shot(page, SHOTS / "e2e_hardest.png")

    # Long, wide petals: a virginica; short, narrow ones: a setosa.
    slide_to(page, "petal length (cm)", "End")
    slide_to(page, "petal width (cm)", "End")
    expect(slider(page, "petal length (cm)")).to_have_value("6.9")
    expect(page.get_by_role("radio", name="Set my own values")).to_be_checked()
    large = (metric(page, "Predicted species"), bars(page))
    slider(page, "petal width (cm)").scroll_into_view_if_needed()
    shot(page, SHOTS / "e2e_large_petals.png")
    slide_to(page, "petal length (cm)", "Home")
    slide_to(page, "petal width (cm)", "Home")
    small = (metric(page, "Predicted species"), bars(page))
    assert large[1] != first and small[1] != large[1], (first, large, small)
    assert (large[0], small[0]) == ("virginica", "setosa"), (large, small)
    shot(page, SHOTS / "e2e_small_petals.png")
    no_exceptions(page)

    # One click on a hard row's button: its values come back, as a test row.
    choice = page.get_by_role("radiogroup", name="Send a row to the what-if controls")
    button = choice.get_by_role("radio").first
    row = int(button.inner_text().split()[-1])
    button.click()
    settle(page)
    expect(page.get_by_role("radio", name="A test row")).to_be_checked()
    assert number(page, "Test row") == str(row)
    expect(page.get_by_text(re.compile(rf"Test row {row} is really"))).to_be_visible()
    expect(choice.get_by_role("radio").first).to_be_checked()
    no_exceptions(page)
    shot(page, SHOTS / "e2e_sent_row.png")
