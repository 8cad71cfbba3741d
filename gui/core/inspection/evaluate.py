"""How good is the trained model? Test-set numbers, train beside test, in the target's units.

`evaluate` runs `model.evaluate` (the loss and compiled metrics, as trained) and predicts both
parts with the deployable model; the sklearn numbers and the pictures' data come from those
predictions. For a binary model the decision threshold is a parameter of the *view*:
`Evaluation.at(threshold)` recomputes the numbers without predicting again.

Example:
    result = evaluate(job.model, prepared, spec, deploy_model=job.deploy_model())
    result.metrics            # DataFrame: one row per metric, columns train / test
    result.confusion("test")  # counts, rows = true class, columns = predicted class
    result.at(0.3).metrics    # a binary model at another threshold

No Streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from gui.core.data.dataset import PreparedData
from gui.core.inspection.predict import class_probabilities, predicted_index
from gui.core.spec.vocabulary import UNITS_SCORE

SPLITS = ("train", "test")


@dataclass
class SplitOutputs:
    """One part of the data with the model's outputs.

    y_true: class indices, or target values in the target's own units.
    outputs: the deployable model's outputs, (rows, k): class probabilities or target values.
    """

    y_true: np.ndarray
    outputs: np.ndarray


@dataclass
class Evaluation:
    """The numbers and the pictures' data for one trained model on its train and test rows."""

    task: str
    target: str
    class_names: list
    splits: dict  # "train" / "test" → SplitOutputs
    keras_scores: pd.DataFrame  # loss and compiled metrics, as trained; columns train / test
    threshold: float = 0.5
    notes: list[str] = field(default_factory=list)

    # -- predictions ---------------------------------------------------------------------
    def proba(self, split: str) -> np.ndarray:
        """(rows, k) class probabilities (binary: columns P(class 0), P(class 1))."""
        return class_probabilities(self.splits[split].outputs, len(self.class_names))

    def y_pred(self, split: str) -> np.ndarray:
        """Predicted class indices (binary: at `threshold`), or predicted target values."""
        if self.task == "regression":
            return self.splits[split].outputs[:, 0]
        return predicted_index(self.task, self.proba(split), self.threshold)

    def y_true(self, split: str) -> np.ndarray:
        return self.splits[split].y_true

    def at(self, threshold: float) -> Evaluation:
        """The same evaluation at another binary decision threshold."""
        return replace(self, threshold=float(threshold))

    # -- classification ------------------------------------------------------------------
    def confusion(self, split: str) -> np.ndarray:
        from sklearn.metrics import confusion_matrix

        labels = list(range(len(self.class_names)))
        return confusion_matrix(self.y_true(split), self.y_pred(split), labels=labels)

    def per_class(self, split: str) -> pd.DataFrame:
        """Precision, recall, F1 and support per class."""
        from sklearn.metrics import precision_recall_fscore_support

        labels = list(range(len(self.class_names)))
        p, r, f, s = precision_recall_fscore_support(
            self.y_true(split), self.y_pred(split), labels=labels, zero_division=0)
        return pd.DataFrame({"precision": p, "recall": r, "f1": f, "support": s},
                            index=pd.Index([str(c) for c in self.class_names], name="class"))

    def roc(self, split: str):
        """(fpr, tpr, thresholds, auc) for a binary model; None when a part holds one class."""
        from sklearn.metrics import roc_auc_score, roc_curve

        y = self.y_true(split)
        if self.task != "binary" or len(np.unique(y)) < 2:
            return None
        score = self.proba(split)[:, 1]
        fpr, tpr, thresholds = roc_curve(y, score)
        return fpr, tpr, thresholds, float(roc_auc_score(y, score))

    # -- regression ----------------------------------------------------------------------
    def residuals(self, split: str) -> np.ndarray:
        """actual − predicted, in the target's units."""
        return self.y_true(split) - self.y_pred(split)

    # -- the table -----------------------------------------------------------------------
    @property
    def metrics(self) -> pd.DataFrame:
        """One row per metric, columns train / test (and the gap test − train)."""
        rows = {split: self._metrics(split) for split in SPLITS if split in self.splits}
        table = pd.DataFrame(rows)
        if {"train", "test"} <= set(table.columns):
            table["test − train"] = table["test"] - table["train"]
        return table

    def _metrics(self, split: str) -> dict:
        from sklearn import metrics as m

        y, pred = self.y_true(split), self.y_pred(split)
        if self.task == "regression":
            out = {"MAE": m.mean_absolute_error(y, pred),
                   "RMSE": float(np.sqrt(m.mean_squared_error(y, pred))),
                   "R²": m.r2_score(y, pred) if len(y) > 1 else float("nan"),
                   "max error": m.max_error(y, pred)}
            return {k: float(v) for k, v in out.items()}
        out = {"accuracy": m.accuracy_score(y, pred),
               "balanced accuracy": m.balanced_accuracy_score(y, pred)
               if len(np.unique(y)) > 1 else float("nan")}
        if self.task == "binary":
            out.update({"precision": m.precision_score(y, pred, zero_division=0),
                        "recall": m.recall_score(y, pred, zero_division=0),
                        "F1": m.f1_score(y, pred, zero_division=0)})
            curve = self.roc(split)
            out["ROC AUC"] = curve[3] if curve else float("nan")
        else:
            # The classes these rows hold or the model predicts: a class with no row here and
            # never predicted has no precision or recall to average in (it would count as 0)
            labels = sorted(set(np.unique(y).tolist()) | set(np.unique(pred).tolist()))
            out.update({"precision (macro)": m.precision_score(
                            y, pred, labels=labels, average="macro", zero_division=0),
                        "recall (macro)": m.recall_score(
                            y, pred, labels=labels, average="macro", zero_division=0),
                        "F1 (macro)": m.f1_score(
                            y, pred, labels=labels, average="macro", zero_division=0)})
        return {k: float(v) for k, v in out.items()}


