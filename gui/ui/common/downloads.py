"""Download buttons for one run's model: .keras, .h5, the bundle, its script and its history
(Evaluate and Runs). File names carry the run's name (export.run_stem)."""

from __future__ import annotations

from gui.core.saving import export


def model_buttons(columns, deploy, spec, prep, history: dict, stem: str, key: str) -> None:
    """Five buttons in `columns` (five st.columns or more). The files are made when a button
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
                                   stem=stem)

    columns[0].download_button(
        "Model (.keras)", lambda: export.save_raw_keras_bytes(deploy, spec, prep),
        file_name=f"{stem}.keras", mime="application/zip", key=f"{key}.dl_keras",
        on_click="ignore", icon=":material/download:",
        help="Keras' native format. keras.models.load_model(file).predict({column: values}): "
             "one input per raw column, the preprocessing inside it (the bundle's README "
             "shows the call).")
    columns[1].download_button(
        "Model (.h5)", lambda: export.save_h5_bytes(deploy, export.metadata(spec, prep)),
        file_name=f"{stem}.h5", mime="application/x-hdf5", key=f"{key}.dl_h5",
        on_click="ignore", icon=":material/download:",
        help="The older HDF5 format, for tools that expect it. It takes the encoded rows "
             "(missing values filled, text one-hot encoded as preprocessing.json says); "
             "the .keras file takes the raw columns.")
    columns[2].download_button(
        "Bundle (.zip)", bundle, file_name=f"{stem}.zip", mime="application/zip",
        key=f"{key}.dl_bundle", on_click="ignore", icon=":material/folder_zip:",
        help="model.keras, spec.json, preprocessing.json, the Python script, the history "
             "and a README on how to use them.")
    columns[3].download_button(
        "Python script (.py)", lambda: script() or "", file_name=f"{stem}.py",
        mime="text/x-python", key=f"{key}.dl_script", on_click="ignore",
        icon=":material/code:",
        help=f"This run's network and settings as a Keras script: python {stem}.py "
             f"[{spec.data.source or 'data.csv'}] retrains it from the data file.")
    columns[4].download_button(
        "History (.csv)", export.history_csv(history or {}), file_name=f"{stem}-history.csv",
        mime="text/csv", key=f"{key}.dl_history", on_click="ignore",
        icon=":material/table_view:", help="Loss and metrics per epoch.")
