"""The pages while a stopped run's final model is still being saved (the worker reports the
stop first, then saves): Train says stopped at once and that the model is being saved,
without Continue or Evaluate; Evaluate, Predict, Runs and Inside wait for the model in
words, never a traceback nor an older model; once it is there, every page loads it."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.core import trained_models as tm
from tests.ui import runs_helper

APP = str(ROOT / "layerlab.py")


def session_with_a_run_saving():
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    trained = tm.iris()
    record = runs_helper.saving(at, trained)
    return at, trained, record


def infos(at: AppTest) -> list[str]:
    return [i.value for i in at.info]


def test_train_says_stopped_at_once_and_offers_the_model_once_it_is_saved():
    at, trained, record = session_with_a_run_saving()
    at.switch_page("steps/train.py").run()
    assert not at.exception, at.exception
    epochs = record.epochs_done
    warning = at.warning[0].value
    assert warning.startswith(f"Stopped by you — after {epochs} epochs (")
    assert warning.endswith(f"Saving the model of epoch {epochs}…")
    assert at.button(key="train.start").label == "Train again"  # Stop is gone
    assert [b for b in at.button if b.key == "train.continue"] == []
    assert "Next: evaluate" not in [p.proto.label for p in at.page_link]

    runs_helper.saved(at, record, trained)
    at.run()
    assert not at.exception, at.exception
    assert f"The model keeps the weights of epoch {epochs}" in at.warning[0].value
    assert at.button(key="train.continue").label.startswith("Train 10 more epochs")
    assert "Next: evaluate" in [p.proto.label for p in at.page_link]


def test_evaluate_predict_and_runs_wait_for_the_model_then_load_it():
    at, trained, record = session_with_a_run_saving()
    epochs = record.epochs_done
    saving = f"Saving the model of epoch {epochs}… Run 1 has stopped"
    at.switch_page("steps/evaluate.py").run()
    assert not at.exception, at.exception
    assert any(i.startswith(saving) for i in infos(at)), infos(at)
    assert not at.metric and not at.download_button
    assert not any("No model has been trained yet" in i for i in infos(at))

    at.switch_page("steps/predict.py").run()
    assert not at.exception, at.exception
    assert any(i.startswith(saving) for i in infos(at)), infos(at)
    assert at.radio(key="predict.source").options == ["Upload a model file"]

    at.session_state["runs.table"] = {"selection": {"rows": [0], "columns": []}}
    at.switch_page("steps/runs.py").run()
    assert not at.exception, at.exception
    assert any(i.startswith(saving) for i in infos(at)), infos(at)
    assert [b for b in at.button if b.key == "runs.continue"] == []
    assert at.button(key="runs.evaluate").disabled
    assert not any("has no saved model" in c.value for c in at.caption)

    at.switch_page("steps/inside.py").run()
    assert not at.exception, at.exception

    runs_helper.saved(at, record, trained)
    at.switch_page("steps/evaluate.py").run()
    assert not at.exception, at.exception
    assert not any(i.startswith(saving) for i in infos(at))
    assert "Test accuracy" in [m.label for m in at.metric]
    at.switch_page("steps/runs.py").run()
    assert not at.exception, at.exception
    assert not at.button(key="runs.evaluate").disabled
    assert at.button(key="runs.continue").label.startswith("Continue Run 1")


def test_a_stopped_continued_run_says_who_stopped_it_and_its_own_epochs():
    """A continued run stopped by the user: "Stopped by you", its epochs in all and in this
    run, and no "changed since" for the epochs its parent's count adds."""
    from gui.core.store.runs import runs_table

    at, trained, record = session_with_a_run_saving()
    with runs_helper.runs().engine.begin() as db:
        db.execute(runs_table.update().where(runs_table.c.id == record.id).values(
            start_epoch=record.epochs_done - 2))
    runs_helper.runs().report(record.id, note=f"Continued from epoch {record.epochs_done - 2} "
                                              "with the optimizer state it had.")
    runs_helper.saved(at, record, trained)
    at.switch_page("steps/train.py").run()
    assert not at.exception, at.exception
    warning = at.warning[0].value
    assert warning.startswith(f"Stopped by you — after {record.epochs_done} epochs, 2 in this "
                              "run ("), warning
    assert not any("fit.epochs" in i.value for i in at.info)
