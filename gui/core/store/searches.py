"""Searches: "Find a better network" as a record in the store, whose trials are runs.

A search holds its workspace, status, time box (minutes), when it started and ended, what it
searches from (the base spec, the data as a run names it, the space, the task) and its
trials: one entry per trial with the run that trains it (runs.py), its state (queued,
running, complete, pruned, failed), its validation score, epochs and params. The best run
and score are the best complete trial's, by validation score only. The search's driver
(workers/search_driver.py) writes it; pages read it through the workspace's token, the
search row alone (the trials' curves are their runs').

Example:
    searches = Searches(store)
    search_id = searches.create(token, plan.base, data, plan.space, plan.first, "multiclass",
                                minutes=1)
    searches.get(token, search_id).trials      # [SearchTrial(number=0, run=12, ...), ...]
    searches.request_stop(token, search_id)
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field

from sqlalchemy import Column, Float, ForeignKey, Integer, String, Table, Text, func, select, text

from gui.core.spec.schema import ExperimentSpec
from gui.core.spec.vocabulary import SEARCH_SPACE
from gui.core.store.workspaces import Store, StoreError, metadata, workspaces

SEARCH_QUEUED, SEARCH_RUNNING, SEARCH_STOPPING = "queued", "running", "stopping"
SEARCH_DONE, SEARCH_STOPPED, SEARCH_INTERRUPTED = "done", "stopped", "interrupted"
SEARCH_ACTIVE = (SEARCH_QUEUED, SEARCH_RUNNING, SEARCH_STOPPING)
CLAIM_LOCK = 7_201_921  # PostgreSQL: drivers claim searches one at a time
MAX_MINUTES = 60

searches_table = Table(
    "searches", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("workspace", String(64), ForeignKey(workspaces.c.token, ondelete="CASCADE"),
           nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("created", Float, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("minutes", Float, nullable=False),
    Column("task", String(32), nullable=False),
    Column("base", Text, nullable=False),      # the spec trials start from (JSON)
    Column("data", Text, nullable=False),      # the data, as a run names it (JSON)
    Column("space", Text, nullable=False),     # what is searched (JSON)
    Column("first_trial", Text, nullable=False),  # the first point tried (JSON)
    Column("trials", Text, nullable=False, default="[]"),
    Column("best_run", Integer),
    Column("best_score", Float),
    Column("note", Text),
    Column("started", Float),
    Column("ended", Float),
    Column("stop_requested", Float),
    Column("heartbeat", Float),
    Column("owner", String(120)),
)


@dataclass
class SearchTrial:
    """One trial: its number, run, state, validation score (None: none yet), epochs and
    params; `note` says why it ended early."""

    number: int
    run: int
    state: str
    score: float | None = None
    epochs: int = 0
    params: dict = field(default_factory=dict)
    note: str = ""


@dataclass
class SearchRecord:
    """One search as read from the store."""

    id: int
    workspace: str
    name: str
    created: float
    status: str
    minutes: float
    task: str
    base: ExperimentSpec
    data: dict
    space: dict
    first: dict
    trials: list[SearchTrial]
    best_run: int | None = None
    best_score: float | None = None
    note: str | None = None
    started: float | None = None
    ended: float | None = None
    stop_requested: float | None = None

    @property
    def active(self) -> bool:
        return self.status in SEARCH_ACTIVE

    @property
    def best(self) -> SearchTrial | None:
        return next((t for t in self.trials if t.run == self.best_run), None)

    @property
    def seconds_left(self) -> float:
        """Seconds of the time box left (the whole box before it starts)."""
        if self.started is None:
            return self.minutes * 60
        return max(0.0, self.started + self.minutes * 60 - (self.ended or time.time()))


class Searches:
    """The searches table. Every method is one short transaction, safe across processes."""

    def __init__(self, store: Store):
        self.store = store
        self.engine = store.engine
        store.create_tables(searches_table)

    # ---- what pages do ---------------------------------------------------------------------
    def create(self, token: str, base: ExperimentSpec, data: dict, space: dict, first: dict,
               task: str, minutes: float) -> int:
        """Queue a search of `minutes`; refused while the workspace has one going."""
        if not 0 < float(minutes) <= MAX_MINUTES:
            raise StoreError(f"Expected a time box of more than 0 and at most {MAX_MINUTES} "
                             f"minutes. Received: {minutes}. Choose 1, 3 or 10 minutes.")
        if not any(key in space for key in SEARCH_SPACE):
            raise StoreError("There is nothing to search: the lesson locks the layers, the "
                             "learning rate and the fit settings. Ask your teacher to unlock "
                             "one of them.")
        now = time.time()
        c = searches_table.c
        with self.engine.begin() as db:
            going = db.execute(select(c.id).where(c.workspace == token,
                                                  c.status.in_(SEARCH_ACTIVE))).first()
            if going is not None:
                raise StoreError("A search is already going in this workspace; stop it or "
                                 "wait for it to end.")
            count = db.execute(select(func.count()).where(c.workspace == token)).scalar() or 0
            result = db.execute(searches_table.insert().values(
                workspace=token, name=f"Search {count + 1}", created=now,
                status=SEARCH_QUEUED, minutes=float(minutes), task=task, base=base.to_json(),
                data=json.dumps(data), space=json.dumps(space), first_trial=json.dumps(first),
                trials="[]"))
            return int(result.inserted_primary_key[0])

    def get(self, token: str, search_id: int) -> SearchRecord:
        """The workspace's search `search_id`; StoreError when it has none by that number."""
        with self.engine.connect() as db:
            row = db.execute(select(searches_table).where(
                searches_table.c.id == search_id,
                searches_table.c.workspace == token)).first()
        if row is None:
            raise StoreError("This search is not in the workspace (Start over removed it).")
        return _record(row)

    def latest(self, token: str) -> SearchRecord | None:
        """The workspace's newest search, if any."""
        with self.engine.connect() as db:
            row = db.execute(select(searches_table).where(
                searches_table.c.workspace == token)
                .order_by(searches_table.c.id.desc())).first()
        return _record(row) if row is not None else None

    def request_stop(self, token: str, search_id: int) -> None:
        """Ask a search to stop: its driver stops the trial in flight and ends it."""
        now = time.time()
        c = searches_table.c
        with self.engine.begin() as db:
            db.execute(searches_table.update().where(
                c.id == search_id, c.workspace == token, c.status == SEARCH_QUEUED).values(
                status=SEARCH_STOPPED, stop_requested=now, ended=now,
                note="Stopped before it started."))
            db.execute(searches_table.update().where(
                c.id == search_id, c.workspace == token, c.status == SEARCH_RUNNING).values(
                status=SEARCH_STOPPING, stop_requested=now))

    # ---- what the driver does ----------------------------------------------------------------
    def get_any(self, search_id: int) -> SearchRecord:
        with self.engine.connect() as db:
            row = db.execute(select(searches_table).where(
                searches_table.c.id == search_id)).first()
        if row is None:
            raise StoreError(f"Search {search_id} is not in the store.")
        return _record(row)

    def status(self, search_id: int) -> str:
        """The search's status alone (what the driver reads each tick)."""
        with self.engine.connect() as db:
            found = db.execute(select(searches_table.c.status).where(
                searches_table.c.id == search_id)).scalar()
        if found is None:
            raise StoreError(f"Search {search_id} is not in the store.")
        return found

    def last_seen(self, token: str) -> float:
        """When a page of the workspace was last open (0: the workspace is gone)."""
        with self.engine.connect() as db:
            return db.execute(select(workspaces.c.last_seen).where(
                workspaces.c.token == token)).scalar() or 0.0

    def claim_next(self, owner: str) -> int | None:
        """Take the oldest queued search for `owner`'s driver; None if none."""
        c = searches_table.c
        with self.engine.begin() as db:
            if db.dialect.name == "postgresql":
                db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CLAIM_LOCK})
            found = db.execute(select(c.id).where(c.status == SEARCH_QUEUED)
                               .order_by(c.id)).scalars().first()
            if found is None:
                return None
            now = time.time()
            taken = db.execute(searches_table.update().where(
                c.id == found, c.status == SEARCH_QUEUED).values(
                status=SEARCH_RUNNING, owner=owner, started=now, heartbeat=now))
            return int(found) if taken.rowcount == 1 else None

    def report(self, search_id: int, trials: list[SearchTrial] | None = None,
               **values) -> None:
        """Write what the driver knows now (the trials, the best, the status)."""
        if trials is not None:
            values["trials"] = json.dumps([asdict(t) for t in trials])
        values["heartbeat"] = time.time()
        with self.engine.begin() as db:
            db.execute(searches_table.update().where(
                searches_table.c.id == search_id).values(**values))

    def interrupt_stale(self, stale_before: float, keep: set[int] = frozenset()) -> int:
        """Searches going whose driver went silent (a server restart): interrupted, their
        finished trials kept."""
        c = searches_table.c
        with self.engine.begin() as db:
            result = db.execute(searches_table.update().where(
                c.status.in_((SEARCH_RUNNING, SEARCH_STOPPING)),
                c.id.notin_(list(keep)) if keep else c.id.is_not(None),
                func.coalesce(c.heartbeat, 0) < stale_before).values(
                status=SEARCH_INTERRUPTED, ended=time.time(),
                note="Interrupted: the server stopped during this search; the trials that "
                     "finished are kept."))
        return result.rowcount


def _record(row) -> SearchRecord:
    return SearchRecord(
        id=row.id, workspace=row.workspace, name=row.name, created=row.created,
        status=row.status, minutes=row.minutes, task=row.task,
        base=ExperimentSpec.from_json(row.base), data=json.loads(row.data),
        space={k: tuple(v) if isinstance(v, list) else v
               for k, v in json.loads(row.space).items()},
        first=json.loads(row.first_trial),
        trials=[SearchTrial(**t) for t in json.loads(row.trials or "[]")],
        best_run=row.best_run, best_score=row.best_score, note=row.note,
        started=row.started, ended=row.ended, stop_requested=row.stop_requested)
