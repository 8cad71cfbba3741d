"""Step 5 · Predict: the model just trained, or an uploaded .keras / .h5 / bundle, on new rows.

Uploaded model files go through gui.core.saving.load.load_model_safely (inspected, then loaded
with safe_mode); rows go through gui.core.inspection.predict (raw columns in, predictions out).
"""

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from gui.core.data.formats.loaded import DataError
from gui.core.inspection import form_fields, new_rows, predict, safe_csv
from gui.core.inspection.numbers import number
from gui.core.inspection.predict import PredictError
from gui.core.saving import export, load, model_check
from gui.core.store.workspaces import StoreError
from gui.ui.common import model_saving, tables
from gui.ui.common.changes import shown_run
from gui.ui.session import data_source, run_state, state, workspace
from gui.ui.text import code, md


def main() -> None:
    """Draw the page."""
    st.title("5 · Predict")
    st.caption("Feed new rows to a model: the one you just trained, or a model file (.keras, .h5 "
               "or a LayerLab bundle .zip). Enter one row by hand, or upload a file of rows (CSV, "
               "Excel or Parquet).")

    record = run_state.shown()
    model_saving.wait_for_model(record, stop=False)
    run = run_state.trained(record) if record is not None and not record.active else None
    options = ["trained", "upload"] if run is not None else ["upload"]
    labels = {"trained": "The trained model", "upload": "Upload a model file"}
    source = st.radio("Model", options, format_func=labels.get, horizontal=True,
                      key="predict.source")


    def _trained_model() -> load.LoadedModel:
        return state.memo("predict.trained", (record.id, record.model_epoch, id(run.model)),
                          lambda: load.LoadedModel.from_training(
                              run.deploy, run.spec, run.prepared.preprocessor,
                              source=f"{record.name}, trained on {run.spec.data.source or 'data'}"))


    if source == "trained":
        shown_run(record)
        loaded = _trained_model()
    else:
        if run is None:
            st.caption("No model trained in this session yet — upload a model file, or "
                       "train one first.")
            st.page_link("steps/train.py", label="Go to 3 · Train",
                         icon=":material/model_training:")
        upload = st.file_uploader(
            "Model file", type=list(model_check.MODEL_EXTENSIONS), key="predict.model_upload",
            max_upload_size=model_check.MAX_MODEL_MB,
            help=f"A .keras or .h5 file saved by Keras, or a LayerLab bundle .zip; up to "
                 f"{model_check.MAX_MODEL_MB} MB. The file is checked before loading: models with "
                 "Lambda layers or code outside Keras are refused.")
        if upload is None:
            workspace.end_page()
        raw = upload.getvalue()
        digest = hashlib.sha256(raw).hexdigest()
        try:
            loaded = state.memo("predict.upload", (upload.name, digest),
                                lambda: load.load_model_safely(raw, upload.name))
        except model_check.ModelFileError as exc:
            st.error(f"**{md(upload.name)}** was not loaded. {md(exc)}", icon=":material/gpp_bad:")
            workspace.end_page()

    # ---- what the model is ---------------------------------------------------------------------
    if loaded.has_metadata:
        target, classes = md(loaded.target), [md(c) for c in loaded.class_names]
        what = {"regression": f"predicts **{target}** (a number)",
                "binary": f"predicts **{target}**: {' or '.join(classes)}",
                "multiclass": f"predicts **{target}**: one of {', '.join(classes)}"}[loaded.task]
        source_name = md(loaded.source) if loaded.kind == "session" else f"**{md(loaded.source)}**"
        st.markdown(f"Using {source_name}: a LayerLab model that {what}, from "
                    f"{len(loaded.feature_names)} column(s): "
                    f"{', '.join(code(c) for c in loaded.feature_names)}.")
    else:
        st.markdown(f"Using **{md(loaded.source)}**: a Keras model with {loaded.n_inputs} numeric "
                    f"input(s) and {loaded.n_outputs} output(s). Its outputs are shown as they "
                    "come (no class names or units are saved in it).")
    for note in loaded.notes + loaded.training_notes:  # the page can train it further
        st.caption(md(note))

    threshold = 0.5
    if loaded.task == "binary":
        threshold = st.slider("Decision threshold", 0.0, 1.0, 0.5, 0.01, key="predict.threshold",
                              help=f"Predict '{md(loaded.class_names[1])}' when its "
                                   "probability is at least this value.")
    stem = (export.run_stem(run.spec.data.source, record.name) if source == "trained"
            else export.safe_name(Path(loaded.source).stem))


    def show_single(result: predict.Prediction) -> None:
        row = result.table.iloc[0]
        for note in result.notes:
            st.warning(md(note), icon=":material/info:")
        if loaded.task == "regression":
            st.metric(f"Predicted {md(loaded.target)}", number(row[result.columns[0]]))
        elif loaded.task in ("binary", "multiclass"):
            left, right = st.columns([1, 2])
            rule = "probability ≥ threshold" if loaded.task == "binary" else "argmax"
            left.metric(f"Predicted {md(loaded.target)}", md(row[result.columns[0]]),
                        help=f"Class index {row[result.columns[1]]} ({rule}).")
            probs = pd.DataFrame({"class": [str(c) for c in loaded.class_names],
                                  "probability": [float(row[f"probability_{c}"])
                                                  for c in loaded.class_names]})
            tables.table(probs, where=right, formats={"probability": "{:.4f}"},
                         column_config={"probability": st.column_config.ProgressColumn(
                             "probability", min_value=0.0, max_value=1.0, format="%.4f")})
        else:
            tables.table(result.table[result.columns])


    def show_many(upload) -> None:
        """Predict an uploaded file of rows; the table, its notes and the downloads."""
        raw_rows = upload.getvalue()
        try:
            needs = loaded.feature_names if loaded.has_metadata else ()
            table = new_rows.read_rows(raw_rows, upload.name, needs=needs)
            if table.kind == "xlsx" and len(table.sheets) > 1:
                sheet = st.selectbox("Sheet", table.sheets, key="predict.sheet",
                                     index=table.sheets.index(table.sheet),
                                     help="The workbook's sheet that holds the rows.")
                if sheet != table.sheet:
                    table = new_rows.read_rows(raw_rows, upload.name, sheet=sheet)
            result = predict.predict_rows(loaded, table.frame, threshold)
        except (DataError, PredictError) as exc:
            st.error(f"**{md(upload.name)}**: {md(exc)}", icon=":material/error:")
            return
        for note in table.warnings + result.notes:
            st.info(md(note), icon=":material/info:")
        tables.table(result.table, formats={c: "{:.4f}" for c in result.columns
                                            if c.startswith("probability_")},
                     column_config={result.columns[0]: st.column_config.Column(pinned=True)})
        left, right = st.columns(2)
        left.download_button("Download rows with predictions (.csv)",
                             safe_csv.safe_csv_bytes(result.table),
                             file_name=f"{stem}-predictions.csv", mime="text/csv",
                             key="predict.download", on_click="ignore",
                             icon=":material/download:", type="primary")
        if table.kind == "xlsx":
            right.download_button(
                "Download rows with predictions (.xlsx)",
                lambda: safe_csv.safe_xlsx_bytes(result.table),
                file_name=f"{stem}-predictions.xlsx",
                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                key="predict.download_xlsx", on_click="ignore", icon=":material/download:")
        st.caption(f"{len(result.table):,} row(s), every column of the file followed by the "
                   "predictions; the columns as LayerLab read them (a number written as text, "
                   "such as \"1,234\" or \"12%\", as the number, True/False as 1/0). Text "
                   "that starts like a spreadsheet formula (=, +, -, @) is saved with a "
                   "leading apostrophe.")


    one, many = st.tabs(["One row", "Rows from a file"])
    with one:
        fields = form_fields.form_fields(loaded)
        with st.form("predict.form"):
            values = {}
            columns = st.columns(min(3, max(len(fields), 1)))
            for i, field in enumerate(fields):
                column = columns[i % len(columns)]
                if field.kind == "choice":
                    options_ = field.options or [""]
                    index = options_.index(field.default) if field.default in options_ else 0
                    values[field.name] = column.selectbox(md(field.name), options_, index=index,
                                                          key=f"predict.field.{i}")
                else:
                    values[field.name] = column.number_input(md(field.name),
                                                             value=float(field.default),
                                                             format="%.6g",
                                                             key=f"predict.field.{i}")
            submitted = st.form_submit_button("Predict", type="primary")
        if submitted:
            try:
                show_single(predict.predict_rows(loaded, pd.DataFrame([values]), threshold))
            except PredictError as exc:
                st.error(md(exc))
        elif fields:
            st.caption("Defaults are the training rows' median (numbers) and most frequent value "
                       "(text)." if loaded.has_metadata else "Enter the input values in order.")

    with many:
        rows_upload = st.file_uploader(
            "File of rows to predict", key="predict.rows_upload",
            help="CSV, TSV or TXT text, an Excel workbook (.xlsx, you choose the sheet) or a "
                 "Parquet file, read as the Data page reads them. The same columns as the "
                 "training data (the target column may be there or not); the download keeps "
                 "every column and adds the predictions.")
        if rows_upload is not None:
            show_many(rows_upload)

    # ---- train further -------------------------------------------------------------------------
    if source == "upload":
        with st.expander("Continue training this model on the current data"):
            prepared = data_source.prepared()
            if prepared is None:
                st.caption("Choose the data on the Data page first; the model then trains on its "
                           "training rows.")
            else:
                if loaded.kind == "h5":
                    st.caption("Keras cannot restore the optimizer from an .h5 file, so training "
                               "continues with a fresh optimizer (compiled from the saved spec, or "
                               "the Model page's settings).")
                epochs = st.number_input("More epochs", 1, 500, 5, key="predict.more_epochs")
                try:
                    predict.check_compatible(loaded, prepared)
                except PredictError as exc:
                    st.error(md(exc), icon=":material/error:")
                else:
                    busy = run_state.active() is not None
                    if st.button(f"Train {epochs} more epoch(s)", key="predict.train_more",
                                 disabled=busy, icon=":material/resume:",
                                 help="Another run is training; wait for it or stop it." if busy
                                 else "A new run on the Train page, with live curves and Stop; "
                                      "it is listed on the Runs page."):
                        try:
                            run_state.start_from_file(raw, upload.name, loaded.spec, epochs)
                        except StoreError as exc:
                            st.error(md(exc), icon=":material/error:")
                        else:
                            st.switch_page("steps/train.py")
