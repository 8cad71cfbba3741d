"""The defaults that follow the data's size: one readable rule per band of training rows.

heads.recommended_spec builds the hidden layers and the training from the rule that
applies (`size_rule`); the Model page shows its sentence (`why`). The rules are measured
against scikit-learn's linear models and MLPs by benchmarks/default_quality.py.

Example:
    >>> size_rule(30).epochs, size_rule(50_000).epochs
    (500, 60)

Pure data: no Keras, no Streamlit, no pandas.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SizeRule:
    """The recommended network and training for a table of up to `rows` training rows.

    Small tables need many more epochs (each epoch is a step or two) and a network that
    cannot memorise them; large tables need few epochs of larger batches and a wider
    network. Early stopping on the validation loss ends training after `patience` epochs
    without improvement and restores the best epoch's weights, so `epochs` is a ceiling.

    Args:
        rows: the largest number of training rows the rule is for.
        epochs: the most epochs to train.
        patience: epochs without a better validation loss before training stops.
        batch_size: rows per gradient step (a batch larger than the table is the whole
            table: one step per epoch).
        units: neurons in each hidden Dense layer (at least, see UNITS_PER_INPUT).
        l2: the L2 penalty on the hidden layers' weights (0: none).
        dropout: the Dropout rate after each hidden layer (0: no Dropout layer).
        validate: hold out a validation share and stop early on it; False trains on every
            training row for `epochs` (a handful of validation rows is too few to choose
            an epoch by).
        hidden: how many hidden Dense(relu) layers.
        why: the rule in one sentence, as the Model page shows it (`why_for`).
        class_why, number_why: what the rule adds for classes, or for a number.
        regression_l2: the L2 penalty when the target is a number (None: `l2`); a strong
            penalty pulls a scaled target's predictions towards its mean.
        learning_rate: the optimizer's learning rate (None: the optimizer's default).
        regression_learning_rate: the learning rate when the target is a number (None:
            `learning_rate`).
    """

    rows: float
    epochs: int
    patience: int
    batch_size: int
    units: int
    l2: float = 0.0
    dropout: float = 0.0
    validate: bool = True
    hidden: int = 2
    why: str = ""
    regression_l2: float | None = None
    learning_rate: float | None = None
    regression_learning_rate: float | None = None
    class_why: str = ""
    number_why: str = ""

    def why_for(self, task: str) -> str:
        """The rule in words for `task`: its sentence, and what it adds for that task."""
        extra = self.number_why if task == "regression" else self.class_why
        return f"{self.why} {extra}".strip()

    def l2_for(self, task: str) -> float:
        """The L2 penalty for `task` ("regression", "binary", "multiclass")."""
        if task == "regression" and self.regression_l2 is not None:
            return self.regression_l2
        return self.l2

    def rate_for(self, task: str) -> float | None:
        """The learning rate for `task` (None: the optimizer's default)."""
        if task == "regression" and self.regression_learning_rate is not None:
            return self.regression_learning_rate
        return self.learning_rate


# The defaults that follow the data's size (heads.recommended_spec): the first rule whose
# `rows` is at least the number of training rows applies. Measured against scikit-learn's
# linear models and MLPs by benchmarks/default_quality.py.
SIZE_RULES: tuple[SizeRule, ...] = (
    SizeRule(100, epochs=500, patience=0, batch_size=128, units=100, hidden=1,
             validate=False, learning_rate=0.01, l2=1e-2, regression_l2=0.1,
             why="Up to 100 rows: one hidden layer trained on every row at once (one step "
                 "per epoch) for a fixed number of epochs at a learning rate of 0.01 (ten "
                 "times Adam's default, since so few steps are taken): too few rows to hold "
                 "some out for early stopping. With so few rows the network still fits its "
                 "training rows better than new ones: Evaluate compares the two.",
             class_why="For classes, an L2 penalty (0.01) on the hidden layer's weights "
                       "keeps the predicted probabilities from being pushed to 0 and 1 on so "
                       "few rows.",
             number_why="For a number, a strong L2 penalty (0.1) on the hidden layer's "
                        "weights keeps its bends small."),
    SizeRule(1_000, epochs=200, patience=30, batch_size=16, units=64, l2=1e-2,
             regression_l2=1e-4, regression_learning_rate=5e-4,
             why="Up to 1,000 rows: two hidden layers with an L2 penalty, small batches, and "
                 "a fifth of the rows held out to stop when the validation loss no longer "
                 "improves (the best epoch's weights kept).",
             class_why="The penalty is strong (0.01), keeping the network close to a linear "
                       "model.",
             number_why="For a number the penalty is light (0.0001), as a strong one would "
                        "pull the predictions towards the mean, and the learning rate is "
                        "0.0005, half of Adam's default: at the default, the lightly "
                        "penalised network fits these few rows within a handful of epochs, "
                        "too soon for the held-out rows to tell a good epoch from a lucky "
                        "one."),
    SizeRule(10_000, epochs=100, patience=15, batch_size=32, units=128, l2=3e-3,
             regression_l2=1e-5,
             why="Up to 10,000 rows: two wider hidden layers, stopped early on a fifth of the "
                 "rows held out (the best epoch's weights kept).",
             class_why="Classes get a moderate L2 penalty (0.003): without it the network "
                       "starts fitting the training rows' noise, and early stopping ends it, "
                       "before it has learnt the classes' shapes.",
             number_why="A number gets a very light L2 penalty (0.00001): a stronger one "
                        "fitted the numbers no better."),
    SizeRule(100_000, epochs=60, patience=8, batch_size=128, units=128,
             why="Up to 100,000 rows: two hidden layers without a penalty (the rows "
                 "themselves regularise), larger batches, fewer epochs, stopped early on a "
                 "fifth of the rows held out (the best epoch's weights kept)."),
    SizeRule(float("inf"), epochs=30, patience=5, batch_size=512, units=256,
             why="Over 100,000 rows: two wide hidden layers, large batches and few epochs, "
                 "stopped early on a fifth of the rows held out (the best epoch's weights "
                 "kept)."),
)
UNITS_PER_INPUT = 2      # wide inputs widen the hidden layers: units ≥ 2 × inputs ...
MAX_DEFAULT_UNITS = 256  # ... up to this


def size_rule(rows: int) -> SizeRule:
    """The rule for `rows` training rows: the first whose `rows` is at least that many."""
    return next(rule for rule in SIZE_RULES if rows <= rule.rows)
