"""Reading uploaded tables: delimiters, encodings, and a specific message for each bad file."""

from __future__ import annotations

import codecs

import numpy as np
import pytest

from gui.core.data.dataset import prepare
from gui.core.data.formats import csv_io, loaded
from gui.core.data.formats.csv_io import read_csv
from gui.core.data.formats.loaded import DataError
from gui.core.data.preprocess import is_numeric
from gui.core.spec.schema import DataSpec

GOOD = "a,b,label\n" + "".join(f"{i},{i * 2.5},{'yes' if i % 2 else 'no'}\n" for i in range(20))


def read(text: str | bytes, name: str = "t.csv") -> loaded.LoadedTable:
    return read_csv(text.encode() if isinstance(text, str) else text, name)


def error_of(raw: bytes | str) -> str:
    with pytest.raises(DataError) as info:
        read(raw)
    return str(info.value)


# ---- reading good files ----------------------------------------------------------------------

@pytest.mark.parametrize("delimiter,name", [(",", "comma"), (";", "semicolon"), ("\t", "tab"),
                                            ("|", "pipe")])
def test_delimiters_are_detected(delimiter, name):
    loaded = read(GOOD.replace(",", delimiter))
    assert loaded.delimiter == delimiter
    assert list(loaded.frame.columns) == ["a", "b", "label"]
    assert loaded.frame["b"].iloc[3] == pytest.approx(7.5)


def test_semicolon_file_with_decimal_commas_in_quotes_keeps_columns():
    text = 'x;y;z\n"1,5";2;a\n"2,5";3;b\n"3,5";4;a\n"4,5";5;b\n"5,5";6;a\n'
    loaded = read(text)
    assert loaded.delimiter == ";"
    assert loaded.frame.shape == (5, 3)


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16", "utf-8-sig", "utf-16-le", "cp1252"])
def test_encodings_are_detected(encoding):
    text = "città,prix €,naïve\n" + "".join(f"{i},{i}.5,é{i % 2}\n" for i in range(10))
    if encoding == "latin-1":
        text = text.replace("€", "E")
    loaded = read(text.encode(encoding))
    assert list(loaded.frame.columns) == ["città", "prix €" if "€" in text else "prix E", "naïve"]
    assert loaded.frame["naïve"].iloc[1] == "é1"


def test_cyrillic_cp1251_is_recognised():
    text = "имя,город,возраст\n" + "".join(f"Иван{i},Москва,{20 + i}\n" for i in range(10))
    loaded = read(text.encode("cp1251"))
    assert list(loaded.frame.columns) == ["имя", "город", "возраст"]


def test_a_few_french_names_in_cp1252_are_not_read_as_central_european():
    names = ["Zoé", "Chloé", "Jérôme", "Ève", "Müller", "Françoise", "Anaïs", "Noël"]
    towns = ["Besançon", "Orléans", "Évry", "Nîmes"]
    text = "nom;ville;âge;prix\n" + "".join(
        f"{names[i % len(names)]};{towns[i % len(towns)]};{20 + i};{100 + i}\n"
        for i in range(40))
    loaded = read(text.encode("cp1252"))  # cp1250 decodes it too: "Čve", "Čvry"
    assert loaded.encoding == "cp1252"
    assert "Ève" in set(loaded.frame["nom"]) and "Évry" in set(loaded.frame["ville"])


def test_euro_prices_in_cp1252_are_not_read_as_a_baltic_dos_code_page():
    # charset_normalizer's best guess for this file is cp775, which reads "€" as "Ć"
    rows = "".join(f'"{1000 + 37 * i:,}",{i % 30}%,{1 + i % 5},{i % 2 == 0},'
                   f"{200_000 + 4_321 * i} €\n" for i in range(200))
    loaded = read(("sqft,discount,rooms,garden,price\n" + rows).encode("cp1252"))
    assert loaded.encoding == "cp1252"
    assert is_numeric(loaded.frame["price"]) and loaded.frame["price"].iloc[1] == 204_321


def test_central_european_text_stays_cp1250():
    text = "jméno,město,věk\n" + "".join(
        f"Jiří{i},Třeboň,{20 + i}\nŠárka{i},Čáslav,{30 + i}\n" for i in range(10))
    loaded = read(text.encode("cp1250"))
    assert loaded.encoding == "cp1250"
    assert list(loaded.frame.columns) == ["jméno", "město", "věk"]


def test_utf8_bom_is_not_part_of_first_column_name():
    loaded = read(codecs.BOM_UTF8 + GOOD.encode())
    assert loaded.frame.columns[0] == "a"



# ---- bad input: each one a specific message ---------------------------------------------------

