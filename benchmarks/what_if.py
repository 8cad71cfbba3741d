"""How fast a what-if change reaches the new prediction; prints figures, asserts nothing.

On Breast cancer (30 numeric inputs) with a Dense 64-64 ReLU network (+ the sigmoid output),
trained for 2 epochs, it times:

  core      probe.WhatIf(row): the raw row encoded, every layer's output (forward.Forward:
            numpy from the weights read once) and the class probabilities: what each control
            change computes; against model.predict on the same one row
  section   the row section (gui/ui/row_probe.show) rerun in AppTest after a slider moves:
            the section's script (30 sliders, the prediction, its bars (HTML), the hardest
            rows), and the whole AppTest rerun around it (no browser: AppTest's own overhead
            is in it, the browser's drawing is not); the first run (memos filled: test
            rows, dead units) apart
  browser   the real app in chromium at 1280x720 (Iris: 4 inputs, and Breast cancer: 30;
            the default 64-64 network, 3 epochs), the Inside page: an arrow key on a
            what-if slider → the new probabilities on screen, → the network's neuron
            colours (the row's activations) redrawn, and → the page idle again (the last
            moment it looked busy, the 0.6 s quiet wait not counted); each move of a mouse
            drag, the button held (gui/ui/common/slider_drag.py sends a held slider's value),
            → the probabilities and → the network; a continuous drag: how many
            predictions a second showed while held; an epoch scrubber step → idle again. Median and
            p95 of each.

Where the time goes (issue 22; chromium profile and websocket timings on the 30-input set):
the fragment's script (row, prediction, network, 30 sliders, hardest rows), then the
browser. st.plotly_chart hashes the figure's spec into the element's id, so a chart whose
figure changes is remounted and drawn anew by plotly on every change: the probabilities are
therefore plain HTML (no plotly), and the what-if's network is inline SVG (network_svg: what
no row changes converted once per weights and mode, a change only repainting the neurons),
so a change swaps a few kilobytes of markup instead of a plotly redraw. The hardest rows
are drawn outside the what-if's fragment (no row changes them), and a held slider's value
is sent while it is dragged (gui/ui/common/slider_drag.py), so a drag is timed move by
move. Tried and left: the SVG set in place by a Custom Component v2 (innerHTML, only the
changed fills set) instead of st.markdown: the probabilities showed a little sooner but the
network ~20 ms later (a component's script runs after React has painted), p95s alike.

Goal: ≤ 200 ms from a control change to the new prediction. Usage:

    python benchmarks/what_if.py [--repeats 50] [--no-browser]
    python benchmarks/what_if.py --browser-only both --changes 15   # chromium figures only
    python benchmarks/what_if.py --browser-only breast --changes 30  # the 30-input set
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("LAYERLAB_HOME", tempfile.mkdtemp(prefix="layerlab-bench-"))
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402


def trained_64_64():
    """Breast cancer, Dense 64-64 relu + the sigmoid output, 2 epochs (tests' Trained)."""
    import keras

    from gui.core.data import dataset
    from gui.core.data.formats import csv_io
    from gui.core.model import build
    from gui.core.spec.heads import default_spec
    from gui.core.spec.schema import DataSpec, LayerSpec
    from tests.core import trained_models as tm

    csv = "breast_cancer.csv"
    loaded = csv_io.read_csv((ROOT / "sample_data" / csv).read_bytes(), csv)
    data_spec = DataSpec(source=csv, target="diagnosis")
    prepared = dataset.prepare(loaded.frame, data_spec)
    spec = default_spec(prepared.task, prepared.n_classes, data_spec)
    spec.layers = [LayerSpec(type="Dense", units=64, activation="relu"),
                   LayerSpec(type="Dense", units=64, activation="relu"), spec.layers[-1]]
    spec.fit.epochs, spec.fit.seed = 2, 1
    keras.utils.set_random_seed(1)
    model = build.build_model(spec, prepared.preprocessor)
    history = model.fit(prepared.X_train, prepared.y_train, epochs=2, batch_size=32,
                        verbose=0, validation_split=0.2).history
    return tm.Trained(model, build.with_unscaled_output(model, prepared.preprocessor), spec,
                      prepared, loaded.frame, {k: [float(x) for x in v]
                                               for k, v in history.items()})


def ms(seconds: list[float]) -> str:
    values = sorted(1000 * s for s in seconds)
    p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
    return f"median {statistics.median(values):7.1f} ms   p95 {p95:7.1f} ms   (n={len(values)})"


def core(trained, repeats: int) -> None:
    from gui.core.inspection import probe

    prepared = trained.prepared
    what_if = probe.WhatIf(trained.model, prepared)
    row = probe.test_row_values(prepared, 1)
    column = prepared.preprocessor.numeric_[0]
    items = {c.column: c for c in probe.controls(prepared)}[column]
    steps = np.linspace(items.low, items.high, repeats)
    what_if(row)  # first call: TensorFlow's kernels warm up
    timings = []
    for value in steps:
        start = time.perf_counter()
        what_if({**row, column: float(value)})
        timings.append(time.perf_counter() - start)
    X = what_if.encode(row)
    trained.model.predict(X, verbose=0)
    predict = []
    for _ in range(repeats):
        start = time.perf_counter()
        trained.model.predict(X, verbose=0)
        predict.append(time.perf_counter() - start)
    print(f"core  WhatIf(row), 64-64 on {prepared.n_inputs} inputs:  {ms(timings)}")
    print(f"      model.predict(one row), for comparison:  {ms(predict)}")


def timed_page():
    """The row section alone (as tests/ui/test_row_probe.py draws it), timing its script."""
    import time

    import streamlit as st

    from gui.ui.inside import row_probe
    from gui.ui.session import run_state, workspace

    workspace.bind()
    try:
        run = run_state.trained(run_state.shown())
        if run is not None:
            start = time.perf_counter()
            row_probe.show(run)
            st.session_state["bench.seconds"] = time.perf_counter() - start
    finally:
        workspace.sync()


def section(trained, repeats: int) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.ui import runs_helper

    at = AppTest.from_function(timed_page, default_timeout=120)
    at.run()
    record = runs_helper.finished(at, trained)
    start = time.perf_counter()
    at.run()
    first = time.perf_counter() - start
    assert not at.exception, at.exception
    slider = at.slider(key=f"probe.{record.id}.f0")
    values = np.linspace(slider.min, slider.max, repeats)
    timings, script = [], []
    for value in values:
        at.slider(key=f"probe.{record.id}.f0").set_value(float(value))
        start = time.perf_counter()
        at.run()
        timings.append(time.perf_counter() - start)
        script.append(at.session_state["bench.seconds"])
    assert not at.exception, at.exception
    print(f"section  first run (test rows, dead units, controls computed): "
          f"{1000 * first:.0f} ms")
    print(f"         row_probe.show after a slider change (the section's script):  "
          f"{ms(script)}")
    print(f"         the whole AppTest rerun (+ binding, AppTest's own overhead):  "
          f"{ms(timings)}")


# The probabilities shown, at full precision (each bar's row carries its own in data-p), so
# a change too small for the one-decimal percentages still counts as shown.
BARS = ("() => [...document.querySelectorAll('table.probe-probabilities tr[data-p]')]"
        ".map(e => e.dataset.p).join('|')")


# The page's busy state, as tests/e2e/conftest.py's wait_idle reads it.
BUSY = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  return !app || app.getAttribute("data-test-script-state") !== "notRunning"
    || !!document.querySelector("[data-testid='stStatusWidget']")
    || !!document.querySelector("[data-stale='true']");
}"""
QUIET = 0.6  # seconds without a busy look before the page counts as idle


def idle_since(page, start: float, timeout: float = 60.0) -> float:
    """Seconds from `start` to the last moment the page looked busy, once it has stayed
    quiet for QUIET seconds (looked at every ~30 ms); the quiet wait itself is not counted."""
    last = time.perf_counter()
    while time.perf_counter() - last < QUIET:
        if page.evaluate(BUSY):
            last = time.perf_counter()
        if last - start > timeout:
            raise TimeoutError("the app did not become idle")
        page.wait_for_timeout(30)
    return last - start


DATASETS = {"iris": ("Iris flowers", "petal length (cm)"),
            "breast": ("Breast cancer", "mean radius")}


# The network's neurons, coloured by the row's activations, as drawn: the fills of its
# nodes (circles) and of its wide layers' strips' cells (rects), in its SVG.
NETWORK = ("() => [...document.querySelectorAll(\".network-svg circle, .network-svg rect\")]"
           ".map(e => e.getAttribute('fill') || '').join('|')")


# Timed in the page: from the moment `_watch` is called (just before the key press or the
# mouse move) to the first DOM change after which the bars' numbers, and the network's
# fills, differ from what they were (a MutationObserver looks after each batch of changes),
# so a look's own round trip from this script is not counted.
WATCH = """([bars, network]) => {
  const t0 = performance.now(), found = {}, old = {bars, network};
  const reads = {bars: BARS_JS, network: NETWORK_JS};
  const look = () => {
    const now = performance.now();
    for (const what of ["bars", "network"]) {
      if (!(what in found) && reads[what]() !== old[what]) found[what] = now - t0;
    }
    if ("bars" in found && "network" in found) watcher.disconnect();
  };
  const watcher = new MutationObserver(look);
  watcher.observe(document.body, {subtree: true, childList: true, attributes: true,
                                  characterData: true});
  window.__whatIfTimes = found;
}""".replace("BARS_JS", BARS).replace("NETWORK_JS", NETWORK)


def _watch(page) -> None:
    page.evaluate(WATCH, [page.evaluate(BARS), page.evaluate(NETWORK)])


def _watched(page) -> dict:
    """Seconds from `_watch` until the new probabilities and the new neuron colours were
    in the page."""
    page.wait_for_function("() => window.__whatIfTimes && 'bars' in window.__whatIfTimes"
                           " && 'network' in window.__whatIfTimes", timeout=60_000,
                           polling=50)
    found = page.evaluate("() => window.__whatIfTimes")
    return {what: found[what] / 1000 for what in ("bars", "network")}


def _held_at(page, slider):
    """Press the mouse on the slider's thumb; where it is."""
    slider.scroll_into_view_if_needed()
    box = slider.locator("xpath=..").bounding_box()  # the thumb (the range input's parent):
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2  # pressed on the track,
    page.mouse.move(x, y)                                      # the slider would jump there
    page.mouse.down()
    return x, y


