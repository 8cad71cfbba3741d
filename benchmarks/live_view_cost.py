"""What a tab watching a run costs the server: the Streamlit process's own CPU while one long
Iris run trains in a worker and 0, 1 and 4 headless chromium tabs watch the Train page (or
another page, with --page). Prints figures, asserts nothing.

The CPU is the server process's own (utime + stime of /proc/<pid>/stat: all its threads,
its worker processes excluded) over --seconds, as a % of one core. The machine may be busy
with other work: the figures are then noisy, and say so only by their spread; run it more
than once.

With --idle no run trains: what tabs left open on a page cost (each fetches the active-run
feed every 2 s, run_banner.WATCH_S, to find a run started elsewhere).

Run: .venv/bin/python benchmarks/live_view_cost.py [--seconds 8] [--tabs 0 1 4] [--page train]
     [--idle]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gui.core.spec.schema import ExperimentSpec  # noqa: E402
from gui.core.store.runs import Runs  # noqa: E402
from gui.core.store.workspaces import Store  # noqa: E402
from tests.e2e.conftest import free_port  # noqa: E402  (LAYERLAB_PORTS)

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
        "--disable-backgrounding-occluded-windows",
        "--disable-component-update", "--no-first-run"]
IRIS = {"dataset": {"sample": "Iris flowers"}, "test": None}
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """The process's own user + system CPU seconds (children not counted)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15)


def share_of_a_core(pid: int, seconds: float) -> float:
    start_cpu, start = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return 100 * (cpu_seconds(pid) - start_cpu) / (time.monotonic() - start)


def long_run(store: Store, token: str) -> int:
    """Queue a long run of the workspace's own (settled, Iris) spec and make it the shown one."""
    snapshot = store.load(token)
    spec = ExperimentSpec.from_dict(snapshot.state["spec"])
    spec.fit.epochs, spec.fit.batch_size = 10_000, 16
    spec.fit.early_stopping = False  # it trains for the whole measurement
    run_id = Runs(store).create(token, spec, IRIS)
    store.save_state(token, {**snapshot.state, "run": run_id})
    return run_id


def start_app(root: Path, home: Path, port: int) -> subprocess.Popen:
    """`streamlit run app.py` of the checkout `root` on `port`, its store in `home`, one
    training process."""
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false"],
        cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "LAYERLAB_HOME": str(home),
             "LAYERLAB_TRAINING_SLOTS": "1"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--tabs", type=int, nargs="+", default=[0, 1, 4])
    parser.add_argument("--page", default="train", help="the page the tabs watch")
    parser.add_argument("--idle", action="store_true", help="no run trains: idle tabs")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the LayerLab checkout to serve (e.g. an older one to compare)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        store = Store(home)
        runs = Runs(store)
        port = free_port()
        server = start_app(args.root, home, port)
        try:
            for _ in range(600):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.05)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                first = context.new_page()  # makes the workspace, starts the pool
                first.goto(f"http://127.0.0.1:{port}/")
                first.wait_for_url("**w=*", timeout=120_000)
                first.get_by_text("Test rows").first.wait_for(timeout=120_000)
                token = first.url.split("w=")[1].split("&")[0]
                run_id = None if args.idle else long_run(store, token)
                url = f"http://127.0.0.1:{port}/{args.page}?w={token}"
                deadline = time.monotonic() + 240
                while run_id is not None and runs.get(token, run_id).epochs_done < 20:
                    record = runs.get(token, run_id)
                    if time.monotonic() > deadline or not record.active:
                        first.screenshot(path=str(Path(tmp).parent / "live_view_cost.png"))
                        raise SystemExit(f"the run did not train: {record.status} "
                                         f"{record.error or record.note or ''}")
                    time.sleep(0.5)
                first.close()
                results = {}
                for count in args.tabs:
                    tabs = [context.new_page() for _ in range(count)]
                    for tab in tabs:
                        tab.goto(url)
                    for tab in tabs:
                        try:
                            # a chart: Plotly's, or the Train page's live panel's
                            # (another page: its heading, the run banner above it)
                            tab.locator("h1" if args.idle or args.page not in (
                                "train", "inside") else
                                        "[data-testid='stPlotlyChart'], .ll-live svg"
                                        ).first.wait_for(timeout=120_000)
                        except Exception:
                            tab.screenshot(path="/tmp/live_view_cost.png")
                            raise
                    time.sleep(3)  # past the first full script runs: the steady state
                    epochs = runs.get(token, run_id).epochs_done if run_id else 0
                    results[count] = share_of_a_core(server.pid, args.seconds)
                    trained = (runs.get(token, run_id).epochs_done - epochs) if run_id else 0
                    print(f"{count} tab(s) {'open on' if args.idle else 'watching'} "
                          f"/{args.page}: server {results[count]:5.1f}% of a core over "
                          f"{args.seconds:g} s ({trained} epochs trained meanwhile)", flush=True)
                    for tab in tabs:
                        tab.close()
                    time.sleep(1)
                browser.close()
                if run_id is not None and runs.get(token, run_id).status != "running":
                    print(f"(the run ended early: {runs.get(token, run_id).status})")
        finally:
            server.terminate()
            server.wait(15)
    base = results.get(0, 0.0)
    for count, value in results.items():
        if count:
            print(f"per watching tab with {count} tab(s): {(value - base) / count:5.1f}% of a "
                  "core (above the no-tab figure)")


if __name__ == "__main__":
    main()
