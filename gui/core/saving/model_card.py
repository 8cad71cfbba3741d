"""A model card: one Markdown page on what a run's model does, from which data, how well,
what it never saw, and how to call it — filled from the run.

The facts come from the run (`CardFacts`: the spec, the fitted preprocessing, the prepared
rows, the curves, the test numbers, the evaluation's scores and confusion matrix); the
user's intended use and caveats are written on Evaluate and kept with the run. Every
value from the data (column names, categories, the user's text) is written as a code span
or a quoted block, so it cannot turn into Markdown links or HTML.

Example:
    text = model_card(CardFacts(run_name="Run 3", spec=spec, prep=prep, prepared=prepared,
                                history=history, test_metrics={"loss": 0.3}))

No Streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gui.core.data.dataset import PreparedData
from gui.core.data.preprocess import Preprocessor
from gui.core.model.codegen import layer_source, optimizer_source
from gui.core.saving.export import HOW_TO_CALL, call_code, code_span, outputs_sentence
from gui.core.saving.raw_model import CODE, TEXT, column_kinds
from gui.core.spec.schema import ExperimentSpec, SpecError
from gui.core.spec.vocabulary import higher_is_better

MAX_SHOWN = 30  # categories listed per column


@dataclass
class CardFacts:
    """What a model card is filled from.

    Args:
        run_name: the run's name ("Run 3").
        spec: the run's own spec; prep: its fitted preprocessing; prepared: its rows.
        history: the curves ({"loss": [...], "val_loss": [...]}).
        test_metrics: the loss and compiled metrics on the test rows.
        scores: the evaluation's table (rows: metric, columns: train / test), or None.
        confusion: the test confusion matrix (rows: true class), for a classifier.
        left_out: {column of the file: why it was not used}.
        user_notes: intended use and caveats, as the user wrote them.
        start_epoch: the epochs of `history` trained before this run (a continuation's
            parent's): early stopping looks at this run's epochs only.
    """

    run_name: str
    spec: ExperimentSpec
    prep: Preprocessor
    prepared: PreparedData
    history: dict = field(default_factory=dict)
    test_metrics: dict = field(default_factory=dict)
    scores: pd.DataFrame | None = None
    confusion: np.ndarray | None = None
    left_out: dict = field(default_factory=dict)
    user_notes: str = ""
    start_epoch: int = 0


def _table(header: list[str], rows: list[list]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return out


def _num(value) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "—"
    value = float(value)
    return f"{value:,.0f}" if 1e4 <= abs(value) < 1e15 else f"{value:.4g}"  # 659,096


def _what(f: CardFacts) -> list[str]:
    prep, target = f.prep, code_span(f.spec.data.target)
    kinds = column_kinds(prep)
    words = {"number": "number", CODE: "numeric code, as categories", TEXT: "text"}
    if prep.task == "regression":
        what = f"It predicts {target}, a number, in its own units (regression)."
    else:
        what = (f"It predicts {target}, one of {len(prep.classes_)} classes "
                f"({prep.task} classification): "
                f"{', '.join(code_span(c) for c in prep.classes_)}.")
    lines = ["## What it predicts", "", what, "",
             f"From {len(kinds)} column(s), each taken by its name:", ""]
    lines += [f"- {code_span(c)} ({words[k]})" for c, k in kinds.items()]
    return lines + [""]


def _data(f: CardFacts) -> list[str]:
    data, prepared = f.spec.data, f.prepared
    source = code_span(data.source or "the training file")
    sheet = f", sheet {code_span(data.sheet)}" if data.sheet else ""
    if data.test_source:
        split = f"the test rows are the separate file {code_span(data.test_source)}"
    else:
        split = (f"{data.test_fraction:.0%} of the rows were held out as test rows "
                 f"(split seed {data.split_seed})")
    lines = ["## Data", "",
             f"- Trained on {source}{sheet}: {len(prepared.y_train):,} training rows, "
             f"{len(prepared.y_test):,} test rows; {split}.",
             f"- Missing values: {data.missing}; feature scaling: {data.scaling}"
             + (f"; the target was standardised for training (mean "
                f"{f.prep.target_min_:.6g}, standard deviation {f.prep.target_range_:.6g}) "
                "and is un-scaled by the model" if f.prep.scales_target else "") + "."]
    if f.left_out:
        lines.append("- Columns of the file left out:")
        lines += [f"  - {code_span(c)}: {why}" for c, why in f.left_out.items()]
    else:
        lines.append("- No column of the file was left out besides the target.")
    lines += [f"- {w}" for w in prepared.warnings]
    return lines + [""]


def _network(f: CardFacts) -> list[str]:
    spec = f.spec
    lines = ["## Network and training", "", "Layers, after the fitted scaling layer:", ""]
    for i, layer in enumerate(spec.layers, start=1):
        try:
            source = layer_source(layer)
        except SpecError:
            source = layer.type
        lines.append(f"{i}. {code_span(source)}")
    fit = spec.fit
    epochs = len(f.history.get("loss", []))
    lines += ["", f"- Loss {code_span(spec.compile.loss)}, optimizer "
              f"{code_span(optimizer_source(spec))}, metrics "
              f"{', '.join(map(code_span, spec.compile.metrics)) or 'none'}.",
              f"- {epochs} epoch(s) trained (of {fit.epochs} planned), batch size "
              f"{fit.batch_size}, seed {fit.seed}.", ""]
    return lines


def _how_well(f: CardFacts) -> list[str]:
    lines = ["## How well it does", ""]
    names = [k for k in f.history if not k.startswith("val_")]
    if names:
        epochs = len(f.history.get("loss", []))
        kept = kept_epoch(f.spec.fit, f.history, f.start_epoch) or epochs

        def at(values):
            return values[kept - 1] if values and len(values) >= kept else None

        rows = [[code_span(n), _num(at(f.history.get(n))),
                 _num(at(f.history.get(f"val_{n}"))), _num(f.test_metrics.get(n))]
                for n in names]
        which = ("last epoch" if kept == epochs else
                 f"epoch {kept}, whose weights the model keeps: early stopping restored "
                 f"them after {epochs} epochs")
        scaled = (f" The loss and these metrics are on the standardised "
                  f"{code_span(f.spec.data.target)}, as trained; the scores below are in its "
                  "own units." if f.prep.scales_target else "")
        lines += [f"Loss and metrics as Keras computed them ({which}).{scaled}", "",
                  *_table(["", "train", "validation", "test"], rows), ""]
    if f.scores is not None and len(f.scores):
        rows = [[str(i), *(_num(f.scores.loc[i, c]) for c in ("train", "test"))]
                for i in f.scores.index]
        unit = f" ({code_span(f.spec.data.target)}'s units)" if f.prep.task == "regression" \
            else ""
        lines += [f"Scores on the training and test rows{unit}:", "",
                  *_table(["", "train", "test"], rows), ""]
    if f.confusion is not None:
        classes = [str(c) for c in f.prep.classes_]
        rows = [[f"true {code_span(c)}", *(int(v) for v in f.confusion[i])]
                for i, c in enumerate(classes)]
        lines += ["Confusion matrix on the test rows (rows: true class, columns: predicted):",
                  "", *_table(["", *(code_span(c) for c in classes)], rows), ""]
    return lines


def kept_epoch(fit, history: dict, start_epoch: int = 0) -> int | None:
    """The epoch (from 1, in the whole history) whose weights a run's model keeps when
    Keras' EarlyStopping restores the best ones (restore_best_weights: at the end of
    training, stopped early or not): the first best value of `fit.monitor` among this run's
    epochs. None when no weights are restored (the model keeps the last epoch's)."""
    if not (fit.early_stopping and fit.restore_best_weights):
        return None
    values = np.asarray([np.nan if v is None else v
                         for v in history.get(fit.monitor, [])[start_epoch:]], dtype=float)
    if not np.isfinite(values).any():
        return None
    scores = -values if higher_is_better(fit.monitor) else values
    return start_epoch + int(np.nanargmin(np.where(np.isfinite(scores), scores, np.nan))) + 1


def _limits(f: CardFacts) -> list[str]:
    prep = f.prep
    lines = ["## Known limits", "",
             f"- It learned from {len(f.prepared.y_train):,} rows; rows unlike them get "
             "predictions with nothing to back them."]
    numeric = prep.numeric_
    if numeric and len(f.prepared.X_train):
        values = np.asarray(f.prepared.X_train[:, :len(numeric)], dtype=float)
        lines.append("- Numbers it was shown (training rows, after filling missing values); "
                     "values outside these ranges were never seen:")
        lines += [f"  - {code_span(c)}: {_num(values[:, i].min())} to "
                  f"{_num(values[:, i].max())}" for i, c in enumerate(numeric)]
    if prep.text_:
        lines.append("- Categories it knows; any other value counts as none of them, and a "
                     "missing one as the most frequent:")
        for col in prep.text_:
            cats = [str(c) for c in prep.categories_[col]]
            shown = ", ".join(map(code_span, cats[:MAX_SHOWN]))
            more = f" and {len(cats) - MAX_SHOWN} more" if len(cats) > MAX_SHOWN else ""
            lines.append(f"  - {code_span(col)}: {shown}{more} (missing: "
                         f"{code_span(prep.fill_[col])})")
    if numeric:
        lines.append("- A missing number is filled with the training value: "
                     + ", ".join(f"{code_span(c)} {_num(prep.fill_[c])}" for c in numeric)
                     + ".")
    return lines + [""]


def _user(f: CardFacts) -> list[str]:
    lines = ["## Intended use and caveats", ""]
    text = f.user_notes.strip()
    if not text:
        return lines + ["Not written for this run (Evaluate has a box for it).", ""]
    return lines + ["> " + line if line.strip() else ">" for line in text.splitlines()] + [""]


def _call(f: CardFacts) -> list[str]:
    return ["## How to load and call it", "", HOW_TO_CALL, "",
            "With the downloaded file saved as `model.keras` and the rows in `rows.csv`:", "",
            "```python", *call_code(f.prep).rstrip("\n").splitlines(), "```", "",
            outputs_sentence(f.prep, f.spec.data.target), ""]


def model_card(facts: CardFacts) -> str:
    """The Markdown model card of a run (see the module docstring)."""
    spec = facts.spec
    title = (f"# Model card: {code_span(facts.run_name)}, {code_span(spec.data.target)} from "
             f"{code_span(spec.data.source or 'the training file')}")
    parts = [title, ""]
    for section in (_what, _data, _network, _how_well, _limits, _user, _call):
        parts += section(facts)
    return "\n".join(parts).rstrip() + "\n"


def left_out_columns(frame: pd.DataFrame, spec: ExperimentSpec, features) -> dict[str, str]:
    """{column of the training file: why the run does not use it}: the Data page's reason
    when it left the column out by default, else that it was taken out there. `features`:
    the columns the model takes (Preprocessor.feature_names_)."""
    from gui.core.data.columns import left_out

    data = spec.data
    used = set(map(str, features)) | {str(data.target)}
    reasons = left_out(frame, data.target, data.categorical)
    return {str(c): reasons.get(c, "taken out of the features on the Data page")
            for c in frame.columns if str(c) not in used}
