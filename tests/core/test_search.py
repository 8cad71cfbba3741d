"""Find a better network (gui.core.training.search, `python -m gui search`) on a tiny
budget: trials happen and are scored on validation rows, bad trials are pruned on their
validation curve, the best spec is valid, and the test rows are never used."""

from __future__ import annotations

import math

import numpy as np
import optuna
import pandas as pd
import pytest

from gui.cli import main
from gui.core.data.dataset import prepare
from gui.core.data.formats.csv_io import read_csv
from gui.core.model.validation import validate
from gui.core.spec.data_info import DataInfo
from gui.core.spec.heads import recommended_spec
from gui.core.spec.schema import DataSpec, ExperimentSpec
from gui.core.training import search, search_space
from tests.conftest import SAMPLES

IRIS = SAMPLES / "iris.csv"


def _iris():
    loaded = read_csv(IRIS.read_bytes(), "iris.csv")
    return prepare(loaded.frame, DataSpec(target="species"))


def _base(prepared, epochs: int):
    spec = recommended_spec(DataInfo.from_prepared(prepared))
    spec.fit.epochs = epochs
    return spec


def test_trials_happen_on_validation_rows_and_the_best_spec_is_valid():
    prepared = _iris()
    seen = []
    result = search.search(prepared, minutes=5, base=_base(prepared, 15), max_trials=3,
                           on_trial=lambda trial, so_far: seen.append(trial.number))
    assert seen == [0, 1, 2] and len(result.trials) == 3
    first = result.trials[0]
    assert first.params["layers"] == 2 and first.params["activation"] == "relu"  # defaults
    assert result.best is not None and math.isfinite(result.best_score)
    rows = search.search_space(DataInfo.from_prepared(prepared))["validation_rows"]
    assert result.best is search.best_of(result.trials, rows)
    assert validate(result.best_spec, DataInfo.from_prepared(prepared)) == []
    assert result.best_spec.fit.validation == "split"
    # the best job trained on data without a single test row
    assert len(result.best_job.prepared.X_test) == 0
    assert len(result.best_job.prepared.X_train) == len(prepared.X_train)
    table = result.trials_table()
    assert list(table["trial"]) == [0, 1, 2]
    assert {"validation_accuracy", "units", "learning_rate", "batch_size"} <= set(table)


def test_a_trial_behind_the_others_on_its_validation_curve_is_pruned():
    prepared = _iris()
    good = {"layers": 2, "units": 32, "activation": "relu", "dropout": 0.0, "l2": 1e-7,
            "learning_rate": 0.02, "batch_size": 16}
    hopeless = {**good, "units": 8, "learning_rate": 1e-4, "activation": "tanh",
                "dropout": 0.5}
    result = search.search(prepared, minutes=5, base=_base(prepared, 12), max_trials=4,
                           enqueue=[good, hopeless],
                           pruner=optuna.pruners.MedianPruner(n_startup_trials=2,
                                                              n_warmup_steps=2))
    states = {t.number: t.state for t in result.trials}
    assert states[2] == "pruned", result.trials_table()
    assert result.trials[2].epochs < 12  # stopped before its last epoch
    assert result.best.number != 2


def test_the_test_rows_are_never_used(monkeypatch):
    prepared = _iris()
    used = []
    real = search.TrainingJob.__init__

    def spy(self, spec, data, *args, **kwargs):
        used.append((len(data.X_test), len(data.raw_test), spec.fit.validation))
        real(self, spec, data, *args, **kwargs)

    monkeypatch.setattr(search.TrainingJob, "__init__", spy)
    search.search(prepared, minutes=5, base=_base(prepared, 3), max_trials=2)
    assert used == [(0, 0, "split")] * 2


def test_search_space_follows_the_data():
    tiny = search.search_space(DataInfo("regression", n_inputs=3, n_train=20))
    big = search.search_space(DataInfo("regression", n_inputs=3, n_train=50_000))
    # 20 rows: 16 of them fitted; batches below that, and the first that takes them all
    assert tiny["batch_size"] == (16,) and max(big["batch_size"]) == 1024
    assert tiny["units"][1] < big["units"][1] == 512