def keras_evaluate(model, X: np.ndarray, y: np.ndarray, spec=None, n_classes: int = 0,
                   batch_size: int = 256) -> dict[str, float]:
    """model.evaluate on encoded rows: the loss, then the compiled metrics in the spec's order.

    `y` are the prepared targets (class indices or scaled numbers); they become one-hot rows
    when the spec's loss needs them.
    """
    from gui.core.model.build import training_targets

    if spec is not None:
        y = training_targets(y, spec, n_classes)
    if 0 < len(X) <= batch_size:
        out = _one_batch(model, X, y)
    else:
        out = model.evaluate(X, y, batch_size=batch_size, verbose=0, return_dict=True)
    names = ["loss", *[str(m) for m in spec.compile.metrics]] if spec is not None else []
    order = [k for k in names if k in out] + sorted(k for k in out if k not in names)
    return {k: float(out[k]) for k in order}


def run_scores(model, X: np.ndarray, y: np.ndarray, spec, prepared: PreparedData,
               batch_size: int) -> dict[str, float]:
    """keras_evaluate's loss and metrics on encoded rows, and for a number its R² in the
    target's own units (vocabulary.UNITS_SCORE): what a finished run records."""
    scores = keras_evaluate(model, X, y, spec, prepared.n_classes, batch_size)
    r2 = (units_r2(model, X, y, prepared.preprocessor) if prepared.task == "regression"
          else None)
    return scores | ({UNITS_SCORE: r2} if r2 is not None else {})


