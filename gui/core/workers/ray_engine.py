"""The pool's cluster engine: Ray actors that train runs on any node of a Ray cluster.

Imported only when LAYERLAB_RAY_ADDRESS is set (engines.make_pool), so the default app never
imports Ray. The dispatcher (pool.py) is the same as for local processes; here a worker is a
Trainer actor (one CPU, spread over the nodes) that imports TensorFlow once, when it is made,
and opens the store by its database URL, with a LAYERLAB_HOME of its own on its node:
- a run is a `train(run_id)` call; the dispatcher polls its ObjectRef (ray.wait, timeout 0);
- Stop is a `stop(run_id)` call that runs beside `train` (the actor has several threads) and
  returns once the fit has seen it, so the dispatcher hears the answer as it would a process's;
- a `lifeline()` call that returns only when the actor ends tells the dispatcher at once when
  an actor was killed or its node lost: its run fails in words and a new actor takes its place.
Each run's note says which node trained it.

Example:
    pool = TrainingPool(store, engine=RayEngine(store, connect("auto")))
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import threading
from pathlib import Path

import ray
from ray.exceptions import GetTimeoutError, RayActorError, RayError

from gui.core.store.workspaces import Store
from gui.core.workers.engines import RAY_ADDRESS_ENV, RayConfigError, probe, wrong_address

PACKAGE = Path(__file__).resolve().parents[2]  # the `gui` package: travels with the job


def connect(address: str) -> str:
    """Join the Ray cluster at `address` ("auto", "host:port" or "ray://host:port") unless
    this process has joined one already; a setting that cannot work is a RayConfigError in
    words, within seconds. Returns the address."""
    address = address.strip()
    probe(address)
    if ray.is_initialized():
        return address
    try:
        ray.init(address=address, namespace="layerlab", logging_level=logging.WARNING,
                 log_to_driver=False, configure_logging=False,
                 runtime_env={"py_modules": [str(PACKAGE)],
                              "excludes": ["__pycache__"],
                              "env_vars": {"TF_CPP_MIN_LOG_LEVEL": "2"}})
    except (ConnectionError, RayError, ValueError, RuntimeError, TimeoutError) as error:
        raise wrong_address(address, f"could not be joined ({_first_line(error)})") from None
    return address


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0][:200] if lines else type(error).__name__


@ray.remote(num_cpus=1, max_concurrency=4, scheduling_strategy="SPREAD")
class Trainer:
    """A training worker on a node of the cluster: TensorFlow imported once, at start."""

    def __init__(self, url: str, home: str | None):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        from gui.core.store.runs import Runs
        from gui.core.workers.worker import import_tensorflow

        import_tensorflow(1)  # the actor holds one CPU

        self.home = home or tempfile.mkdtemp(prefix="layerlab-ray-")
        os.environ["LAYERLAB_HOME"] = self.home  # this actor's process: its own folder
        self.runs = Runs(Store(self.home, url))
        self.node = ray.get_runtime_context().get_node_id()
        self.where = f"{socket.gethostname()} (Ray node {self.node[:8]})"
        self._lock = threading.Lock()
        self._stops: dict[int, threading.Event] = {}
        self._heard: dict[int, threading.Event] = {}
        self._ended = threading.Event()

    def hello(self) -> dict:
        """Who this actor is, once it is ready: its process id, node and home."""
        return {"pid": os.getpid(), "node": self.node, "home": self.home}

    def lifeline(self) -> None:
        """Returns only when the actor ends (an error reaches the caller if it is killed)."""
        self._ended.wait()

    def train(self, run_id: int) -> int:
        from gui.core.workers.worker import release, train

        stop, heard = self._events(run_id)
        record = self.runs.get_any(run_id)
        self.runs.report(run_id, note=" ".join(
            t for t in (record.note, f"Trained on {self.where}.") if t))
        try:
            train(self.runs, run_id, stop, heard.set)
        finally:
            heard.set()
            with self._lock:
                self._stops.pop(run_id, None)
                self._heard.pop(run_id, None)
            release()
        return run_id

    def stop(self, run_id: int) -> int:
        """Ask run `run_id` to stop; returns once its fit has seen the stop (or ended)."""
        stop, heard = self._events(run_id)
        stop.set()
        heard.wait(60)
        return run_id

    def _events(self, run_id: int) -> tuple[threading.Event, threading.Event]:
        with self._lock:  # a stop may arrive before its train call begins
            return (self._stops.setdefault(run_id, threading.Event()),
                    self._heard.setdefault(run_id, threading.Event()))


class RayEngine:
    """Starts Trainer actors on the cluster this process has joined (connect)."""

    name = "ray"
    slots = 1  # set by the pool; each actor holds one CPU of its node, whatever the count

    def __init__(self, store: Store, address: str):
        self.store, self.address = store, address
        # A SQLite store is a file on this machine: actors here share it (and its folder);
        # a database server is reached from any node, each actor with a home of its own.
        self.home = str(store.home) if store.url.startswith("sqlite") else None
        if self.home is not None:
            nodes = {node["NodeManagerAddress"] for node in ray.nodes() if node["Alive"]}
            problem = sqlite_problem(nodes, ray.util.get_node_ip_address())
            if problem:
                raise RayConfigError(problem)

    def default_slots(self) -> int:
        return max(1, int(ray.cluster_resources().get("CPU", 1)))

    def start(self) -> RayWorker:
        return RayWorker(Trainer.remote(self.store.url, self.home))

    def close(self) -> None:
        pass


def sqlite_problem(node_addresses: set[str], here: str) -> str | None:
    """Why a SQLite store cannot serve a cluster with nodes at `node_addresses` (this
    machine is `here`), or None when every node is this machine."""
    elsewhere = sorted(node_addresses - {here, "127.0.0.1", "localhost"})
    if not elsewhere:
        return None
    return (f"{RAY_ADDRESS_ENV} names a Ray cluster with nodes on other machines "
            f"({', '.join(elsewhere[:3])}), but the store is the SQLite file under "
            "LAYERLAB_HOME, which only this machine can open: set LAYERLAB_DATABASE_URL to a "
            "PostgreSQL database that every node can reach, or keep the cluster on this "
            "machine.")


class RayWorker:
    """One Trainer actor as the dispatcher drives it."""

    def __init__(self, actor):
        self.actor = actor
        self.pid: int | None = None
        self.node: str | None = None
        self._hello = actor.hello.remote()
        self._lifeline = actor.lifeline.remote()
        self._run: tuple[int, ray.ObjectRef] | None = None
        self._stop: tuple[int, ray.ObjectRef] | None = None
        self._dead: str | None = None

    def events(self) -> list[tuple[str, int | None]]:
        said = []
        if self._hello is not None and self._done(self._hello):
            info = self._get(self._hello)
            self._hello = None
            if info is not None:
                self.pid, self.node = info["pid"], info["node"]
                said.append(("ready", None))
        if self._stop is not None and self._done(self._stop[1]):
            said.append(("heard", self._stop[0]))
            self._stop = None
        if self._run is not None and self._done(self._run[1]):
            if self._get(self._run[1]) is not None:
                said.append(("done", self._run[0]))
                self._run = None
        return said

    def alive(self) -> bool:
        if self._dead is None and self._done(self._lifeline):
            self._get(self._lifeline)
            self._dead = self._dead or "it ended"
        return self._dead is None

    def send_run(self, run_id: int) -> None:
        self._run = (run_id, self.actor.train.remote(run_id))

    def send_stop(self, run_id: int) -> None:
        self._stop = (run_id, self.actor.stop.remote(run_id))

    def death_message(self) -> str:
        where = f" on Ray node {self.node[:8]}" if self.node else ""
        return ("Training failed: the Ray actor training this run" + where + " stopped in "
                "the middle of it, as its process was killed or its node left the cluster "
                "— most often because the node ran out of memory. A new actor has taken its "
                "place; train again, with a smaller batch size or a smaller network if "
                "memory is short.")

    def kill(self) -> None:
        try:
            ray.kill(self.actor, no_restart=True)
        except (RayError, ValueError):
            pass
        self._dead = self._dead or "killed"

    @staticmethod
    def _done(ref) -> bool:
        ready, _ = ray.wait([ref], timeout=0)
        return bool(ready)

    def _get(self, ref):
        """The call's result; None when the actor died (remembered for alive())."""
        try:
            return ray.get(ref, timeout=5)
        except RayActorError as error:
            self._dead = str(error).splitlines()[0] if str(error) else "died"
        except GetTimeoutError:
            return None
        except RayError as error:  # the call itself failed: the actor is of no more use
            self._dead = str(error).splitlines()[0] if str(error) else "failed"
        return None
