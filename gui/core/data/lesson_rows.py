"""A lesson's hidden test rows: the share of a dataset's rows a teacher keeps back as the
class's test set. The students' copies get the other rows only; every run of a copy is then
scored on the hidden ones by the training worker (gui.core.inspection.hidden_test).

Example:
    held = hold_back(store, teacher_token, share=0.2)
    lessons.publish(teacher_token, "Iris", "...", rules, held=held)
"""

from __future__ import annotations

from pathlib import PurePath

import numpy as np

from gui.core.data import data_ref
from gui.core.data.formats.loaded import DataError
from gui.core.spec.schema import ExperimentSpec
from gui.core.store.lessons import HeldBack, LessonError
from gui.core.store.workspaces import Store, StoreError

MAX_SHARE = 0.5
MIN_VISIBLE = 10  # rows left to the students


def hold_back(store: Store, teacher: str, share: float, seed: int = 0) -> HeldBack:
    """The teacher's dataset as it is now, split at random into the students' rows and
    `share` of them hidden; LessonError in words when it cannot be done."""
    if not 0 < share <= MAX_SHARE:
        raise LessonError(f"The hidden share must be between 1% and {MAX_SHARE:.0%} of the "
                          f"rows; received {share:.0%}.")
    state = store.load(teacher).state
    spec = ExperimentSpec.from_dict(state.get("spec"))
    ref = state.get("dataset")
    if not isinstance(ref, dict):
        raise LessonError("Choose the lesson's dataset on the Data page first.")
    try:
        frame = data_ref.read_train(*data_ref.read(store, teacher, ref), spec).frame
    except (StoreError, DataError) as exc:
        raise LessonError(f"The lesson's dataset could not be read to hide rows: {exc}") \
            from None
    hidden = int(round(len(frame) * share))
    if hidden < 1 or len(frame) - hidden < MIN_VISIBLE:
        raise LessonError(f"The dataset has {len(frame)} rows: hiding {share:.0%} of them "
                          f"leaves {hidden} hidden and {len(frame) - hidden} for the students. "
                          f"Keep at least 1 hidden and {MIN_VISIBLE} for the students: change "
                          "the share or use a larger dataset.")
    order = np.random.default_rng(seed).permutation(len(frame))
    mask = np.zeros(len(frame), dtype=bool)
    mask[order[:hidden]] = True
    name = PurePath(data_ref.name_of(ref)).stem + ".csv"
    return HeldBack(name=name, visible=_csv(frame[~mask]), hidden=_csv(frame[mask]),
                    rows=hidden, share=share)


def _csv(frame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")
