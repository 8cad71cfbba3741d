"""Step 1 · Data: a CSV (or a sample) in, training arrays out.

Parsing and profiling run once per file content (state.memo); every choice here edits
state.spec().data, and the prepared data is remade only when those choices change.
"""

import hashlib
import json
from dataclasses import asdict

import streamlit as st

from gui.core import csv_io, dataset
from gui.core.csv_io import DataError
from gui.core.problems import DataInfo
from gui.core.samples import SAMPLES, by_name
from gui.core.vocabulary import (
    AUTO_TASK,
    AUTO_TASK_LABEL,
    MAX_CATEGORIES,
    MISSING,
    SCALINGS,
    TASKS,
    TEST_DATA,
    TEXT_HANDLING,
    labels,
)
from gui.ui import state
from gui.ui.follow import follow_data


def read(raw: bytes, name: str) -> csv_io.LoadedCSV:
    digest = hashlib.sha1(raw).hexdigest()
    return state.memo(f"csv:{name}", digest, lambda: csv_io.read_csv(raw, name))


def choose_source() -> None:
    """Uploader and sample picker; a bad file shows why and keeps the previous dataset."""
    st.title("1 · Data")
    st.caption("Upload a CSV or pick a sample, then choose what to predict and how to prepare "
               "the columns. Everything is fitted on the training rows only.")
    left, right = st.columns([3, 2])
    upload = left.file_uploader("Upload a CSV file", type=["csv", "txt", "tsv"],
                                key="data.upload",
                                help=f"Comma, semicolon, tab or pipe separated; any encoding; "
                                     f"up to {csv_io.MAX_UPLOAD_MB} MB, "
                                     f"{csv_io.MAX_ROWS:,} rows, {csv_io.MAX_COLUMNS:,} columns.")
    names = [s.name for s in SAMPLES]
    sample_name = right.selectbox("…or explore a sample", names, key="data.sample",
                                  disabled=upload is not None,
                                  help="Small datasets bundled with LayerLab.")
    if upload is None:
        sample = by_name(sample_name)
        right.caption(sample.description)
        source = (sample.read_bytes(), sample.file, sample)
    else:
        source = (upload.getvalue(), upload.name, None)
    raw, name, sample = source
    try:
        loaded = read(raw, name)
    except DataError as exc:
        st.error(f"**{name}** could not be used: {exc}", icon=":material/error:")
        previous = state.train_csv()
        if previous is None:
            st.stop()
        st.info(f"Still working with the previous dataset, **{previous.name}**.")
        return
    if state.train_csv() is not loaded:
        state.set_train_csv(loaded)
        for key in ("data.target", "data.features", "data.task"):
            st.session_state.pop(key, None)
        state.spec().data.features = []
        if sample is not None:
            _start_sample(sample)
        else:
            state.set_test_csv(None)


def _start_sample(sample) -> None:
    """A fresh sample: its target, and its test file when it comes as a pair."""
    spec = state.spec()
    spec.data.target = sample.target
    test = sample.read_test_bytes()
    state.set_test_csv(read(test, sample.test_file) if test else None)
    st.session_state["data.split"] = "file" if test else "fraction"


def show_preview(loaded: csv_io.LoadedCSV) -> None:
    frame = loaded.frame
    prof = state.memo(f"profile:{loaded.name}", id(frame), lambda: dataset.profile(frame))
    sep = csv_io.DELIMITER_NAMES[loaded.delimiter]
    st.subheader(f"{loaded.name}")
    st.caption(f"{frame.shape[0]:,} rows × {frame.shape[1]:,} columns · {sep}-separated · "
               f"{loaded.encoding}")
    for warning in loaded.warnings:
        st.warning(warning, icon=":material/warning:")
    rows, columns = st.tabs(["First rows", "Columns: type, missing, statistics"])
    rows.dataframe(frame.head(50), width="stretch", hide_index=True, height=320)
    columns.dataframe(prof, width="stretch", height=320)


def choose_columns(loaded: csv_io.LoadedCSV) -> None:
    frame, data = loaded.frame, state.spec().data
    columns = list(frame.columns)
    st.subheader("What to predict")
    if data.target not in columns:
        data.target = columns[-1]
        st.session_state.pop("data.target", None)
        st.session_state.pop("data.features", None)
    target = st.selectbox("Target column", columns, index=columns.index(data.target),
                            key="data.target", help="The column the network learns to predict.")
    if target != data.target:
        data.target, data.features = target, []
        st.session_state.pop("data.features", None)
    candidates = [c for c in columns if c != target]
    default = [c for c in (data.features or dataset.default_features(frame, target))
               if c in candidates]
    features = st.multiselect("Feature columns", candidates, default=default,
                                 key="data.features",
                                 help="The inputs. Text columns with more than "
                                      f"{MAX_CATEGORIES} categories (names, ids) are "
                                      "left out by default.")
    data.features = list(features)
    detected = dataset.detect_task(frame[target])
    tasks = [AUTO_TASK, *TASKS]
    data.task = st.selectbox(
        "Task", tasks, index=tasks.index(data.task) if data.task in tasks else 0,
        format_func=lambda t: (f"{AUTO_TASK_LABEL} ({detected})" if t == AUTO_TASK
                               else TASKS[t].label), key="data.task",
        help="Detected from the target's values; override it if the guess is wrong.")


