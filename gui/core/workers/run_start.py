"""What a run starts from, and the words it ends with: the model a continuation goes on from
(its parent's, waiting for one still being saved, or an uploaded file), the snapshot recorder,
a search trial's time cap, and the run's final note. Used by the worker (worker.py).
"""

from __future__ import annotations

from gui.core.store.runs import RunRecord, Runs

PARENT_WAIT_S = 60.0  # a continuation waits this long for its parent's final model


def is_search_trial(record: RunRecord) -> bool:
    """A search's trial (its data names the search): it trains without the test rows and
    is never scored on them, nor on a lesson's hidden rows."""
    return record.data.get("search") is not None


def parent_model(runs: Runs, record: RunRecord):
    """The model (and curves) a continuation starts from; (None, None) for a fresh run."""
    if record.data.get("model"):
        return uploaded_model(runs, record), None
    if record.parent is None:
        return None, None
    import keras

    parent = runs.settled(record.parent, PARENT_WAIT_S)  # a stopped one's model may follow
    path = runs.model_path(parent.workspace, parent.id)
    if parent.model_epoch is None or not path.exists():
        raise ValueError(f"{parent.name} has no saved model to continue from")
    model = keras.models.load_model(path, compile=True, safe_mode=True)
    return model, {"history": record.history, "log": record.log,
                   "epoch_seconds": record.epoch_seconds}


def uploaded_model(runs: Runs, record: RunRecord):
    """An uploaded model file, loaded with the same checks as on the Predict page; one
    without an optimizer (.h5, or saved uncompiled) gets a fresh one from the spec."""
    from gui.core.model.build import compile_model
    from gui.core.saving.load import load_model_safely

    ref = record.data["model"]
    raw = runs.store.read_file(record.workspace, str(ref.get("file", "")))
    loaded = load_model_safely(raw, str(ref.get("name", "model.keras")))
    if not loaded.compiled or getattr(loaded.model, "optimizer", None) is None:
        compile_model(loaded.model, record.spec.compile)
    return loaded.model


def recorder_for(runs: Runs, record: RunRecord):
    """The run's SnapshotRecorder (None when fit.snapshots is off); a continuation goes on
    from its parent's snapshots."""
    from gui.core.training.snapshots import SnapshotRecorder, Snapshots

    if not getattr(record.spec.fit, "snapshots", True):
        return None
    before = None
    if record.parent is not None:
        parent = runs.get_any(record.parent)
        before = Snapshots.load_if_any(runs.snapshot_paths(parent.workspace, parent.id)[0])
    return SnapshotRecorder(before, initial_epoch=record.start_epoch)


def time_cap(record: RunRecord):
    """A search trial's StopAfter (its data's "seconds"); None for other runs."""
    from gui.core.training.callbacks import StopAfter

    seconds = record.data.get("seconds") if is_search_trial(record) else None
    return StopAfter(float(seconds)) if seconds else None


def final_note(record: RunRecord, job, runs: Runs) -> str | None:
    """The run's note: why it ended early, or (kept from the page) why it was stopped."""
    current = runs.get_any(record.id).note
    parts = [text for text in (current, job.note) if text]
    if record.parent is not None:
        parts.append(f"Continued from epoch {record.start_epoch} with the optimizer state "
                     "it had.")
    model = record.data.get("model")
    if model:
        fresh = str(model.get("name", "")).lower().endswith(".h5")
        parts.append(f"Continued {model.get('name')} "
                     + ("with a fresh optimizer: Keras cannot restore one from .h5."
                        if fresh else "with the optimizer state saved in the file."))
    return " ".join(parts) or None
