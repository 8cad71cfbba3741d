"""Downloads of one run (Evaluate and Runs): its model (.keras, .h5), the bundle, its own
Python script, its history and its model card, named after the run (export.run_stem); and
the box where the user writes the card's intended use and caveats."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from gui.core.saving import export
from gui.core.store.workspaces import StoreError
from gui.ui.session import run_state, state, workspace
from gui.ui.text import md


def card_maker(record, model, deploy, prepared, evaluation=None) -> Callable[[], str]:
    """A function that writes the run's model card when a download asks for it. What it
    needs from the session is read now: the function runs in another thread."""
    store, token = workspace.store(), workspace.token()
    notes = run_state.runs().card_notes(token, record.id)

    def make() -> str:
        from gui.core.data import data_ref
        from gui.core.data.formats.loaded import DataError
        from gui.core.inspection import evaluate
        from gui.core.saving.model_card import CardFacts, left_out_columns, model_card

        spec, prep = record.spec, prepared.preprocessor
        result = evaluation or evaluate.evaluate(model, prepared, spec, deploy_model=deploy)
        try:
            frame = data_ref.read_train(*data_ref.read(store, token, record.data["dataset"]),
                                        spec).frame
            left = left_out_columns(frame, spec, prep.feature_names_)
        except (StoreError, DataError, KeyError):
            left = {}
        return model_card(CardFacts(
            run_name=record.name, spec=spec, prep=prep, prepared=prepared,
            history=record.history, test_metrics=record.test_metrics,
            scores=result.metrics[["train", "test"]] if "test" in result.metrics else None,
            confusion=result.confusion("test") if prep.task != "regression" else None,
            left_out=left, user_notes=notes, start_epoch=record.start_epoch))

    return make


def card_notes_box(record, key: str) -> None:
    """The run's intended use and caveats, kept with the run, for its model card."""

    def save(widget: str) -> None:
        try:
            run_state.runs().set_card_notes(workspace.token(), record.id,
                                            state.widget_value(widget, ""))
        except StoreError as exc:
            state.add_note("error", md(exc))

    widget = f"{key}.card_notes.{record.id}"
    state.sync_widget(widget, run_state.runs().card_notes(workspace.token(), record.id))
    st.text_area("Intended use and caveats (for the model card)", key=widget, on_change=save,
                 args=(widget,), height=80,
                 help="Who should use this model, for what, and what to watch for. Kept with "
                      "the run; every model card and bundle downloaded afterwards carries it.")
    for kind, text in state.pop_notes():
        getattr(st, kind)(text)


def model_buttons(columns, deploy, spec, prep, history: dict, stem: str, key: str,
                  card: Callable[[], str]) -> None:
    """Six buttons in `columns` (six st.columns or more). The files are made when a button
    is clicked, in another thread, so the functions below read no session state; `spec` is
    the run's own, so the script is the run's network, not the Model page's."""

    def script() -> str | None:
        from gui.core.model import codegen
        from gui.core.spec.schema import SpecError

        try:
            return codegen.python_script(spec, prep)
        except SpecError:
            return None

    def bundle() -> bytes:
        return export.bundle_bytes(deploy, spec, prep, history=history, script=script(),
                                   stem=stem, card=card())

    columns[0].download_button(
        "Model (.keras)", lambda: export.save_raw_keras_bytes(deploy, spec, prep),
        file_name=f"{stem}.keras", mime="application/zip", key=f"{key}.dl_keras",
        on_click="ignore", icon=":material/download:",
        help="Keras' native format. keras.models.load_model(file).predict({column: values}): "
             "one input per raw column (text in arrays of dtype=object), the preprocessing "
             "inside it (the bundle's README and the model card show the call).")
    columns[1].download_button(
        "Model (.h5)", lambda: export.save_h5_bytes(deploy, export.metadata(spec, prep)),
        file_name=f"{stem}.h5", mime="application/x-hdf5", key=f"{key}.dl_h5",
        on_click="ignore", icon=":material/download:",
        help="The older HDF5 format, for tools that expect it. It takes the encoded rows "
             "(missing values filled, text one-hot encoded as the preprocessing in its "
             "'layerlab' attribute and the bundle's preprocessing.json say); the .keras file "
             "takes the raw columns.")
    columns[2].download_button(
        "Bundle (.zip)", bundle, file_name=f"{stem}.zip", mime="application/zip",
        key=f"{key}.dl_bundle", on_click="ignore", icon=":material/folder_zip:",
        help="model.keras, spec.json, preprocessing.json, the Python script, the history, "
             "the model card and a README on how to use them.")
    columns[3].download_button(
        "Python script (.py)", lambda: script() or "", file_name=f"{stem}.py",
        mime="text/x-python", key=f"{key}.dl_script", on_click="ignore",
        icon=":material/code:",
        help=f"This run's network and settings as a Keras script: python {stem}.py "
             f"[{spec.data.source or 'data.csv'}] retrains it from the data file: a training "
             "of its own, with plain Keras, whose scores come close to this run's but are "
             "not the same.")
    columns[4].download_button(
        "History (.csv)", export.history_csv(history or {}), file_name=f"{stem}-history.csv",
        mime="text/csv", key=f"{key}.dl_history", on_click="ignore",
        icon=":material/table_view:", help="Loss and metrics per epoch.")
    columns[5].download_button(
        "Model card (.md)", card, file_name=f"{stem}-model-card.md", mime="text/markdown",
        key=f"{key}.dl_card", on_click="ignore", icon=":material/description:",
        help="What the model predicts, from which data, how well, what it never saw and "
             "how to call it, with your intended use and caveats.")


def export_buttons(columns, deploy, prep, stem: str, key: str) -> None:
    """Three buttons in `columns`: the run's model as ONNX, LiteRT and a TensorFlow
    SavedModel, each a .zip with preprocessing.json, predict.py and a README. Each file is
    made when its button is clicked (a second or two), never while the page draws."""
    from gui.core.saving.model_formats import FORMATS

    def maker(fmt: str) -> Callable[[], bytes]:
        def make() -> bytes:
            from gui.core.saving.model_formats import export_zip

            return export_zip(deploy, prep, fmt)
        return make

    for column, (fmt, info) in zip(columns, FORMATS.items(), strict=False):
        column.download_button(
            f"{info.label} (.zip)", maker(fmt), file_name=f"{stem}-{fmt}.zip",
            mime="application/zip", key=f"{key}.dl_{fmt}", on_click="ignore",
            icon=":material/deployed_code:",
            help=f"{info.model_file}, preprocessing.json and predict.py, which needs only "
                 f"{info.runtime}, NumPy and pandas: python predict.py rows.csv writes the "
                 "rows with their predictions, as Predict does.")
