"""A soak: 30 workspaces queue 3 runs each (90) through two app processes (`streamlit run`
on two ports) sharing one throw-away PostgreSQL store, each app with its own training pool
(or, with --ray, both on a two-node Ray cluster on 127.0.0.1 that it starts, each app's pool
making its own Trainer actors there). Then it checks, and prints:
- every run ended "done" with its own result: its own number of epochs (each run of the
  soak has a different count), one log line per epoch, its test scores, its model file;
- none lost (all 90 ended), none trained twice (each epoch logged once; claimed by one pool;
  on Ray, one "Trained on …" in its note);
- none visible from another workspace (each workspace lists exactly its own 3 runs);
- which app's pool trained how many (on Ray, and which node, from the runs' notes), the wall
  time, and the resident memory (VmRSS) of each app process, of an idle worker (a training
  process, or a Ray Trainer actor's process: before the soak) and of a busy one (the most
  seen during), and of each again once the soak is over.

The runs are queued the way the Train page queues them (a run record in the store); a
browser tab on each app starts its pool (pools start after a first page) and the driver
marks every workspace as open every few seconds, as open pages do.

Run: .venv/bin/python benchmarks/soak.py [--workspaces 30] [--runs 3] [--ray [--cpus 1]]
(LAYERLAB_PORTS=8630-8649 keeps the apps on those ports.)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

from live_view_cost import ARGS, free_port
from playwright.sync_api import sync_playwright
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gui.core.spec.heads import default_spec  # noqa: E402
from gui.core.spec.schema import DataSpec  # noqa: E402
from gui.core.spec.vocabulary import ACTIVE_STATUSES, DONE  # noqa: E402
from gui.core.store.errors import StoreError  # noqa: E402
from gui.core.store.runs import Runs, runs_table  # noqa: E402
from gui.core.store.workspaces import Store  # noqa: E402
from tests.e2e.conftest import workers_of  # noqa: E402
from tests.postgres_server import throwaway_server  # noqa: E402
from tests.ray_cluster import local_cluster  # noqa: E402

IRIS = {"dataset": {"sample": "Iris flowers"}, "test": None}
FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]


def rss_mb(pid: int) -> float | None:
    """The process's resident memory (VmRSS), in MB; None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
    return int(found.group(1)) / 1024 if found else None


def ray_actors() -> list[int]:
    """The pids of the Ray Trainer actors' processes on this machine (Ray titles an actor's
    process `ray::Trainer`, `ray::Trainer.train` while in a call)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if cmdline.read_bytes().startswith(b"ray::Trainer"):
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return found


def cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def start_app(home: Path, url: str, slots: int, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "LAYERLAB_HOME": str(home),
           "LAYERLAB_DATABASE_URL": url, "LAYERLAB_TRAINING_SLOTS": str(slots)}
    with open(log, "w") as out:
        app = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.headless", "true", "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(1200):
        try:
            urllib.request.urlopen(f"{base}/_stcore/health", timeout=1)
            return app, base
        except OSError:
            time.sleep(0.05)
    app.kill()
    raise SystemExit(f"an app did not start within a minute; see {log}")


def spec_for(number: int):
    """Run `number`'s own spec: its own epoch count (3-12) and seed."""
    spec = default_spec("multiclass", 3, DataSpec(source="iris.csv", target="species",
                                                 features=list(FEATURES)))
    spec.fit.epochs, spec.fit.seed, spec.fit.batch_size = 3 + number % 10, number, 16
    spec.fit.early_stopping = False
    return spec


def owners(runs: Runs) -> dict[int, str]:
    with runs.engine.connect() as db:
        return dict(db.execute(select(runs_table.c.id, runs_table.c.owner)).all())


def check(runs: Runs, planned: dict[str, dict[int, int]], ray: bool) -> list[str]:
    """Every problem found, in words (none: an empty list)."""
    problems = []
    tokens = list(planned)
    for token, other in zip(tokens, tokens[1:] + tokens[:1], strict=True):  # a wrong token
        for run_id in planned[other] if other != token else ():
            try:
                runs.get(token, run_id)
                problems.append(f"run {run_id} is read through workspace {token[:6]}…")
            except StoreError:
                pass
    for token, mine in planned.items():
        listed = {r.id for r in runs.list(token)}
        if listed != set(mine):
            problems.append(f"workspace {token[:6]}… lists runs {sorted(listed)}, "
                            f"expected {sorted(mine)}")
        for run_id, epochs in mine.items():
            record = runs.get(token, run_id)
            lines = [line for line in record.log if re.match(r"Epoch \d+/\d+ - loss", line)]
            numbers = [int(line.split(" ")[1].split("/")[0]) for line in lines]
            if record.status != DONE:
                problems.append(f"run {run_id}: {record.status} ({record.error or record.note})")
            elif numbers != list(range(1, epochs + 1)):
                problems.append(f"run {run_id}: epochs logged {numbers}, expected 1..{epochs}")
            elif len(record.history.get("loss", [])) != epochs:
                problems.append(f"run {run_id}: {len(record.history.get('loss', []))} "
                                f"points of history, expected {epochs}")
            elif not record.test_metrics:
                problems.append(f"run {run_id}: no test scores")
            elif not runs.model_path(token, run_id).exists():
                problems.append(f"run {run_id}: no model file in its workspace")
            elif ray and (record.note or "").count("Trained on ") != 1:
                problems.append(f"run {run_id}: note {record.note!r}, expected one 'Trained on'")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspaces", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3, help="runs per workspace")
    parser.add_argument("--slots", type=int, default=1, help="training processes per app")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--ray", action="store_true",
                        help="train on a two-node Ray cluster on 127.0.0.1 started here")
    parser.add_argument("--cpus", type=int, default=1, help="CPUs of each Ray node")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        if args.ray:
            cluster = stack.enter_context(local_cluster(nodes=2, cpus=args.cpus))
            os.environ["LAYERLAB_RAY_ADDRESS"] = cluster.address
        soak(args, os.environ.get("LAYERLAB_RAY_ADDRESS"))


