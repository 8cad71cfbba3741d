"""The model page's export and import: download the spec JSON or a runnable Python script,
load a spec JSON back (read as data and checked, never run)."""

from __future__ import annotations

import copy
from pathlib import Path

import streamlit as st

from gui.core.spec.data_info import DataInfo
from gui.core.spec.heads import EDITABLE
from gui.core.spec.names import safe_name
from gui.core.spec.problems import Problem
from gui.ui.session import data_source, state
from gui.ui.text import md

MAX_SPEC_BYTES = 1_000_000


def _stem() -> str:
    """The dataset's name without its extension, safe as a file name."""

    return safe_name(Path(state.spec().data.source or "layerlab").stem)


def _on_spec_upload(key: str) -> None:
    """Load an uploaded spec JSON: the whole UI follows; problems are shown, not raised."""
    from gui.core.data import dataset
    from gui.core.data.formats.loaded import DataError
    from gui.core.spec.schema import ExperimentSpec, SpecError

    upload = state.widget_value(key)
    state.next_spec_upload()  # a fresh, empty uploader next time
    if upload is None:
        return
    raw = upload.getvalue()
    if len(raw) > MAX_SPEC_BYTES:
        state.add_note("error", f"**{md(upload.name)}** is {len(raw) / 1e6:.1f} MB; a spec file "
                                "is a few KB. Choose a spec JSON downloaded from LayerLab.")
        return
    try:
        new = ExperimentSpec.from_json(raw)
    except SpecError as exc:
        state.add_note("error", f"**{md(upload.name)}** could not be loaded: {md(exc)}")
        return
    current = state.spec()
    train, test = data_source.train_csv(), data_source.test_csv()
    prepared = None
    if new.data.source and new.data.source != train.name:
        state.add_note("warning", f"This spec was made for **{md(new.data.source)}**, but "
                                  f"**{md(train.name)}** is loaded: its data settings are not "
                                  "applied. Load that file on the Data page to use them.")
        new.data = copy.deepcopy(current.data)
    else:
        try:
            prepared = dataset.prepare(train.frame, new.data,
                                       test.frame if test is not None else None)
            # the file it is applied to (a spec may name none): data_source then keeps it
            new.data.source, new.data.delimiter = train.name, train.delimiter
            new.data.encoding = train.encoding
        except DataError as exc:
            state.add_note("warning", f"The spec's data settings do not fit "
                                      f"**{md(train.name)}** ({md(exc)}) — the current data "
                                      "settings are kept.")
            new.data = copy.deepcopy(current.data)
    if not new.data.features:  # "all but the target", made explicit for the features box
        new.data.features = [c for c in train.frame.columns if c != new.data.target]
    state.set_spec(new)
    for name in EDITABLE:  # the loaded settings are the user's choice: they stay
        state.mark_edited(name)
    if prepared is not None:
        state.set_basis(DataInfo.from_prepared(prepared))
    state.add_note("success", f"Loaded **{md(upload.name)}**: {len(new.layers)} layers, "
                              f"{new.compile.optimizer} optimizer, {new.compile.loss} loss.")


def spec_loader() -> None:
    key = state.spec_upload_key()
    st.file_uploader("Load a spec (JSON)", type=["json"], key=key, max_upload_size=1,
                     on_change=_on_spec_upload, args=(key,),
                     help="A spec downloaded from LayerLab. It is read as data and checked; "
                          "nothing in it is run.")


def spec_io(prepared, problems: list[Problem]) -> None:
    """Download the spec JSON and a runnable Python script; load a spec JSON back."""
    from gui.core.model import codegen

    spec = state.spec()
    stem = _stem()
    a, b, c = st.columns(3)
    with a:
        st.download_button("Download spec (JSON)", data=spec.to_json(),
                           file_name=f"{stem}_spec.json", mime="application/json",
                           key="model.download_spec", on_click="ignore",
                           icon=":material/download:", width="stretch",
                           help="Every choice of this experiment (data, layers, compile, fit) "
                                "as JSON. Load it back here to restore them.")
    with b:
        script, why = "", "Fix the problems above first."
        if not problems:
            script = codegen.python_script(spec, prepared.preprocessor)
            why = ("A readable Keras script that prepares the CSV the same way and trains "
                   f"this network: python train_{stem}.py "
                   f"{md(spec.data.source or 'data.csv')}")
        st.download_button("Download Python script", data=script,
                           file_name=f"train_{stem}.py", mime="text/x-python",
                           key="model.download_script", on_click="ignore",
                           icon=":material/code:", width="stretch", disabled=not script,
                           help=why)
    with c:
        spec_loader()
