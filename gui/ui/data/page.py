"""Step 1 · Data: a CSV (or a sample) in, training arrays out.

Every control shows the workspace's choice and writes a change back in its callback, so
leaving the page, reloading or a second tab never shows anything but what is used. Uploads
are stored in the workspace (gui/ui/data_source.py reads them for every page).
"""

import streamlit as st

from gui.core.data import dataset
from gui.core.data.formats import csv_io, loaded
from gui.core.data.formats.loaded import DataError
from gui.core.data.samples import SAMPLES, by_name
from gui.core.spec.vocabulary import (
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
from gui.core.store.workspaces import StoreError
from gui.ui.common import tables
from gui.ui.common.changes import changed_since_training
from gui.ui.common.controls import bound
from gui.ui.data import column_roles, file_options
from gui.ui.session import data_source, state, workspace
from gui.ui.session.data_source import Choice
from gui.ui.text import code, code_short, md

ACCEPTED = ", ".join(csv_io.DATA_SUFFIXES)


def store_upload(key: str, part: str) -> None:
    """Check, parse and store an uploaded file; a bad one is refused with the reason and
    the previous choice stays."""
    upload = state.widget_value(key)
    if upload is None:
        return
    state.next_upload()  # a fresh, empty uploader: the file is listed in the choice below
    use = "as test data " if part == "test" else ""
    copy = workspace.lesson()
    if copy is not None and not copy[0].rules.allows(("dataset",)):
        state.add_note("warning", f"**{md(upload.name)}** was not stored: your teacher "
                                  "locked the data choices in this lesson.")
        return
    try:
        csv_io.check_name(upload.name)
        with data_source.reading(upload.name, upload.size):
            loaded = data_source.read_upload(upload.getvalue(), upload.name, part)
            record = workspace.store().add_file(workspace.token(), upload.name, upload)
    except (DataError, StoreError) as exc:
        still = Choice.of(workspace.doc().test if part == "test" else workspace.doc().dataset)
        state.add_note("error", f"**{md(upload.name)}** could not be used {use}— {md(exc)}"
                       + (f" Still working with the previous dataset, **{md(still.name)}**."
                          if still else ""))
        return
    ref = {"file": record.sha256, "name": record.name}
    data_source.remember(Choice.of(ref), part, loaded)  # parsed once, not again on the run
    if part == "test":
        workspace.doc().test, workspace.doc().split = ref, "file"
    else:
        data_source.use_dataset(ref, loaded)
    state.add_note("success", f"**{md(upload.name)}** is stored in this workspace and in use "
                              f"{use}({len(loaded.frame):,} rows).")


def dataset_options() -> dict[str, tuple[dict, str]]:
    """{option key: (workspace reference, label)}: the workspace's files, then the samples."""
    options = {}
    for record in workspace.store().files(workspace.token()):
        if not csv_io.is_data_name(record.name):
            continue  # a model file kept to continue training, not a dataset
        ref = {"file": record.sha256, "name": record.name}
        options[Choice.of(ref).key] = (ref, f"{record.name} · uploaded, {_size(record.size)}")
    for sample in SAMPLES:
        ref = {"sample": sample.name}
        options[Choice.of(ref).key] = (ref, f"{sample.name} · sample")
    return options


def _size(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{max(size / 1024, 0.1):.1f} KB"


def _on_dataset(key: str, options: dict) -> None:
    data_source.use_dataset(options[state.widget_value(key)][0])


def choose_source() -> None:
    st.title("1 · Data")
    st.caption("Upload a CSV, Excel or Parquet file or pick a sample, then choose what to "
               "predict and how to prepare the columns. Everything is fitted on the training "
               "rows only.")
    for kind, text in state.pop_notes():
        getattr(st, kind)(text)
    left, right = st.columns([3, 2])
    key = state.upload_key("upload")
    left.file_uploader(
        "Upload a CSV, Excel or Parquet file", key=key, on_change=store_upload,
        args=(key, "train"),
        help=f"{ACCEPTED} files: text separated by commas, semicolons, tabs or pipes in any "
             "encoding, Excel workbooks (you choose the sheet) or Parquet; up to "
             f"{csv_io.MAX_UPLOAD_MB} MB, {csv_io.MAX_ROWS:,} rows, {csv_io.MAX_COLUMNS:,} "
             "columns. It is kept in this workspace, so it is still here after a reload.")
    options = dataset_options()
    current = Choice.of(workspace.doc().dataset).key
    state.sync_widget("data.dataset", current)
    right.selectbox("Dataset in use", list(options), format_func=lambda k: options[k][1],
                    key="data.dataset", on_change=_on_dataset, args=("data.dataset", options),
                    help="Your uploads in this workspace, then the bundled samples.")
    ref = options.get(current, (workspace.doc().dataset, ""))[0]
    if "sample" in ref:
        right.caption(by_name(ref["sample"]).description)
    if workspace.read_only():  # a presenter link never empties the workspace
        return
    with right.popover("Start over", icon=":material/restart_alt:"):
        if workspace.lesson() is not None:  # a student's copy: back to the lesson's start
            st.markdown("Go back to the lesson's start: its data and design again. Your runs "
                        "and their models are deleted, so the class board shows no run of "
                        "yours until you train again. The link stays the same.")
            label = "Yes, back to the lesson's start"
        else:
            st.markdown("Empty this workspace: your uploaded files, your runs and their "
                        "models, every choice and the model design. The link stays the same "
                        "and opens on the Iris sample.")
            label = "Yes, empty the workspace"
        st.button(label, key="data.start_over", type="primary", on_click=workspace.start_over)


PREVIEW_ROWS, PREVIEW_COLUMNS = 50, 100  # the first rows shown, of at most this many columns


def show_preview(loaded: loaded.LoadedTable) -> None:
    frame = loaded.frame
    prof = state.memo("profile", id(frame), lambda: dataset.profile(frame))
    st.subheader(md(loaded.name))
    st.caption(f"{frame.shape[0]:,} rows × {frame.shape[1]:,} columns · {loaded.layout(code)}")
    file_options.show(loaded)
    for warning in loaded.warnings:
        st.warning(md(warning), icon=":material/warning:")
    rows, columns = st.tabs(["First rows", "Columns: type, missing, statistics"])
    # Plain HTML tables: the first page a visitor sees draws no canvas grid (html_table)
    head = state.memo("head", id(frame), lambda: frame.iloc[:PREVIEW_ROWS, :PREVIEW_COLUMNS])
    tables.html_table(head, where=rows, label=f"The first rows of {loaded.name}",
                      formats=tables.as_written(head))
    if frame.shape[1] > PREVIEW_COLUMNS:
        rows.caption(f"The first {PREVIEW_COLUMNS} of {frame.shape[1]:,} columns; the next "
                     "tab lists every column.")
    tables.html_table(prof, where=columns, hide_index=False,
                      label=f"The columns of {loaded.name}: type, missing values, statistics")


def _on_target(key: str) -> None:
    """A new target: it leaves the features; features left at their defaults follow it."""
    data = state.spec().data
    frame = data_source.train_csv().frame
    old, new = data.target, state.widget_value(key)
    was_default = data.features == dataset.default_features(frame, old, data.categorical)
    data.target, data.task = new, AUTO_TASK
    data.features = (dataset.default_features(frame, new, data.categorical) if was_default
                     else [c for c in data.features if c != new])


def choose_columns(loaded: loaded.LoadedTable) -> str:
    """Target, features and task; returns the task in use (chosen, or detected)."""
    frame, data = loaded.frame, state.spec().data
    columns = list(frame.columns)
    st.subheader("What to predict")
    state.sync_widget("data.target", data.target)
    st.selectbox("Target column", columns, key="data.target", on_change=_on_target,
                 args=("data.target",), help="The column the network learns to predict.")
    candidates = [c for c in columns if c != data.target]
    data.features = [c for c in data.features if c in candidates]
    st.multiselect("Feature columns", candidates,
                   help="The inputs. Ids, running numbers, constant columns and text with "
                        f"more than {MAX_CATEGORIES} categories are left out by default "
                        "(listed below, each with the reason).",
                   **bound("data.features", ("data", "features"), list(data.features),
                           convert=list))
    count = len(data.features)
    if count == 0:
        st.error("No feature column is chosen: the network needs at least one input. "
                 "Choose columns above.", icon=":material/error:")
    else:
        st.caption(f"**{count} of {len(candidates)} columns used as features:** "
                   + ", ".join(code(c) for c in data.features))
    detected = state.memo("detected", (id(frame), data.target),
                          lambda: dataset.detect_task(frame[data.target]))
    tasks = [AUTO_TASK, *TASKS]
    st.selectbox("Task", tasks,
                 format_func=lambda t: (f"{AUTO_TASK_LABEL} ({TASKS[detected].short})"
                                        if t == AUTO_TASK else TASKS[t].label),
                 help="Detected from the target's values; override it if the guess is wrong.",
                 **bound("data.task", ("data", "task"),
                         data.task if data.task in tasks else AUTO_TASK))
    return data.task if data.task in TASKS else detected


def choose_preparation(task: str) -> None:
    data = state.spec().data
    st.subheader("How to prepare the columns")
    a, b, c = st.columns(3)
    a.radio("Text feature columns", list(TEXT_HANDLING),
            format_func=labels(TEXT_HANDLING).get,
            help=f"One-hot: one 0/1 input per category (the {MAX_CATEGORIES} most frequent).",
            **bound("data.text", ("data", "text"), data.text))
    b.radio("Missing values", list(MISSING), format_func=labels(MISSING).get,
            help="Filled values are learned from the training rows; text columns are filled "
                 "with their most frequent value.",
            **bound("data.missing", ("data", "missing"), data.missing))
    c.radio("Feature scaling", list(SCALINGS), format_func=labels(SCALINGS).get,
            help="Fitted on the training rows and built into the model as its first layer, so "
                 "the downloaded model takes raw values.",
            **bound("data.scaling", ("data", "scaling"), data.scaling))
    if task == "regression":
        st.checkbox("Standardise the target (mean 0, std 1) while training",
                    help="Often helps when the target's numbers are large. The downloaded "
                         "model un-scales its output, so predictions come back in the "
                         "target's own units.",
                    **bound("data.scale_target", ("data", "scale_target"),
                            bool(data.scale_target)))


def _on_split(key: str) -> None:
    workspace.doc().split = state.widget_value(key)


def choose_split() -> None:
    doc = workspace.doc()
    data = doc.spec.data
    st.subheader("Train / test split")
    state.sync_widget("data.split", doc.split)
    st.radio("Test data", list(TEST_DATA), horizontal=True, format_func=labels(TEST_DATA).get,
             key="data.split", on_change=_on_split, args=("data.split",))
    seed = bound("data.split_seed", ("data", "split_seed"), int(data.split_seed), convert=int)
    if doc.split == "fraction":
        a, b = st.columns(2)
        a.slider("Test fraction", 0.05, 0.5, step=0.05,
                 help="Share of rows kept aside to test the model.",
                 **bound("data.test_fraction", ("data", "test_fraction"),
                         min(max(float(data.test_fraction), 0.05), 0.5)))
        b.number_input("Split seed", 0, 2**31 - 1, help="Same seed, same split.", **seed)
        return
    a, b = st.columns(2)
    key = state.upload_key("test_upload")
    a.file_uploader("Test file (same columns as the training file)", key=key,
                    on_change=store_upload, args=(key, "test"))
    # With a test file, the seed orders the training file's rows (split.shuffled): the
    # validation rows held out while training are the last ones in that order.
    b.number_input("Split seed", 0, 2**31 - 1, **seed,
                   help="Orders the training file's rows: the rows held out for validation "
                        "while training are the last ones in this order (not the file's "
                        "last rows). Same seed, same order.")
    test = data_source.test_csv()
    if test is not None:
        a.caption(f"Test data: **{md(test.name)}**, {len(test.frame):,} rows.")


def show_result(prepared) -> None:
    data = state.spec().data
    prep = prepared.preprocessor
    if prepared.task == "regression" and data.scale_target:
        st.info(f"Target scaling: y_scaled = (y − {prep.target_min_:.6g}) / "
                f"{prep.target_range_:.6g}. The model's last layer multiplies by "
                f"{prep.target_range_:.6g} and adds {prep.target_min_:.6g}, so predictions "
                "come back in the target's own units.")
    for warning in prepared.warnings:
        st.warning(md(warning), icon=":material/warning:")
    st.subheader("Ready to train")
    a, b, c, d = st.columns(4)
    a.metric("Training rows", f"{prepared.n_train:,}")
    b.metric("Test rows", f"{prepared.n_test:,}")
    c.metric("Inputs after encoding", prepared.n_inputs)
    d.metric("Task", TASKS[prepared.task].short)
    if prepared.class_names:
        st.caption("Classes: " + ", ".join(map(code, prepared.class_names)))
    if len(prep.encoded_names_) != len(prep.feature_names_):
        st.caption("Inputs: " + ", ".join(map(code_short, prep.encoded_names_[:40])) +
                   (" …" if len(prep.encoded_names_) > 40 else ""))
    changed_since_training()
    st.page_link("steps/model.py", label="Next: design the network", icon=":material/east:")


def main() -> None:
    """The page; its data lives in this function, not in the script's globals, which the
    widgets' callbacks keep alive until the next run: the previous dataset is let go."""
    choose_source()
    loaded = data_source.train_csv()
    preview, columns = st.columns([3, 2], gap="large")
    with preview:
        show_preview(loaded)
    with columns:
        task = choose_columns(loaded)
        column_roles.show(loaded.frame)
    choose_preparation(task)
    split_and_result()


@workspace.fragment
def split_and_result() -> None:
    """The split and what the prepared data comes to: moving the test fraction (a key press
    per step) reruns only this, with the defaults that follow the data size applied first
    (`settle`, as layerlab.py does for a whole run), so the figures and the model follow."""
    data_source.settle()
    if state.has_notes():  # e.g. a test file stored, or refused: said at the page's top
        st.rerun()
    choose_split()
    prepared, error = data_source.prepared_or_error()
    if error == data_source.NO_TEST_FILE:  # the next step, not a mistake
        st.info(error, icon=":material/upload_file:")
    elif prepared is None:
        st.error(error, icon=":material/error:")
    else:
        show_result(prepared)