def choose_preparation(loaded: csv_io.LoadedCSV) -> None:
    data = state.spec().data
    st.subheader("How to prepare the columns")
    a, b, c = st.columns(3)
    handling = list(TEXT_HANDLING)
    data.text = a.radio("Text feature columns", handling,
                        index=handling.index(data.text), key="data.text",
                        format_func=labels(TEXT_HANDLING).get,
                        help="One-hot: one 0/1 input per category (the "
                             f"{MAX_CATEGORIES} most frequent).")
    missing = list(MISSING)
    data.missing = b.radio("Missing values", missing, index=missing.index(data.missing),
                           format_func=labels(MISSING).get, key="data.missing",
                           help="Filled values are learned from the training rows; text "
                                "columns are filled with their most frequent value.")
    scalings = list(SCALINGS)
    data.scaling = c.radio("Feature scaling", scalings, index=scalings.index(data.scaling),
                           format_func=labels(SCALINGS).get, key="data.scaling",
                           help="Fitted on the training rows and built into the model as its "
                                "first layer, so the downloaded model takes raw values.")
    task = data.task if data.task != AUTO_TASK else dataset.detect_task(loaded.frame[data.target])
    if task == "regression":
        data.scale_target = st.checkbox(
            "Min-max scale the target to 0–1 while training", value=data.scale_target,
            key="data.scale_target",
            help="Often helps when the target's numbers are large. The downloaded model "
                 "un-scales its output, so predictions come back in the target's own units.")


def choose_split(loaded: csv_io.LoadedCSV) -> None:
    data = state.spec().data
    st.subheader("Train / test split")
    if "data.split" not in st.session_state and data.test_source and state.test_csv():
        st.session_state["data.split"] = "file"
    mode = st.radio("Test data", list(TEST_DATA), horizontal=True, key="data.split",
                    format_func=labels(TEST_DATA).get)
    if mode == "fraction":
        a, b = st.columns(2)
        data.test_fraction = a.slider("Test fraction", 0.05, 0.5, float(data.test_fraction),
                                      step=0.05, key="data.test_fraction",
                                      help="Share of rows kept aside to test the model.")
        data.split_seed = int(b.number_input("Split seed", 0, 2**31 - 1, int(data.split_seed),
                                             key="data.split_seed",
                                             help="Same seed, same split."))
        state.set_test_csv(None)
        data.test_source = ""
        return
    upload = st.file_uploader("Test CSV (same columns as the training file)",
                              type=["csv", "txt", "tsv"], key="data.test_upload")
    if upload is not None:
        try:
            state.set_test_csv(read(upload.getvalue(), upload.name))
        except DataError as exc:
            st.error(f"**{upload.name}** could not be used as test data: {exc}",
                     icon=":material/error:")
    test = state.test_csv()
    if test is None:
        st.info("Upload the test CSV, or choose to hold out a share of the rows.")
        st.stop()
    data.test_source = test.name
    st.caption(f"Test data: **{test.name}**, {len(test.frame):,} rows.")


def prepare(loaded: csv_io.LoadedCSV):
    """Prepared data for the current choices (remade only when they change)."""
    data = state.spec().data
    data.source, data.delimiter, data.encoding = loaded.name, loaded.delimiter, loaded.encoding
    test = state.test_csv()
    key = (id(loaded.frame), id(test.frame) if test else None,
           json.dumps(asdict(data), sort_keys=True))
    frame, test_frame = loaded.frame, test.frame if test else None
    try:
        prepared = state.memo("prepared", key,
                              lambda: dataset.prepare(frame, data, test_frame))
    except DataError as exc:
        state.set_prepared(None)
        st.error(str(exc), icon=":material/error:")
        st.stop()
    previous = state.prepared()
    state.set_prepared(prepared)
    if previous is None or (previous.task, previous.n_classes) != (prepared.task,
                                                                   prepared.n_classes):
        follow_data(DataInfo.from_prepared(prepared))
    return prepared


def show_result(prepared) -> None:
    data = state.spec().data
    prep = prepared.preprocessor
    if prepared.task == "regression" and data.scale_target:
        st.info(f"Target scaling: y_scaled = (y − {prep.target_min_:.6g}) / "
                f"{prep.target_range_:.6g}. The model's last layer multiplies by "
                f"{prep.target_range_:.6g} and adds {prep.target_min_:.6g}, so predictions "
                "come back in the target's own units.")
    for warning in prepared.warnings:
        st.warning(warning, icon=":material/warning:")
    st.subheader("Ready to train")
    a, b, c, d = st.columns(4)
    a.metric("Training rows", f"{len(prepared.X_train):,}")
    b.metric("Test rows", f"{len(prepared.X_test):,}")
    c.metric("Inputs after encoding", prepared.n_inputs)
    d.metric("Task", TASKS[prepared.task].short)
    if prepared.class_names:
        st.caption("Classes: " + ", ".join(map(str, prepared.class_names)))
    if len(prep.encoded_names_) != len(prep.feature_names_):
        st.caption("Inputs: " + ", ".join(prep.encoded_names_[:40]) +
                   (" …" if len(prep.encoded_names_) > 40 else ""))
    st.page_link("pages/model.py", label="Next: design the network", icon=":material/east:")


choose_source()
loaded = state.train_csv()
preview, columns = st.columns([3, 2], gap="large")
with preview:
    show_preview(loaded)
with columns:
    choose_columns(loaded)
choose_preparation(loaded)
choose_split(loaded)
show_result(prepare(loaded))
