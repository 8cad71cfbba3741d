"""Stop in chromium: from the click on Stop until the page says the run stopped, from the tab
that watches the run and from a second tab on the same workspace, on a long Iris run
("Stopped by you", or a note that says why it stopped otherwise).
Prints the median of --repeat tries and where the time went; asserts nothing.

"The browser" is from the click until chromium fires its click event (Playwright waits for
the button to be stable first), "the server" until the store has the stop request (the click's
script run began), "the worker" until the run's record says stopped (its `ended`); "the page" is the
rest, until "Stopped by you" is on screen.

Run: .venv/bin/python benchmarks/stop_in_browser.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from live_view_cost import ARGS, free_port, long_run, start_app
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gui.core.store.runs import Runs  # noqa: E402
from gui.core.store.workspaces import Store  # noqa: E402


def one_stop(store: Store, token: str, base: str, clicking, other
             ) -> tuple[float, float, float, float]:
    """(click → page shows stopped, click → record ended, click → the server has the
    request, click → the browser's click event) in seconds."""
    runs = Runs(store)
    run_id = long_run(store, token)
    for tab in (clicking, other):
        tab.goto(f"{base}/train?w={token}")
    deadline = time.monotonic() + 180
    while runs.get(token, run_id).epochs_done < 5:
        if time.monotonic() > deadline:
            raise SystemExit("the run did not train within 3 minutes")
        time.sleep(0.2)
    button = clicking.get_by_role("button", name="Stop", exact=True)
    button.wait_for(timeout=60_000)
    clicking.wait_for_timeout(1000)
    clicking.evaluate("() => { window.__clicked = null; document.addEventListener('click', "
                      "() => { window.__clicked = window.__clicked || Date.now(); }, true); }")
    start = time.time()
    button.click()
    try:
        clicking.locator("[data-testid='stAlert']").filter(
            has_text="Stopped").first.wait_for(timeout=60_000)
    except Exception:
        clicking.screenshot(path="/tmp/stop_in_browser.png")
        print(runs.get(token, run_id).note)
        raise
    shown = time.time() - start
    record = runs.get(token, run_id)
    if record.note:  # e.g. the worker did not answer in time and was ended
        print(f"    the run's note: {record.note}")
    clicked = (clicking.evaluate("() => window.__clicked") or 0) / 1000
    return (shown, (record.ended or time.time()) - start,
            (record.stop_requested or time.time()) - start, clicked - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the LayerLab checkout to serve (e.g. an older one to compare)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        store = Store(home)
        port = free_port()
        server = start_app(args.root, home, port)
        base = f"http://127.0.0.1:{port}"
        results: dict[str, list[tuple[float, float, float, float]]] = {"the tab that watches": [],
                                                         "a second tab": []}
        try:
            for _ in range(600):
                try:
                    urllib.request.urlopen(f"{base}/_stcore/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.05)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                first = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
                first.goto(base)
                first.wait_for_url("**w=*", timeout=120_000)
                first.get_by_text("Test rows").first.wait_for(timeout=120_000)
                token = first.url.split("w=")[1].split("&")[0]
                second = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
                for _ in range(args.repeat):
                    for label, (clicking, other) in (("the tab that watches", (first, second)),
                                                     ("a second tab", (second, first))):
                        results[label].append(one_stop(store, token, base, clicking, other))
                        figures = ", ".join(f"{v:.2f} s" for v in results[label][-1])
                        print(f"  {label}: {figures}", flush=True)
                browser.close()
        finally:
            server.terminate()
            server.wait(15)
    print(f"Stop on a long Iris run, click → 'Stopped by you' on screen (n={args.repeat}):")
    for label, values in results.items():
        shown = [v[0] for v in values]
        worker = [v[1] for v in values]
        server = [v[2] for v in values]
        browser = [v[3] for v in values]
        print(f"  from {label:<21}: median {statistics.median(shown):.2f} s "
              f"(min {min(shown):.2f}, max {max(shown):.2f}); of which click → request "
              f"in the store {statistics.median(server):.2f} s (the browser's click event "
              f"{statistics.median(browser):.2f} s), click → run ended "
              f"{statistics.median(worker):.2f} s")


if __name__ == "__main__":
    main()
