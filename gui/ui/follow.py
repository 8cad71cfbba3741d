"""The model follows the data: a new task or class count gives the model the task's defaults
where the user has not edited it. Used by the Data page and the Model page."""

from __future__ import annotations

from gui.core.heads import follow_task
from gui.core.problems import DataInfo
from gui.core.validate_model import head_problems
from gui.ui import state


def follow_data(info: DataInfo) -> None:
    """Give the model the new task's defaults where the user has not edited them.

    Call on every run of a page that has prepared data; it does nothing when the task and
    class count are those the model was made for.
    """
    edits = state.model_edits()
    basis = edits["basis"]
    if info.same_head(basis):
        if basis != info:
            edits["basis"] = info
        return
    spec = state.spec()
    if basis is None and spec.layers and _fits(spec, info):
        edits["basis"] = info  # e.g. the data page already gave it the right head
        return
    new, notes = follow_task(spec, basis, info, edits["layers"], edits["compile"])
    state.spec().layers, state.spec().compile = new.layers, new.compile
    edits["basis"] = info
    for note in notes:
        state.add_note("info", note)


def _fits(spec, info: DataInfo) -> bool:
    return not head_problems(spec, info)
