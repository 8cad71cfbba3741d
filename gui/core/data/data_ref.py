"""A dataset as a workspace names it, read back from the store or the bundled samples.

A reference is plain JSON: {"sample": name} (optionally "part": "test") or
{"file": sha256, "name": file name}. The pages (gui.ui.session.data_source), the training
workers and the CLI all read data by the rules here (how a training file, a new file and a
test file are read), so a run record's data reference gives the same rows in every process.

Example:
    raw, name = read(store, token, {"sample": "Iris flowers"})
    prepared = prepare(store, token, spec, {"dataset": ref, "test": None})
"""

from __future__ import annotations

from gui.core.data import dataset
from gui.core.data.dataset import PreparedData
from gui.core.data.formats.loaded import LoadedTable
from gui.core.data.formats.tables import read_table
from gui.core.data.samples import by_name
from gui.core.spec.schema import DataSpec, ExperimentSpec
from gui.core.store.workspaces import Store, StoreError


def name_of(ref: dict) -> str:
    """The file name a reference stands for (a sample's file, or the upload's name)."""
    if "sample" in ref:
        sample = by_name(ref["sample"])
        return sample.test_file if ref.get("part") == "test" else sample.file
    return str(ref.get("name", "data.csv"))


def read(store: Store, token: str, ref: dict) -> tuple[bytes, str]:
    """(the file's bytes, its name); StoreError when the workspace no longer holds it."""
    if "sample" in ref:
        try:
            sample = by_name(ref["sample"])
        except KeyError:
            raise StoreError(f"There is no sample called {ref['sample']!r}.") from None
        if ref.get("part") == "test":
            return sample.read_test_bytes() or b"", sample.test_file
        return sample.read_bytes(), sample.file
    return store.read_file(token, str(ref.get("file", ""))), name_of(ref)


def read_train(raw: bytes, name: str, spec: ExperimentSpec) -> LoadedTable:
    """The training file read as the spec says (its header choice and sheet)."""
    return read_table_as(raw, name, spec.data)


def read_table_as(raw: bytes, name: str, data: DataSpec) -> LoadedTable:
    """A training file read as the data choices say (their header choice and sheet)."""
    return read_table(raw, name, header=data.header, sheet=data.sheet)


def read_new(raw: bytes, name: str) -> LoadedTable:
    """A training file just chosen: its header detected, its first sheet."""
    return read_table(raw, name, header="auto", sheet="")


def read_test(raw: bytes, name: str, train: LoadedTable) -> LoadedTable:
    """A separate test file, read the same way as the training file: the same columns, so
    the same header decision (its first sheet, for a workbook)."""
    return read_table(raw, name, header="yes" if train.header else "no")


def prepare(store: Store, token: str, spec: ExperimentSpec, data: dict) -> PreparedData:
    """The prepared arrays for `spec` on the data a run names: {"dataset": ref, "test": ref
    or None}. Raises StoreError or loaded.DataError with a message in words."""
    train = read_train(*read(store, token, data["dataset"]), spec)
    test = read_test(*read(store, token, data["test"]), train) if data.get("test") else None
    return dataset.prepare(train.frame, spec.data, test.frame if test is not None else None)
