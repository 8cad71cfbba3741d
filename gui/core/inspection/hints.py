"""Teaching hints in words: a learning rate far from its optimizer's usual range, a loss that
stays flat (the network is not learning), and why two "training accuracy" figures differ.

Each function returns a sentence to show next to the control or chart concerned, or None
when there is nothing to say. The usual ranges live in vocabulary.OPTIMIZERS.

    >>> learning_rate_warning("sgd", 10.0) is not None
    True
    >>> flat_loss({"loss": [1.0986] * 50}, n_classes=3).epochs
    50
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gui.core.inspection.numbers import number
from gui.core.spec.vocabulary import OPTIMIZERS

FAR = 10.0          # a rate this many times outside the usual range gets a warning
FLAT_EPOCHS = 20    # epochs in a row ...
FLAT_CHANGE = 0.01  # ... within 1 % of each other: the loss is flat
FALLING_EPOCHS = 5  # over the last this many epochs ...
FALLING_SHARE = 0.02  # ... the loss still fell by more than this share per epoch: train longer
WEAK_R2 = 0.1  # a test R² from 0 up to this explains little: said, as R² below 0 is
OVERFIT_GAP = 0.1  # train's accuracy (R²) this much above test's: over-fitting, said
FEW_TEST_ROWS = 30  # under this many test rows, a few rows move the test score a lot


def rate(value: float) -> str:
    """A learning rate as people write it: 0.001, 1e-05, 10."""
    return f"{value:g}"


def usual_range(optimizer: str) -> tuple[float, float] | None:
    row = OPTIMIZERS.get(optimizer)
    return row.usual_learning_rates if row else None


def range_words(optimizer: str) -> str:
    """"SGD's usual range is 0.001–0.1" ('' for an unknown optimizer)."""
    span = usual_range(optimizer)
    if span is None:
        return ""
    return f"{OPTIMIZERS[optimizer].label}'s usual range is {rate(span[0])}–{rate(span[1])}"


def learning_rate_warning(optimizer: str, learning_rate: float) -> str | None:
    """A warning (not an error) when `learning_rate` is more than 10× outside the
    optimizer's usual range, saying the range and what to expect."""
    span = usual_range(optimizer)
    if span is None or not isinstance(learning_rate, (int, float)) or learning_rate <= 0 \
            or not math.isfinite(learning_rate):
        return None
    low, high = span
    usual = f"the usual range for {OPTIMIZERS[optimizer].label} ({rate(low)}–{rate(high)})"
    if learning_rate > high * FAR:
        return (f"learning_rate={rate(learning_rate)} is far above {usual}. "
                "Expect the loss to jump around or become NaN (not a number) in the first "
                f"epochs. Try {rate(OPTIMIZERS[optimizer].learning_rate)}.")
    if learning_rate < low / FAR:
        return (f"learning_rate={rate(learning_rate)} is far below {usual}. "
                "Expect the loss to fall very slowly: many epochs for little progress. Try "
                f"{rate(OPTIMIZERS[optimizer].learning_rate)}.")
    return None


def lower_rate_advice(optimizer: str, learning_rate: float) -> str:
    """What to try after the loss blew up: "try 0.01, SGD's usual range is 0.001–0.1"."""
    span = usual_range(optimizer)
    if span is None:
        return f"try {rate(learning_rate / 10)}"
    low, high = span
    if learning_rate > high:
        suggestion = OPTIMIZERS[optimizer].learning_rate
        suggestion = suggestion if low <= suggestion <= high else high
    else:
        suggestion = max(learning_rate / 10, low)
    if suggestion >= learning_rate:  # already at the bottom of the range
        suggestion = learning_rate / 10
    return f"try {rate(suggestion)}, {range_words(optimizer)}"


@dataclass(frozen=True)
class FlatLoss:
    """A loss that stayed put: its value, for how many epochs, and ln(classes) if it is the
    loss of a uniform guess."""

    value: float
    epochs: int
    classes: int = 0  # > 0: the value is ln(classes), a uniform guess

    def message(self) -> str:
        guess = (f" (= ln {self.classes}, a uniform guess over {self.classes} classes)"
                 if self.classes else "")
        return (f"The network is not learning: the loss has stayed at {number(self.value)}"
                f"{guess} for {self.epochs} epochs. Try a smaller or a larger learning rate, "
                "another kernel_initializer or activation (ReLU neurons can die and output 0 "
                "for every row: try leaky_relu or elu), or scaling the features (Data page). "
                "The Inside page shows which neurons never activate.")


