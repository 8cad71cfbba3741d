"""`python -m gui train`: the GUI's core from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import keras
import numpy as np
import pandas as pd
import pytest

from gui.cli import main
from gui.core.data.formats.csv_io import read_csv
from gui.core.data.preprocess import Preprocessor
from gui.core.saving.raw_model import model_inputs
from gui.core.spec.heads import default_spec
from gui.core.spec.schema import DataSpec, ExperimentSpec
from tests.conftest import ROOT, SAMPLES

IRIS = str(SAMPLES / "iris.csv")
LIFE_TRAIN = str(SAMPLES / "life_expectancy_train.csv")
LIFE_TEST = str(SAMPLES / "life_expectancy_test.csv")


def _error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err  # one line, no traceback
    assert "Traceback" not in err[0]
    return err[0]


def test_train_iris_with_defaults_writes_a_loadable_model(tmp_path, capsys):
    out = tmp_path / "iris"
    assert main(["train", "--data", IRIS, "--target", "species", "--epochs", "3",
                 "--out", str(out), "--h5"]) == 0
    text = capsys.readouterr().out
    assert "Training on 120 rows (multiclass, 4 inputs), testing on 30 rows." in text
    assert "Epoch 1/3 - loss: " in text and "Epoch 3/3 - loss: " in text
    assert "Test: loss: " in text and " - accuracy: " in text
    assert {p.name for p in out.iterdir()} == {"model.keras", "model.h5", "spec.json",
                                               "preprocessing.json"}
    spec = ExperimentSpec.from_json((out / "spec.json").read_text())
    assert spec.data.target == "species" and spec.fit.epochs == 3
    prep = Preprocessor.from_dict(json.loads((out / "preprocessing.json").read_text()))
    assert prep.classes_ == ["setosa", "versicolor", "virginica"]
    model = keras.models.load_model(out / "model.keras", safe_mode=True)
    raw = read_csv(open(IRIS, "rb").read()).frame.drop(columns="species").head(4)
    probabilities = model.predict(model_inputs(prep, raw), verbose=0)  # the raw columns
    assert probabilities.shape == (4, 3)
    assert np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)


def test_a_spec_exported_by_the_gui_runs_unchanged(tmp_path, capsys):
    data = DataSpec(source="life_expectancy_train.csv", target="lifeExp", scale_target=True,
                    test_source="life_expectancy_test.csv")
    spec = default_spec("regression", data=data)
    spec.fit.epochs, spec.fit.validation = 2, "test"
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(spec.to_json())
    out = tmp_path / "life"
    assert main(["train", "--data", LIFE_TRAIN, "--test", LIFE_TEST, "--spec", str(spec_file),
                 "--out", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "Epoch" not in text and "Test: loss: " in text
    saved = ExperimentSpec.from_json((out / "spec.json").read_text())
    assert saved.to_dict() == spec.to_dict()
    model = keras.models.load_model(out / "model.keras", safe_mode=True)
    prep = Preprocessor.from_dict(json.loads((out / "preprocessing.json").read_text()))
    raw = read_csv(open(LIFE_TEST, "rb").read()).frame.head(5)
    years = model.predict(model_inputs(prep, raw), verbose=0)
    assert years.shape == (5, 1)
    assert 20 < float(np.mean(years)) < 90  # in years: the scaled target is un-scaled


@pytest.mark.parametrize(("argv", "message"), [
    (["--data", "nope.csv", "--target", "x"], "error: file not found: nope.csv"),
    (["--data", IRIS, "--target", "colour"], "Received: target 'colour', which is not in the data"),
    (["--data", IRIS, "--target", "SPECIES"], "The data has 'species', in other capitals."),
    (["--data", IRIS, "--target", "species", "--epochs", "0"],
     "the spec cannot train on this data: fit.epochs: Expected a positive whole number of "
             "passes over the training data, e.g. 50. Received: epochs=0"),
    (["--data", str(ROOT / "README.md"), "--target", "species"], "python -m gui train: error:"),
])
def test_bad_input_exits_1_with_one_line(argv, message, tmp_path, capsys):
    assert main(["train", *argv, "--out", str(tmp_path / "out")]) == 1
    assert message in _error(capsys)
    assert not (tmp_path / "out").exists()


def test_bad_spec_file_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1, "fit": {"epochs": "ten"}}')
    assert main(["train", "--data", IRIS, "--spec", str(bad), "--out", str(tmp_path)]) == 1
    assert "fit.epochs: Expected a whole number. Received: text 'ten'" in _error(capsys)
    bad.write_text("not json")
    assert main(["train", "--data", IRIS, "--spec", str(bad), "--out", str(tmp_path)]) == 1
    assert "is not valid JSON" in _error(capsys)
    assert main(["train", "--data", IRIS, "--spec", str(tmp_path / "none.json"),
                 "--out", str(tmp_path)]) == 1
    assert "spec file not found" in _error(capsys)


def test_module_entry_point_exit_codes(tmp_path):
    run = subprocess.run([sys.executable, "-m", "gui", "train", "--data", "missing.csv",
                          "--target", "y", "--out", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert run.stderr.strip() == "python -m gui train: error: file not found: missing.csv"
    usage = subprocess.run([sys.executable, "-m", "gui"], cwd=ROOT, capture_output=True,
                           text=True, timeout=120)
    assert usage.returncode == 2 and "COMMAND" in usage.stderr


# ---- headerless files, workbooks -------------------------------------------------------------

def _pima_like(rows: int = 80) -> str:
    rng = np.random.default_rng(3)
    return "".join(f"{rng.integers(0, 17)},{rng.integers(50, 200)},{rng.uniform(18, 50):.1f},"
                   f"{rng.uniform(0.1, 2):.3f},{rng.integers(0, 2)}\n" for _ in range(rows))


def test_headerless_csv_is_detected_and_no_header_is_in_the_spec(tmp_path, capsys):
    data = tmp_path / "pima.csv"
    data.write_text(_pima_like())
    out = tmp_path / "pima"
    assert main(["train", "--data", str(data), "--target", "column_5", "--epochs", "1",
                 "--out", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert ("Read pima.csv: 80 rows × 5 columns, comma-separated · utf-8. No header row "
            "found: the first row holds numbers like the rows below, so the columns are named "
            "column_1 … column_5; column_5 is likely the target.") in text
    assert "Training on 64 rows (binary, 4 inputs)" in text  # the first row is data
    spec = ExperimentSpec.from_json((out / "spec.json").read_text())
    assert spec.data.header == "auto" and spec.data.target == "column_5"
    # --header overrides: the first row names the columns, one row fewer
    assert main(["train", "--data", str(data), "--header", "--target", "1", "--epochs", "1",
                 "--out", str(tmp_path / "h"), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "79 rows × 5 columns" in text and "read as the header, as chosen" in text
    assert ExperimentSpec.from_json((tmp_path / "h" / "spec.json").read_text()).data.header \
        == "yes"


def test_no_header_reads_a_headed_file_as_data(tmp_path, capsys):
    assert main(["train", "--data", IRIS, "--no-header", "--target", "column_5",
                 "--epochs", "1", "--out", str(tmp_path / "o"), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "151 rows × 5 columns" in text and "The first row is read as data, as chosen" in text
    spec = ExperimentSpec.from_json((tmp_path / "o" / "spec.json").read_text())
    assert spec.data.header == "no"


def test_train_on_an_xlsx_sheet(tmp_path, capsys):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Notes"
    for line in ("Shapes measured in class", "width, height in cm", "kind: a or b"):
        book.active.append([line])  # one column of lines: a table of one column to a reader
    sheet = book.create_sheet("Measurements")
    sheet.append(["width", "height", "kind"])
    for i in range(40):
        sheet.append([1 + i * 0.1, 2 + (i % 7) * 0.3, "ab"[i % 2]])
    path = tmp_path / "shapes.xlsx"
    book.save(path)
    out = tmp_path / "xlsx"
    assert main(["train", "--data", str(path), "--sheet", "Measurements", "--target", "kind",
                 "--epochs", "1", "--out", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert ("Read shapes.xlsx: 40 rows × 3 columns, Excel workbook, sheet 'Measurements'. "
            "The first row is the header") in text
    spec = ExperimentSpec.from_json((out / "spec.json").read_text())
    assert spec.data.sheet == "Measurements" and spec.data.source == "shapes.xlsx"
    assert main(["train", "--data", str(path), "--sheet", "Missing", "--target", "kind",
                 "--out", str(tmp_path / "no")]) == 1
    assert "no sheet called 'Missing'; its sheets are 'Notes', 'Measurements'" in _error(capsys)
    # predict, without --sheet, reads the sheet that holds the model's columns, and says so
    predictions = tmp_path / "predictions.csv"
    assert main(["predict", str(out / "model.keras"), "--data", str(path), "--out",
                 str(predictions)]) == 0
    err = capsys.readouterr().err
    assert "note: The sheet 'Measurements' holds the model's columns, so it is the one read" \
        in err and "the largest" not in err
    assert len(pd.read_csv(predictions)) == 40
    # a larger sheet of notes first: the sheet that holds the model's columns is found
    for line in range(60):
        book["Notes"].append([f"line {line}", "more words", "and more", "to be larger"])
    book.save(path)
    assert main(["predict", str(out / "model.keras"), "--data", str(path), "--out",
                 str(predictions)]) == 0
    assert ("note: The sheet 'Measurements' holds the model's columns, so it is the one read"
            in capsys.readouterr().err)


# ---- --workspace: the run is recorded in a workspace ----------------------------------------

def test_train_with_workspace_records_the_run_for_the_runs_page(tmp_path, capsys):
    from gui.core.store.runs import Runs
    from gui.core.store.workspaces import Store

    store = Store.from_env()  # the tests' LAYERLAB_HOME, as the app would use
    token = store.create()
    out = tmp_path / "iris"
    assert main(["train", "--data", IRIS, "--target", "species", "--epochs", "3",
                 "--out", str(out), "--workspace", token]) == 0
    text = capsys.readouterr().out
    assert "Epoch 3/3 - loss: " in text and "Test: loss: " in text
    (record,) = Runs(store).list(token)
    assert f"Recording {record.name} in workspace" in text  # as its Runs page names it
    assert record.status == "done" and record.epochs_done == 3
    assert len(record.history["loss"]) == 3 and record.test_metrics["accuracy"] >= 0
    assert record.spec.data.target == "species"
    assert record.data["dataset"]["name"] == "iris.csv"
    assert store.read_file(token, record.data["dataset"]["file"]) == (SAMPLES /
                                                                      "iris.csv").read_bytes()
    assert Runs(store).model_path(token, record.id).is_file()
    assert (out / "model.keras").is_file()
    other = store.create()
    assert Runs(store).list(other) == []  # nothing reaches another workspace


def test_a_workspace_run_from_the_cli_keeps_its_workspace_in_use(tmp_path, capsys):
    """No page of the workspace is open (the CLI is its use): its last_seen moves on while
    the run trains, so an app's idle rule (Runs.stop_idle) does not stop it after an epoch."""
    from sqlalchemy import select, update

    from gui.core.store.runs import Runs
    from gui.core.store.workspaces import Store, workspaces

    store = Store.from_env()
    token = store.create()
    with store.engine.begin() as db:  # no page for an hour
        db.execute(update(workspaces).where(workspaces.c.token == token)
                   .values(last_seen=time.time() - 3600))
    assert main(["train", "--data", IRIS, "--target", "species", "--epochs", "2", "--quiet",
                 "--out", str(tmp_path / "x"), "--workspace", token]) == 0
    with store.engine.connect() as db:
        seen = db.execute(select(workspaces.c.last_seen).where(
            workspaces.c.token == token)).scalar_one()
    assert seen > time.time() - 120
    assert Runs(store).stop_idle(600) == 0
    (record,) = Runs(store).list(token)
    assert record.status == "done" and record.epochs_done == 2
    assert "run" not in store.load(token).state  # never opened: its first page sets it up
    opened = store.create()
    store.save_state(opened, {"spec": default_spec("multiclass", n_classes=3).to_dict()})
    assert main(["train", "--data", IRIS, "--target", "species", "--epochs", "1", "--quiet",
                 "--out", str(tmp_path / "y"), "--workspace", opened]) == 0
    (record,) = Runs(store).list(opened)
    assert store.load(opened).state["run"] == record.id  # what its Train page shows