def test_cli_search_writes_the_best_model_its_spec_and_the_trials(tmp_path, capsys):
    out = tmp_path / "best"
    assert main(["search", "--data", str(IRIS), "--target", "species", "--minutes", "5",
                 "--trials", "2", "--epochs", "5", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "the 30 test rows unseen" in text and "Trial 1: " in text and "Best: trial " in text
    assert {p.name for p in out.iterdir()} == {"model.keras", "spec.json",
                                              "preprocessing.json", "trials.csv"}
    spec = ExperimentSpec.from_json((out / "spec.json").read_text())
    assert spec.data.target == "species" and spec.fit.epochs == 5
    trials = pd.read_csv(out / "trials.csv")
    assert len(trials) == 2 and set(trials["state"]) <= {"complete", "pruned"}


def test_cli_search_refuses_a_bad_time_box(tmp_path, capsys):
    assert main(["search", "--data", str(IRIS), "--target", "species", "--minutes", "0",
                 "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.endswith("--minutes must be more than 0; received 0.0.") and "\n" not in err


def test_the_first_trial_of_a_tiny_table_keeps_its_single_hidden_layer():
    info = DataInfo("regression", n_inputs=3, n_train=40)
    base = recommended_spec(info)
    space = search.search_space(info)
    params = search.default_params(base, info, space)
    first = search.trial_spec(base, params)
    assert params["layers"] == 1 == sum(x.type == "Dense" for x in base.layers[:-1])
    # one step an epoch, as the recommended batch (128, more than the 32 rows it fits on)
    fitted = info.n_train - space["validation_rows"]
    assert params["batch_size"] >= fitted and base.fit.batch_size >= fitted
    assert [x.type for x in first.layers] == ["Dense", "Dense"]
    assert validate(first, info) == []


def test_trials_are_capped_by_a_share_of_the_time_box_and_later_ones_by_epochs():
    assert search.trial_seconds(1, 0) == pytest.approx(60 * search.FIRST_TRIAL_SHARE)
    assert search.trial_seconds(1, 3) == pytest.approx(60 * search.TRIAL_SHARE)
    assert search.trial_seconds(10, 3) > search.trial_seconds(1, 3) >= search.MIN_TRIAL_S
    assert search.trial_seconds(0.05, 0) == pytest.approx(3.0)  # never past the box
    base = recommended_spec(DataInfo("binary", n_inputs=4, n_train=500))
    assert search.trial_fit(base, 0) == base  # the first trial is the defaults
    later = search.trial_fit(base, 1)
    assert later.fit.epochs == min(base.fit.epochs, search.TRIAL_EPOCHS) < base.fit.epochs
    assert later.fit.patience == search.TRIAL_PATIENCE < base.fit.patience
    assert later.layers == base.layers and later.fit.batch_size == base.fit.batch_size


def test_later_in_process_trials_train_with_the_capped_epochs(monkeypatch):
    prepared = _iris()
    base = _base(prepared, 400)
    epochs = []
    real = search.TrainingJob.__init__

    def spy(self, spec, data, *args, **kwargs):
        epochs.append((spec.fit.epochs, spec.fit.patience))
        real(self, spec, data, *args, **kwargs)

    monkeypatch.setattr(search.TrainingJob, "__init__", spy)
    search.search(prepared, minutes=5, base=base, max_trials=2,
                  enqueue=[{"layers": 1, "units": 8, "activation": "relu", "dropout": 0.0,
                            "l2": 1e-7, "learning_rate": 0.03, "batch_size": 16}])
    assert epochs == [(400, base.fit.patience), (search.TRIAL_EPOCHS, search.TRIAL_PATIENCE)]


def test_the_second_trial_is_a_linear_baseline_where_the_space_allows_one():
    info = DataInfo("regression", n_inputs=5, n_train=200)
    base = recommended_spec(info)
    space = search.search_space(info)
    first = search.default_params(base, info, space)
    points = search.opening_points(first, space)
    assert points[0] == first and points[1]["activation"] == "linear"
    assert points[1]["layers"] == 1 and points[1]["dropout"] == 0.0
    linear = search.trial_spec(base, points[1], space)
    assert [x.activation for x in linear.layers if x.type == "Dense"] == ["linear", "linear"]
    assert validate(linear, info) == []
    locked = {k: v for k, v in space.items() if k != "activation"}
    assert len(search.opening_points(first, locked)) == 1  # a lesson keeps the activation


def test_the_defaults_give_way_only_to_a_clear_gain_on_the_validation_rows():
    def trial(number, score, state="complete"):
        return search.Trial(number, state, score, 1, 0.0, {}, None)

    assert search_space.noise(100) == pytest.approx(0.05) and search_space.noise(10_000) < 0.01
    slightly = [trial(0, 0.80), trial(1, 0.84), trial(2, float("nan"), "failed")]
    assert search.best_of(slightly, 100).number == 0  # within the noise of 100 rows
    assert search.best_of(slightly, 10_000).number == 1  # a clear gain on 10,000 rows
    assert search.best_of([*slightly, trial(3, 0.86)], 100).number == 3
    # past the defaults, the best is simply the highest
    assert search.best_of([trial(0, 0.5), trial(1, 0.9), trial(2, 0.91)], 100).number == 2
    assert search.best_of([trial(0, 0.5, "pruned"), trial(1, 0.6)], 100).number == 1
    assert search.best_of([trial(0, 0.5, "pruned")], 100) is None


def test_a_tiny_tables_best_network_is_trained_again_on_every_training_row():
    """Forty rows: trials score on a validation share, but the model that comes out trains
    on every training row, as the defaults do (none held back, no early stopping)."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(50, 3)), columns=["a", "b", "c"])
    frame["y"] = 2 * frame["a"] - frame["b"] + rng.normal(scale=0.1, size=50)
    prepared = prepare(frame, DataSpec(target="y"))
    base = recommended_spec(DataInfo.from_prepared(prepared))
    assert base.fit.validation == "none"
    base.fit.epochs = 40
    result = search.search(prepared, minutes=1, base=base, max_trials=2)
    job = result.best_job
    assert "val_loss" not in job.history  # nothing held back
    assert job.spec.fit.validation == "none" and not job.spec.fit.early_stopping
    if result.best.number == 0:
        assert job.epochs_done == 40  # the recommended spec itself
    assert all(math.isfinite(t.score) for t in result.trials)  # scored on validation rows


def test_the_best_network_of_a_tiny_table_keeps_training_on_every_row_when_adopted():
    info = DataInfo("regression", n_inputs=3, n_train=40)
    current = recommended_spec(info)
    assert current.fit.validation == "none"
    space = search.search_space(info)
    params = {**search.default_params(current, info, space), "units": 8, "batch_size":
              min(space["batch_size"])}
    best = search.trial_fit(search.trial_spec(current, params, space), 3)
    assert best.fit.validation == "split"  # the trial itself validated
    design = search_space.adopt(current, best, space)
    assert design.layers == best.layers and design.layers != current.layers
    assert design.fit.validation == "none" and design.fit.epochs == current.fit.epochs
    assert design.fit.batch_size == best.fit.batch_size
