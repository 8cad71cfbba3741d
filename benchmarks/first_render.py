"""How fast the data page is, measured in Debian's chromium; prints figures, asserts nothing.

1. Cold start: `streamlit run` → the first page is idle in chromium (rendered, no script
   running), for LayerLab and a hello-world Streamlit app with just an uploader, in one run.
   Then warm first renders: page.goto → the page is idle, a fresh tab each time.
2. Rerun time: with a 100,000-row CSV loaded, press → on the test-fraction slider and time
   until the "Test rows" figure changes (the split's fragment reruns: re-split, re-fit,
   its part of the page re-rendered, the change saved).

Run: .venv/bin/python benchmarks/first_render.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
from live_view_cost import free_port
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
HELLO = 'import streamlit as st\n\nst.title("Hello")\nst.file_uploader("Upload a CSV file")\n'
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


# Streamlit's own word on the script run: stApp's data-test-script-state is "notRunning"
# only once the run has ended (not merely drawn its first elements).
IDLE = ("() => document.querySelector(\"[data-testid='stFileUploader']\")"
        " && document.querySelector(\"[data-testid='stApp']\")"
        "?.getAttribute('data-test-script-state') === 'notRunning'")


def wait_idle(page) -> None:
    """The uploader is on screen and Streamlit says no script is running (two looks 0.1 s
    apart)."""
    for _ in range(2):
        page.wait_for_function(IDLE, timeout=120_000, polling=50)
        page.wait_for_timeout(100)


@contextmanager
def serve(script: Path, cwd: Path, home: Path, browser=None, cold: list | None = None):
    """Serve `script`; with `cold`, append the seconds from launch to an idle first page."""
    port = free_port()
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false"],
        cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "LAYERLAB_HOME": str(home)})
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.02)
    if cold is not None:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(url)
        wait_idle(page)
        cold.append(time.perf_counter() - start)
        page.close()
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def time_first_render(browser, url: str, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        start = time.perf_counter()
        page.goto(url)
        wait_idle(page)
        times.append(time.perf_counter() - start)
        context.close()
    return times


def time_reruns(browser, url: str, csv_path: Path, repeats: int) -> list[float]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    page.locator("[data-testid='stFileUploader'] input[type='file']").first.set_input_files(
        str(csv_path))
    metric = page.locator("[data-testid='stMetric']").filter(has_text="Test rows")
    metric.wait_for(timeout=120_000)
    page.get_by_role("heading", name=csv_path.name).wait_for(timeout=120_000)
    wait_idle(page)
    page.wait_for_timeout(1000)
    slider = page.get_by_role("slider").first
    times = []
    for i in range(repeats):
        before = metric.inner_text()
        slider.focus()
        start = time.perf_counter()
        page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
        page.wait_for_function(
            "([sel, old]) => { const m = [...document.querySelectorAll(sel)]"
            ".find(e => e.innerText.includes('Test rows'));"
            " return m && m.innerText !== old; }",
            arg=["[data-testid='stMetric']", before], timeout=30_000, polling="raf")
        times.append(time.perf_counter() - start)
        page.wait_for_timeout(300)
    return times


def make_big_csv(path: Path, rows: int = 100_000) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({f"x{i}": rng.normal(size=rows).round(4) for i in range(7)})
    frame["colour"] = rng.choice(["red", "green", "blue", "gold"], rows)
    frame["label"] = np.where(frame.x0 + rng.normal(size=rows) > 0, "yes", "no")
    frame.to_csv(path, index=False)


def summary(times: list[float]) -> str:
    ms = [t * 1000 for t in times]
    return (f"median {statistics.median(ms):7.0f} ms   min {min(ms):6.0f}   "
            f"max {max(ms):6.0f}   (n={len(ms)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cold", type=int, default=3, help="cold starts of each app")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "hello.py").write_text(HELLO)
        big = tmp / "big_100k.csv"
        make_big_csv(big)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            cold_hello, cold_app = [], []
            for _ in range(args.cold):
                with serve(tmp / "hello.py", tmp, tmp / "home", browser, cold_hello):
                    pass
                with serve(ROOT / "app.py", ROOT, tmp / "home", browser, cold_app):
                    pass
            with serve(tmp / "hello.py", tmp, tmp / "home") as url:
                hello = time_first_render(browser, url, args.repeats)
            with serve(ROOT / "app.py", ROOT, tmp / "home") as url:
                layerlab = time_first_render(browser, url, args.repeats)
                reruns = time_reruns(browser, url, big, args.repeats * 2)
            browser.close()
    print("Cold start: `streamlit run` → first page idle in chromium, same run:")
    print(f"  hello-world app : {summary(cold_hello)}")
    print(f"  LayerLab        : {summary(cold_app)}")
    ratio = statistics.median(cold_app) / statistics.median(cold_hello)
    print(f"  LayerLab / hello-world (medians): {ratio:.2f}x   (goal: ≤ 1.5x)")
    print("Warm first render: page.goto in a fresh tab → page idle:")
    print(f"  hello-world app : {summary(hello)}")
    print(f"  LayerLab        : {summary(layerlab)}")
    ratio = statistics.median(layerlab) / statistics.median(hello)
    print(f"  LayerLab / hello-world (medians): {ratio:.2f}x")
    print("Rerun after a widget change (test fraction ±0.05) on 100,000 rows × 9 columns,")
    print("key press → new 'Test rows' figure on screen:")
    print(f"  LayerLab rerun              : {summary(reruns)}")


if __name__ == "__main__":
    main()
