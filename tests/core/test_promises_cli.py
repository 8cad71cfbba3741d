"""What the README and `python -m gui … --help` promise about the command line, checked as
a user runs it: the README's commands are ones the CLI takes, every --help answers in a
fresh process, `train --h5` writes two files that `gui predict` reads with class names, and
the spec that `search` writes trains again with `train --spec`, and a `train --workspace`
run is live on the Runs page and stopped by its Stop.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from gui.cli import build_parser, main
from gui.cli.export import EXPORT_FORMATS
from gui.core.data.formats import csv_io
from gui.core.spec.vocabulary import RUNNING, STOPPED
from gui.core.store.runs import Runs
from gui.core.store.workspaces import Store
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


def test_a_cli_run_in_a_workspace_is_live_on_runs_and_its_stop_ends_it(tmp_path):
    """train --workspace's help: "it shows on the Runs page, live while it trains, and Stop
    there stops it" — the CLI in its own process, the Runs page's Stop (run_state.stop:
    Runs.request_stop) from this one, on one store."""
    home = tmp_path / "home"
    store = Store(home)
    token = store.create()
    env = {**os.environ, "LAYERLAB_HOME": str(home), "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("LAYERLAB_DATABASE_URL", None)
    cli = subprocess.Popen(
        [sys.executable, "-m", "gui", "train", "--data", str(SAMPLES / "iris.csv"),
         "--target", "species", "--epochs", "2000", "--quiet", "--out", str(tmp_path / "out"),
         f"--workspace={token}"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        runs = Runs(store)
        deadline = time.monotonic() + 240
        seen = []
        while time.monotonic() < deadline:
            records = runs.list(token)
            if records and records[0].status == RUNNING and records[0].epochs_done >= 2:
                seen.append(records[0].epochs_done)
                if len(seen) > 1 and seen[-1] > seen[0]:
                    break  # live: the record follows the epochs
            assert cli.poll() is None, cli.communicate()[1][-2000:]
            time.sleep(0.2)
        assert len(seen) > 1 and seen[-1] > seen[0], seen
        runs.request_stop(token, records[0].id)  # what Stop on the Runs page does
        out, err = cli.communicate(timeout=120)
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
    assert cli.returncode == 0, err[-2000:]
    (record,) = runs.list(token)
    assert record.status == STOPPED and seen[-1] <= record.epochs_done < 2000
    assert record.has_model
