"""Runs: every training of a workspace, as a record in the store that outlives any tab.

A run holds the spec it trained (a snapshot), the data it names (a data_ref reference), its
status, per-epoch history with timings, progress within the epoch, a note or an error in
words, test metrics (and, for a lesson copy's run, the metrics on the lesson's hidden test
rows), and — once an epoch has been saved — its model with the optimizer state, its weight
snapshots and its model card's notes (run_files.py: in the database, cached in each process's
LAYERLAB_HOME). Pages read runs; training workers write them (worker.py); the pool (pool.py)
hands queued runs to free workers, oldest first.

Reading is always through the workspace's token, so no workspace sees another's runs; only
the pool and the workers, which serve every workspace, use `get_any`.

Example:
    runs = Runs(store)
    run_id = runs.create(token, spec, {"dataset": {"sample": "Iris flowers"}, "test": None})
    runs.get(token, run_id).status          # "queued", then "running", "done", ...
    runs.request_stop(token, run_id)
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from sqlalchemy import (
    case,
    func,
    or_,
    select,
    text,
)

from gui.core.spec.schema import ExperimentSpec
from gui.core.spec.vocabulary import (
    ACTIVE_STATUSES,
    FAILED,
    INTERRUPTED,
    QUEUED,
    RUNNING,
    STOPPED,
    STOPPING,
)
from gui.core.store import searches as _searches  # noqa: F401  (Start over clears them too)
from gui.core.store.run_files import RunFiles
from gui.core.store.run_records import (  # noqa: F401  (imported from here by the rest)
    GLANCE_COLUMNS,
    RunGlance,
    RunRecord,
    glance_of,
    progress_of,
    record_of,
    runs_table,
)
from gui.core.store.workspaces import Store, StoreError, workspaces

MAX_CARD_NOTES = 5000  # characters of intended use and caveats kept for a model card
DEFAULT_EPOCH_SECONDS = 0.5  # a guess for queue estimates before any run has finished
CLAIM_LOCK = 7_201_920  # PostgreSQL: pools claim runs one at a time

class Runs:
    """The runs table. Every method is one short transaction, safe across processes."""

    def __init__(self, store: Store):
        self.store = store
        self.engine = store.engine
        self.files = RunFiles(store)  # models, snapshots, card notes: what workers write
        store.create_tables(runs_table)

    # ---- what pages do ---------------------------------------------------------------------
    def create(self, token: str, spec: ExperimentSpec, data: dict, parent: int | None = None,
               start_epoch: int = 0, history: dict | None = None, log: list | None = None,
               epoch_seconds: list | None = None, name: str | None = None) -> int:
        """Queue a run of `spec` on `data`; a continuation names its `parent` and carries
        the parent's curves so the new epochs go on from `start_epoch`."""
        now = time.time()
        with self.engine.begin() as db:
            count = db.execute(select(func.count()).where(
                runs_table.c.workspace == token)).scalar() or 0
            result = db.execute(runs_table.insert().values(
                workspace=token, name=name or f"Run {count + 1}", created=now, status=QUEUED,
                spec=spec.to_json(), data=json.dumps(data), parent=parent,
                start_epoch=start_epoch, history=json.dumps(history or {}),
                log=json.dumps(log or []), epoch_seconds=json.dumps(epoch_seconds or []),
                progress=json.dumps([start_epoch, spec.fit.epochs, 0, 0]), test_metrics="{}"))
            return int(result.inserted_primary_key[0])

    def get(self, token: str, run_id: int, known: RunRecord | None = None) -> RunRecord:
        """The workspace's run `run_id`; StoreError when it has none by that number.
        `known`: an earlier read of the same run, whose spec and data (which never change)
        are kept rather than read and parsed again."""
        again = known is not None and known.id == run_id and known.workspace == token
        columns = [c for c in runs_table.c if c.name not in ("spec", "data")] if again \
            else [runs_table]
        with self.engine.connect() as db:
            row = db.execute(select(*columns).where(runs_table.c.id == run_id,
                                                    runs_table.c.workspace == token)).first()
        if row is None:
            raise StoreError("This run is not in the workspace (deleted, or Start over).")
        return record_of(row, known if again else None)

    def glance(self, token: str, run_id: int | None = None) -> RunGlance | None:
        """The workspace's run `run_id` (or, without one, its active run) at a glance: one
        short row, whatever the length of its history. None when there is none."""
        c = runs_table.c
        query = select(*GLANCE_COLUMNS).where(c.workspace == token)
        query = (query.where(c.id == run_id) if run_id is not None else
                 query.where(c.status.in_(ACTIVE_STATUSES)).order_by(c.id))
        with self.engine.connect() as db:
            row = db.execute(query).first()
        return glance_of(row) if row is not None else None

    def glance_all(self, token: str) -> list[RunGlance]:
        """Every run of the workspace at a glance, oldest first."""
        with self.engine.connect() as db:
            rows = db.execute(select(*GLANCE_COLUMNS).where(runs_table.c.workspace == token)
                              .order_by(runs_table.c.id)).all()
        return [glance_of(r) for r in rows]

    def list(self, token: str) -> list[RunRecord]:
        """The workspace's runs, oldest first."""
        with self.engine.connect() as db:
            rows = db.execute(select(runs_table).where(runs_table.c.workspace == token)
                              .order_by(runs_table.c.id)).all()
        return [record_of(r) for r in rows]

    def active(self, token: str) -> RunRecord | None:
        """The workspace's queued, running or stopping run (there is at most one)."""
        with self.engine.connect() as db:
            row = db.execute(select(runs_table).where(
                runs_table.c.workspace == token, runs_table.c.status.in_(ACTIVE_STATUSES))
                .order_by(runs_table.c.id)).first()
        return record_of(row) if row is not None else None

    def rename(self, token: str, run_id: int, name: str) -> None:
        name = " ".join(str(name).split())[:200]
        if not name:
            raise StoreError("A run needs a name; type one.")
        self._update(token, run_id, name=name)

    def delete(self, token: str, run_id: int) -> None:
        """Delete a run that is not training, its model file and its weight snapshots."""
        record = self.get(token, run_id)
        if record.active:
            raise StoreError("This run is still training; stop it first.")
        self.files.remove(token, run_id)
        with self.engine.begin() as db:
            db.execute(runs_table.delete().where(runs_table.c.id == run_id,
                                                 runs_table.c.workspace == token))

    def request_stop(self, token: str, run_id: int, note: str | None = None) -> None:
        """Ask a run to stop: a queued one ends at once, a running one within a second
        (the pool passes the request on to its worker)."""
        now = time.time()
        with self.engine.begin() as db:
            db.execute(runs_table.update().where(
                runs_table.c.id == run_id, runs_table.c.workspace == token,
                runs_table.c.status == QUEUED).values(
                status=STOPPED, stop_requested=now, ended=now,
                note=note or "Stopped before it started."))
            db.execute(runs_table.update().where(
                runs_table.c.id == run_id, runs_table.c.workspace == token,
                runs_table.c.status.in_((RUNNING, STOPPING)),
                runs_table.c.stop_requested.is_(None)).values(
                status=STOPPING, stop_requested=now, note=note))

    def model_path(self, token: str, run_id: int) -> Path:
        """The run's model (.keras, with its optimizer state) in this process's cache, up to
        date with the database; the path does not exist while the run has no model."""
        return self.files.paths(token, run_id, "model")[0]

    def card_notes(self, token: str, run_id: int) -> str:
        """The intended use and caveats the user wrote for the run's model card ("" if none)."""
        self.get(token, run_id)  # the run is this workspace's
        path = self.files.paths(token, run_id, "card")[0]
        return path.read_text(encoding="utf-8") if path.exists() else ""

    def set_card_notes(self, token: str, run_id: int, text: str) -> None:
        """Keep the user's intended use and caveats with the run (at most MAX_CARD_NOTES
        characters); the model card of every later download carries them."""
        self.get(token, run_id)
        text = str(text or "")
        if len(text) > MAX_CARD_NOTES:
            raise StoreError(f"The notes are {len(text):,} characters; the model card keeps "
                             f"at most {MAX_CARD_NOTES:,}. Shorten them.")
        self.files.write(token, run_id, "card",
                         lambda path: path.write_text(text, encoding="utf-8"))

    def snapshot_paths(self, token: str, run_id: int) -> tuple[Path, Path]:
        """The run's weight snapshots in this process's cache, up to date with the database:
        (every kept epoch, the latest epoch alone while it trains); see snapshots.py. A
        path that does not exist stands for snapshots the run has not (yet)."""
        full, latest = self.files.paths(token, run_id, "snapshots", "latest")
        return full, latest

    def queue(self, run_id: int) -> tuple[int, float]:
        """(runs ahead of a queued run, their rough remaining training seconds, summed)."""
        with self.engine.connect() as db:
            created = db.execute(select(runs_table.c.created).where(
                runs_table.c.id == run_id)).scalar()
            rows = db.execute(select(runs_table).where(
                runs_table.c.status.in_(ACTIVE_STATUSES),
                runs_table.c.id != run_id)).all()
            pace = db.execute(select(runs_table.c.epoch_seconds).where(
                runs_table.c.status.notin_(ACTIVE_STATUSES))
                .order_by(runs_table.c.id.desc()).limit(20)).scalars().all()
        seconds = [s for text in pace for s in json.loads(text)[1:]]  # the 1st compiles
        per_epoch = (sum(seconds) / len(seconds)) if seconds else DEFAULT_EPOCH_SECONDS
        ahead = [record_of(r) for r in rows
                 if r.status != QUEUED or (created is not None and r.created < created)]
        left = 0.0
        for record in ahead:
            remaining = max(0, record.spec.fit.epochs - record.epochs_done)
            left += remaining * per_epoch + (0 if record.status != QUEUED else 3.0)
        return sum(1 for r in ahead if r.status == QUEUED), left

    # ---- what workers and the pool do --------------------------------------------------------
    def get_any(self, run_id: int) -> RunRecord:
        with self.engine.connect() as db:
            row = db.execute(select(runs_table).where(runs_table.c.id == run_id)).first()
        if row is None:
            raise StoreError(f"Run {run_id} is not in the store.")
        return record_of(row)

    def settled(self, run_id: int, wait_s: float) -> RunRecord:
        """Run `run_id` once its final model is saved: a continuation queued right after its
        parent was stopped waits (up to `wait_s`) for that model, never loads an older one;
        ValueError, in words, when it is still being saved."""
        deadline = time.monotonic() + wait_s
        record = self.get_any(run_id)
        while record.model_pending and time.monotonic() < deadline:
            time.sleep(0.1)
            record = self.get_any(run_id)
        if record.model_pending:
            raise ValueError(f"{record.name} is still saving its model; continue it again "
                             "in a moment")
        return record

    def training_owners(self) -> set[str]:
        """The owners (pool processes) of every run that is running or stopping now, or
        saving its final model."""
        with self.engine.connect() as db:
            return set(db.execute(select(runs_table.c.owner).where(
                _in_a_worker(), runs_table.c.owner.is_not(None))).scalars())

    def claim(self, run_id: int, owner: str) -> bool:
        """Take queued run `run_id` for `owner` (e.g. the CLI training it itself); False when
        a pool took it first or it is not queued."""
        now = time.time()
        with self.engine.begin() as db:
            taken = db.execute(runs_table.update().where(
                runs_table.c.id == run_id, runs_table.c.status == QUEUED).values(
                status=RUNNING, owner=owner, started=now, heartbeat=now))
        return taken.rowcount == 1

    def claim_next(self, owner: str) -> int | None:
        """Take the oldest queued run whose workspace trains nothing else; None if none.
        Pools in several processes may claim at once: the claim itself checks that the
        workspace is not busy, and on PostgreSQL claims take turns (an advisory lock), so a
        workspace never trains two runs."""
        busy = select(runs_table.c.workspace).where(
            runs_table.c.status.in_((RUNNING, STOPPING)))
        with self.engine.begin() as db:
            if db.dialect.name == "postgresql":
                db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CLAIM_LOCK})
            candidates = db.execute(select(runs_table.c.id).where(
                runs_table.c.status == QUEUED, runs_table.c.workspace.notin_(busy))
                .order_by(runs_table.c.created, runs_table.c.id).limit(5)).scalars().all()
            now = time.time()
            for run_id in candidates:
                taken = db.execute(runs_table.update().where(
                    runs_table.c.id == run_id, runs_table.c.status == QUEUED,
                    runs_table.c.workspace.notin_(busy.scalar_subquery())).values(
                    status=RUNNING, owner=owner, started=now, heartbeat=now))
                if taken.rowcount == 1:  # another process may have taken it first
                    return int(run_id)
        return None

    def report(self, run_id: int, **values) -> None:
        """Write what a worker knows now; lists and dicts are stored as JSON."""
        values = {k: json.dumps(v) if isinstance(v, list | dict | tuple) else v
                  for k, v in values.items()}
        values["heartbeat"] = time.time()
        with self.engine.begin() as db:
            db.execute(runs_table.update().where(runs_table.c.id == run_id).values(**values))

    def report_training(self, run_id: int, **values) -> None:
        """A training worker's periodic report: `values`, and the status "running", or
        "stopping" once a stop was asked for; decided in the same statement, so that a stop
        request written meanwhile (the page then waits for the run to end) is never undone."""
        self.report(run_id, status=case((runs_table.c.stop_requested.is_(None), RUNNING),
                                        else_=STOPPING), **values)

    def stop_requests(self, run_ids: list[int]) -> set[int]:
        """Which of `run_ids` have been asked to stop."""
        if not run_ids:
            return set()
        with self.engine.connect() as db:
            return set(db.execute(select(runs_table.c.id).where(
                runs_table.c.id.in_(run_ids),
                runs_table.c.stop_requested.is_not(None))).scalars())

    def stop_idle(self, idle_seconds: float, now: float | None = None) -> int:
        """Stop the runs of workspaces with no open page for `idle_seconds`; how many."""
        cutoff = (now or time.time()) - idle_seconds
        with self.engine.connect() as db:
            rows = db.execute(select(runs_table.c.id, runs_table.c.workspace)
                              .join(workspaces, workspaces.c.token == runs_table.c.workspace)
                              .where(runs_table.c.status.in_((QUEUED, RUNNING)),
                                     runs_table.c.stop_requested.is_(None),
                                     workspaces.c.last_seen < cutoff)).all()
        minutes = idle_seconds / 60
        for row in rows:
            self.request_stop(row.workspace, row.id, note=(
                f"Stopped because no page of its workspace was open for {minutes:g} "
                "minutes; the model keeps the weights it had."))
        return len(rows)

    def interrupt_stale(self, stale_before: float, keep: set[int] = frozenset(),
                        owner: str | None = None) -> int:
        """Mark in-flight runs whose worker went silent (a server restart) as interrupted:
        never "running" forever; an ended run whose final model was being saved keeps the
        model saved before. Runs owned by `owner` count as silent at once."""
        with self.engine.connect() as db:
            rows = db.execute(select(runs_table.c.id, runs_table.c.model_epoch,
                                     runs_table.c.heartbeat, runs_table.c.owner,
                                     runs_table.c.status).where(_in_a_worker())).all()
        count = 0
        for row in rows:
            silent = (row.heartbeat or 0) < stale_before or (owner and row.owner == owner)
            if row.id in keep or not silent:
                continue
            self.end_lost(row.id, "Interrupted: the server stopped while this run was "
                                  "training.")
            count += 1
        return count

    def end_lost(self, run_id: int, why: str) -> None:
        """The worker of run `run_id` is gone (`why`, in words). A run that was training is
        interrupted (a server that stopped) or failed (a worker that died: `why` starts
        "Training failed"); a run that had ended and was saving its final model keeps the
        model saved before it, and its status."""
        with self.engine.connect() as db:
            row = db.execute(select(runs_table.c.status, runs_table.c.model_epoch,
                                    runs_table.c.model_pending, runs_table.c.note).where(
                runs_table.c.id == run_id)).first()
        if row is None:
            return
        kept = (f"The model of epoch {row.model_epoch} was kept." if row.model_epoch
                else "No epoch's model had been saved.")
        if row.status not in (RUNNING, STOPPING):
            if row.model_pending:
                lost = ("Its training process ended while saving the model of the last "
                        f"epoch. {kept}")
                self.report(run_id, model_pending=0,
                            note=" ".join(t for t in (row.note, lost) if t))
            return
        if why.startswith("Training failed"):
            self.report(run_id, status=FAILED, ended=time.time(), error=why)
        else:
            self.report(run_id, status=INTERRUPTED, ended=time.time(), note=f"{why} {kept}")

    # ---- internals -------------------------------------------------------------------------
    def _update(self, token: str, run_id: int, **values) -> None:
        with self.engine.begin() as db:
            result = db.execute(runs_table.update().where(
                runs_table.c.id == run_id, runs_table.c.workspace == token).values(**values))
        if result.rowcount != 1:
            raise StoreError("This run is not in the workspace (deleted, or Start over).")


def _in_a_worker():
    """Runs a worker holds: training or stopping, or ended with the final model being saved."""
    return or_(runs_table.c.status.in_((RUNNING, STOPPING)), runs_table.c.model_pending == 1)
