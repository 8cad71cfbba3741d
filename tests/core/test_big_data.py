"""A big CSV reads and prepares into float32 arrays without copies piling up (issue 12:
a million rows; benchmarks/million_rows.py measures the full size)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest

from gui.core.data import dataset
from gui.core.data.formats import csv_io
from gui.core.data.preprocess import ENCODE_VALUES
from gui.core.spec.schema import DataSpec

ROWS, FEATURES = 100_000, 19


@pytest.fixture(scope="module")
def big_csv() -> bytes:
    rng = np.random.default_rng(12)
    values = rng.normal(size=(ROWS, FEATURES)).astype(np.float32)
    frame = pd.DataFrame(values, columns=[f"x{i}" for i in range(FEATURES)])
    frame["label"] = np.digitize(values[:, 0], [-0.5, 0.5])
    return frame.to_csv(index=False, float_format="%.6g").encode()


def test_a_big_csv_prepares_into_float32_arrays_with_no_object_columns(big_csv):
    loaded = csv_io.read_csv(big_csv, "big.csv")
    assert loaded.frame.shape == (ROWS, FEATURES + 1)
    assert all(pd.api.types.is_numeric_dtype(t) for t in loaded.frame.dtypes)
    assert loaded.warnings == []
    prepared = dataset.prepare(loaded.frame, DataSpec(target="label"))
    for array in (prepared.X_train, prepared.X_test):
        assert array.dtype == np.float32 and array.flags.c_contiguous
        assert array.shape[1] == FEATURES
    assert len(prepared.X_train) + len(prepared.X_test) == ROWS
    assert prepared.task == "multiclass" and prepared.n_classes == 3
    # the scaling statistics (fitted a block of rows at a time) are the training rows' own
    scaling = prepared.preprocessor.scaling_
    np.testing.assert_allclose(scaling["mean"], prepared.X_train.mean(axis=0, dtype=np.float64),
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(scaling["variance"],
                               prepared.X_train.var(axis=0, dtype=np.float64), rtol=1e-5)


def test_reading_a_big_csv_holds_its_bytes_once(big_csv):
    """No text copy of the file beside its bytes (a str of it alone would be its size again,
    a StringIO of it four times that): parsing peaks below 2.5x the frame."""
    csv_io.read_csv(big_csv[:10_000].rsplit(b"\n", 1)[0], "warm.csv")  # imports: not data
    tracemalloc.start()
    try:
        loaded = csv_io.read_csv(big_csv, "big.csv")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    frame_bytes = loaded.frame.memory_usage(index=False).sum()
    assert peak < 2.5 * frame_bytes, (peak / 2**20, frame_bytes / 2**20)


def test_preparing_a_big_csv_stays_within_a_few_times_its_float32_data(big_csv):
    loaded = csv_io.read_csv(big_csv, "big.csv")
    float32_bytes = ROWS * (FEATURES + 1) * 4
    dataset.prepare(loaded.frame.head(100), DataSpec(target="label"))  # imports: not data
    tracemalloc.start()
    try:
        prepared = dataset.prepare(loaded.frame, DataSpec(target="label"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert prepared.X_train.dtype == np.float32
    # the split copies the rows once (float64: 2x) and the arrays are float32 (1x); encoding
    # and scaling work a block of rows at a time (a few float64 copies of one block)
    block = 3 * ENCODE_VALUES * 8
    assert peak < 3 * float32_bytes + block, (peak / 2**20, float32_bytes / 2**20)


def test_a_column_whose_type_changes_far_down_the_file_has_one_type(big_csv):
    """Parsed a chunk of rows at a time, a column that holds numbers for 75,000 rows and
    then text must still come out as one text column, as when parsed in one piece."""
    lines = big_csv.decode().splitlines()
    header, rows = lines[0], lines[1:]
    late = [f"{row},{'code' if i >= 75_000 else i}" for i, row in enumerate(rows)]
    raw = "\n".join([header + ",mixed", *late]).encode()
    frame = csv_io.read_csv(raw, "mixed.csv").frame
    assert frame["mixed"].map(type).eq(str).all()
    assert frame["mixed"].iloc[0] == "0" and frame["mixed"].iloc[-1] == "code"
    assert pd.api.types.is_float_dtype(frame["x0"])
