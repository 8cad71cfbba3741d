"""How the class board and joining a lesson scale; prints figures, asserts nothing.

1. The board's data for 30 students with 90 runs (three each, finished, with test scores)
   on SQLite: class_board() (one lessons read, one runs read per student, the diffs) and
   the HTML table the page draws from it (with each student's read-only view link, one
   read), median of repeats.
2. Opening a student link to a ready Data page, in Debian's chromium against a real
   `streamlit run`: goto ?join=CODE → type a name → Join → the Data page is idle.

Run: .venv/bin/python benchmarks/class_board.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlalchemy import update

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gui.core.spec.heads import default_spec  # noqa: E402
from gui.core.spec.lesson_rules import LessonRules  # noqa: E402
from gui.core.store.board import class_board  # noqa: E402
from gui.core.store.lessons import Lessons  # noqa: E402
from gui.core.store.runs import Runs, runs_table  # noqa: E402
from gui.core.store.workspaces import Store  # noqa: E402


def board_figures(home: Path, repeats: int) -> None:
    store = Store(home)
    lessons, runs = Lessons(store), Runs(store)
    teacher = store.create({"spec": default_spec("multiclass", n_classes=3).to_dict(),
                            "dataset": {"sample": "Iris flowers"}})
    lesson = lessons.publish(teacher, "Benchmark", "", LessonRules())
    for i in range(30):
        copy = lessons.join(lesson.code, f"Student {i + 1}")
        for k in range(3):
            spec = default_spec("multiclass", n_classes=3)
            spec.fit.epochs = 10 + k
            run = runs.create(copy, spec, {"dataset": {"sample": "Iris flowers"}},
                              history={"loss": [1.0] * (10 + k)})
            with runs.engine.begin() as db:
                db.execute(update(runs_table).where(runs_table.c.id == run).values(
                    status="done", test_metrics=json.dumps({"loss": 0.4,
                                                            "accuracy": 0.5 + i / 100})))
    from gui.core.store.links import PRESENTER, Links
    from gui.ui.lessons.board import html_table  # plain HTML: no Streamlit run needed
    times, draw = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        _, entries = class_board(lessons, runs, lesson.board)
        times.append(time.perf_counter() - start)
        start = time.perf_counter()
        views = Links(store).tokens_for([e.student.copy for e in entries], PRESENTER)
        html_table(entries, "http://127.0.0.1:8501/",
                   {e.student.id: f"?p={views[e.student.copy]}" for e in entries})
        draw.append(time.perf_counter() - start)
    print(f"board data, 30 students / 90 runs: median {statistics.median(times) * 1000:.1f} ms"
          f" (min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f}) over {repeats}")
    print(f"board HTML table + view links:     median {statistics.median(draw) * 1000:.1f} ms")
    store.engine.dispose()


def join_figures(home: Path, repeats: int) -> None:
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from tests.e2e.conftest import wait_idle

    store = Store(home)
    teacher = store.create({"spec": default_spec("multiclass", n_classes=3).to_dict(),
                            "dataset": {"sample": "Iris flowers"}})
    code = Lessons(store).publish(teacher, "Benchmark", "", LessonRules()).code
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "LAYERLAB_HOME": str(home), "TF_CPP_MIN_LOG_LEVEL": "3",
           "LAYERLAB_TRAINING_SLOTS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py",
                             "--server.port", str(port), "--server.headless", "true",
                             "--server.address", "127.0.0.1"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--no-sandbox", "--disable-gpu"])
            times = []
            for i in range(repeats + 1):  # the first warms the server up, not counted
                page = browser.new_context().new_page()
                start = time.perf_counter()
                page.goto(f"{url}/?join={code}")
                page.get_by_label("Your name (your teacher sees it on the class board)") \
                    .fill(f"S{i}")
                page.get_by_role("button", name="Join the lesson").click()
                page.get_by_role("heading", name="1 · Data").wait_for(timeout=90_000)
                page.locator("[data-testid='stMetric']").filter(
                    has_text="Training rows").wait_for(timeout=90_000)
                wait_idle(page)
                if i:
                    times.append(time.perf_counter() - start - 0.6)  # wait_idle's quiet spell
                page.context.close()
            browser.close()
        print(f"student link → ready Data page: median {statistics.median(times):.2f} s "
              f"(min {min(times):.2f}, max {max(times):.2f}) over {repeats}, typing included")
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        board_figures(Path(tmp) / "board", args.repeats)
        join_figures(Path(tmp) / "join", args.repeats)
