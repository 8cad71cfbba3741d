"""The Inside page laid out for teaching, in real chromium at 1280×720: the network view, the
what-if controls and the prediction share one screen, the network to the left of them."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.controls import no_exceptions, settle, to_inside_after_training

SHOTS = Path("/tmp/shots/inside-layout")


def labels_inside(page: Page, chart) -> None:
    """Every text of the network view (node labels, column headings, band labels) lies
    wholly inside the view (none clipped)."""
    box = chart.bounding_box()
    texts = chart.locator("svg text")
    assert texts.count() >= 7 + 4  # 4 inputs and 3 classes, the columns' headings
    for i in range(texts.count()):
        t = texts.nth(i).bounding_box()
        assert t["x"] >= box["x"] and t["x"] + t["width"] <= box["x"] + box["width"], (
            texts.nth(i).text_content(), t, box)


def test_network_what_if_and_prediction_in_one_viewport(page: Page, app_url: str,
                                                         stops_its_run):
    SHOTS.mkdir(parents=True, exist_ok=True)
    to_inside_after_training(page, app_url, 10)
    page.set_viewport_size({"width": 1280, "height": 720})
    settle(page)
    no_exceptions(page)
    page.mouse.wheel(0, -5000)
    page.evaluate("window.scrollTo(0, 0)")
    settle(page)
    network = page.locator(".network-svg").filter(has_text="sepal length (cm)").first
    first_slider = page.locator("[data-testid='stSlider']").filter(
        has_text="sepal length (cm)").first
    predicted = page.locator("[data-testid='stMetric']").filter(has_text="Predicted").first
    page.screenshot(path=str(SHOTS / "inside-1280x720.png"))
    boxes = {name: item.bounding_box() for name, item in
             (("network", network), ("slider", first_slider), ("prediction", predicted))}
    for name, box in boxes.items():
        assert box is not None, f"no {name}"
        assert box["y"] >= 0 and box["y"] + min(box["height"], 300) <= 720, (name, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, (name, box)
    # Side by side: the what-if and the prediction to the right of the network.
    right_of_network = boxes["network"]["x"] + boxes["network"]["width"]
    assert boxes["slider"]["x"] >= right_of_network - 2, boxes
    assert boxes["prediction"]["x"] >= right_of_network - 2, boxes
    labels_inside(page, network)
    # Projector mode: larger labels, still whole.
    page.get_by_text("Projector mode").click()
    settle(page)
    expect(page.locator(".st-key-projector-toggle input[type='checkbox']")).to_be_checked()
    page.evaluate("window.scrollTo(0, 0)")
    settle(page)
    no_exceptions(page)
    page.screenshot(path=str(SHOTS / "inside-1280x720-projector.png"))
    labels_inside(page, network)
