"""TrainingJob: repeatable curves, stop, NaN and error reporting, the shared job limit."""

from __future__ import annotations

import threading
import time

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from gui.core.data.dataset import prepare
from gui.core.data.formats.csv_io import read_csv
from gui.core.model.validation import validate
from gui.core.spec.data_info import DataInfo
from gui.core.spec.heads import default_spec
from gui.core.spec.schema import DataSpec, ExperimentSpec
from gui.core.spec.validate import monitor_options, split_problems
from gui.core.spec.vocabulary import DONE, FAILED, RUNNING, STOPPED
from gui.core.training import job as training
from gui.core.training import model_reuse
from gui.core.training.job import TrainingJob
from gui.core.training.pipeline import choose_steps_per_execution, repeats, training_dataset
from tests.conftest import SAMPLES


def _iris(**data):
    loaded = read_csv((SAMPLES / "iris.csv").read_bytes(), "iris.csv")
    ds = DataSpec(source="iris.csv", target="species", **data)
    prepared = prepare(loaded.frame, ds)
    spec = default_spec(prepared.task, prepared.n_classes, data=ds)
    spec.layers[0].units = spec.layers[1].units = 8
    spec.fit.epochs, spec.fit.batch_size = 4, 16
    return spec, prepared


def _synthetic(rows: int, seed: int = 0, features: int = 8):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, features))
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(features)])
    frame["y"] = np.sin(X[:, 0]) + X[:, 1] * X[:, 2] + 0.1 * rng.normal(size=rows)
    ds = DataSpec(source="synthetic", target="y", task="regression")
    prepared = prepare(frame, ds)
    spec = default_spec("regression", data=ds)
    return spec, prepared


def in_thread(job: TrainingJob) -> threading.Thread:
    """Train `job` in a thread of its own, as a worker's watcher sees it from beside."""
    thread = threading.Thread(target=job.run, daemon=True)
    thread.start()
    return thread


def finished(thread: threading.Thread, timeout: float) -> bool:
    thread.join(timeout)
    return not thread.is_alive()


@pytest.fixture(scope="module")
def iris():
    return _iris()