def _drag_moves(page, slider, repeats: int, per_drag: int = 5) -> list[dict]:
    """Drags of `per_drag` moves each, the mouse button held throughout: each move timed
    until the bars' numbers and the network's colours differ from before it (the watcher
    in gui/ui/common/slider_drag.py sends a held slider's value, at most every SEND_MS)."""
    from tests.e2e.conftest import wait_idle

    found, drag = [], 0
    while len(found) < repeats:
        x, y = _held_at(page, slider)
        dx = 8 if drag % 2 == 0 else -8
        for step in range(1, per_drag + 1):
            _watch(page)
            page.mouse.move(x + dx * step, y)
            found.append(_watched(page))
            page.wait_for_timeout(50)  # a hand's pause between moves
        page.mouse.up()
        wait_idle(page)
        drag += 1
    return found[:repeats]


def _continuous_drag(page, slider, i: int) -> tuple[float, float]:
    """(how many different predictions were shown per second while the mouse held the
    slider, seconds from the last move until the prediction stopped changing): a drag of 94
    moves, one every 16 ms (plus the time a look takes), as a hand makes it."""
    from tests.e2e.conftest import wait_idle

    x, y = _held_at(page, slider)
    dx = 1 if i % 2 == 0 else -1
    seen, last = [page.evaluate(BARS)], page.evaluate(BARS)
    began = time.perf_counter()
    for step in range(1, 95):
        page.mouse.move(x + dx * step, y)
        page.wait_for_timeout(16)
        now = page.evaluate(BARS)
        if now != last:
            seen.append(now)
            last = now
    end = time.perf_counter()
    held = end - began
    settled = end
    while time.perf_counter() - settled < QUIET:  # until no new prediction for QUIET s
        now = page.evaluate(BARS)
        if now != last:
            last, settled = now, time.perf_counter()
        page.wait_for_timeout(16)
    page.mouse.up()
    wait_idle(page)
    return (len(seen) - 1) / held, settled - end


