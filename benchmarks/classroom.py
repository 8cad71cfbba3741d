"""A classroom on one machine: 6 chromium browsers, each on its own workspace (the Iris
sample, the same fixed number of epochs, early stopping off), press Train at once; how long
until the last of them shows its run trained, against one run alone on the same warmed-up
server. Prints the figures; asserts nothing.

The server trains LAYERLAB_TRAINING_SLOTS runs at a time (default: the cores), so with two
cores 6 runs take 3 rounds: 3x one run alone is the floor; the goal is the last ≤ 4x.

Run: .venv/bin/python benchmarks/classroom.py [--students 6] [--epochs 60]
(LAYERLAB_PORTS=8630-8649 keeps the server on those ports.)
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
from pathlib import Path

from live_view_cost import ARGS, free_port
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gui.core.store.runs import Runs  # noqa: E402
from gui.core.store.workspaces import Store  # noqa: E402

DONE_TEXT = "Trained "  # the Train page's status once the run has trained every epoch


def serve(home: Path, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "LAYERLAB_HOME": str(home)})
    for _ in range(1200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
            return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit("the server did not start within a minute")


def workspace_page(browser, base: str, store: Store, epochs: int):
    """A new browser (context) on a new workspace on Iris, its epochs fixed, on Train."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(base)
    page.wait_for_url("**w=*", timeout=120_000)
    page.get_by_text("Test rows").first.wait_for(timeout=120_000)
    token = page.url.split("w=")[1].split("&")[0]
    snapshot = store.load(token)
    state = dict(snapshot.state)
    fit = state["spec"]["fit"]
    fit.update(epochs=epochs, early_stopping=False)
    store.save_state(token, state)
    page.goto(f"{base}/train?w={token}")
    page.get_by_role("button", name="Train", exact=True).wait_for(timeout=120_000)
    page.wait_for_timeout(500)
    return page


def press_and_wait(pages, timeout: float = 1200) -> list[float]:
    """Press Train on every page, one right after the other; the seconds from the first
    press until each page shows its run trained (the first press's clock time is
    `press_and_wait.pressed`, for `timeline`)."""
    buttons = [page.get_by_role("button", name="Train", exact=True) for page in pages]
    start = time.perf_counter()
    press_and_wait.pressed = time.time()
    for button in buttons:
        button.click()
    finished: dict[int, float] = {}
    while len(finished) < len(pages):
        if time.perf_counter() - start > timeout:
            raise SystemExit(f"only {len(finished)} of {len(pages)} runs ended in {timeout} s")
        for i, page in enumerate(pages):
            if i not in finished and page.locator("[data-testid='stAlert']").filter(
                    has_text=DONE_TEXT).count():
                finished[i] = time.perf_counter() - start
        pages[0].wait_for_timeout(100)
    return [finished[i] for i in range(len(pages))]


def timeline(store: Store, pages, on_screen: list[float]) -> list[str]:
    """Each page's run from the store, in seconds after the first press: queued (the page
    wrote it), started (a worker took it), ended (its final report: model saved, test rows
    scored), on screen; and in the worker: before the first epoch, the epochs, after them."""
    pressed, lines = press_and_wait.pressed, []
    for page, shown in sorted(zip(pages, on_screen, strict=True), key=lambda item: item[1]):
        token = page.url.split("w=")[1].split("&")[0]
        run = Runs(store).list(token)[0]
        epochs = sum(run.epoch_seconds)
        worker = (run.ended or 0) - (run.started or 0)
        lines.append(f"    queued {run.created - pressed:5.1f}  started "
                     f"{run.started - pressed:5.1f}  ended {run.ended - pressed:5.1f}  on screen "
                     f"{shown:5.1f}   (in the "
                     f"worker {worker:.1f}: first epoch {run.epoch_seconds[0]:.1f}, the rest "
                     f"{epochs - run.epoch_seconds[0]:.1f}, other {worker - epochs:.1f})")
    return lines