def soak(args: argparse.Namespace, ray: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp, throwaway_server() as postgres:
        tmp = Path(tmp)
        url = postgres.url(postgres.create_database())
        home = tmp / "home"
        store = Store(home, url)
        runs = Runs(store)
        apps = [start_app(home, url, args.slots, tmp / f"app{i}.log") for i in (1, 2)]
        try:
            with sync_playwright() as p:  # a first page on each app starts its pool
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                for _, base in apps:
                    page = browser.new_page()
                    page.goto(base)
                    page.get_by_text("Test rows").first.wait_for(timeout=120_000)
                    page.close()
                browser.close()
            pids = [app.pid for app, _ in apps]
            if ray:  # the actors that can be placed (one CPU each) on the cluster's CPUs
                wanted = min(2 * args.slots, 2 * args.cpus)
                workers = lambda: ray_actors()  # noqa: E731
            else:
                wanted = 2 * args.slots
                workers = lambda: [w for pid in pids for w in workers_of(pid)]  # noqa: E731
            deadline = time.time() + 300
            while len(workers()) < wanted:
                if time.time() > deadline:
                    raise SystemExit(f"{len(workers())} of the apps' {wanted} training "
                                     "processes started within 5 minutes")
                time.sleep(0.5)
            time.sleep(20)  # the workers import TensorFlow, then idle
            idle = [rss_mb(w) for w in workers()]
            planned: dict[str, dict[int, int]] = {}
            start = time.time()
            number = 0
            for _ in range(args.workspaces):
                token = store.create()
                planned[token] = {}
                for _ in range(args.runs):
                    spec = spec_for(number)
                    planned[token][runs.create(token, spec, IRIS)] = spec.fit.epochs
                    number += 1
            busy: list[float] = []
            touched = 0.0
            while True:
                active = 0
                with runs.engine.connect() as db:
                    active = db.execute(select(runs_table.c.id).where(
                        runs_table.c.status.in_(ACTIVE_STATUSES))).all()
                if not active:
                    break
                if time.time() - start > args.timeout:
                    raise SystemExit(f"{len(active)} runs still active after {args.timeout} s")
                if time.time() - touched > 5:  # the workspaces' pages are open
                    for token in planned:
                        store.touch(token)
                    touched = time.time()
                for worker in workers():
                    before = cpu_ticks(worker)
                    time.sleep(0.05)
                    if cpu_ticks(worker) > before and (mb := rss_mb(worker)):
                        busy.append(mb)
                time.sleep(0.5)
            wall = time.time() - start
            app_rss = [rss_mb(pid) for pid in pids]
            after = [rss_mb(w) for w in workers()]
            by_owner = Counter(int(owner.split(":")[1]) if owner else None
                               for owner in owners(runs).values())
            problems = check(runs, planned, bool(ray))
            nodes = Counter(found.group(1) if (found := re.search(r"Ray node (\w+)", r.note or ""))
                            else "none" for t in planned for r in runs.list(t))
        finally:
            for app, _ in apps:
                app.terminate()
                app.wait(20)
        store.engine.dispose()
    total = args.workspaces * args.runs
    print(f"Soak: {args.workspaces} workspaces × {args.runs} runs = {total} Iris runs "
          f"(3-12 epochs each) through 2 app processes on PostgreSQL, "
          + (f"on the Ray cluster at {ray} ({args.slots} slot(s) per app)" if ray
             else f"{args.slots} worker(s) per app"))
    print(f"  wall time {wall:.0f} s; trained by app 1: {by_owner.get(pids[0], 0)}, "
          f"app 2: {by_owner.get(pids[1], 0)}, other: "
          f"{total - by_owner.get(pids[0], 0) - by_owner.get(pids[1], 0)}")
    print("  every run done with its own epochs, history, test scores and model; none lost, "
          "none trained twice, none seen from another workspace: "
          + ("yes" if not problems else f"NO — {len(problems)} problem(s):"))
    if ray:
        print("  trained per Ray node (from the runs' notes): "
              + ", ".join(f"{node}: {n}" for node, n in sorted(nodes.items())))
    for problem in problems[:20]:
        print(f"    {problem}")
    print("  resident memory (VmRSS): app processes "
          + ", ".join(f"{mb:.0f} MB" for mb in app_rss if mb)
          + (f"; an idle {'actor' if ray else 'worker'} "
             + ", ".join(f"{m:.0f}" for m in idle if m) + " MB" if any(idle) else "")
          + (f"; a busy one (most seen) {max(busy):.0f} MB" if busy else "")
          + ("; each idle again after the soak " + ", ".join(f"{m:.0f}" for m in after if m)
             + " MB" if any(after) else ""))


if __name__ == "__main__":
    main()
