"""The workspace's data, ready for every page: the chosen files read, parsed and prepared.

Any page can be the first one opened (a reload, a bookmark of /train), so every page gets
its data here, from the workspace document, and never from another page's widgets. Parsed
files and prepared arrays are kept per session for the current choice only (state.memo).
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

import streamlit as st

from gui.core.data import data_ref, dataset, selection
from gui.core.data.columns import default_target
from gui.core.data.formats.csv_io import DATA_SUFFIXES
from gui.core.data.formats.loaded import DataError, LoadedTable
from gui.core.data.samples import SAMPLES, by_name
from gui.core.spec.data_info import DataInfo
from gui.core.store.workspaces import StoreError
from gui.ui.session import state, workspace
from gui.ui.session.follow import follow_data
from gui.ui.text import code, md


@dataclass(frozen=True)
class Choice:
    """A dataset as the workspace names it (a data_ref reference), with a key for the memo."""

    key: str    # "sample:<name>:<file>" or "file:<sha256>"
    name: str   # the file name shown and used for downloads
    ref: dict = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def of(cls, ref: dict | None) -> Choice | None:
        if not ref:
            return None
        if "sample" in ref:
            try:
                name = data_ref.name_of(ref)
            except KeyError:
                return None
            return cls(f"sample:{ref['sample']}:{name}", name, dict(ref))
        return cls(f"file:{ref.get('file')}", data_ref.name_of(ref), dict(ref))

    @property
    def sample(self) -> str:
        return str(self.ref.get("sample", ""))

    def read_bytes(self) -> bytes:
        return data_ref.read(workspace.store(), workspace.token(), self.ref)[0]


def read_upload(raw: bytes, name: str, part: str) -> LoadedTable:
    """Read a file just uploaded as `part` ("train" or "test") the way `parse` will: a new
    training file as data_ref reads a new one (detect the header, the first sheet), a test
    file as data_ref reads any test file (like the training file)."""
    if part == "test":
        return data_ref.read_test(raw, name, train_csv())
    return data_ref.read_new(raw, name)


def _how(part: str, new: bool = False) -> tuple[str, str]:
    """The memo key's part for how `part` is read (data_ref's rules decide the reading)."""
    if part == "test":
        return ("test", str(train_csv().header))
    data = workspace.doc().spec.data
    return ("auto", "") if new else (data.header, data.sheet)


# What the session's memo holds that was made from the parsed files (the prepared arrays, the
# preview's first rows and column profile, the left-out columns, the detected task): let go
# with the files.
MADE_FROM_DATA = ("prepared", "selected", "head", "profile", "left_out", "detected")


def parse(choice: Choice, part: str = "train") -> LoadedTable:
    """The parsed file; the session keeps only the current training and test file."""
    how = _how(part)

    def read():
        state.forget(*MADE_FROM_DATA)  # only the current data stays in memory
        raw = choice.read_bytes()
        with reading(choice.name, len(raw)):
            if part == "test":
                return data_ref.read_test(raw, choice.name, train_csv())
            return data_ref.read_train(raw, choice.name, workspace.doc().spec)

    return state.memo(f"csv:{part}", (choice.key, *how), read)


@contextmanager
def reading(name: str, size: int):
    """A spinner with the elapsed time while a file is read (Streamlit shows it after half a
    second, so only files that take a while show it): a million rows take seconds."""
    shown = f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{size / 1024:,.0f} KB"
    with st.spinner(f"Reading {md(name)} ({shown})…", show_time=True):
        yield


def remember(choice: Choice, part: str, loaded: LoadedTable) -> None:
    """Keep a file parsed on upload (read_upload) as the session's current `part`."""
    state.memo(f"csv:{part}", None, lambda: None)  # drop the previous one first
    state.forget(*MADE_FROM_DATA)
    state.memo(f"csv:{part}", (choice.key, *_how(part, new=True)), lambda: loaded)


def train_csv() -> LoadedTable:
    """The chosen training data. Reading never changes the document: a file that can no
    longer be read shows the first sample until `settle` (at the next run) says so."""
    choice = Choice.of(workspace.doc().dataset)
    try:
        if choice is None:
            raise StoreError("The chosen dataset is not known.")
        return parse(choice)
    except (StoreError, DataError):
        return parse(Choice.of({"sample": SAMPLES[0].name}))


def test_csv() -> LoadedTable | None:
    """The separate test data when the split says so and one is chosen (and readable)."""
    doc = workspace.doc()
    choice = Choice.of(doc.test) if doc.split == "file" else None
    if choice is None:
        return None
    try:
        return parse(choice, "test")
    except (StoreError, DataError):
        return None


def _data_part(doc) -> str:
    """What the data defaults follow: the files and the data choices."""
    return json.dumps([asdict(doc.spec.data), doc.dataset, doc.test, doc.split],
                      sort_keys=True)


