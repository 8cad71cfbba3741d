"""Inside the network in real chromium: train Iris, watch it live, then scrub the epochs."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import wait_idle
from tests.e2e.controls import go, no_exceptions, set_number, shot, to_train_page

SHOTS = Path("/tmp/shots/inside")
IRIS_INPUTS = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)",
               "petal width (cm)"]
CLASSES = ["setosa", "versicolor", "virginica"]


def chart(page: Page, text: str):
    """The plotly chart whose SVG shows `text`."""
    return page.locator("[data-testid='stPlotlyChart']").filter(has_text=text).first


def test_inside_shows_the_network_maps_and_their_epochs(page: Page, app_url: str,
                                                        stops_its_run):
    SHOTS.mkdir(parents=True, exist_ok=True)
    to_train_page(page, app_url)
    set_number(page, "epochs", 40)
    page.get_by_role("button", name="Train", exact=True).click()
    go(page, "Inside", idle=False)
    expect(page.get_by_role("heading", name="Inside the network")).to_be_visible()

    # While it trains the views follow the latest epoch, or the run ended first (fast).
    live = page.get_by_text(re.compile(r"live, while it trains"))
    scrubber = page.get_by_role("slider", name="Epoch").first
    expect(live.or_(scrubber).first).to_be_visible(timeout=120_000)
    if live.count():
        shot(page, SHOTS / "live.png")
    expect(scrubber).to_be_visible(timeout=180_000)  # training done: the epoch scrubber
    wait_idle(page)
    no_exceptions(page)

    # The default network, named: 4 inputs, Dense 64-64, 3 classes out.
    network = page.locator(".network-svg").filter(has_text="sepal length (cm)").first
    expect(network).to_be_visible()  # the what-if's network: SVG (live it is a plotly chart)
    words = network.text_content()
    for name in [*IRIS_INPUTS, *CLASSES, "Inputs", "dense_1", "dense_2", "softmax"]:
        assert name in words, (name, words)
    assert words.count("64 relu") == 2, words  # the default network: Dense 64-64
    decision = chart(page, "test rows:")
    neurons = chart(page, "64 neurons")
    expect(decision).to_be_visible()
    expect(neurons).to_be_visible()
    assert neurons.inner_text().count("64 neurons") == 1  # one layer at a time, large
    assert neurons.inner_text().count(" →") == 2  # its axes named by the two features
    expect(page.get_by_text(re.compile(r"Others held at their training median"))).to_be_visible()
    shot(page, SHOTS / "trained_top.png")
    at_end = (decision.screenshot(), neurons.screenshot(), network.screenshot())
    neurons.scroll_into_view_if_needed()
    shot(page, SHOTS / "trained_neurons.png")

    # Scrub back to epoch 0: the initial weights decide differently.
    scrubber.focus()
    page.keyboard.press("Home")
    wait_idle(page)
    expect(scrubber).to_have_attribute("aria-valuetext", "0")
    views = (decision, neurons, network)
    for _ in range(40):  # the figures redraw (and finish animating) a moment after the rerun
        at_start = tuple(view.screenshot() for view in views)
        if all(end != start for end, start in zip(at_end, at_start, strict=True)):
            break
        page.wait_for_timeout(250)
    for end, start, what in zip(at_end, at_start, ("decision map", "neurons", "network"),
                                strict=True):
        assert end != start, f"the {what} did not change between epoch 40 and epoch 0"
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, SHOTS / "epoch0_top.png")
    no_exceptions(page)
    # The other hidden layer's pictures, on request.
    page.get_by_role("radiogroup", name="Neuron pictures of").get_by_text("dense_2").click()
    wait_idle(page)
    expect(chart(page, "dense_2 · 64 neurons")).to_be_visible()
    no_exceptions(page)
