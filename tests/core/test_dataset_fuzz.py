"""Whatever bytes arrive, reading and preparing ends in data or a DataError, never a crash."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gui.core.data.dataset import prepare
from gui.core.data.formats.csv_io import read_csv
from gui.core.data.formats.loaded import DataError
from gui.core.spec.schema import DataSpec

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

cell = st.one_of(st.integers(-10**6, 10**6).map(str), st.floats(allow_nan=True).map(str),
                 st.sampled_from(["", "NA", "inf", "-", "a,b", '"q"', "é", "1e999", " "]),
                 st.text(max_size=6))


@st.composite
def csv_texts(draw) -> str:
    cols = draw(st.integers(1, 6))
    rows = draw(st.integers(0, 25))
    delim = draw(st.sampled_from([",", ";", "\t", "|"]))
    header = draw(st.lists(st.text(min_size=0, max_size=5), min_size=cols, max_size=cols))
    lines = [delim.join(header)]
    for _ in range(rows):
        width = draw(st.sampled_from([cols, cols, cols, cols - 1, cols + 1]))
        lines.append(delim.join(draw(st.lists(cell, min_size=max(width, 0),
                                              max_size=max(width, 0)))))
    return "\n".join(lines)


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes_never_crash(raw):
    try:
        read_csv(raw, "fuzz.csv")
    except DataError as exc:
        assert str(exc)


@FUZZ
@given(csv_texts(), st.sampled_from(["utf-8", "utf-16", "latin-1"]),
       st.sampled_from(["drop", "mean", "median", "most_frequent"]),
       st.sampled_from(["none", "minmax", "standard", "l2"]), st.data())
def test_csv_like_text_reads_and_prepares_or_explains(text, encoding, missing, scaling, data):
    try:
        loaded = read_csv(text.encode(encoding, errors="replace"), "fuzz.csv")
    except DataError as exc:
        assert str(exc)
        return
    target = data.draw(st.sampled_from(list(loaded.frame.columns)))
    try:
        prepared = prepare(loaded.frame, DataSpec(target=target, missing=missing,
                                                  scaling=scaling))
    except DataError as exc:
        assert str(exc)
        return
    assert np.isfinite(prepared.X_train).all() and np.isfinite(prepared.X_test).all()
    assert len(prepared.X_train) == len(prepared.y_train)


def test_mixed_type_target_and_features():
    frame = pd.DataFrame({"a": [1, "x", 3.5, None, "y"] * 4, "b": [True, False] * 10,
                          "t": [1, 2, "three", 1, 2] * 4})
    prepared = prepare(frame, DataSpec(target="t", missing="most_frequent"))
    assert sorted(map(str, prepared.class_names)) == ["1", "2", "three"]
