"""The data page's column roles: the columns left out by default with their reasons, putting
one back, and numbers treated as categories (AppTest)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.ui.test_data_page import metrics, stored, upload

APP = str(ROOT / "layerlab.py")


def visits_csv() -> bytes:
    rng = np.random.default_rng(0)
    rows = 60
    kind = rng.choice([1, 2, 3], size=rows)
    return pd.DataFrame({
        "visit_id": np.arange(1, rows + 1),
        "clinic": ["North"] * rows,
        "age": rng.integers(20, 80, size=rows),
        "kind": kind,
        "outcome": np.where(kind == 2, "ill", "well"),
    }).to_csv(index=False).encode()


@pytest.fixture
def at() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    return upload(app, "visits.csv", visits_csv())


def roles(at: AppTest) -> list[str]:
    return [c.value for c in at.caption if "numbers the rows" in c.value
            or "single value" in c.value]


def test_the_columns_left_out_are_listed_with_their_reasons(at):
    assert at.multiselect(key="data.features").value == ["age", "kind"]
    assert metrics(at)["Inputs after encoding"] == "2"
    listed = roles(at)
    assert listed == [
        "`visit_id`: a running number (1, 2, …, 60): it numbers the rows rather than "
        "describing them.",
        "`clinic`: it holds a single value (North) in every row, so it cannot tell rows "
        "apart."]
    assert [b.label for b in at.button if b.key.startswith("data.use_column.")] == \
        ["Use it", "Use it"]


def test_use_it_puts_a_column_back_and_leave_out_removes_it(at):
    at.button(key="data.use_column.0").click().run()
    assert at.multiselect(key="data.features").value == ["visit_id", "age", "kind"]
    assert metrics(at)["Inputs after encoding"] == "3"
    assert stored(at)["spec"]["data"]["features"] == ["visit_id", "age", "kind"]
    assert any(c.value.startswith("`visit_id`:") and c.value.endswith("— *in use*")
               for c in at.caption)
    at.button(key="data.leave_out.0").click().run()
    assert at.multiselect(key="data.features").value == ["age", "kind"]
    assert metrics(at)["Inputs after encoding"] == "2"


def test_numbers_treated_as_categories_are_one_hot_encoded(at):
    assert at.multiselect(key="data.categorical").options == ["age", "kind"]
    at.multiselect(key="data.categorical").set_value(["kind"]).run()
    assert metrics(at)["Inputs after encoding"] == "4"  # age, kind=1, kind=2, kind=3
    assert any("`kind=1`, `kind=2`, `kind=3`" in c.value for c in at.caption)
    assert stored(at)["spec"]["data"]["categorical"] == ["kind"]
    # Leaving the column out hides its role; putting it back shows it again.
    at.multiselect(key="data.features").set_value(["age"]).run()
    assert at.multiselect(key="data.categorical").options == ["age"]
    assert at.multiselect(key="data.categorical").value == []
    assert stored(at)["spec"]["data"]["categorical"] == ["kind"]
    at.multiselect(key="data.features").set_value(["age", "kind"]).run()
    assert at.multiselect(key="data.categorical").value == ["kind"]
    assert metrics(at)["Inputs after encoding"] == "4"