def flat_loss(history: dict, n_classes: int = 0, min_epochs: int = FLAT_EPOCHS,
              change: float = FLAT_CHANGE) -> FlatLoss | None:
    """The run is not learning: its training loss has stayed within `change` (relative) for
    the last `min_epochs` epochs or more, and either sits at ln(n_classes) — a uniform guess,
    for a classification loss — or has hardly moved since the first epoch. A loss that fell
    and then settled (a trained model) is not flagged.

    Args:
        history: {quantity: values per epoch}; "loss" is read.
        n_classes: classes of a classification task (0: regression or unknown).
    """
    values = [v for v in history.get("loss") or [] if v is not None]
    if len(values) < min_epochs or not all(math.isfinite(v) for v in values):
        return None
    last = values[-1]
    scale = max(abs(last), 1e-12)
    epochs = 0
    low = high = last
    for value in reversed(values):
        low, high = min(low, value), max(high, value)
        if (high - low) / scale >= change:
            break
        epochs += 1
    if epochs < min_epochs:
        return None
    if n_classes >= 2 and abs(last - math.log(n_classes)) <= change * math.log(n_classes):
        return FlatLoss(last, epochs, n_classes)
    if (max(values) - min(values)) / scale < change * 5:  # never moved since epoch 1
        return FlatLoss(last, epochs)
    return None


def training_accuracy_note(last_epoch: float | None, fit_rows: int, train_rows: int,
                           evaluated: float | None = None, name: str = "accuracy") -> str:
    """Why the Train page's last-epoch figure and Evaluate's train figure differ.

    Args:
        last_epoch: the last epoch's training value (Keras' history).
        fit_rows: the rows trained on (training rows less the validation split).
        train_rows: all training rows.
        evaluated: the value on all training rows after training (Evaluate), if known.
    """
    epoch_part = (f"The Train page's last-epoch {name}"
                  + (f" ({number(last_epoch, name)})" if last_epoch is not None else "")
                  + f" is the mean over that epoch's batches while the weights still moved, "
                  f"on the {fit_rows:,} rows trained on")
    held = train_rows - fit_rows
    if held > 0:
        epoch_part += f" (the validation split holds out {held:,})"
    after = (f"Evaluate's train {name}"
             + (f" ({number(evaluated, name)})" if evaluated is not None else "")
             + f" scores all {train_rows:,} training rows with the final weights")
    same = (last_epoch is not None and evaluated is not None
            and number(last_epoch, name) == number(evaluated, name))
    if same:
        return f"{epoch_part}. {after}, so the two can differ (here they agree)."
    if last_epoch is not None and evaluated is not None and abs(last_epoch - evaluated) > 0.05:
        return (f"{epoch_part}. {after}, so the two differ: here by "
                f"{number(abs(last_epoch - evaluated), name)}, which is much: Dropout and "
                "BatchNormalization act only while training, or the weights still moved a lot "
                "in the last epoch.")
    return f"{epoch_part}. {after}, so the two differ a little."


def classes(spec) -> int:
    """The classes a run's crossentropy loss is over (0 for another loss): the output
    layer's units, 2 for a single sigmoid unit."""
    from gui.core.spec.schema import output_layer

    if "crossentropy" not in str(spec.compile.loss):
        return 0
    index = output_layer(spec.layers)
    units = spec.layers[index].units if index is not None else 0
    return 2 if units == 1 else int(units or 0)


def still_falling(history: dict, epochs: int = FALLING_EPOCHS,
                  share: float = FALLING_SHARE) -> str | None:
    """"More epochs would help" when the training loss (or the validation loss, when there is
    one) still fell by more than `share` per epoch, on average, over the last `epochs` epochs.

        >>> still_falling({"loss": [8.0, 4.0, 2.0, 1.0, 0.5, 0.25]}) is not None
        True
        >>> still_falling({"loss": [1.0, 0.5, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]}) is None
        True
    """
    watched = "val_loss" if history.get("val_loss") else "loss"
    values = [v for v in history.get(watched) or [] if v is not None]
    if len(values) <= epochs or not all(math.isfinite(v) for v in values[-epochs - 1:]):
        return None
    start, end = values[-epochs - 1], values[-1]
    if start <= 0 or end >= start:
        return None
    per_epoch = 1 - (end / start) ** (1 / epochs)
    if per_epoch <= share:
        return None
    name = "validation loss" if watched == "val_loss" else "loss"
    return (f"The {name} is still falling ({per_epoch:.0%} per epoch over the last {epochs} "
            "epochs): more epochs would help. Continue training this run, or raise epochs "
            "(with early stopping, which keeps the best epoch).")


