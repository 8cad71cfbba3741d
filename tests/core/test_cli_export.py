"""`python -m gui export MODEL --format keras|onnx|litert|savedmodel --out DIR`."""

from __future__ import annotations

import numpy as np
import pytest

from gui.cli import main
from gui.core.data.formats import csv_io
from gui.core.inspection import predict
from gui.core.saving import export, load
from tests.core import trained_models as tm
from tests.core.test_model_formats import runtime_outputs
from tests.core.test_raw_model import app_outputs, raw_rows, trained


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    t = trained("regression")
    path = tmp_path_factory.mktemp("model") / "tips-run-1.keras"
    path.write_bytes(export.save_raw_keras_bytes(t.deploy, t.spec, t.prepared.preprocessor))
    return path


@pytest.mark.parametrize("fmt", ["onnx", "litert", "savedmodel"])
def test_export_writes_a_folder_its_runtime_predicts_like_the_app(tmp_path, capsys,
                                                                   model_file, fmt):
    out = tmp_path / fmt
    assert main(["export", str(model_file), "--format", fmt, "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "predict.py rows.csv" in said and "README.md" in said
    t = trained("regression")
    rows = csv_io.read_csv(raw_rows(t), "rows.csv").frame
    got = runtime_outputs(out, fmt, t.prepared.preprocessor.encode(rows))
    np.testing.assert_allclose(got, app_outputs(t, rows), rtol=1e-5, atol=1e-5)
    assert {"preprocessing.json", "predict.py", "README.md"} <= {p.name for p in out.iterdir()}


def test_export_keras_from_a_bundle_takes_the_raw_columns(tmp_path, capsys):
    t = trained("binary")
    bundle = tmp_path / "tips-run-2.zip"
    bundle.write_bytes(export.bundle_bytes(t.deploy, t.spec, t.prepared.preprocessor,
                                           t.history))
    out = tmp_path / "keras"
    assert main(["export", str(bundle), "--format", "keras", "--out", str(out)]) == 0
    assert "Wrote model.keras" in capsys.readouterr().out
    loaded = load.load_model_safely((out / "model.keras").read_bytes(), "model.keras")
    assert loaded.raw_model is not None
    rows = csv_io.read_csv(raw_rows(t), "rows.csv").frame
    np.testing.assert_allclose(predict.predict_rows(loaded, rows).outputs,
                               app_outputs(t, rows), atol=1e-6)


def test_export_refusals_are_one_line_in_words(tmp_path, capsys, model_file):
    plain = tmp_path / "plain.keras"
    plain.write_bytes(export.save_keras_bytes(tm.plain_sequential()))
    assert main(["export", str(plain), "--format", "onnx", "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "has no LayerLab details" in err and "pass a .keras or bundle .zip" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert main(["export", str(tmp_path / "none.keras"), "--format", "onnx",
                 "--out", str(tmp_path / "o")]) == 1
    assert "file not found" in capsys.readouterr().err
    a_file = tmp_path / "taken"
    a_file.write_text("x")
    assert main(["export", str(model_file), "--format", "onnx", "--out", str(a_file)]) == 1
    assert "--out must be a folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["export", str(model_file), "--format", "pickle", "--out", str(tmp_path)])
    assert "invalid choice: 'pickle'" in capsys.readouterr().err