def units_r2(model, X: np.ndarray, y: np.ndarray, preprocessor,
             batch_size: int = 4096) -> float | None:
    """The R² of a regression `model` (as trained) on encoded rows `X` with prepared targets
    `y`, in the target's own units (vocabulary.UNITS_SCORE); None for fewer than 2 rows.
    The network is called directly, a batch at a time: `predict` would trace a function for
    each new model, at every run's end."""
    from sklearn.metrics import r2_score

    if len(X) < 2:
        return None
    output = np.concatenate([np.asarray(model(X[i:i + batch_size], training=False),
                                        dtype=float).reshape(-1)
                             for i in range(0, len(X), batch_size)])
    return float(r2_score(preprocessor.decode_target(np.asarray(y, dtype=float)),
                          preprocessor.decode_target(output)))


def _one_batch(model, X: np.ndarray, y: np.ndarray) -> dict:
    """model.evaluate of rows that are one batch, by the model's own test step on them
    (`test_on_batch`, which resets the metrics first): the same numbers without starting a
    tf.data pipeline, whose test function (a loop over batches) a fresh model traces anew,
    ~0.2 s of a core at each run's end. Floating arrays become Keras' float type, as
    evaluate's own adapter makes them."""
    import keras

    def typed(array):
        array = np.asarray(array)
        return array.astype(keras.config.floatx()) if array.dtype.kind == "f" else array

    return model.test_on_batch(typed(X), typed(y), return_dict=True)


def keras_scores(model, prepared: PreparedData, spec=None, batch_size: int = 256,
                 ) -> pd.DataFrame:
    """model.evaluate on the train and test rows: loss and compiled metrics, as trained.

    `model` is the training-space model (a scaled regression target stays scaled here).
    Returns an empty table when the model is not compiled.
    """
    if getattr(model, "optimizer", None) is None or not getattr(model, "compiled", True):
        return pd.DataFrame(columns=list(SPLITS))
    return pd.DataFrame({split: keras_evaluate(model, getattr(prepared, f"X_{split}"),
                                               getattr(prepared, f"y_{split}"), spec,
                                               prepared.n_classes, batch_size)
                         for split in SPLITS})


def split_outputs(deploy_model, prepared: PreparedData, batch_size: int = 1024) -> dict:
    """Predict both parts with the deployable model (raw features in, target units out)."""
    out = {}
    for split in SPLITS:
        X = getattr(prepared, f"X_{split}")
        y = getattr(prepared, f"y_{split}")
        outputs = np.asarray(deploy_model.predict(X, batch_size=batch_size, verbose=0),
                             dtype=float).reshape(len(X), -1)
        if prepared.task == "regression":
            y = prepared.preprocessor.decode_target(y)
        out[split] = SplitOutputs(y_true=np.asarray(y), outputs=outputs)
    return out


def evaluate(model, prepared: PreparedData, spec=None, deploy_model=None,
             threshold: float = 0.5) -> Evaluation:
    """Evaluate a trained model on its train and test rows.

    Args:
        model: the model as trained (its loss and metrics come from model.evaluate).
        prepared: the PreparedData it was trained on.
        spec: the ExperimentSpec (for one-hot targets and the target's name); optional.
        deploy_model: the model that returns target units (build.with_unscaled_output);
            defaults to `model` wrapped by with_unscaled_output.
        threshold: the binary decision threshold.
    """
    if deploy_model is None:
        from gui.core.model.build import with_unscaled_output

        deploy_model = with_unscaled_output(model, prepared.preprocessor)
    notes = []
    if prepared.task == "regression" and prepared.preprocessor.target_range_ != 1.0:
        notes.append("The loss and Keras metrics are on the scaled target (as trained); MAE, "
                     "RMSE and R² are in the target's own units.")
    if prepared.task == "binary":
        negative, positive = (str(c) for c in prepared.class_names[:2])
        notes.append(f"Precision, recall and F1 are for the positive class '{positive}' (the "
                     f"other is '{negative}'); the threshold applies to its probability.")
    target = spec.data.target if spec is not None else ""
    return Evaluation(task=prepared.task, target=target,
                      class_names=list(prepared.class_names),
                      splits=split_outputs(deploy_model, prepared),
                      keras_scores=keras_scores(model, prepared, spec),
                      threshold=float(threshold), notes=notes)
