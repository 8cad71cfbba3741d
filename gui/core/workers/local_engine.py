"""The pool's default engine: worker processes on this machine (no cluster needed).

A worker is a fresh interpreter (`python -m gui.core.workers.worker`, not a fork:
TensorFlow's threads do not survive one; and not multiprocessing's spawn, which re-runs the
app's main script in the child), linked to the pool by a socket pair carrying
multiprocessing Connection messages. It imports TensorFlow once, at start, so a run begins
without it. The dispatcher (pool.py) drives it through the small Worker interface below;
ray_engine.py is the same interface over Ray actors.

Example:
    worker = LocalEngine(store).start()
    ...; worker.send_run(run_id); worker.events()  # [("ready", None), ("done", run_id)]
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path

from gui.core.store.workspaces import Store
from gui.core.workers.worker import THREADS_ENV

ROOT = Path(__file__).resolve().parents[3]


class LocalEngine:
    """Starts worker processes on this machine for `store`; `home`: their LAYERLAB_HOME
    (default: the store's own)."""

    name = "local"

    def __init__(self, store: Store, home: Path | str | None = None):
        self.store = store
        self.home = Path(home) if home is not None else store.home
        self.slots = self.default_slots()  # the pool says how many workers share the cores

    def default_slots(self) -> int:
        return max(1, os.cpu_count() or 1)

    def start(self) -> LocalWorker:
        return LocalWorker(self.store, self.home, threads_each(self.slots))

    def close(self) -> None:
        pass


class LocalWorker:
    """One worker process and its end of the socket pair."""

    def __init__(self, store: Store, home: Path, threads: int = 1):
        ours, theirs = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gui.core.workers.worker", str(theirs.fileno()),
             str(home)], cwd=ROOT, pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            env={**os.environ, "LAYERLAB_WORKER_DATABASE_URL": store.url,
                 "LAYERLAB_HOME": str(home), THREADS_ENV: str(threads)})
        theirs.close()
        self.conn: Connection | None = Connection(ours.detach())
        self.pid: int | None = self.process.pid

    def events(self) -> list[tuple[str, int | None]]:
        """What the worker said since last asked: ("ready", None), ("heard", run id) when its
        fit has seen a stop, ("done", run id) when it let go of a run."""
        said = []
        try:
            while self.conn is not None and self.conn.poll():
                kind, value = self.conn.recv()
                said.append((kind, None if kind == "ready" else value))
        except (EOFError, OSError):
            pass  # the process died; alive() says so
        return said

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def send_run(self, run_id: int) -> None:
        self.conn.send(("run", run_id))

    def send_stop(self, run_id: int) -> None:
        self.conn.send(("stop", run_id))

    def death_message(self) -> str:
        return death_message(self.process.returncode if self.process is not None else None)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self.conn is not None:
            self.conn.close()
        self.conn = None


def threads_each(slots: int) -> int:
    """TensorFlow threads for each of `slots` workers: their share of the cores. A small
    tabular model gains nothing from more, and workers that each use every core only fight
    (two Iris runs at once: ~15% more CPU each, and slower, with TensorFlow's default pools)."""
    return max(1, (os.cpu_count() or 1) // max(1, slots))


def death_message(code: int | None) -> str:
    """Why a worker ended in the middle of a run, in words."""
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        why = ("it was killed (SIGKILL) — most often because the server ran out of memory"
               if -code == signal.SIGKILL else f"it was ended by {name}")
    else:
        why = f"it exited unexpectedly (code {code})"
    return (f"Training failed: the training process stopped in the middle of this run, as "
            f"{why}. A new process has taken its place; train again, with a smaller batch "
            "size or a smaller network if memory is short.")
