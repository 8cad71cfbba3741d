"""A lesson copy's run scored on the lesson's hidden test rows, in the training worker.

The rows are read through the store (Lessons.hidden_rows: only the lesson's own copies have
any) and encoded by the run's own preprocessing (the one fitted on its training rows), so the
score is the one Evaluate would show for those rows. Rows whose target the run never saw
(a class absent from its training rows) or have no target are left out. A number's score
also holds its R² in the target's own units (`UNITS_SCORE`): the loss and Keras metrics are
on the target as trained, which a student may scale or not, so only R² compares every
student's runs (gui.core.store.board ranks by it).

Example:
    hidden_metrics(store, record.workspace, job.model, prepared, spec)  # {"loss": .., ...}
"""

from __future__ import annotations

import pandas as pd

from gui.core.data.dataset import PreparedData
from gui.core.data.formats.loaded import DataError
from gui.core.data.formats.tables import read_table
from gui.core.data.preprocess import label_text
from gui.core.inspection.evaluate import run_scores
from gui.core.spec.schema import ExperimentSpec
from gui.core.store.lessons import Lessons
from gui.core.store.workspaces import Store

BATCH = 1024


def hidden_metrics(store: Store, workspace: str, model, prepared: PreparedData,
                   spec: ExperimentSpec) -> dict[str, float]:
    """The run's loss and metrics on its lesson's hidden rows; {} for a workspace that is no
    lesson copy, a lesson without hidden rows, or rows that do not fit the run's columns."""
    raw = Lessons(store).hidden_rows(workspace)
    if raw is None or model is None:
        return {}
    try:  # written with its header, by lesson_rows; a few rows are enough to score
        frame = read_table(raw, "hidden.csv", header="yes", min_rows=1).frame
    except DataError:
        return {}
    return score_rows(model, prepared, spec, frame)


def score_rows(model, prepared: PreparedData, spec: ExperimentSpec,
               frame: pd.DataFrame) -> dict[str, float]:
    """`model` evaluated on the rows of `frame`, encoded by `prepared`'s preprocessing."""
    target = spec.data.target
    features = [c for c in prepared.raw_test.columns if c != target]
    if target not in frame.columns or any(c not in frame.columns for c in features):
        return {}
    rows = frame[frame[target].notna()]
    if prepared.task != "regression":
        known = {str(c) for c in prepared.class_names}
        rows = rows[label_text(rows[target]).isin(known).to_numpy()]
    if rows.empty:
        return {}
    prep = prepared.preprocessor
    try:
        X, y = prep.encode(rows[features]), prep.encode_target(rows[target])
    except DataError:
        return {}
    return run_scores(model, X, y, spec, prepared, BATCH)
