"""The model page in real Chromium: build a 3-layer network by clicking, read its size."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import open_app, wait_idle


def _layers(page: Page):
    return page.locator("[class*='st-key-model-layer-']")


def _click(page: Page, locator) -> None:
    locator.click()
    wait_idle(page)


def test_build_a_three_layer_network_and_see_its_parameter_count(page: Page, app_url: str):
    open_app(page, app_url)  # the data page opens on the Iris sample (4 features, 3 classes)
    expect(page.get_by_role("heading", name="Ready to train")).to_be_visible(timeout=60_000)
    _click(page, page.get_by_role("link", name="2 · Model").first)
    expect(page.get_by_text("Compile settings")).to_be_visible(timeout=60_000)
    wait_idle(page)
    layers = _layers(page)
    expect(layers).to_have_count(3)

    # Remove the two recommended hidden layers: only the output layer is left.
    for count in (2, 1):
        _click(page, layers.first.locator("[class*='-remove'] button").first)
        expect(layers).to_have_count(count)

    # Two new Dense layers go above the output layer.
    add = page.get_by_role("button", name="Add layer")
    for count in (2, 3):
        _click(page, add)
        expect(layers).to_have_count(count)

    units = layers.first.get_by_label("units", exact=True)
    units.fill("8")
    units.press("Enter")
    wait_idle(page)
    expect(layers.nth(2).get_by_text("output layer")).to_be_visible()

    # 4·8+8 + 8·16+16 + 16·3+3 = 235 weights, as model.summary() counts them.
    metric = page.locator("[data-testid='stMetric']").filter(has_text="Parameters")
    expect(metric).to_contain_text("235", timeout=30_000)
    expect(page.get_by_text("The model is ready to train.")).to_be_visible()
    expect(page.locator("svg").get_by_text("Dense 8 · relu")).to_be_visible()

    # A bad value shows its message next to the control, and the summary waits for the fix.
    units.fill("0")
    units.press("Enter")
    wait_idle(page)
    expect(layers.first.get_by_text("Expected a positive whole number of neurons, e.g. 16. "
                                     "Received: units=0.")).to_be_visible()
