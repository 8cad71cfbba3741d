"""A run's row in the store and the records read from it: the runs table, RunRecord (a whole
run as pages and workers read it) and RunGlance (the few columns a live view polls first).

runs.py's `Runs` reads and writes these rows; nothing here opens a transaction.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from sqlalchemy import Column, Float, ForeignKey, Integer, String, Table, Text, func

from gui.core.spec.schema import ExperimentSpec
from gui.core.spec.vocabulary import ACTIVE_STATUSES
from gui.core.store.progress import Progress
from gui.core.store.workspaces import metadata, workspaces

runs_table = Table(
    "runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("workspace", String(64), ForeignKey(workspaces.c.token, ondelete="CASCADE"),
           nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("created", Float, nullable=False, index=True),  # Train pressed: the queue order
    Column("status", String(16), nullable=False, index=True),
    Column("spec", Text, nullable=False),
    Column("data", Text, nullable=False),
    Column("parent", Integer),                # the run this one continues, if any
    Column("start_epoch", Integer, nullable=False, default=0),
    Column("history", Text, nullable=False, default="{}"),
    Column("epoch_seconds", Text, nullable=False, default="[]"),
    Column("log", Text, nullable=False, default="[]"),
    Column("progress", Text, nullable=False, default="{}"),
    Column("note", Text),
    Column("error", Text),
    Column("test_metrics", Text, nullable=False, default="{}"),
    Column("hidden_metrics", Text),           # a lesson copy's run on the hidden test rows
    Column("model_epoch", Integer),           # the epoch whose model is saved; None: none
    Column("model_pending", Integer),         # 1: ended, its final model still being saved
    Column("started", Float),
    Column("ended", Float),
    Column("stop_requested", Float),          # when Stop was pressed
    Column("heartbeat", Float),               # the worker's last sign of life
    Column("owner", String(120)),             # the pool (host:pid) that runs it
)


@dataclass
class RunRecord:
    """One run as read from the store (a copy: later writes do not change it)."""

    id: int
    workspace: str
    name: str
    created: float
    status: str
    spec: ExperimentSpec
    data: dict
    parent: int | None = None
    start_epoch: int = 0
    history: dict[str, list[float]] = field(default_factory=dict)
    epoch_seconds: list[float] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    progress: Progress = Progress(0, 0, 0, 0)
    note: str | None = None
    error: str | None = None
    test_metrics: dict[str, float] = field(default_factory=dict)
    hidden_metrics: dict[str, float] = field(default_factory=dict)
    model_epoch: int | None = None
    model_pending: bool = False
    started: float | None = None
    ended: float | None = None
    stop_requested: float | None = None
    heartbeat: float | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def has_model(self) -> bool:
        """The run's final model is saved and may be loaded (Evaluate, Predict, Continue,
        downloads). False while `model_pending`: the run has ended (a stop is shown at once)
        but its worker is still saving the model of its last epoch."""
        return self.model_epoch is not None and not self.model_pending

    @property
    def epochs_done(self) -> int:
        return len(self.history.get("loss", []))

    @property
    def elapsed(self) -> float:
        """Seconds spent training so far (this run only, not waiting in the queue)."""
        if self.started is None:
            return 0.0
        return max(0.0, (self.ended or time.time()) - self.started)

    def final(self, name: str) -> float | None:
        values = self.history.get(name) or []
        return values[-1] if values else None


@dataclass(frozen=True)
class RunGlance:
    """What a polling page reads first, without the run's history, log or spec: its status
    and progress, and `changes`, which differs when anything else a page draws changed (a
    new epoch in the history, a longer log, a note, an end), so that the whole record is
    read again only then."""

    id: int
    name: str
    status: str
    progress: Progress
    started: float | None
    ended: float | None
    history_chars: int  # the length of the history's JSON text: "{}" before any epoch
    changes: tuple
    model_pending: bool = False  # ended, its final model still being saved

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def has_history(self) -> bool:
        """At least one epoch's values are recorded."""
        return self.history_chars > len("{}")

    @property
    def elapsed(self) -> float:
        """Seconds spent training so far (not waiting in the queue)."""
        if self.started is None:
            return 0.0
        return max(0.0, (self.ended or time.time()) - self.started)


GLANCE_COLUMNS = (runs_table.c.id, runs_table.c.name, runs_table.c.status, runs_table.c.progress,
           runs_table.c.started, runs_table.c.ended, runs_table.c.model_epoch,
           runs_table.c.model_pending, runs_table.c.stop_requested,
           func.length(runs_table.c.history).label("history_len"),
           func.length(runs_table.c.log).label("log_len"),
           func.length(runs_table.c.note).label("note_len"),
           func.length(runs_table.c.error).label("error_len"),
           func.length(runs_table.c.test_metrics).label("test_len"))


def progress_of(text: str | None) -> Progress:
    values = json.loads(text or "[]")
    return Progress(*values) if len(values) == 4 else Progress(0, 0, 0, 0)


def glance_of(row) -> RunGlance:
    # The history, log and notes only grow or change length when they change.
    changes = (row.id, row.name, row.status, row.ended, row.model_epoch, row.model_pending,
               row.stop_requested, row.history_len, row.log_len, row.note_len, row.error_len,
               row.test_len)
    return RunGlance(id=row.id, name=row.name, status=row.status,
                     progress=progress_of(row.progress), started=row.started, ended=row.ended,
                     history_chars=row.history_len or 0, changes=changes,
                     model_pending=bool(row.model_pending))


def record_of(row, known: RunRecord | None = None) -> RunRecord:
    return RunRecord(
        id=row.id, workspace=row.workspace, name=row.name, created=row.created,
        status=row.status,
        spec=known.spec if known else ExperimentSpec.from_json(row.spec),
        data=known.data if known else json.loads(row.data),
        parent=row.parent, start_epoch=row.start_epoch or 0,
        history=json.loads(row.history or "{}"),
        epoch_seconds=json.loads(row.epoch_seconds or "[]"), log=json.loads(row.log or "[]"),
        progress=progress_of(row.progress),
        note=row.note, error=row.error, test_metrics=json.loads(row.test_metrics or "{}"),
        hidden_metrics=json.loads(row.hidden_metrics or "{}"),
        model_epoch=row.model_epoch, model_pending=bool(row.model_pending),
        started=row.started, ended=row.ended,
        stop_requested=row.stop_requested, heartbeat=row.heartbeat)
