"""Runs written into an AppTest session's workspace, as the training workers leave them.

The page tests need a finished, a failed or a training run without waiting for the worker
pool: these helpers write one straight into the store (the same store the app uses,
workspace.store()) — a record with its history and test scores, and for a finished run the
model file a worker saves (worker._Training._save) — and make it the run the pages show
(the workspace document's `run`).

Example:
    at = AppTest.from_file(APP).run()          # binds the session to a fresh workspace
    record = runs_helper.finished(at, tm.iris())
    at.switch_page("steps/evaluate.py").run()  # shows record
"""

from __future__ import annotations

import copy
import json
import time

from gui.core.data.samples import SAMPLES
from gui.core.inspection import evaluate
from gui.core.saving import export
from gui.core.spec.schema import ExperimentSpec
from gui.core.spec.vocabulary import DONE, FAILED, INTERRUPTED, RUNNING, STOPPED
from gui.core.store.runs import RunRecord, Runs, runs_table
from gui.ui.session import workspace
from tests.core import trained_models as tm


def runs() -> Runs:
    return Runs(workspace.store())


def token(at) -> str:
    """The session's workspace (the session must have run once, so it is bound)."""
    return at.session_state[workspace.TOKEN]


def show(at, run_id: int) -> None:
    """Make `run_id` the run the pages show; the session's next run saves the document."""
    at.session_state[workspace._DOC].run = run_id


def data_of(spec: ExperimentSpec) -> dict:
    """The data reference of the sample `spec` trains on, as a run records it."""
    sample = next(s for s in SAMPLES if s.file == spec.data.source)
    return {"dataset": {"sample": sample.name}, "test": None}


def add(at, spec: ExperimentSpec, status: str, name: str | None = None, **fields) -> int:
    """A run of `spec` in the session's workspace, with `status` from its first write.

    Runs.create queues a run, and the test process's live TrainingPool would claim and train
    it before a report() could mark it finished; so the row goes in with its status at once
    (what create writes, otherwise), and the rest is written with Runs.report as a worker
    writes it.
    """
    store = runs()
    ws = token(at)
    name = name or f"Run {len(store.list(ws)) + 1}"
    now = time.time()
    with store.engine.begin() as db:
        inserted = db.execute(runs_table.insert().values(
            workspace=ws, name=name, created=now, status=status, spec=spec.to_json(),
            data=json.dumps(data_of(spec)), start_epoch=0, history="{}", log="[]",
            epoch_seconds="[]", progress="[0, 0, 0, 0]", test_metrics="{}"))
        run_id = int(inserted.inserted_primary_key[0])
    if fields:
        store.report(run_id, **fields)
    return run_id


def finished(at, trained: tm.Trained, name: str | None = None,
             spec: ExperimentSpec | None = None, shown: bool = True) -> RunRecord:
    """A run that trained `trained` to its end: its history, test scores and saved model.

    `spec` (a variant of trained.spec, e.g. other settings to compare) is what the record
    says was trained; the model file is always trained.model with trained.spec's metadata.
    """
    spec = copy.deepcopy(spec or trained.spec)
    history = {k: list(v) for k, v in trained.history.items()}
    epochs = len(history["loss"])
    run_id = add(at, spec, DONE, name)
    write_model(at, run_id, trained)
    prepared = trained.prepared
    metrics = evaluate.keras_evaluate(trained.model, prepared.X_test, prepared.y_test,
                                      trained.spec, prepared.n_classes)
    log = [f"Epoch {i + 1}/{epochs} - loss: {loss:.4f}"
           for i, loss in enumerate(history["loss"])]
    now = time.time()
    runs().report(run_id, status=DONE, history=history, log=log,
                  epoch_seconds=[0.2] * epochs, progress=[epochs, epochs, 4, 4],
                  model_epoch=epochs, test_metrics=metrics, started=now - 0.2 * epochs,
                  ended=now)
    if shown:
        show(at, run_id)
    return runs().get(token(at), run_id)


def write_model(at, run_id: int, trained: tm.Trained) -> None:
    """The run's model file, as a worker saves it (worker._Training._save)."""
    raw = export.save_keras_bytes(
        trained.model, export.metadata(trained.spec, trained.prepared.preprocessor))
    runs().files.write(token(at), run_id, "model", lambda path: path.write_bytes(raw))


def saving(at, trained: tm.Trained) -> RunRecord:
    """A run stopped after its last epoch whose worker is still saving its final model
    (worker._Training.run reports the stop first): stopped, `model_pending`, no model file."""
    history = {k: list(v) for k, v in trained.history.items()}
    epochs = len(history["loss"])
    now = time.time()
    run_id = add(at, trained.spec, STOPPED, history=history,
                 log=[f"Epoch {i + 1}/{epochs} - loss: {loss:.4f}"
                      for i, loss in enumerate(history["loss"])],
                 epoch_seconds=[0.2] * epochs, progress=[epochs, epochs, 4, 4],
                 started=now - 0.2 * epochs, ended=now, model_pending=1)
    show(at, run_id)
    return runs().get(token(at), run_id)


def saved(at, record: RunRecord, trained: tm.Trained) -> RunRecord:
    """The final model of `saving`'s run arrives, as its worker writes it."""
    write_model(at, record.id, trained)
    runs().report(record.id, model_epoch=record.epochs_done, model_pending=0)
    return runs().get(token(at), record.id)


def failed(at, trained: tm.Trained, error: str) -> RunRecord:
    """A run that failed in its first epoch (no model), saying `error`."""
    now = time.time()
    run_id = add(at, trained.spec, FAILED, error=error, started=now - 1, ended=now,
                 progress=[1, trained.spec.fit.epochs, 0, 4])
    show(at, run_id)
    return runs().get(token(at), run_id)


def training(at, trained: tm.Trained, epoch: int = 2, epochs: int = 5,
             seconds: float = 4.0) -> RunRecord:
    """A run training now, in epoch `epoch` of `epochs`, for `seconds` (no model saved yet).
    Call `interrupt` when done with it: nothing else ends it but the pool's staleness check."""
    spec = copy.deepcopy(trained.spec)
    spec.fit.epochs = epochs
    run_id = add(at, spec, RUNNING, started=time.time() - seconds,
                 progress=[epoch, epochs, 3, 4],
                 history={"loss": [1.0] * (epoch - 1)})
    show(at, run_id)
    return runs().get(token(at), run_id)


def interrupt(record: RunRecord) -> None:
    """End a run `training` made, so it no longer counts in any queue."""
    runs().report(record.id, status=INTERRUPTED, ended=time.time())


def unfold_settings(at) -> None:
    """Unfold the Train page's settings under a shown run, as a click on them does: their
    expander tracks its state and draws them only while unfolded (train/page.py)."""
    at.session_state["train.settings_open"] = True
    at.run()
    assert not at.exception, at.exception


def banner(at) -> list[str]:
    """The run banner's words as the page first draws them (its run watch's data; the
    browser keeps them current from the active-run feed), the bold part in **."""
    return [f"**{d['initial']['bold']}**{d['initial']['rest']}"
            for d in (json.loads(e.proto.json) for e in at.get("bidi_component")
                      if e.proto.component_name == "layerlab_run_watch")
            if d["banner"]]