def test_a_lesson_copy_is_refused_by_the_cli(tmp_path, capsys):
    """A student's copy trains from its pages, where the lesson's limits and hidden rows
    hold: the CLI, which trains on the file given, refuses it in words."""
    from gui.core.spec.lesson_rules import LessonRules
    from gui.core.store.lessons import Lessons
    from gui.core.store.runs import Runs
    from gui.core.store.workspaces import Store

    store = Store.from_env()
    teacher = store.create()
    store.save_state(teacher, {"spec": default_spec("multiclass", n_classes=3).to_dict()})
    lesson = Lessons(store).publish(teacher, "Iris", "", LessonRules())
    copy = Lessons(store).join(lesson.code, "Ada")
    assert main(["train", "--data", IRIS, "--target", "species", "--epochs", "1",
                 "--out", str(tmp_path / "x"), "--workspace", copy]) == 1
    err = _error(capsys)
    assert f"that workspace is Ada's copy of lesson {lesson.code}" in err
    assert Runs(store).list(copy) == []


def test_an_output_folder_that_cannot_be_written_is_said_before_training(tmp_path, capsys):
    (tmp_path / "a_file").write_text("x")
    for out, said in ((tmp_path / "a_file", "is a file"),
                      (tmp_path / "a_file" / "model", "a_file is a file")):
        assert main(["train", "--data", IRIS, "--target", "species", "--out", str(out)]) == 1
        captured = capsys.readouterr()
        assert said in captured.err and "Traceback" not in captured.err, captured.err
        assert "Training on" not in captured.out  # said before any training
    assert main(["search", "--data", IRIS, "--target", "species", "--minutes", "0.1",
                 "--out", str(tmp_path / "a_file" / "s")]) == 1
    assert "a_file is a file" in _error(capsys)


