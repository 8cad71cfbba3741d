"""Two `streamlit run` processes on two ports, one PostgreSQL store, each with its own pool:
a workspace opened on either shows the same work; a run started from one is watched and
stopped from the other; and when one app process is killed (SIGKILL) mid-run, its workers end
with it, the run it trained ends "interrupted" in words on the other app's page, and the runs
waiting in the queue are trained by the other app's pool, each once."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from gui.core.spec.vocabulary import DONE, INTERRUPTED
from gui.core.store.runs import Runs, runs_table
from gui.core.store.workspaces import Store
from tests.core.test_runs import IRIS, iris_spec, wait_for
from tests.e2e.conftest import ROOT, free_port, open_app, wait_idle, workers_of
from tests.e2e.controls import (
    assert_stays_stopped,
    go,
    no_exceptions,
    number,
    set_epochs,
    wait_for_epochs,
)


class App:
    """One `streamlit run app.py` on the shared store."""

    def __init__(self, home: Path, url: str, log_path: Path):
        self.port = free_port()
        self.log_path = log_path
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "LAYERLAB_TRAINING_SLOTS": "1",
               "LAYERLAB_HOME": str(home), "LAYERLAB_DATABASE_URL": url}
        with open(log_path, "w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port",
                 str(self.port), "--server.address", "127.0.0.1", "--server.headless", "true"],
                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        self.process.kill()
        raise RuntimeError(f"streamlit did not start; log:\n{log_path.read_text()}")

    def workers(self) -> list[int]:
        return workers_of(self.process.pid)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture
def two_apps(postgres_server, tmp_path):
    name = postgres_server.create_database()
    url = postgres_server.url(name)
    home = tmp_path / "home"
    apps = [App(home, url, tmp_path / f"app{i}.log") for i in (1, 2)]
    store = Store(home, url)
    yield apps, store
    for app in apps:
        app.close()
    store.engine.dispose()
    for app in apps:
        text = app.log_path.read_text()
        assert "Traceback" not in text, f"an app logged a traceback:\n{text[-4000:]}"
    postgres_server.drop_database(name)


def _on_train(page: Page, app: App, token: str) -> None:
    page.goto(f"{app.url}/train?w={token}")
    page.wait_for_selector("h1", timeout=60_000)


def _owner(runs: Runs, run_id: int) -> str | None:
    """The pool (host:pid:id) that claimed the run: the runs table's owner column."""
    with runs.engine.connect() as db:
        return db.execute(select(runs_table.c.owner).where(runs_table.c.id == run_id)).scalar()


def _owner_pid(runs: Runs, run_id: int) -> int:
    return int(wait_for(lambda: _owner(runs, run_id), 120).split(":")[1])


def test_two_app_processes_share_the_work_and_survive_one_being_killed(
        page: Page, two_apps, tmp_path):
    (one, two), store = two_apps
    runs = Runs(store)
    # 1. A workspace made on the first app is the same workspace on the second.
    open_app(page, one.url)
    expect(page.locator("[data-testid='stMetric']").filter(has_text="Training rows")) \
        .to_be_visible(timeout=90_000)
    token = re.search(r"[?&]w=([^&]+)", page.url).group(1)
    go(page, "3 · Train")
    set_epochs(page, 5000)
    other = page.context.new_page()
    _on_train(other, two, token)
    wait_idle(other)
    assert number(other, "epochs") == "5000"

    # 2. Started on the first, watched and stopped on the second (and seen stopped on both).
    page.get_by_role("button", name="Train", exact=True).click()
    wait_for_epochs(page, 2)
    _on_train(other, two, token)
    wait_for_epochs(other, 3)
    other.get_by_role("button", name="Stop", exact=True).click()
    stopped_at = assert_stays_stopped(other)
    expect(page.locator("[data-testid='stAlert']").filter(has_text="Stopped by you")) \
        .to_contain_text(f"after {stopped_at} epoch", timeout=30_000)
    assert runs.active(token) is None
    stopped_run = runs.glance_all(token)[-1].id

    # 3. A long run again; the other pool kept busy by another workspace's long run; and
    #    three short runs of three more workspaces waiting in the queue behind them.
    page.get_by_role("button", name="Train again").click()
    long_id = wait_for(lambda: (r := runs.active(token)) and r.epochs_done >= 2 and r.id, 120)
    assert long_id != stopped_run
    killed_pid = _owner_pid(runs, long_id)
    victim, survivor = (one, two) if killed_pid == one.process.pid else (two, one)
    assert killed_pid == victim.process.pid
    busy_token = store.create()
    busy_id = runs.create(busy_token, iris_spec(epochs=5000), IRIS)
    assert _owner_pid(runs, busy_id) == survivor.process.pid
    queued = {}
    for _ in range(3):
        queued_token = store.create()
        queued[queued_token] = runs.create(queued_token, iris_spec(epochs=4), IRIS)
    workers = victim.workers()
    assert workers, "the app to be killed has no training process"

    # 4. SIGKILL the app that trains the run. Its training processes end with it...
    os.kill(victim.process.pid, signal.SIGKILL)
    victim.process.wait(10)  # reaped, as a shell or a service manager would
    wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), 30)
    # ... and the other app says, on its page, that the run was interrupted.
    _on_train(page, survivor, token)
    expect(page.locator("[data-testid='stAlert']").filter(has_text="Interrupted")) \
        .to_be_visible(timeout=60_000)
    assert runs.get(token, long_id).status == INTERRUPTED
    expect(page.get_by_role("button", name="Train again")).to_be_visible(timeout=30_000)

    # 5. The queue goes on in the surviving app: each waiting run trained there, once.
    runs.request_stop(busy_token, busy_id)
    for queued_token, run_id in queued.items():
        record = wait_for(lambda t=queued_token, r=run_id: (x := runs.get(t, r))
                          and not x.active and x, 240)
        assert record.status == DONE, (record.status, record.error, record.note)
        assert _owner_pid(runs, run_id) == survivor.process.pid
        epochs = [line for line in record.log if re.match(r"Epoch \d+/4 - loss", line)]
        assert [line.split(" ")[1] for line in epochs] == ["1/4", "2/4", "3/4", "4/4"], \
            json.dumps(record.log)
        # and no other workspace sees it
        assert all(runs.glance(t, run_id) is None for t in queued if t != queued_token)
    no_exceptions(page)