def _kind(command: str) -> str:
    for needle, kind in (("chrom", "chromium"), ("streamlit", "the app server"),
                         ("gui.core.workers", "training workers"), ("node", "playwright")):
        if needle in command:
            return kind
    return "other"


def cpu_ticks() -> dict[int, tuple[str, int]]:
    """{pid: (kind, user+system ticks)} of every process now (Linux /proc)."""
    ticks = {}
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            ticks[int(entry.name)] = (_kind(command), int(fields[11]) + int(fields[12]))
        except (OSError, ValueError):
            continue
    return ticks


def cpu_split(before: dict, after: dict, seconds: float) -> dict[str, float]:
    """Each kind's share of one core between two cpu_ticks() (processes alive at both)."""
    split: dict[str, float] = {}
    for pid, (kind, ticks) in after.items():
        if pid in before:
            split[kind] = split.get(kind, 0) + (ticks - before[pid][1])
    hz = os.sysconf("SC_CLK_TCK")
    return {kind: ticks / hz / seconds for kind, ticks in split.items()}


def _shares(split: dict[str, float]) -> str:
    return ", ".join(f"{kind} {share:.0%}" for kind, share in
                     sorted(split.items(), key=lambda item: -item[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--alone", type=int, default=3, help="runs alone (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        store = Store(home)
        port = free_port()
        server = serve(home, port)
        base = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                slots = int(os.environ.get("LAYERLAB_TRAINING_SLOTS") or os.cpu_count() or 1)
                # Warms every worker (TensorFlow loaded, a first fit traced), so that the
                # run alone is not a worker's first
                # (each page is closed once its run is done: the class is 6 browsers, the
                # run alone one, with no tab of a warm-up left open beside them)
                warm = [workspace_page(browser, base, store, args.epochs) for _ in range(slots)]
                press_and_wait(warm)
                for page in warm:
                    page.context.close()
                # One run alone, --alone times (the median is the yardstick: one such run
                # of a few seconds varies by a second); the CPU split and timeline of the last
                alones = []
                for _ in range(args.alone):
                    page = workspace_page(browser, base, store, args.epochs)
                    before, start = cpu_ticks(), time.perf_counter()
                    alones.append(press_and_wait([page])[0])
                    alone_split = cpu_split(before, cpu_ticks(), time.perf_counter() - start)
                    alone_timeline = timeline(store, [page], alones[-1:])
                    page.context.close()
                alone = statistics.median(alones)
                pages = [workspace_page(browser, base, store, args.epochs)
                         for _ in range(args.students)]
                before, start = cpu_ticks(), time.perf_counter()
                times = press_and_wait(pages)
                split = cpu_split(before, cpu_ticks(), time.perf_counter() - start)
                class_timeline = timeline(store, pages, times)
                browser.close()
        finally:
            server.terminate()
            server.wait(15)
    rounds = -(-args.students // slots)
    print(f"Classroom: {args.students} browsers press Train at once, Iris, {args.epochs} "
          f"epochs each, {slots} training processes:")
    print(f"  one run alone (warmed-up server), press → 'Trained' on screen: median "
          f"{alone:.1f} s of " + ", ".join(f"{t:.1f}" for t in alones) + " s")
    print("  each of the class, press → 'Trained': "
          + ", ".join(f"{t:.1f}" for t in sorted(times)) + " s")
    print(f"  the last of {args.students} / one alone: {max(times) / alone:.2f}x "
          f"(floor {rounds}x with {slots} at a time; goal ≤ 4x)")
    print(f"  CPU, share of one core, while one run alone trained: {_shares(alone_split)}")
    print(f"  CPU, share of one core, while the class trained: {_shares(split)}")
    print("  the run alone, seconds after its press:", *alone_timeline, sep="\n")
    print("  the class's runs, seconds after the first press:", *class_timeline, sep="\n")


if __name__ == "__main__":
    main()
