"""Header rows: headerless teaching files get column_1 … column_N; real headers stay headers,
numbers like years included; "yes" / "no" override the detection, through the spec too."""

from __future__ import annotations

import numpy as np
import pytest

from gui.core.data.dataset import prepare
from gui.core.data.formats import header
from gui.core.data.formats.csv_io import read_csv
from gui.core.data.formats.loaded import DataError
from gui.core.data.formats.tables import read_table
from gui.core.spec.schema import DataSpec, ExperimentSpec

RNG = np.random.default_rng(7)


def pima(rows: int = 120) -> str:
    """Like the Pima Indians diabetes file: 9 numeric columns, no header, 0/1 last."""
    lines = []
    for _ in range(rows):
        lines.append(",".join([
            str(RNG.integers(0, 17)), str(RNG.integers(50, 200)), str(RNG.integers(40, 110)),
            str(RNG.integers(0, 60)), str(RNG.integers(0, 500)), f"{RNG.uniform(18, 55):.1f}",
            f"{RNG.uniform(0.08, 2.4):.3f}", str(RNG.integers(21, 81)), str(RNG.integers(0, 2))]))
    return "\n".join(lines) + "\n"


def sonar(rows: int = 60) -> str:
    """Like UCI Sonar: 60 numbers between 0 and 1, then an R/M label; no header."""
    return "".join(",".join(f"{v:.4f}" for v in RNG.random(60)) + f",{RNG.choice(['R', 'M'])}\n"
                   for _ in range(rows))


def test_pima_like_file_is_headerless_and_keeps_its_first_row():
    text = pima()
    loaded = read_csv(text.encode(), "pima.csv")
    assert not loaded.header
    assert list(loaded.frame.columns) == [f"column_{i}" for i in range(1, 10)]
    assert len(loaded.frame) == 120  # the first row is data, not lost
    first = [float(v) for v in text.splitlines()[0].split(",")]
    assert loaded.frame.iloc[0].tolist() == pytest.approx(first)
    assert loaded.header_note == (
        "No header row found: the first row holds numbers like the rows below, so the "
        "columns are named column_1 … column_9; column_9 is likely the target.")


def test_sonar_like_file_is_headerless_with_its_label_as_the_last_column():
    loaded = read_csv(sonar().encode(), "sonar.csv")
    assert not loaded.header
    assert loaded.frame.shape == (60, 61)
    assert loaded.frame.columns[-1] == "column_61"
    assert set(loaded.frame["column_61"]) <= {"R", "M"}
    assert "column_61 is likely the target" in loaded.header_note
    prepared = prepare(loaded.frame, DataSpec(target="column_61"))
    assert prepared.task == "binary" and prepared.n_inputs == 60


@pytest.mark.parametrize("text", [
    "sepal,petal,species\n" + "".join(f"{i}.1,{i}.2,{'ab'[i % 2]}\n" for i in range(20)),
    ",age,height\n" + "".join(f"{i},{20 + i},{150 + i}\n" for i in range(20)),  # index column
    "name,city\n" + "".join(f"n{i},c{i % 3}\n" for i in range(20)),  # text only: no evidence
    "id,score\n1,0.5\n2,0.7\n3,0.1\n4,0.9\n5,0.3\n",
])
def test_files_with_a_header_keep_it(text):
    loaded = read_csv(text.encode())
    assert loaded.header
    assert list(loaded.frame.columns) == [c or "Unnamed: 0" for c in
                                          text.splitlines()[0].split(",")]
    assert loaded.header_note.startswith("The first row is the header")


@pytest.mark.parametrize("first,rows", [
    # years over decimals (the rows below differ in kind from the header's whole numbers)
    ("2019,2020,2021", [f"{RNG.random():.2f},{RNG.random():.2f},{RNG.random():.2f}"
                        for _ in range(30)]),
    # years in order over counts (whole numbers too)
    ("2019,2020,2021", [f"{RNG.integers(0, 50)},{RNG.integers(0, 50)},{RNG.integers(0, 50)}"
                        for _ in range(8)]),
    # distinct whole numbers, not in order, above floats
    ("1990,2005,2017,2023", [",".join(f"{v:.3f}" for v in RNG.random(4) * 100)
                             for _ in range(30)]),
    # a text column beside: the first cell is text over text, the years over numbers
    ("country,2019,2020", [f"c{i},{RNG.random():.2f},{RNG.random():.2f}" for i in range(20)]),
    # numbers (wavelengths) outside every column's range
    ("400.5,401.0,401.5,402.0", [",".join(f"{v:.3f}" for v in RNG.random(4))
                                 for _ in range(30)]),
    # numbers above text columns
    ("1,2,3", [f"a{i},b{i},c{i}" for i in range(10)]),
])
def test_a_header_of_numbers_stays_a_header(first, rows):
    loaded = read_csv((first + "\n" + "\n".join(rows) + "\n").encode())
    assert loaded.header, loaded.header_note
    assert list(loaded.frame.columns) == first.split(",")
    assert len(loaded.frame) == len(rows)


@pytest.mark.parametrize("first", ["5,3,8", "0.5,0.25,0.75", "12,7.5,3",
                                   "0.0,1.0,2.0"])  # whole numbers written as values
def test_a_first_row_like_the_rows_below_is_data(first):
    rows = "".join(f"{RNG.integers(0, 10)},{RNG.random():.2f},{RNG.integers(1, 20)}\n"
                   for _ in range(20))
    loaded = read_csv((first + "\n" + rows).encode())
    assert not loaded.header
    assert len(loaded.frame) == 21


def test_the_override_reads_the_first_row_either_way():
    text = pima(30)
    as_header = read_csv(text.encode(), header="yes")
    assert as_header.header and len(as_header.frame) == 29
    assert list(as_header.frame.columns) == text.splitlines()[0].split(",")
    assert as_header.header_note == "The first row is read as the header, as chosen."
    iris = "a,b,label\n" + "".join(f"{i},{i * 2.5},{'yes' if i % 2 else 'no'}\n"
                                   for i in range(10))
    as_data = read_csv(iris.encode(), header="no")
    assert not as_data.header and len(as_data.frame) == 11
    assert as_data.frame["column_1"].iloc[0] == "a"
    assert as_data.header_note.startswith("The first row is read as data, as chosen")


def test_forcing_a_header_with_repeated_names_is_refused_in_words():
    text = "1,1,2\n" + "".join(f"{i},{i},{i}\n" for i in range(10))
    assert not read_csv(text.encode()).header
    with pytest.raises(DataError, match="appear more than once: '1'"):
        read_csv(text.encode(), header="yes")


def test_header_choice_round_trips_through_the_spec():
    spec = ExperimentSpec()
    spec.data.header, spec.data.sheet = "no", "Marks 2024"
    back = ExperimentSpec.from_json(spec.to_json())
    assert (back.data.header, back.data.sheet) == ("no", "Marks 2024")
    loaded = read_table(pima(20).encode(), "p.csv", header=back.data.header)
    assert loaded.frame.columns[0] == "column_1"


def test_decide_on_typed_spreadsheet_cells():
    rows = [[2019, 2020, 2021]] + [[0.5 * i, 1.5 * i, 2.5] for i in range(1, 12)]
    assert header.decide(rows).has_header
    rows = [[6, 148.0, 0.627, 1]] + [[i, 100.0 + i, 0.1 * i, i % 2] for i in range(1, 12)]
    assert not header.decide(rows).has_header
    assert header.column_names(3) == ["column_1", "column_2", "column_3"]