def test_an_empty_workspace_token_is_refused_not_ignored(tmp_path, capsys):
    """`--workspace "$TOKEN"` with TOKEN unset: said, not trained outside any workspace."""
    assert main(["train", "--data", IRIS, "--target", "species", "--epochs", "1",
                 "--out", str(tmp_path / "x"), "--workspace", ""]) == 1
    assert "--workspace was given an empty token" in _error(capsys)


def test_train_with_an_unknown_workspace_says_what_to_pass(tmp_path, capsys):
    assert main(["train", "--data", IRIS, "--target", "species", "--epochs", "1",
                 "--out", str(tmp_path / "x"), "--workspace", "no-such-token"]) == 1
    err = _error(capsys)
    assert "no workspace has the token given with --workspace" in err


def test_train_says_its_target_what_it_left_out_and_on_which_scale_the_scores_are(tmp_path, capsys):
    """The Data page's reasons for the columns left out, and Evaluate's words on a
    standardised target's scores, in the CLI too."""
    frame = pd.read_csv(SAMPLES / "tips.csv")
    frame.insert(0, "ticket", range(1, len(frame) + 1))  # a running number: left out
    path = tmp_path / "tips.csv"
    frame.to_csv(path, index=False)
    assert main(["train", "--data", str(path), "--epochs", "2", "--quiet",
                 "--out", str(tmp_path / "out")]) == 0  # no --target: the app's choice
    said = capsys.readouterr()
    assert ("note: predicting tip: the file tips.csv is named after it. Give --target to "
            "choose another column.") in said.err
    assert ExperimentSpec.from_json((tmp_path / "out" / "spec.json").read_text()
                                    ).data.target == "tip"
    assert "note: left out by default: ticket: a running number" in said.err
    assert ("(the loss and metrics on the standardised tip, as trained; R² in its own "
            "units)") in said.out



