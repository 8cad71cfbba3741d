"""The live feed: what a watching tab's live panel (live_panel) fetches twice a second,
`GET /api/live/<run>?w=<token>&since=<epochs it has>` (`?p=<presenter link>` from a presenter
tab, which never learns the workspace's token), so that watching a run costs no
Streamlit rerun. A rerun costs the watching browser tens of ms of script and re-plots its
charts; six tabs on a 2-core server took a core of chromium's from the training.

The page registers what the feed needs to word the run (its units, row counts, the run it
is compared with); the feed reads the run's glance, the whole record again only when the
glance says it changed, and answers with JSON: the state the page drew with, the status in
words, the progress, the tiles (tiles.py), the epochs' values since `since` and the log's
tail. A token reaches only its own workspace's runs (Runs.glance / Runs.get check it).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass, replace

from gui.core.inspection import hints
from gui.core.spec.vocabulary import QUEUED, STOPPING
from gui.core.store.workspaces import StoreError
from gui.ui.common import active_feed
from gui.ui.figures.charts import quantity_label
from gui.ui.train import tiles

LOG_TAIL = 8
KEPT = 512  # contexts and records remembered (the runs watched lately)


@dataclass(frozen=True)
class Context:
    """What the page knows about a run that its record does not say."""

    units: dict[str, str]      # {quantity: unit}
    fit_rows: int = 0          # rows the run fits on (0: no accuracy notes)
    train_rows: int = 0
    compare: int | None = None  # the run drawn dashed, whose values the tiles compare with
    compared_name: str = "the compared run"
    alive: bool = True         # the tab may write: watching keeps the workspace in use


_lock = threading.Lock()
_contexts: OrderedDict[tuple[str, int], Context] = OrderedDict()
_records: OrderedDict[tuple[str, int], tuple[tuple, object]] = OrderedDict()


def _remember(table: OrderedDict, key, value) -> None:
    with _lock:
        table[key] = value
        table.move_to_end(key)
        while len(table) > KEPT:
            table.popitem(last=False)


def register(token: str, run_id: int, context: Context) -> None:
    """The page that mounts a live panel says how to word its run."""
    _remember(_contexts, (token, run_id), context)


def _record(runs, token: str, run_id: int, changes: tuple):
    """The run's whole record, read again only when its glance's `changes` moved on."""
    known = _records.get((token, run_id))
    if known is not None and known[0] == changes:
        return known[1]
    record = runs.get(token, run_id, known=known[1] if known else None)
    _remember(_records, (token, run_id), (changes, record))
    return record


def running_text(record) -> str:
    """The progress bar's words while a run trains (the Train page's status says the same)."""
    p = record.progress
    if p.steps and (p.step or record.epochs_done > record.start_epoch):
        text = p.text(record.elapsed).capitalize()
    else:
        text = ("Reading the data, building the model and compiling its training step for "
                "TensorFlow (the first epoch takes a few seconds) · "
                f"{record.elapsed:.0f} s")
    return "Stopping… " + text if record.status == STOPPING else text


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def queued_text(ahead: int, seconds: float, slots: int, ready: int) -> str:
    """Where a queued run waits, in words: the runs ahead (Runs.queue), their training time,
    and the server's training processes (`ready` of `slots` started)."""
    if ready == 0:
        where = "the training processes are starting (TensorFlow loads once)"
    elif not ahead:
        where = "you are next"
    else:
        where = f"{ahead} run{'s' if ahead > 1 else ''} ahead of yours"
    eta = f", about {_duration(seconds)} of training before yours" if seconds >= 1 else ""
    return (f"Waiting for a free training process ({where}{eta}). This server trains "
            f"{slots} model{'s' if slots > 1 else ''} at a time, first come, first served.")


def snapshot(runs, token: str, run_id: int, since: int = 0, pool=None) -> dict | None:
    """The feed's answer for run `run_id` of workspace `token` (`runs`: the store's Runs;
    `pool`: the training pool, for a queued run's place); None when it has none."""
    try:
        glance = runs.glance(token, run_id)
        if glance is None:
            return None
        record = replace(_record(runs, token, run_id, glance.changes), status=glance.status,
                         progress=glance.progress, started=glance.started,
                         ended=glance.ended, model_pending=glance.model_pending)
        context = _contexts.get((token, run_id)) or Context({})
        previous = None
        if context.compare is not None:
            other = runs.glance(token, context.compare)
            if other is not None:
                previous = _record(runs, token, context.compare, other.changes).history
    except StoreError:
        return None
    if context.alive:
        active_feed.note_in_use(runs.store, token)
    history = record.history
    label = "test" if record.spec.fit.validation == "test" else "validation"
    notes = {n: hints.training_accuracy_note(values[-1], context.fit_rows, context.train_rows,
                                             name=n)
             for n, values in history.items()
             if context.fit_rows and n.endswith("accuracy") and not n.startswith("val_")
             and values}
    shown = tiles.tiles(history, previous, label, context.compared_name, context.units, notes)
    since = max(0, min(since, record.epochs_done))
    return {
        "state": [record.active, record.model_pending, record.status == QUEUED],
        "status": record.status,
        "text": (queued_text(*runs.queue(run_id), pool.slots if pool else 1,
                             pool.ready_workers if pool else 1)
                 if record.status == QUEUED else running_text(record)),
        "fraction": record.progress.fraction,
        "epochs": record.epochs_done,
        "since": since,
        "history": finite_history(history, since),
        "tiles": [{**asdict(t), "label": tiles.plain_label(t)} for t in shown],
        "titles": {n: quantity_label(n) for n in history if not n.startswith("val_")},
        "log": record.log[-LOG_TAIL:],
        "log_lines": len(record.log),
    }


def finite_history(history: dict, since: int = 0) -> dict:
    """Each quantity's values from epoch `since` on, as JSON can carry them (`finite`)."""
    return {name: [finite(v) for v in values[since:]] for name, values in history.items()}


def finite(value: float) -> float | None:
    """JSON has no NaN or infinity (a diverging run's last epochs): null, drawn as a gap."""
    return value if value is not None and math.isfinite(value) else None


def _pool():
    """The process's training pool, for a queued run's place; None before it exists."""
    from gui.ui.session import run_state  # noqa: PLC0415

    try:
        return run_state.started_pool()
    except Exception:  # noqa: BLE001 (a Ray address that fails: the page says so itself)
        return None


async def answer(request):
    """GET live_route.PATH: the snapshot as JSON, never cached; 404 for a run that the
    token's workspace does not have."""
    from starlette.concurrency import run_in_threadpool  # noqa: PLC0415
    from starlette.responses import JSONResponse  # noqa: PLC0415

    from gui.ui.session import run_state  # noqa: PLC0415 (Streamlit's cached store)

    params = request.query_params
    try:
        since = int(request.query_params.get("since", "0"))
    except ValueError:
        since = 0
    run_id = request.path_params["run_id"]
    def answer_now():
        runs = run_state.shared_runs()
        token = active_feed.workspace_of(params, runs.store)
        return snapshot(runs, token, run_id, since, _pool()) if token else None

    body = await run_in_threadpool(answer_now)
    headers = {"Cache-Control": "no-store"}
    if body is None:
        return JSONResponse({"gone": True}, status_code=404, headers=headers)
    return JSONResponse(body, headers=headers)
