"""The model follows the data: a new task or class count gives the model the task's defaults
in every setting the user has not chosen by hand, and a new size the hidden layers and fit
settings recommended for it (heads.follow_task, size_rules.SIZE_RULES). Run wherever the
data is prepared. In a student's copy of a lesson, it changes nothing the lesson locks, and
only a new task or class count changes anything: the copy keeps the teacher's network.
"""

from __future__ import annotations

from gui.core.spec.data_info import DataInfo
from gui.core.spec.heads import follow_task
from gui.core.spec.schema import ExperimentSpec, output_layer
from gui.core.spec.validate_model import head_problems
from gui.core.store import changes
from gui.ui.session import state, workspace


def follow_data(info: DataInfo) -> None:
    """Give the model the new task's defaults where the user has not chosen otherwise.

    It does nothing when the data is the one the model was shaped for.
    """
    basis = state.basis()
    if basis == info:
        return
    spec = state.spec()
    if basis is None and spec.layers and not head_problems(spec, info):
        state.set_basis(info)  # e.g. a loaded spec that already fits
        return
    if basis is not None and info.same_head(basis) and workspace.lesson() is not None:
        # A student's copy starts from the teacher's network: fewer rows (the hidden test
        # rows, a dropped feature) do not redesign it by the size rules, which would show
        # on the class board as the student's change
        state.set_basis(info)
        return
    new, notes = follow_task(spec, basis, info, state.edited())
    new = _within_lesson(spec, new)
    spec.layers, spec.compile, spec.fit = new.layers, new.compile, new.fit
    state.set_basis(info)
    for note in notes:
        state.add_note("info", note)


def _within_lesson(spec: ExperimentSpec, new: ExperimentSpec) -> ExperimentSpec:
    """`new` with the places a student's lesson locks kept as in `spec` (the model follows
    the data only where the student may change it; the output layer always, by the rule)."""
    copy = workspace.lesson()
    if copy is None:
        return new
    before = {"spec": spec.to_dict()}
    edits = changes.changes(before, {"spec": new.to_dict()})
    output = output_layer(new.layers)
    kept = [e for e in edits if copy[0].rules.allows(e.path, output)]
    if len(kept) == len(edits):
        return new
    return ExperimentSpec.from_dict(changes.apply(before, kept)["spec"])
