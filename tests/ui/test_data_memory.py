"""Only the current dataset stays in a session's memory: choosing another one lets go of the
parsed frame and everything made from it (issue 12: a million rows)."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.ui.test_data_page import APP, IRIS, sample, upload


def held_frame(at: AppTest) -> pd.DataFrame:
    """The training frame the session's memo holds now."""
    return at.session_state["ll_memo"]["csv:train"][1].frame


def a_csv(rows: int = 2_000, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(rows, 4)), columns=["a", "b", "c", "d"])
    frame["y"] = (frame["a"] > 0).astype(int)
    return frame.to_csv(index=False).encode()


def test_choosing_another_dataset_lets_go_of_the_first_one():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    upload(at, "first.csv", a_csv())
    first = held_frame(at)
    assert list(first.columns) == ["a", "b", "c", "d", "y"]
    gone = weakref.ref(first)
    prepared = weakref.ref(at.session_state["ll_memo"]["prepared"][1][0])
    del first
    at.selectbox(key="data.dataset").set_value(sample("Restaurant tips")).run()
    assert not at.exception, at.exception
    gc.collect()
    assert gone() is None, "the first upload's parsed frame is still held"
    assert prepared() is None, "the first upload's prepared arrays are still held"
    assert "total_bill" in held_frame(at).columns


def test_a_second_upload_replaces_the_first_in_memory():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    iris = weakref.ref(held_frame(at))
    assert at.selectbox(key="data.dataset").value == IRIS
    upload(at, "first.csv", a_csv(seed=1))
    gc.collect()
    assert iris() is None, "the sample's parsed frame is still held"
    first = weakref.ref(held_frame(at))
    upload(at, "second.csv", a_csv(seed=2))
    gc.collect()
    assert first() is None, "the first upload's parsed frame is still held"
    kept = [v for v in at.session_state["ll_memo"].values()
            if isinstance(getattr(v[1], "frame", None), pd.DataFrame)]
    assert len(kept) == 1  # the second upload only (no test file chosen)


def test_memo_lets_go_of_the_old_value_before_computing_the_new_one():
    def script():
        import streamlit as st

        from gui.ui.session import state

        state.memo("table", "first", lambda: "the first table")
        held = state.memo("table", "second", lambda: repr(st.session_state["ll_memo"].get(
            "table")))
        st.write(held)

    at = AppTest.from_function(script).run()
    assert not at.exception, at.exception
    assert at.markdown[0].value == "None"