def worse_than_the_mean(r2_test: float) -> str | None:
    """A regression whose test R² is below 0 predicts worse than the mean of the target.

        >>> worse_than_the_mean(0.4) is None
        True
    """
    if not math.isfinite(r2_test) or r2_test >= 0:
        return None
    return (f"Test R² is {r2_test:.2f}: the model predicts worse than always guessing the "
            "target's mean. Try \"Standardise the target\" on the Data page, more epochs, "
            "or a lower learning rate.")


def explains_little(r2_test: float) -> str | None:
    """A regression whose test R² is from 0 up to WEAK_R2: hardly better than the mean.

        >>> explains_little(0.011)[:35]
        'Test R² is 0.01: the model explains'
    """
    if not math.isfinite(r2_test) or not 0 <= r2_test < WEAK_R2:
        return None
    return (f"Test R² is {r2_test:.2f}: the model explains about {r2_test:.0%} of how the "
            "target varies, hardly better than always guessing its mean (R² 0). The chosen "
            "features may say little about the target: check them on the Data page and what "
            "each input does on the Inside page; more epochs or a wider network help only "
            "if the loss was still falling. A target that is one value in most rows (e.g. "
            "mostly 0) is hard to predict as a number: predicting whether it is that value "
            "(a class) may serve better.")


def no_better_than_the_common_class(y_true: np.ndarray, y_pred: np.ndarray,
                                    class_names: list, binary: bool) -> str | None:
    """A classifier whose test accuracy is no higher than always predicting the test rows'
    most common class: accuracy hides what it gets wrong, said class by class; for a binary
    one, which way to move the decision threshold (towards predicting the positive class,
    the second, more often or less often).

        >>> no_better_than_the_common_class(np.array([0] * 9 + [1]), np.zeros(10, int),
        ...                                 ["no", "yes"], True)[:45]
        'Test accuracy 0.900 is no better than always '
    """
    y_true, y_pred = np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)
    if not len(y_true):
        return None
    counts = np.bincount(y_true, minlength=len(class_names))
    common = int(counts.argmax())
    share, accuracy = counts[common] / len(y_true), float(np.mean(y_true == y_pred))
    if accuracy > share or share == 1:
        return None
    order = [common, *(k for k in np.argsort(-counts, kind="stable") if k != common)]
    found = ", ".join(f"{int(np.sum((y_true == k) & (y_pred == k)))} of {int(counts[k])} "
                      f"'{class_names[k]}'" for k in order if counts[k])
    advice = ""
    if binary:
        fewer = np.sum(y_pred == 1) < np.sum(y_true == 1)
        advice = (f" {'lower' if fewer else 'raise'} the decision threshold above to predict "
                  f"'{class_names[1]}' {'more' if fewer else 'less'} often;")
    return (f"Test accuracy {accuracy:.3f} is no better than always predicting "
            f"'{class_names[common]}' ({share:.3f} of the test rows are '{class_names[common]}'):"
            f" the model gets {found} test rows right. Accuracy hides this when one class is "
            f"most of the rows: read the per-class scores below;{advice} add rows of the "
            "rarer classes, or train longer or a wider network.")


def overfitting(gap: float, validation: str, n_test: int) -> str | None:
    """Train's score (accuracy, R²) `gap` above test's: over-fitting, with what to try for
    this run's settings (no early stopping to suggest when nothing was held out: a small
    table's rule), and a word on a small test set's noise.

        >>> overfitting(0.05, "split", 100) is None
        True
    """
    if not gap > OVERFIT_GAP:
        return None
    first = ("a stronger L2 penalty, Dropout, fewer epochs or a smaller network"
             if validation == "none" else
             "fewer epochs (or early stopping), Dropout, a regularizer, or a smaller network")
    noise = (f" With only {n_test} test rows, a few rows move the test score a lot: compare "
             "runs on more than one split seed before trusting a difference."
             if n_test < FEW_TEST_ROWS else "")
    return ("The model does clearly better on the training rows than on the test rows: it is "
            f"probably over-fitting. Try {first}.{noise}")
