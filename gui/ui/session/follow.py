"""The model follows the data: a new task or class count gives the model the task's defaults
in every setting the user has not chosen by hand, and a new size the hidden layers and fit
settings recommended for it (heads.follow_task, size_rules.SIZE_RULES). Run wherever the
data is prepared."""

from __future__ import annotations

from gui.core.spec.data_info import DataInfo
from gui.core.spec.heads import follow_task
from gui.core.spec.validate_model import head_problems
from gui.ui.session import state


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
    new, notes = follow_task(spec, basis, info, state.edited())
    spec.layers, spec.compile, spec.fit = new.layers, new.compile, new.fit
    state.set_basis(info)
    for note in notes:
        state.add_note("info", note)
