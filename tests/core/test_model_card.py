"""The model card of a run: filled from the run, carried in every bundle, with the user's
intended use and caveats kept with the run."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

from gui.core.inspection import evaluate
from gui.core.saving import export
from gui.core.saving.model_card import CardFacts, left_out_columns, model_card
from gui.core.store.runs import MAX_CARD_NOTES, Runs
from gui.core.store.workspaces import Store, StoreError
from tests.core import trained_models as tm
from tests.core.test_runs import IRIS, iris_spec


def facts(t: tm.Trained, **extra) -> CardFacts:
    result = evaluate.evaluate(t.model, t.prepared, t.spec, deploy_model=t.deploy)
    classifier = t.prepared.task != "regression"
    return CardFacts(run_name="Run 3", spec=t.spec, prep=t.prepared.preprocessor,
                     prepared=t.prepared, history=t.history,
                     test_metrics={"loss": 0.25}, scores=result.metrics[["train", "test"]],
                     confusion=result.confusion("test") if classifier else None, **extra)


def test_a_classifier_card_names_classes_data_network_scores_and_its_confusion_matrix():
    t = tm.iris()
    card = model_card(facts(t, user_notes="For the biology class only.\nNot for field use."))
    assert card.startswith("# Model card: `Run 3`, `species` from `iris.csv`")
    assert "one of 3 classes (multiclass classification): `setosa`, `versicolor`, " \
           "`virginica`" in card
    assert "- `petal width (cm)` (number)" in card
    assert (f"{len(t.prepared.y_train):,} training rows, {len(t.prepared.y_test):,} test rows; "
            "20% of the rows were held out as test rows (split seed 42)") in card
    assert "1. `keras.layers.Dense(units=16, activation='relu')`" in card
    assert "epoch(s) trained (of 8 planned), batch size 32, seed 1" in card
    assert "| `loss` |" in card and "| accuracy |" in card
    assert "| `loss` |" in card.split("How well it does")[1]
    assert "| true `setosa` |" in card  # the confusion matrix, by class name
    low = t.prepared.X_train[:, 0].min()
    assert f"- `sepal length (cm)`: {low:.4g} to " in card
    assert "> For the biology class only.\n> Not for field use." in card
    assert "keras.models.load_model" in card and export.HOW_TO_CALL in card


def test_a_regression_card_gives_errors_in_units_categories_and_the_fill():
    t = tm.tips()
    card = model_card(facts(t, left_out={"id": "a running number (1, 2, 3, …)"}))
    assert "It predicts `tip`, a number, in its own units (regression)." in card
    assert "(`tip`'s units)" in card and "| MAE |" in card and "| RMSE |" in card
    prep = t.prepared.preprocessor
    assert (f"the target was standardised for training (mean {prep.target_min_:.6g}, standard "
            f"deviation {prep.target_range_:.6g}) and is un-scaled by the model") in card
    tips = prep.decode_target(t.prepared.y_train)  # the training rows' tips, in dollars
    assert abs(tips.mean() - prep.target_min_) < 1e-4
    assert abs(tips.std() - prep.target_range_) < 1e-4
    assert "min-max scaled" not in card
    assert "- `day`: `Fri`, `Sat`, `Sun`, `Thur` (missing: `Sat`)" in card
    assert "  - `id`: a running number (1, 2, 3, …)" in card
    assert "Confusion matrix" not in card
    assert "Not written for this run" in card


def test_columns_left_out_say_why():
    frame = pd.DataFrame({"id": range(1, 41), "same": 1, "x": range(40), "y": [0, 1] * 20,
                          "chosen_out": [i % 7 for i in range(40)]})
    spec = tm.iris().spec
    spec = type(spec).from_dict({**spec.to_dict(), "data": {**spec.to_dict()["data"],
                                                           "target": "y"}})
    reasons = left_out_columns(frame, spec, ["x"])
    assert set(reasons) == {"id", "same", "chosen_out"}
    assert "taken out of the features on the Data page" in reasons["chosen_out"]
    assert reasons["id"] != reasons["chosen_out"]


def test_the_bundle_carries_the_card_and_the_readme_lists_it():
    t = tm.cancer()
    card = model_card(facts(t))
    raw = export.bundle_bytes(t.deploy, t.spec, t.prepared.preprocessor, t.history,
                              stem="cancer-run-3", card=card)
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        assert zf.read("model_card.md").decode() == card
        assert "| `model_card.md` |" in zf.read("README.md").decode()


def test_card_notes_are_kept_with_the_run_and_only_its_workspace_sees_them(tmp_path):
    store = Store(tmp_path)
    runs = Runs(store)
    mine, theirs = store.create(), store.create()
    run_id = runs.create(mine, iris_spec(), IRIS)
    assert runs.card_notes(mine, run_id) == ""
    runs.set_card_notes(mine, run_id, "Teaching only.")
    assert runs.card_notes(mine, run_id) == "Teaching only."
    with pytest.raises(StoreError):
        runs.card_notes(theirs, run_id)
    with pytest.raises(StoreError, match="at most 5,000"):
        runs.set_card_notes(mine, run_id, "x" * (MAX_CARD_NOTES + 1))
    runs.request_stop(mine, run_id)  # a queued run ends at once; then it can go
    runs.delete(mine, run_id)
    assert not (store.workspace_dir(mine) / "runs" / f"{run_id}.card.txt").exists()


def test_the_cards_keras_figures_are_the_epoch_early_stopping_restored():
    """A real run that early stopping ends: the card's loss table is the epoch whose weights
    Keras restored (the job's own note names it), said so, not the last epoch's."""
    import copy
    import re

    from gui.core.saving.model_card import _num, kept_epoch
    from gui.core.training.job import TrainingJob

    base = tm.iris()
    spec = copy.deepcopy(base.spec)
    spec.fit.epochs, spec.fit.early_stopping, spec.fit.patience = 400, True, 2
    spec.fit.restore_best_weights, spec.fit.monitor = True, "val_loss"
    spec.compile.learning_rate = 0.05  # a bumpy validation loss: it stops early
    job = TrainingJob(spec, base.prepared)
    job.run()
    restored = int(re.search(r"The weights of epoch (\d+)", job.note).group(1))
    epochs = len(job.history["loss"])
    assert restored < epochs and kept_epoch(spec.fit, job.history) == restored
    card = model_card(CardFacts(run_name="Run 3", spec=spec, prep=base.prepared.preprocessor,
                                prepared=base.prepared, history=job.history))
    assert (f"(epoch {restored}, whose weights the model keeps: early stopping restored them "
            f"after {epochs} epochs)") in card
    loss = job.history["loss"][restored - 1]
    assert f"| `loss` | {_num(loss)} | {_num(job.history['val_loss'][restored - 1])} |" in card
    assert "standardised" not in card
    spec.fit.restore_best_weights = False  # the last epoch's weights, as trained
    assert kept_epoch(spec.fit, job.history) is None


def test_a_standardised_targets_card_says_its_keras_figures_scale():
    t = tm.tips()
    card = model_card(facts(t))
    assert "The loss and these metrics are on the standardised `tip`, as trained" in card
    assert "Loss and metrics as Keras computed them (last epoch)." in card
