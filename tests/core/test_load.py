"""Loading: LayerLab and plain Keras files, metadata that cannot be trusted, the Keras pin."""

from __future__ import annotations

import pytest

from gui.core.saving import export, load, model_check
from tests.core import trained_models as tm


def meta_of(t: tm.Trained) -> dict:
    return export.metadata(t.spec, t.prepared.preprocessor)


def test_model_without_metadata_loads_as_a_plain_keras_model():
    model = tm.plain_sequential(3, 2)
    loaded = load.load_model_safely(export.save_keras_bytes(model), "trained_model.keras")
    assert not loaded.has_metadata and loaded.n_inputs == 3 and loaded.n_outputs == 2
    assert loaded.feature_names == ["input_1", "input_2", "input_3"]
    assert load.read_metadata(export.save_h5_bytes(model)) is None


def test_damaged_metadata_falls_back_to_a_plain_model_with_a_note():
    t = tm.iris()
    meta = meta_of(t)
    meta["preprocessing"]["numeric"] = ["only_one"]  # disagrees with the model's 4 inputs
    loaded = load.load_model_safely(export.save_keras_bytes(t.deploy, meta), "x.keras")
    assert not loaded.has_metadata
    assert any("unusable" in n for n in loaded.notes)


def test_metadata_naming_other_classes_than_the_model_outputs_is_not_trusted():
    t = tm.iris()
    meta = meta_of(t)
    meta["preprocessing"]["classes"] = ["a", "b"]
    loaded = load.load_model_safely(export.save_keras_bytes(t.deploy, meta), "x.keras")
    assert not loaded.has_metadata and any("3 outputs" in n for n in loaded.notes)


def test_loaded_keras_file_resumes_with_its_optimizer():
    t = tm.iris()
    loaded = load.load_model_safely(export.save_keras_bytes(t.model, meta_of(t)), "m.keras")
    assert loaded.compiled and loaded.model.optimizer is not None
    assert int(loaded.model.optimizer.iterations.numpy()) == int(
        t.model.optimizer.iterations.numpy())


@pytest.mark.parametrize("version,ok", [("3.15.1", True), ("3.16.0", True), ("4.0", True),
                                        ("3.13.2", False), ("2.15.0", False)])
def test_keras_version_pin(version, ok):
    assert load.keras_version_ok(version) is ok


def test_old_keras_refuses_to_load(monkeypatch):
    monkeypatch.setattr(load, "keras_version_ok", lambda version=None: False)
    with pytest.raises(model_check.ModelFileError, match="known model-loading vulnerabilities"):
        load.load_model_safely(export.save_keras_bytes(tm.plain_sequential()), "m.keras")
