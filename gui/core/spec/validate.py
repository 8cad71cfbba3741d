"""Every check before training, at once, in words a person can act on.

Each `Problem` names the spec path at fault (the page draws it next to that control) and says,
in Keras' order, what was expected, what was received and how to fix it:

    Expected a positive whole number of neurons, e.g. 16. Received: units=0. Set units to ...

`spec_problems(spec, info, names)` checks the layers, compile and fit settings and the data
choices, and —
given what the prepared data looks like (`DataInfo`) — the output layer and loss against the
task, the network's size and the validation split against the row count. `data_problems`
checks the data choices against the table itself before preparing.

Names (activations, initializers, losses, metrics, optimizers) are checked against `names`,
an object with the option lists of gui.core.model.registry: this package never imports Keras,
so the model package passes its registry in (`gui.core.model.validation.validate`).
"""

from __future__ import annotations

import math

from gui.core.spec.data_info import DataInfo
from gui.core.spec.problems import Problem, is_int, is_number, not_one_of, say, shown
from gui.core.spec.schema import CompileSpec, DataSpec, ExperimentSpec, FitSpec, parameter_count
from gui.core.spec.validate_model import compile_problems, head_problems, layer_problems
from gui.core.spec.vocabulary import (
    AUTO_TASK,
    MAX_BATCH_SIZE,
    MAX_EPOCHS,
    MAX_PARAMS,
    MISSING,
    SCALINGS,
    TASKS,
    TEXT_HANDLING,
    VALIDATION_MODES,
)

# ---- the whole spec ------------------------------------------------------------------------

def spec_problems(spec: ExperimentSpec, info: DataInfo | None, names) -> list[Problem]:
    """Every problem that would stop `spec` from building or training well, at once.

    Without `info` the checks that need the data (output width, loss against task, the
    validation split against the row count) are skipped. `names` gives the option lists
    (`activations()`, `initializers()`, `losses()`, `metrics(task)`, …), as
    gui.core.model.registry does.
    """
    problems: list[Problem] = []
    add = lambda where, message: problems.append(Problem(where, message))  # noqa: E731
    problems += layer_problems(spec.layers, names)
    if info is not None:
        problems += head_problems(spec, info)
        if info.n_inputs < 1:
            add("data.features", say("at least one input column", "no input columns after "
                                     "encoding", "Choose feature columns on the Data page."))
        elif not any(p.where.startswith("layers") for p in problems):
            count = parameter_count(spec, info.n_inputs)
            if count > MAX_PARAMS:
                add("layers", say(f"at most {MAX_PARAMS:,} weights", f"{count:,} weights",
                                  "Use fewer units or fewer layers."))
        problems += split_problems(spec.fit, info.n_train)
    problems += compile_problems(spec.compile, info, spec.layers, names)
    problems += _fit(spec.fit, spec.compile)
    problems += _data(spec.data)
    unique: list[Problem] = []
    for problem in problems:
        if problem not in unique:
            unique.append(problem)
    return unique


def problems_at(problems: list[Problem], where: str) -> list[Problem]:
    """The problems about `where` itself or anything inside it (e.g. "layers[1]")."""
    return [p for p in problems
            if p.where == where or p.where.startswith((where + ".", where + "["))]


# ---- fit -----------------------------------------------------------------------------------

def monitor_options(spec: ExperimentSpec, validation: str | None = None) -> list[str]:
    """What early stopping can watch: loss and the metrics, on validation and train data."""
    return _watchable(spec.compile, spec.fit.validation if validation is None else validation)


def _watchable(compile: CompileSpec, validation: str) -> list[str]:
    names = ["loss", *[m for m in compile.metrics if isinstance(m, str)]]
    return ([f"val_{n}" for n in names] if validation != "none" else []) + names


def validation_rows(n_rows: int, fraction: float) -> int:
    """Rows `validation_split` holds out: the last ones, as Keras' own validation_split."""
    return n_rows - int(math.floor(n_rows * (1.0 - fraction)))


def split_problems(fit: FitSpec, n_train: int) -> list[Problem]:
    """The validation split against the number of training rows (0: not known)."""
    if n_train <= 0 or fit.validation != "split" or not (
            is_number(fit.validation_split) and 0 < fit.validation_split < 1):
        return []
    held = validation_rows(n_train, fit.validation_split)
    if held >= 1 and n_train - held >= 1:
        return []
    return [Problem("fit.validation_split", say(
        "a split that leaves at least 1 validation and 1 training row",
        f"validation_split={fit.validation_split:g}, which leaves {held} validation and "
        f"{n_train - held} training row(s) of {n_train}",
        "Change the split, or validate on the test set."))]