def test_same_seed_gives_identical_curves(iris):
    spec, prepared = iris
    runs = []
    for _ in range(2):
        job = TrainingJob(spec, prepared)
        job.run()
        assert job.status == DONE, job.error
        runs.append(job.history)
    assert runs[0] == runs[1]  # to the last digit
    assert set(runs[0]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(runs[0]["loss"]) == spec.fit.epochs
    other = ExperimentSpec.from_dict(spec.to_dict())
    other.fit.seed = 7
    job = TrainingJob(other, prepared)
    job.run()
    assert job.history["loss"] != runs[0]["loss"]


def test_concurrent_jobs_keep_their_curves(iris):
    """Two jobs training at once give the same curves as each alone (no global seed reliance)."""
    spec, prepared = iris
    specs = []
    for seed in (1, 2):
        s = ExperimentSpec.from_dict(spec.to_dict())
        s.fit.seed, s.fit.epochs = seed, 6
        specs.append(s)
    alone = []
    for s in specs:
        job = TrainingJob(s, prepared)
        job.run()
        alone.append(job.history)
    jobs = [TrainingJob(s, prepared) for s in specs]
    threads = [in_thread(job) for job in jobs]
    for thread in threads:
        assert finished(thread, 120)
    assert [j.history for j in jobs] == alone


def test_log_lines_read_like_keras(iris):
    spec, prepared = iris
    lines = []
    job = TrainingJob(spec, prepared, on_epoch=lines.append)
    job.run()
    assert lines == job.log_lines()
    assert lines[0].startswith("Epoch 1/4 - loss: ")
    assert " - accuracy: " in lines[0] and " - val_loss: " in lines[0]
    assert lines[0].index("val_loss") > lines[0].index(" accuracy")


def test_validation_modes(iris):
    spec, prepared = iris
    spec = ExperimentSpec.from_dict(spec.to_dict())
    spec.fit.epochs = 1
    spec.fit.validation = "none"
    job = TrainingJob(spec, prepared)
    job.run()
    assert set(job.history) == {"loss", "accuracy"}
    spec.fit.validation = "test"
    job = TrainingJob(spec, prepared)
    job.run()
    test = job.evaluate_test()
    assert job.history["val_loss"][-1] == pytest.approx(test["loss"], rel=1e-4)


def test_early_stopping_notes_why(iris):
    spec, prepared = iris
    spec = ExperimentSpec.from_dict(spec.to_dict())
    spec.fit.epochs, spec.fit.early_stopping, spec.fit.patience = 50, True, 0
    spec.fit.monitor = "loss"
    spec.compile.learning_rate = 0.5  # jumps around, so the loss soon fails to improve
    job = TrainingJob(spec, prepared)
    job.run()
    assert job.status == DONE
    assert job.epochs_done < 50
    assert job.note and "Early stopping" in job.note


def test_stop_ends_training_after_the_current_call_and_keeps_the_model():
    """Stop takes effect at the next batch callback: at most one more call into TensorFlow
    (steps_per_execution batches) runs after it. How long that takes is a benchmark's job."""
    spec, prepared = _synthetic(40_000)
    spec.fit.epochs = 1000
    job = TrainingJob(spec, prepared)
    thread = in_thread(job)
    deadline = time.time() + 60
    while job.progress().step == 0 and time.time() < deadline:
        time.sleep(0.05)
    assert job.status == RUNNING
    time.sleep(0.3)
    before = job.progress()
    job.stop()
    assert finished(thread, 30)
    after = job.progress()
    ran = (after.epoch - before.epoch) * after.steps + after.step - before.step
    assert 0 <= ran <= 2 * job.steps_per_execution, (before, after, job.steps_per_execution)
    assert job.epochs_done < 1000
    assert job.status == STOPPED and job.error is None
    assert job.model is not None
    history, lines = job.history, job.log_lines()
    assert len(history["loss"]) == len(history["val_loss"]) == job.epochs_done
    # A partial epoch is logged but not drawn; a stop at an epoch's end draws that epoch.
    assert len(lines) == job.epochs_done + ("stopped after batch" in lines[-1])
    out = job.deploy_model().predict(prepared.X_test[:5], verbose=0)
    assert out.shape == (5, 1) and np.isfinite(out).all()


def test_nan_loss_stops_at_once_and_says_why():
    loaded = read_csv((SAMPLES / "life_expectancy_train.csv").read_bytes(), "life.csv")
    ds = DataSpec(source="life", target="lifeExp", scaling="none",
                  features=["year", "pop", "gdpPercap"])
    prepared = prepare(loaded.frame, ds)
    spec = default_spec("regression", data=ds)
    spec.compile.optimizer, spec.compile.learning_rate = "sgd", 1e6
    spec.fit.epochs = 20
    job = TrainingJob(spec, prepared)
    job.run()
    assert job.status == FAILED
    assert "NaN" in job.error and "learning rate" in job.error.lower()
    assert "scale the features" in job.error
    assert job.epochs_done <= 1
    assert job.model is None


def test_exceptions_become_plain_messages(iris, monkeypatch):
    spec, prepared = iris

    def boom(*args, **kwargs):
        raise RuntimeError("something broke\nwith detail on a second line")

    monkeypatch.setattr(model_reuse, "build_model", boom)
    job = TrainingJob(spec, prepared)
    job.run()
    assert job.status == FAILED
    assert job.error.startswith("Training failed: something broke.")
    assert "Traceback" not in job.error and "second line" not in job.error

    def oom(*args, **kwargs):
        raise tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor")

    monkeypatch.setattr(model_reuse, "build_model", oom)
    job = TrainingJob(spec, prepared)
    job.run()
    assert job.status == FAILED and "ran out of memory" in job.error
    assert "smaller batch size" in job.error


def test_invalid_spec_cannot_start(iris):
    spec, prepared = iris
    bad = ExperimentSpec.from_dict(spec.to_dict())
    bad.fit.epochs = 0
    bad.fit.early_stopping, bad.fit.validation, bad.fit.monitor = True, "none", "val_loss"
    problems = validate(bad, DataInfo.from_prepared(prepared))
    assert {p.where for p in problems} == {"fit.epochs", "fit.monitor"}
    job = TrainingJob(bad, prepared)
    job.run()
    assert job.status == FAILED and job.error.startswith("Cannot start training:")
    assert "epochs=0" in job.error and "validation is off" in job.error
    assert job.model is None and job.history == {}


def test_validation_split_needs_rows_on_both_sides(iris):
    spec, _ = iris
    assert split_problems(spec.fit, 100) == []
    [problem] = split_problems(spec.fit, 1)
    assert "leaves 1 validation and 0 training row(s) of 1" in problem.message
    assert monitor_options(spec) == ["val_loss", "val_accuracy", "loss", "accuracy"]


def test_steps_per_execution_stays_short():
    assert choose_steps_per_execution(4_800, 32, 2500) == 256  # tiny model: many steps per call
    assert choose_steps_per_execution(4_800, 32, 4) == 4       # never more than an epoch
    assert choose_steps_per_execution(5_000_000, 512, 100) == 1  # big model: one at a time




def test_an_endless_stream_holds_the_same_epochs_as_one_dataset_per_epoch():
    """Read through one iterator, epoch after epoch, the batches are those that a fresh
    iterator per epoch gives: each epoch's own shuffle, every row once."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(37, 3)).astype("float32"), np.arange(37, dtype="float32")
    per_epoch = training_dataset(X, y, 8, shuffle=True, seed=5)
    epochs = [[b[1].numpy().tolist() for b in per_epoch] for _ in range(3)]
    stream = iter(training_dataset(X, y, 8, shuffle=True, seed=5, endless=True))
    read = [[next(stream)[1].numpy().tolist() for _ in range(5)] for _ in range(3)]
    assert read == epochs
    assert [len(e) for e in epochs] == [5, 5, 5]  # 4 of 8 rows and one of 5
    for epoch in epochs:
        assert sorted(sum(epoch, [])) == y.tolist()
    assert epochs[0] != epochs[1]
    assert repeats(6, 3) and repeats(6, 6) and not repeats(6, 4) and repeats(5, 1)


@pytest.mark.parametrize("per_call", [4, 1])
def test_the_curves_do_not_depend_on_how_the_batches_are_read(iris, monkeypatch, per_call):
    """6 batches an epoch: 6 (or 1) a call read one endless stream, 4 a call a dataset per
    epoch (an epoch is not a whole number of calls); the same steps, the same curves."""
    spec, prepared = iris
    jobs = {}
    for n in (6, per_call):
        monkeypatch.setattr(model_reuse, "choose_steps_per_execution", lambda *_, n=n: n)
        job = TrainingJob(spec, prepared)
        job.run()
        assert job.status == DONE, job.error
        assert job.steps_per_execution == n
        assert job.progress().steps == 6
        assert int(job.model.optimizer.iterations.numpy()) == 6 * spec.fit.epochs
        jobs[n] = job
    assert jobs[per_call].history == jobs[6].history


def test_validation_in_one_batch_scores_as_fits_own_validation(iris, monkeypatch):
    """Validation rows that fit in one batch are scored by OneBatchValidation (the model's
    test step at each epoch's end); more rows go through fit's own validation, in batches.
    Both give the same curves, to float rounding, and early stopping reads either."""
    spec, prepared = iris
    spec = ExperimentSpec.from_dict(spec.to_dict())
    spec.fit.epochs, spec.fit.early_stopping, spec.fit.patience = 12, True, 2
    spec.fit.restore_best_weights = True
    jobs = {}
    for smallest in (training.MIN_VALIDATION_BATCH, 8):  # 24 validation rows: 1 batch, or 3
        monkeypatch.setattr(training, "MIN_VALIDATION_BATCH", smallest)
        job = TrainingJob(spec, prepared)
        job.run()
        assert job.status == DONE, job.error
        jobs[smallest] = job
    one, batched = jobs[training.MIN_VALIDATION_BATCH], jobs[8]
    assert set(one.history) == set(batched.history) == {
        "loss", "accuracy", "val_loss", "val_accuracy"}
    assert one.epochs_done == batched.epochs_done
    for name in one.history:
        assert one.history[name] == pytest.approx(batched.history[name], rel=1e-5), name
    assert one.note == batched.note