def settle() -> None:
    """The one rule that applies the defaults which follow the data, run once per script run
    before the page is drawn (layerlab.py), so that drawing a page never changes the document.

    Each step is idempotent and writes only when the document is not yet consistent, which
    happens only after a change (a user's action in a callback, a new or emptied workspace,
    another tab's edit); the data part is followed once per change of it in this session:
    - a dataset that can no longer be read goes back to the first sample, with a note;
    - a target that is not a column of the data (a new workspace, a spec made for other
      data) gets the data's defaults (`use_dataset`);
    - a separate test file that can no longer be read is dropped;
    - when the data changed, the test file's name is recorded and the model follows the
      data's task and class count (follow_data);
    - a `monitor` that the compile and validation settings no longer offer becomes the first
      one they do.
    """
    from gui.core.spec.validate import monitor_options

    doc = workspace.doc()
    choice = Choice.of(doc.dataset)
    try:
        if choice is None:
            raise StoreError("The chosen dataset is not known.")
        loaded = parse(choice)
    except (StoreError, DataError) as exc:
        state.add_note("warning", f"The chosen dataset could not be read ({exc}); back to "
                                  f"the {SAMPLES[0].name} sample.")
        use_dataset({"sample": SAMPLES[0].name})
        loaded = parse(Choice.of(doc.dataset))
    data = doc.spec.data
    if data.target not in loaded.frame.columns:
        use_dataset(doc.dataset, loaded, data.header, data.sheet)
    if doc.test is not None and doc.split == "file" and test_csv() is None:
        doc.test = None
    if state.settled() != _data_part(doc):  # changed since this session last settled it
        test = test_csv()
        data.test_source = test.name if test is not None else ""
        result = prepared()
        if result is not None:
            follow_data(DataInfo.from_prepared(result))
        state.mark_settled(_data_part(doc))
    options = monitor_options(doc.spec)
    if doc.spec.fit.monitor not in options:
        doc.spec.fit.monitor = options[0]


def use_dataset(ref: dict, loaded: LoadedTable | None = None, header: str = "auto",
                sheet: str = "") -> None:
    """Choose the training data, read with `header` and `sheet` (a new file: detect, the
    first sheet): target, features and task start afresh from its columns (a sample's own
    target; else columns.default_target, said in a note), and a sample pair brings its test
    file."""
    doc = workspace.doc()
    doc.dataset = ref
    data = doc.spec.data
    data.header, data.sheet = header, sheet
    data.categorical = []  # roles belong to the file they were chosen for
    choice = Choice.of(ref)
    loaded = loaded or parse(choice)
    columns = list(loaded.frame.columns)
    sample = by_name(choice.sample) if choice.sample else None
    if sample and sample.target in columns:
        data.target = sample.target
    else:
        data.target, why = default_target(loaded.frame, loaded.name)
        state.add_note("info", f"Predicting {code(data.target)}: {why}. Choose another "
                               "column under *What to predict*.")
    data.features = dataset.default_features(loaded.frame, data.target)
    data.task = "auto"
    data.source, data.delimiter, data.encoding = loaded.name, loaded.delimiter, loaded.encoding
    if sample is not None and sample.test_file:
        doc.test, doc.split = {"sample": sample.name, "part": "test"}, "file"
        data.test_source = sample.test_file
    elif sample is not None or (doc.test or {}).get("sample"):
        doc.test, doc.split, data.test_source = None, "fraction", ""


NO_TEST_FILE = (f"Upload the test file ({', '.join(DATA_SUFFIXES)}, with the training file's "
                "columns), or choose to hold out a share of the rows.")


def prepared_or_error():
    """(PreparedData, None) for the workspace's choices, or (None, message in words).

    Remade only when the files or the data settings change. It reads only: the model
    follows a new task in `settle`.
    """
    doc = workspace.doc()
    loaded = train_csv()
    test = test_csv()
    if doc.split == "file" and test is None:
        return None, NO_TEST_FILE
    data = doc.spec.data
    if not data.features:
        return None, ("No feature column is chosen: the network needs at least one input. "
                      "Choose feature columns on the Data page.")
    settings = asdict(data)
    key = (id(loaded.frame), id(test.frame) if test is not None else None,
           json.dumps(settings, sort_keys=True))
    # The rows and columns chosen, kept while only the split or the scaling changes.
    chosen = (id(loaded.frame), json.dumps([settings[k] for k in selection.SELECTION_SETTINGS]))

    def compute():
        try:
            rows = state.memo("selected", chosen, lambda: dataset.select(loaded.frame, data))
            return dataset.prepare(loaded.frame, data, test.frame if test is not None
                                   else None, rows), None
        except DataError as exc:
            return None, str(exc)

    return state.memo("prepared", key, compute)


def prepared():
    """The prepared data, or None when the choices on the Data page do not give any."""
    return prepared_or_error()[0]
