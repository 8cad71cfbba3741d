"""Teaching hints and number formatting: learning-rate ranges, the NaN advice, a flat loss,
the two training accuracies, and numbers as people read them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gui.core.data.dataset import prepare
from gui.core.data.formats.csv_io import read_csv
from gui.core.inspection import hints
from gui.core.inspection.numbers import delta, number, unit
from gui.core.spec.heads import default_spec
from gui.core.spec.schema import DataSpec
from gui.core.spec.vocabulary import FAILED, OPTIMIZERS
from gui.core.training.job import TrainingJob
from tests.conftest import SAMPLES

# ---- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize("value, name, shown", [
    (391523.0312, "", "391,523"), (0.000123, "", "1.23e-4"), (0.95833, "accuracy", "0.958"),
    (0.95833, "val_accuracy", "0.958"), (1.0986, "loss", "1.099"), (123.456, "", "123.5"),
    (12_345_678.9, "loss", "12,345,679"), (2.5e16, "", "2.5e16"), (0.0, "", "0"),
    (float("nan"), "", "–"), (None, "", "–"), (-0.5, "", "-0.5"), (1234.4, "mae", "1,234"),
])
def test_number_rounds_for_reading(value, name, shown):
    assert number(value, name) == shown


def test_delta_and_units():
    assert delta(1204.2) == "+1,204" and delta(-0.0123) == "-0.0123"
    assert unit("mean_absolute_error", "regression", "price") == "price"
    assert unit("val_root_mean_squared_error", "regression", "price") == "price"
    assert unit("RMSE", "regression", "price") == "price"
    assert unit("mean_squared_error", "regression", "price") == "price²"
    assert unit("accuracy", "multiclass", "species") == ""
    assert unit("mean_absolute_error", "binary", "y") == ""


# ---- learning-rate ranges ------------------------------------------------------------------


def test_every_optimizer_has_a_usual_range_holding_its_default():
    for name, row in OPTIMIZERS.items():
        low, high = row.usual_learning_rates
        assert 0 < low < high, name
        assert low <= row.learning_rate <= high, name
        assert hints.learning_rate_warning(name, row.learning_rate) is None, name


def test_learning_rate_far_outside_the_range_is_warned_with_the_range():
    text = hints.learning_rate_warning("adam", 10.0)
    assert text is not None
    assert "far above the usual range for Adam (0.0001–0.01)" in text and "NaN" in text
    low = hints.learning_rate_warning("sgd", 1e-6)
    assert low is not None and "slowly" in low
    assert "far below the usual range for SGD (0.001–0.1)" in low
    # Within 10× of the range: no warning; an unknown optimizer: no warning either.
    assert hints.learning_rate_warning("sgd", 0.5) is None
    assert hints.learning_rate_warning("adam", 0.05) is None
    assert hints.learning_rate_warning("no_such", 10.0) is None
    assert hints.learning_rate_warning("adam", float("nan")) is None


def test_lower_rate_advice_stays_in_the_usual_range():
    assert hints.lower_rate_advice("sgd", 10.0) == "try 0.01, SGD's usual range is 0.001–0.1"
    assert hints.lower_rate_advice("adam", 0.005) == \
        "try 0.0005, Adam's usual range is 0.0001–0.01"
    assert hints.lower_rate_advice("lion", 1e-5).startswith("try 1e-06")


def test_nan_in_epoch_1_advises_a_rate_in_the_usual_range():
    loaded = read_csv((SAMPLES / "life_expectancy_train.csv").read_bytes(), "life.csv")
    ds = DataSpec(source="life", target="lifeExp", scaling="none",
                  features=["year", "pop", "gdpPercap"])
    prepared = prepare(loaded.frame, ds)
    spec = default_spec("regression", data=ds)
    spec.compile.optimizer, spec.compile.learning_rate = "sgd", 10.0
    spec.fit.epochs = 5
    job = TrainingJob(spec, prepared)
    job.run()
    assert job.status == FAILED
    assert "NaN" in job.error and "epoch 1" in job.error
    assert "try 0.01, SGD's usual range is 0.001–0.1" in job.error
    assert "try 1," not in job.error


# ---- a flat loss ---------------------------------------------------------------------------


def test_a_loss_stuck_at_ln_k_is_not_learning():
    flat = hints.flat_loss({"loss": [1.3, 1.2] + [math.log(3) + 1e-4] * 50}, n_classes=3)
    assert flat is not None and flat.classes == 3 and flat.epochs == 50
    text = flat.message()
    assert "not learning" in text and "1.099 (= ln 3, a uniform guess over 3 classes)" in text
    assert "for 50 epochs" in text and "learning rate" in text and "Inside" in text


def test_a_loss_that_never_moved_is_not_learning():
    flat = hints.flat_loss({"loss": [391523.0 * (1 + 1e-4 * (i % 3)) for i in range(30)]})
    assert flat is not None and flat.classes == 0 and flat.epochs == 30
    assert "stayed at 391,601 for 30 epochs" in flat.message()


@pytest.mark.parametrize("history, classes", [
    ({"loss": [1.1 * 0.95 ** i for i in range(60)]}, 3),                     # still learning
    ({"loss": [1.1 * 0.8 ** i for i in range(20)] + [0.0127] * 40}, 3),       # learnt, settled
    ({"loss": [math.log(3)] * 10}, 3),                                       # too few epochs
    ({"loss": [0.9] * 5 + [math.log(3)] * 15}, 3),                            # not long enough
    ({}, 0),
])
def test_learning_or_short_histories_are_not_flagged(history, classes):
    assert hints.flat_loss(history, n_classes=classes) is None


def test_the_two_training_accuracies_are_explained_with_their_numbers():
    text = hints.training_accuracy_note(0.9583, fit_rows=96, train_rows=120, evaluated=0.9667)
    assert "0.958" in text and "0.967" in text
    assert "96 rows" in text and "all 120 training rows" in text and "holds out 24" in text
    assert "0.9" not in hints.training_accuracy_note(None, 96, 120)
    assert text.endswith("differ a little.")
    far = hints.training_accuracy_note(0.583, fit_rows=96, train_rows=120, evaluated=0.504)
    assert "so the two differ: here by 0.079, which is much" in far, far
    same = hints.training_accuracy_note(0.8125, fit_rows=16, train_rows=16, evaluated=0.8125)
    assert same.endswith("can differ (here they agree).") and "holds out" not in same


def test_a_loss_still_falling_steeply_says_more_epochs_would_help():
    falling = hints.still_falling({"loss": [30.0 * 0.8 ** i for i in range(50)]})
    assert falling is not None and "more epochs would help" in falling
    assert "20% per epoch" in falling
    settled = [1.0 / (i + 1) for i in range(40)] + [0.025] * 10
    assert hints.still_falling({"loss": settled}) is None
    # the validation loss decides when there is one
    assert hints.still_falling({"loss": [2.0 * 0.7 ** i for i in range(20)],
                                "val_loss": [0.5] * 20}) is None


def test_a_negative_test_r2_is_worse_than_the_mean():
    said = hints.worse_than_the_mean(-3.56)
    assert said.startswith("Test R² is -3.56: the model predicts worse than always guessing")
    assert "Standardise the target" in said
    assert hints.worse_than_the_mean(0.0) is None


def test_a_test_r2_near_0_is_said_to_explain_little():
    said = hints.explains_little(0.011)
    assert said.startswith("Test R² is 0.01: the model explains about 1% of how the target")
    assert hints.explains_little(-0.2) is None  # worse_than_the_mean's, in red
    assert hints.explains_little(0.1) is None and hints.explains_little(float("nan")) is None


def test_over_fitting_advice_fits_the_run_and_says_a_small_test_sets_noise():
    small = hints.overfitting(0.2, "none", 8)
    assert "a stronger L2 penalty" in small and "early stopping" not in small
    assert "With only 8 test rows" in small
    large = hints.overfitting(0.2, "split", 300)
    assert "early stopping" in large and "test rows" not in large.split(".")[-1]
    assert hints.overfitting(0.1, "split", 300) is None


def test_the_common_class_hint_says_each_class_and_which_way_to_move_the_threshold():
    # the common class is the positive one ("yes"), and the model predicts "no" too often
    y_true = np.array([1] * 8 + [0] * 2)
    y_pred = np.array([1] * 6 + [0] * 2 + [0] * 2)
    said = hints.no_better_than_the_common_class(y_true, y_pred, ["no", "yes"], True)
    assert "gets 6 of 8 'yes', 2 of 2 'no' test rows right" in said
    assert "lower the decision threshold above to predict 'yes' more often" in said
    # the other way round: "yes" predicted for every row, the common "no" missed
    said = hints.no_better_than_the_common_class(
        np.array([0] * 8 + [1] * 2), np.ones(10, int), ["no", "yes"], True)
    assert "raise the decision threshold above to predict 'yes' less often" in said
    assert "gets 0 of 8 'no', 2 of 2 'yes' test rows right" in said
    three = hints.no_better_than_the_common_class(
        np.array([0] * 6 + [1] * 3 + [2]), np.zeros(10, int), ["a", "b", "c"], False)
    assert "threshold" not in three and "gets 6 of 6 'a', 0 of 3 'b', 0 of 1 'c'" in three
    assert hints.no_better_than_the_common_class(np.array([0, 1, 1]), np.array([0, 1, 1]),
                                                 ["no", "yes"], True) is None