def browser(repeats: int, which: str, drags: bool = True) -> None:
    """The real app in chromium at 1280x720: a sample (Iris: 4 inputs; Breast cancer: 30),
    the default Dense 64-64 network trained for 3 epochs, then on the Inside page a what-if
    slider moved by an arrow key and by a mouse drag → the bars' numbers change (the
    prediction shown) and the network's neuron colours change (its activations shown), and
    → the page is idle (everything that reran redrawn); and the epoch scrubber moved → idle.

    A drag is timed move by move with the mouse button held (slider_drag sends a held
    slider's value); a key press sends at once."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import open_app, wait_idle
    from tests.e2e.controls import choose, go, set_number

    name, feature = DATASETS[which]
    home = Path(tempfile.mkdtemp(prefix="layerlab-bench-app-"))
    timings = {"key": [], "drag": []}
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium",
                                     args=["--no-sandbox", "--disable-gpu"])
        from first_render import serve

        with serve(ROOT / "app.py", ROOT, home) as url:
            page = chromium.new_page(viewport={"width": 1280, "height": 720})
            open_app(page, url)
            choose(page, "Dataset in use", name)
            go(page, "3 · Train")
            set_number(page, "epochs", 3)
            page.get_by_role("button", name="Train", exact=True).click()
            go(page, "Inside", idle=False)
            page.get_by_role("heading", name="Hardest test rows").wait_for(timeout=300_000)
            wait_idle(page)
            slider = page.locator("[data-testid='stSlider']").filter(
                has_text=feature).get_by_role("slider")
            assert page.evaluate(NETWORK), "no neuron drawn in the network chart"
            for i in range(repeats):
                slider.focus()
                _watch(page)
                start = time.perf_counter()
                page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
                timings["key"].append({**_watched(page), "idle": idle_since(page, start)})
            if drags:
                timings["drag"] = _drag_moves(page, slider, repeats)
                timings["flow"] = [_continuous_drag(page, slider, i) for i in range(4)]
            scrub = []
            scrubber = page.get_by_role("slider", name="Epoch").first
            for i in range(max(4, repeats // 3)):
                scrubber.focus()
                start = time.perf_counter()
                page.keyboard.press("ArrowLeft" if i % 2 == 0 else "ArrowRight")
                scrub.append(idle_since(page, start))
            page.close()
        chromium.close()
    print(f"browser  {name} ({feature}), Inside page, chromium 1280x720:")
    for how, words in (("key", "arrow key press"), ("drag", "mouse move, button held"))[
            :2 if drags else 1]:
        for what, shown in (("bars", "new probabilities shown"),
                            ("network", "network's activations redrawn"),
                            ("idle", "the page idle again")):
            if what in timings[how][0]:
                print(f"         {words} → {shown}:".ljust(62)
                      + ms([t[what] for t in timings[how]]))
    flows = timings["flow"] if drags else []
    if flows:
        print(f"         a continuous drag (94 moves, one every 16 ms): "
          f"{statistics.mean(f[0] for f in flows):.1f} new predictions shown a second while "
          f"held (mean of {len(flows)})")
        print("         … after its last move, the last prediction shown:".ljust(62)
              + ms([f[1] for f in flows]))
    print("         epoch scrubber step → idle again:".ljust(62) + ms(scrub))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--no-browser", action="store_true",
                        help="skip the chromium figure (it trains a run in the real app)")
    parser.add_argument("--browser-only", choices=["iris", "breast", "both"],
                        help="only the chromium figures, on these samples")
    parser.add_argument("--changes", type=int, default=15,
                        help="what-if changes timed in chromium, of each kind (key, drag)")
    parser.add_argument("--keys-only", action="store_true",
                        help="no mouse drags (e.g. on a version without slider_drag)")
    args = parser.parse_args()
    if not args.browser_only:
        trained = trained_64_64()
        core(trained, args.repeats)
        section(trained, max(10, args.repeats // 2))
    if not args.no_browser:
        for which in (["iris", "breast"] if args.browser_only in (None, "both")
                      else [args.browser_only]):
            browser(args.changes, which, drags=not args.keys_only)
    print("goal: ≤ 200 ms from a control change to the new prediction")


if __name__ == "__main__":
    main()
