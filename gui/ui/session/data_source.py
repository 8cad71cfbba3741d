"""The workspace's data, ready for every page: the chosen files read, parsed and prepared.

Any page can be the first one opened (a reload, a bookmark of /train), so every page gets
its data here, from the workspace document, and never from another page's widgets. Parsed
files and prepared arrays are kept per session for the current choice only (state.memo).
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import asdict, dataclass

import streamlit as st

from gui.core.data import dataset
from gui.core.data.formats.csv_io import DataError, LoadedCSV
from gui.core.data.formats.tables import read_table
from gui.core.data.samples import SAMPLES, by_name
from gui.core.spec.problems import DataInfo
from gui.core.store.workspaces import StoreError
from gui.ui.session import state, workspace
from gui.ui.session.follow import follow_data
from gui.ui.text import md


@dataclass(frozen=True)
class Choice:
    """A dataset as the workspace names it: a bundled sample or a stored file."""

    key: str    # "sample:<name>" or "file:<sha256>"
    name: str   # the file name shown and used for downloads
    sample: str = ""

    @classmethod
    def of(cls, ref: dict | None) -> Choice | None:
        if not ref:
            return None
        if "sample" in ref:
            try:
                sample = by_name(ref["sample"])
            except KeyError:
                return None
            file = sample.test_file if ref.get("part") == "test" else sample.file
            return cls(f"sample:{sample.name}:{file}", file, sample.name)
        return cls(f"file:{ref.get('file')}", str(ref.get("name", "data.csv")))

    def read_bytes(self) -> bytes:
        if self.sample:
            sample = by_name(self.sample)
            return (sample.read_test_bytes() if sample.test_file and self.name ==
                    sample.test_file else sample.read_bytes())
        return workspace.store().read_file(workspace.token(), self.key.removeprefix("file:"))


def _how(part: str, new: bool = False) -> tuple[str, str]:
    """(header, sheet) a `part` is read with: the training file as the spec says (a `new`
    one: detect, first sheet); a test file the same way as the training file (same columns:
    the same header decision)."""
    if part == "test":
        return ("yes" if train_csv().header else "no"), ""
    data = workspace.doc().spec.data
    return ("auto", "") if new else (data.header, data.sheet)


def read_upload(raw: bytes, name: str, part: str) -> LoadedCSV:
    """Read a file just uploaded as `part` ("train" or "test") the way `parse` will."""
    header, sheet = _how(part, new=True)
    return read_table(raw, name, header=header, sheet=sheet)


# What the session's memo holds that was made from the parsed files (the prepared arrays, the
# preview's first rows and column profile, the left-out columns): let go with the files.
MADE_FROM_DATA = ("prepared", "head", "profile", "left_out")


def parse(choice: Choice, part: str = "train") -> LoadedCSV:
    """The parsed file; the session keeps only the current training and test file."""
    header, sheet = how = _how(part)

    def read():
        state.forget(*MADE_FROM_DATA)  # only the current data stays in memory
        raw = choice.read_bytes()
        with reading(choice.name, len(raw)):
            return read_table(raw, choice.name, header=header, sheet=sheet)

    return state.memo(f"csv:{part}", (choice.key, *how), read)


@contextmanager
def reading(name: str, size: int):
    """A spinner with the elapsed time while a file is read (Streamlit shows it after half a
    second, so only files that take a while show it): a million rows take seconds."""
    shown = f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{size / 1024:,.0f} KB"
    with st.spinner(f"Reading {md(name)} ({shown})…", show_time=True):
        yield


def remember(choice: Choice, part: str, loaded: LoadedCSV) -> None:
    """Keep a file parsed on upload (read_upload) as the session's current `part`."""
    state.memo(f"csv:{part}", None, lambda: None)  # drop the previous one first
    state.forget(*MADE_FROM_DATA)
    state.memo(f"csv:{part}", (choice.key, *_how(part, new=True)), lambda: loaded)


def train_csv() -> LoadedCSV:
    """The chosen training data; a file that can no longer be read falls back to the sample
    with a note (e.g. emptied from another tab)."""
    doc = workspace.doc()
    choice = Choice.of(doc.dataset)
    try:
        if choice is None:
            raise StoreError("The chosen dataset is not known.")
        loaded = parse(choice)
        if doc.spec.data.target not in loaded.frame.columns:  # a new workspace: the sample's
            use_dataset(doc.dataset, loaded, doc.spec.data.header, doc.spec.data.sheet)
        return loaded
    except (StoreError, DataError) as exc:
        state.add_note("warning", f"The chosen dataset could not be read ({exc}); back to "
                                  f"the {SAMPLES[0].name} sample.")
        use_dataset({"sample": SAMPLES[0].name})
        return parse(Choice.of(doc.dataset))


def test_csv() -> LoadedCSV | None:
    """The separate test data when the split says so and one is chosen."""
    doc = workspace.doc()
    choice = Choice.of(doc.test) if doc.split == "file" else None
    if choice is None:
        return None
    try:
        return parse(choice, "test")
    except (StoreError, DataError):
        doc.test = None
        return None


def use_dataset(ref: dict, loaded: LoadedCSV | None = None, header: str = "auto",
                sheet: str = "") -> None:
    """Choose the training data, read with `header` and `sheet` (a new file: detect, the
    first sheet): target, features and task start afresh from its columns (a sample's own
    target; else the last column, the likely target of a headerless file), and a sample
    pair brings its test file."""
    doc = workspace.doc()
    doc.dataset = ref
    data = doc.spec.data
    data.header, data.sheet = header, sheet
    data.categorical = []  # roles belong to the file they were chosen for
    choice = Choice.of(ref)
    loaded = loaded or parse(choice)
    columns = list(loaded.frame.columns)
    sample = by_name(choice.sample) if choice.sample else None
    data.target = sample.target if sample and sample.target in columns else columns[-1]
    data.features = dataset.default_features(loaded.frame, data.target)
    data.task = "auto"
    data.source, data.delimiter, data.encoding = loaded.name, loaded.delimiter, loaded.encoding
    if sample is not None and sample.test_file:
        doc.test, doc.split = {"sample": sample.name, "part": "test"}, "file"
        data.test_source = sample.test_file
    elif sample is not None or (doc.test or {}).get("sample"):
        doc.test, doc.split, data.test_source = None, "fraction", ""


def prepared_or_error():
    """(PreparedData, None) for the workspace's choices, or (None, message in words).

    Remade only when the files or the data settings change; the model follows a new task.
    """
    doc = workspace.doc()
    loaded = train_csv()
    test = test_csv()
    if doc.split == "file" and test is None:
        return None, "Upload the test CSV, or choose to hold out a share of the rows."
    data = doc.spec.data
    if not data.features:
        return None, ("No feature column is chosen: the network needs at least one input. "
                      "Choose feature columns on the Data page.")
    data.test_source = test.name if test is not None else ""
    key = (id(loaded.frame), id(test.frame) if test is not None else None,
           json.dumps(asdict(data), sort_keys=True))

    def compute():
        try:
            return dataset.prepare(loaded.frame, data, test.frame if test is not None
                                   else None), None
        except DataError as exc:
            return None, str(exc)

    result, error = state.memo("prepared", key, compute)
    if result is not None:
        follow_data(DataInfo.from_prepared(result))
    return result, error


def prepared():
    """The prepared data, or None when the choices on the Data page do not give any."""
    return prepared_or_error()[0]