def test_train_and_search_say_what_reading_each_file_noticed(tmp_path, capsys):
    """The test file is read, and said, like the training file: a semicolon file with
    decimal commas and prices with thousands dots ("1.234,5") is named with its notes, in
    train and in search alike."""
    frame = pd.read_csv(SAMPLES / "tips.csv")
    train, test = tmp_path / "bills.csv", tmp_path / "later.csv"
    frame.iloc[:200].assign(total_bill=[f"${v:,.2f}" for v in frame.total_bill[:200]]
                            ).to_csv(train, index=False)
    later = frame.iloc[200:].assign(total_bill=[f"{v * 100:,.2f}".replace(",", " ")
                                                .replace(".", ",")
                                                for v in frame.total_bill[200:]])
    later.to_csv(test, index=False, sep=";")
    for command in (["train", "--epochs", "1", "--quiet"],
                    ["search", "--trials", "1", "--epochs", "1", "--minutes", "0.5",
                     "--quiet"]):
        assert main([*command, "--data", str(train), "--test", str(test), "--target", "tip",
                     "--out", str(tmp_path / command[0])]) == 0
        said = capsys.readouterr()
        assert "Read bills.csv: 200 rows × 7 columns, comma-separated" in said.out
        assert "Read the test file later.csv: 44 rows × 7 columns, semicolon-separated" in said.out
        assert ("note: Column 'total_bill': numbers written as text, such as '$16.99' → "
                "16.99, were read as numbers.") in said.err
        assert ("note: Test file: Column 'total_bill': numbers written as text, such as "
                f"'{later.total_bill.iloc[0]}' → ") in said.err


