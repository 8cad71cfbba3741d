"""The what-if follows a slider while it moves, in real chromium: the prediction and the
network's neuron colours change while the mouse still holds the slider (before it is let
go: gui/ui/common/slider_drag.py), and on each arrow key press."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.e2e.controls import no_exceptions, settle, to_inside_after_training

# The probabilities shown, at full precision (each bar's row carries its own in data-p).
BARS = ("() => [...document.querySelectorAll('table.probe-probabilities tr[data-p]')]"
        ".map(e => e.dataset.p).join('|')")
# The network's neuron colours (the row's activations), as drawn in its SVG.
NETWORK = ("() => [...document.querySelectorAll('.network-svg circle, .network-svg rect')]"
           ".map(e => e.getAttribute('fill') || '').join('|')")


def _inside(page: Page, app_url: str):
    """A 3-epoch Iris run's Inside page; the what-if slider of petal length's thumb."""
    to_inside_after_training(page, app_url, 3)
    settle(page)
    no_exceptions(page)
    thumb = page.locator("[data-testid='stSlider']").filter(
        has_text="petal length (cm)").get_by_role("slider")
    thumb.scroll_into_view_if_needed()
    assert page.evaluate(BARS) and page.evaluate(NETWORK)
    return thumb


def _changes(page: Page, script: str, before: str, timeout: float = 20_000) -> None:
    page.wait_for_function(f"old => ({script})() !== old", arg=before, timeout=timeout,
                           polling=100)


def test_dragging_a_slider_changes_the_prediction_before_the_release(
        page: Page, app_url: str, stops_its_run):
    thumb = _inside(page, app_url)
    box = thumb.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    value = thumb.input_value()
    bars, network = page.evaluate(BARS), page.evaluate(NETWORK)
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 9):  # a drag of a few moves, the button held throughout
        page.mouse.move(x + 12 * step, y)
        page.wait_for_timeout(40)
    assert thumb.input_value() != value  # the thumb moved with the mouse
    _changes(page, BARS, bars)        # the prediction followed, the mouse still down
    _changes(page, NETWORK, network)  # and so did the neurons' colours
    moved = page.evaluate(BARS)
    page.mouse.move(x + 150, y)  # further, still held: the prediction follows again
    _changes(page, BARS, moved)
    settle(page)
    held = thumb.input_value()  # where the mouse holds it: no older value put back under it
    assert float(held) > float(value)
    page.mouse.up()
    settle(page)
    no_exceptions(page)
    assert thumb.input_value() == held  # let go: the slider keeps the value it was dragged to


def test_each_arrow_key_press_updates_the_prediction(page: Page, app_url: str,
                                                     stops_its_run):
    thumb = _inside(page, app_url)
    thumb.focus()
    for key in ("ArrowLeft", "ArrowLeft", "ArrowRight"):
        bars, network = page.evaluate(BARS), page.evaluate(NETWORK)
        value = thumb.input_value()
        page.keyboard.press(key)
        assert thumb.input_value() != value
        _changes(page, BARS, bars)
        _changes(page, NETWORK, network)
    settle(page)
    no_exceptions(page)