def _fit(fit: FitSpec, compile: CompileSpec) -> list[Problem]:
    out: list[Problem] = []
    add = lambda where, message: out.append(Problem(where, message))  # noqa: E731
    if not is_int(fit.epochs) or fit.epochs <= 0:
        add("fit.epochs", say("a positive whole number of passes over the training data, "
                              "e.g. 50", f"epochs={shown(fit.epochs)}", "Set epochs to 1 or more."))
    elif fit.epochs > MAX_EPOCHS:
        add("fit.epochs", say(f"at most {MAX_EPOCHS:,} epochs", f"epochs={fit.epochs}",
                              "Use early stopping for long runs."))
    if not is_int(fit.batch_size) or fit.batch_size <= 0:
        add("fit.batch_size", say("a positive whole number of rows per step, e.g. 32",
                                  f"batch_size={shown(fit.batch_size)}",
                                  "Set batch_size to 1 or more."))
    elif fit.batch_size > MAX_BATCH_SIZE:
        add("fit.batch_size", say(f"at most {MAX_BATCH_SIZE:,}",
                                  f"batch_size={fit.batch_size}", "Use a smaller batch."))
    if fit.validation not in VALIDATION_MODES:
        out.append(not_one_of("fit.validation", "validation", fit.validation, VALIDATION_MODES))
    if fit.validation == "split" and not (is_number(fit.validation_split)
                                          and 0 < fit.validation_split < 1):
        add("fit.validation_split", say("a share strictly between 0 and 1, e.g. 0.2",
                                        f"validation_split={shown(fit.validation_split)}",
                                        "Move the slider."))
    if fit.early_stopping:
        if not is_int(fit.patience) or fit.patience < 0:
            add("fit.patience", say("a whole number of epochs ≥ 0, e.g. 10",
                                    f"patience={shown(fit.patience)}",
                                    "Set patience to 0 or more."))
        allowed = _watchable(compile, "split")
        if fit.monitor not in allowed:
            add("fit.monitor", say(f"one of {', '.join(allowed)}",
                                   f"monitor={shown(fit.monitor)}, which early stopping cannot "
                                   "watch", "Choose a value to watch."))
        elif fit.monitor.startswith("val_") and fit.validation == "none":
            add("fit.monitor", say("validation data for early stopping to watch "
                                   f"{fit.monitor}", "validation is off",
                                   "Turn validation on, or watch loss."))
    if not is_int(fit.seed) or fit.seed < 0:
        add("fit.seed", say("a whole number ≥ 0", f"seed={shown(fit.seed)}",
                            "Set a seed such as 42."))
    return out


# ---- data ----------------------------------------------------------------------------------

def _data(data: DataSpec) -> list[Problem]:
    out = []
    for name, allowed in (("task", (*TASKS, AUTO_TASK)), ("scaling", SCALINGS),
                          ("missing", MISSING), ("text", TEXT_HANDLING)):
        value = getattr(data, name)
        if value not in allowed:
            out.append(not_one_of(f"data.{name}", name, value, allowed))
    if not (is_number(data.test_fraction) and 0 < data.test_fraction < 1):
        out.append(Problem("data.test_fraction", say(
            "a share strictly between 0 and 1, e.g. 0.2",
            f"test_fraction={shown(data.test_fraction)}", "Move the slider.")))
    return out


def data_problems(columns: list, data: DataSpec) -> list[Problem]:
    """The data choices, and the target and feature columns against the table's `columns`."""
    out = _data(data)
    if data.target not in columns:
        near = next((str(c) for c in columns
                     if str(c).strip().casefold() == str(data.target).strip().casefold()), None)
        out.append(Problem("data.target", say(
            f"a column of the data, e.g. {', '.join(map(str, list(columns)[:20]))}",
            f"target {data.target!r}, which is not in the data",
            f"The data has {near!r}, in other capitals." if near else "Choose the target column.")))
    absent = [c for c in data.features if c not in columns]
    if absent:
        out.append(Problem("data.features", say(
            "feature columns of the data", f"{', '.join(map(str, absent))}, not in the data",
            "Choose the feature columns again.")))
    return out