def test_predict_says_a_threshold_it_cannot_use_and_nothing_of_training(tmp_path, capsys):
    out = tmp_path / "iris"
    assert main(["train", "--data", IRIS, "--target", "species", "--epochs", "1", "--quiet",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["predict", str(out / "model.keras"), "--data", IRIS, "--threshold", "0.8",
                 "--out", str(tmp_path / "p.csv")]) == 0
    said = capsys.readouterr().err
    assert ("note: --threshold applies to a binary classifier only; this model picks one of "
            "several classes, so it is not used.") in said
    assert "compile" not in said and "continuing to train" not in said


def test_a_workspace_run_stopped_on_its_pages_says_so(tmp_path, capsys):
    import threading

    from gui.core.store.runs import Runs
    from gui.core.store.workspaces import Store

    store = Store.from_env()
    token = store.create()
    runs = Runs(store)
    done = {}
    command = threading.Thread(target=lambda: done.setdefault("rc", main(
        ["train", "--data", IRIS, "--target", "species", "--epochs", "3000", "--quiet",
         "--out", str(tmp_path / "x"), "--workspace", token])))
    command.start()
    deadline = time.time() + 120
    while time.time() < deadline and not any(r.epochs_done >= 1 for r in runs.list(token)):
        time.sleep(0.2)
    (record,) = runs.list(token)
    runs.request_stop(token, record.id)  # what Stop on the Runs page does
    command.join(120)
    assert done["rc"] == 0
    said = capsys.readouterr().out
    stopped = runs.get(token, record.id).epochs_done
    assert f"Stopped after {stopped} of 3000 epochs (Stop on the workspace's pages)" in said


def test_ctrl_c_stops_training_and_keeps_the_model(tmp_path):
    """In a real process: a first Ctrl-C (SIGINT) mid-training stops it as Stop on the pages
    does, the model of the epochs done is saved, and the exit status says it was
    interrupted (130)."""
    import os
    import re
    import signal

    out = tmp_path / "stopped"
    process = subprocess.Popen(
        [sys.executable, "-m", "gui", "train", "--data", IRIS, "--target", "species",
         "--epochs", "10000", "--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    try:
        for line in process.stdout:
            if line.startswith("Epoch 3/"):
                break
        process.send_signal(signal.SIGINT)
        rest, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130, err[-2000:]
    assert re.search(r"Stopped after \d+ of 10000 epochs \(Ctrl-C\)", rest), rest[-2000:]
    assert "Stopping at the end of this batch" in err and "Traceback" not in err, err[-2000:]
    assert (out / "model.keras").is_file()