@pytest.mark.parametrize("raw,expected", [
    (b"", "The file is empty"),
    (b"   \n\n  ", "The file is empty"),
    (b"a,b,c\n", "header row but no data rows"),
    (b"a,b,c\n1,2,3\n", "only 1 data row"),
    (b"only\n1\n2\n3\n4\n5\n6\n", "only one column"),
    (b"\x00\x01\x02\x03\xff\xfe\x10binary", "binary file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
    (b"PK\x03\x04\x14\x00\x00\x00", "Excel"),
    (b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>",
     "web page (HTML)"),
    (b"<html>\n<head><title>x</title></head>\n</html>", "web page (HTML)"),
    (b"a,b,c\n1,2,3\n4,5,6,7\n8,9,10\n1,1,1\n2,2,2\n",
     "different numbers of values (line 3 has 4 values, but the header names 3 columns)"),
    (b"a,b,a\n1,2,3\n4,5,6\n7,8,9\n1,1,1\n2,2,2\n", "appear more than once: 'a'"),
])
def test_bad_files_get_specific_messages(raw, expected):
    assert expected in error_of(raw)


def test_ragged_message_says_how_to_fix():
    message = error_of(b"a;b\n1;2\n3;4;5\n6;7\n8;9\n1;1\n")
    assert "semicolon" in message and "double quotes" in message


def test_rows_ending_with_a_separator_keep_every_column_in_its_place():
    """A trailing comma on every data row (not on the header) is an empty last value: before,
    pandas made the first column the row index and shifted every column one place left."""
    raw = "height_cm,weight_kg,age,sport\n" + "".join(
        f"{170 + i},{60 + i},{20 + i},cycling,\n" for i in range(8))
    loaded = csv_io.read_csv(raw.encode())
    assert list(loaded.frame.columns) == ["height_cm", "weight_kg", "age", "sport"]
    assert loaded.frame.iloc[0].tolist() == [170, 60, 20, "cycling"]
    assert list(loaded.frame.index) == list(range(8))
    assert any("end with a comma" in w for w in loaded.warnings)


def test_a_row_with_more_values_than_the_header_is_refused_not_shifted():
    huge = b"a,b\n" + b",".join([b"1"] * 200_000) + b"\n1,2\n3,4\n5,6\n7,8\n"
    assert "(line 2 has 200,000 values, but the header names 2 columns)" in error_of(huge)
    further = b"a,b,c\n" + b"".join(b"%d,%d,%d\n" % (i, i, i) for i in range(300))
    assert "Expected 3 fields in line 302, saw 4" in error_of(further + b"1,2,3,4\n")


def test_size_limit(monkeypatch):
    monkeypatch.setattr(csv_io, "MAX_UPLOAD_MB", 0.001)
    assert "the limit is" in error_of(GOOD * 10)


def test_row_limit(monkeypatch):
    monkeypatch.setattr(csv_io, "MAX_ROWS", 10)
    assert "more than 10 rows" in error_of(GOOD)


def test_thousands_of_columns_are_refused_with_the_limit():
    header = ",".join(f"c{i}" for i in range(5000))
    row = ",".join("1" for _ in range(5000))
    message = error_of(header + "\n" + (row + "\n") * 6)
    assert "5,000 columns" in message and "1,000" in message


def test_many_columns_under_the_limit_work():
    header = ",".join(f"c{i}" for i in range(900))
    rng = np.random.default_rng(0)
    rows = "\n".join(",".join(f"{v:.3f}" for v in rng.random(900)) for _ in range(30))
    loaded = read(header + "\n" + rows + "\n")
    prepared = prepare(loaded.frame, DataSpec(target="c0"))
    assert prepared.n_inputs == 899


def test_inf_and_huge_values_become_missing_with_a_warning():
    text = "x,y\n1,1\ninf,2\n3,1e300\n4,4\n5,5\n6,6\n-inf,7\n"
    loaded = read(text)
    joined = " ".join(loaded.warnings)
    assert "Column 'x': 2 infinite" in joined and "Column 'y': 1 infinite" in joined
    assert loaded.frame["x"].isna().sum() == 2
    prepared = prepare(loaded.frame, DataSpec(target="y", missing="mean", task="regression"))
    assert np.isfinite(prepared.X_train).all()


def test_semicolon_file_with_decimal_commas_reads_numbers():
    text = "x;y;z\n" + "".join(f"{i},5;{i};{'a' if i % 2 else 'b'}\n" for i in range(10))
    loaded = read(text)
    assert is_numeric(loaded.frame["x"])
    assert loaded.frame["x"].iloc[3] == pytest.approx(3.5)



def test_mostly_numeric_column_with_a_typo_is_numeric():
    rows = "".join(f"{i},{i * 2}\n" for i in range(40)) + "oops,3\n"
    loaded = read("x,y\n" + rows)
    assert is_numeric(loaded.frame["x"])
    assert "'oops'" in loaded.warnings[0]


def test_the_upload_limit_is_the_servers():
    import tomllib

    from gui.core.data.formats import csv_io
    from tests.conftest import ROOT

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == csv_io.MAX_UPLOAD_MB
