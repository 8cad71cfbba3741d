"""What the README and `python -m gui … --help` promise about the command line, checked as
a user runs it: the README's commands are ones the CLI takes, every --help answers in a
fresh process, `train --h5` writes two files that `gui predict` reads with class names, and
the spec that `search` writes trains again with `train --spec`.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import numpy as np
import pandas as pd

from gui.cli import build_parser, main
from gui.cli.export import EXPORT_FORMATS
from gui.core.data.formats import csv_io
from tests.conftest import ROOT, SAMPLES
from tests.core.test_raw_model import messy_tips, raw_rows, trained

SUBCOMMANDS = ["train", "search", "predict", "export"]


def documented_commands() -> list[str]:
    """Every `python -m gui …` line of the README's Headless block and the CLI's docstring."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Headless", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    docstring = (ROOT / "gui/cli/__init__.py").read_text().split('"""')[1]
    lines = [line.split(" -m gui ", 1)[1] for line in (block + docstring).splitlines()
             if " -m gui " in line]
    return [line.split("  #", 1)[0].strip() for line in lines]


def test_the_documented_commands_are_ones_the_cli_takes():
    commands = documented_commands()
    assert {c.split()[0] for c in commands} == set(SUBCOMMANDS)  # each subcommand shown
    parser = build_parser()
    for command in commands:
        args = parser.parse_args(shlex.split(command))  # an unknown flag exits here
        assert args.command == command.split()[0]
    readme = (ROOT / "README.md").read_text()
    formats = re.search(r"--format onnx .*# (\S+)", readme)[1].split("|")
    assert formats == EXPORT_FORMATS  # '# keras|onnx|litert|savedmodel': what --format takes


def test_every_help_answers_in_a_fresh_process():
    done = subprocess.run([sys.executable, "-m", "gui", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "usage: python -m gui" in done.stdout
    for name in SUBCOMMANDS:
        assert name in done.stdout
        sub = subprocess.run([sys.executable, "-m", "gui", name, "--help"], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
        assert sub.returncode == 0, sub.stderr[-2000:]
        assert sub.stdout.startswith(f"usage: python -m gui {name}") and not sub.stderr


def read_out(path) -> pd.DataFrame:
    return csv_io.read_csv(path.read_bytes(), path.name).frame


def test_train_h5_and_keras_both_predict_in_class_names_with_every_column(tmp_path, capsys):
    """train's docs: "Both carry LayerLab's metadata, so `gui predict` gives class names and
    units"; predict's: "the rows come back, every column, with their predictions"."""
    data = tmp_path / "messy_tips.csv"
    messy_tips().to_csv(data, index=False)  # text, codes and missing values
    out = tmp_path / "run"
    assert main(["train", "--data", str(data), "--target", "day", "--epochs", "2", "--h5",
                 "--quiet", "--out", str(out)]) == 0
    rows = tmp_path / "rows.csv"
    rows.write_bytes(raw_rows(trained("multiclass")))
    tables = {}
    for model in ("model.keras", "model.h5"):
        target = tmp_path / f"{model}.csv"
        assert main(["predict", str(out / model), "--data", str(rows), "--out",
                     str(target)]) == 0
        tables[model] = read_out(target)
    capsys.readouterr()
    given = read_out(rows)
    classes = ["Fri", "Sat", "Sun", "Thur"]
    for table in tables.values():
        assert list(table.columns[:len(given.columns)]) == list(given.columns)
        assert list(table.columns[len(given.columns):]) == [
            "predicted_day", "predicted_label", *(f"probability_{c}" for c in classes)]
        assert set(table["predicted_day"]) <= set(classes)
    keras_t, h5_t = tables["model.keras"], tables["model.h5"]
    assert keras_t["predicted_day"].tolist() == h5_t["predicted_day"].tolist()
    probabilities = [f"probability_{c}" for c in classes]
    np.testing.assert_allclose(keras_t[probabilities], h5_t[probabilities], atol=1e-5)


def test_the_spec_search_writes_trains_again_with_train_spec(tmp_path, capsys):
    """README: search "writes the best model, its spec.json (loadable on the Model page or
    with `train --spec`), preprocessing.json and trials.csv"."""
    best = tmp_path / "best"
    iris = str(SAMPLES / "iris.csv")
    assert main(["search", "--data", iris, "--target", "species", "--minutes", "2",
                 "--trials", "1", "--epochs", "2", "--out", str(best)]) == 0
    assert {p.name for p in best.iterdir()} == {"model.keras", "spec.json",
                                               "preprocessing.json", "trials.csv"}
    again = tmp_path / "again"
    assert main(["train", "--data", iris, "--spec", str(best / "spec.json"), "--quiet",
                 "--out", str(again)]) == 0
    said = capsys.readouterr().out
    assert "Test: loss: " in said
    assert (again / "spec.json").read_text() == (best / "spec.json").read_text()
