"""Teaching hints next to what they are about (AppTest): the learning-rate warning under its
control, a run that does not learn on Train and Evaluate, the two training accuracies, and
the projector-mode toggle kept with the workspace."""

from __future__ import annotations

import copy

import pytest
from streamlit.testing.v1 import AppTest

from gui.core.inspection import hints
from gui.core.training.job import TrainingJob
from gui.ui.session import workspace
from tests.conftest import ROOT
from tests.core import trained_models as tm
from tests.ui import runs_helper

APP = str(ROOT / "layerlab.py")
RATE = "model.compile.learning_rate"


def _session(page: str | None = None, token: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    if token is not None:
        at.query_params["w"] = token
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _after(at: AppTest, key: str) -> list:
    """The elements drawn right after the widget `key`, in the same block (its column)."""
    def walk(block):
        children = list(block.children.values())
        for i, child in enumerate(children):
            if getattr(child, "key", None) == key:
                return children[i + 1:]
            if hasattr(child, "children"):
                found = walk(child)
                if found is not None:
                    return found
        return None
    found = walk(at.main)
    assert found is not None, f"no widget {key}"
    return found


def test_a_learning_rate_far_outside_its_range_is_warned_under_its_control():
    at = _session("steps/model.py")
    at.selectbox(key="model.compile.optimizer").set_value("adam").run()
    assert not at.warning
    at.number_input(key=RATE).set_value(10.0).run()
    after = _after(at, RATE)
    assert after and after[0].type == "warning"  # right under the control, not an error
    text = after[0].value
    assert "far above the usual range for Adam (0.0001–0.01)" in text and "NaN" in text
    assert not at.error  # a warning, not a problem: training is not blocked
    at.switch_page("steps/train.py").run()
    assert not at.button(key="train.start").disabled
    at.switch_page("steps/model.py").run()
    at.selectbox(key="model.compile.optimizer").set_value("sgd").run()
    at.number_input(key=RATE).set_value(1e-6).run()
    assert any("the usual range for SGD (0.001–0.1)" in w.value and "slowly" in w.value
               for w in at.warning)
    at.number_input(key=RATE).set_value(0.01).run()
    assert not [w for w in at.warning if "usual range" in w.value]


@pytest.fixture(scope="module")
def not_learning() -> tm.Trained:
    """A real run that does not learn: SGD with a learning rate of 1e-9 for 25 epochs."""
    base = tm.iris()
    spec = copy.deepcopy(base.spec)
    spec.compile.optimizer, spec.compile.learning_rate = "sgd", 1e-9
    spec.fit.epochs, spec.fit.batch_size = 25, 32
    job = TrainingJob(spec, base.prepared)
    job.run()
    assert job.epochs_done == 25
    return tm.Trained(job.model, job.deploy_model(), spec, base.prepared, base.frame,
                      job.history)


def test_a_run_that_does_not_learn_is_named_on_train_and_evaluate(not_learning):
    flat = hints.flat_loss(not_learning.history, 3)
    assert flat is not None and flat.epochs == 25
    at = _session()
    runs_helper.finished(at, not_learning)
    at.switch_page("steps/train.py").run()
    assert not at.exception, at.exception
    said = [w.value for w in at.warning if "not learning" in w.value]
    assert len(said) == 1 and "for 25 epochs" in said[0] and "learning rate" in said[0]
    at.switch_page("steps/evaluate.py").run()
    assert not at.exception, at.exception
    assert [w.value for w in at.warning if "not learning" in w.value] == said


def test_a_learning_run_gets_no_flat_loss_hint_and_both_accuracies_are_explained():
    at = _session()
    trained = tm.iris()
    runs_helper.finished(at, trained)
    at.switch_page("steps/train.py").run()
    assert not [w for w in at.warning if "not learning" in w.value]
    last = trained.history["accuracy"][-1]
    tile = next(m for m in at.metric if m.label == "accuracy")
    assert "mean over that epoch's batches" in tile.proto.help
    assert f"({last:.3f})" in tile.proto.help
    at.switch_page("steps/evaluate.py").run()
    note = [c.value for c in at.caption if "last-epoch accuracy" in c.value]
    assert len(note) == 1
    assert f"({last:.3f})" in note[0] and "all 120 training rows" in note[0]
    assert "96 rows trained on" in note[0]  # the validation split holds out 24


def test_projector_mode_is_kept_with_the_workspace_on_every_page():
    at = _session()
    toggle = at.toggle(key="projector.on")
    assert toggle.value is False
    toggle.set_value(True).run()
    assert at.session_state[workspace._DOC].projector is True
    assert any("stMetricValue" in h.proto.body for h in at.get("html"))  # its CSS is on
    token = at.session_state[workspace.TOKEN]
    again = _session("steps/evaluate.py", token=token)  # a reload, on another page
    assert again.toggle(key="projector.on").value is True
    again.toggle(key="projector.on").set_value(False).run()
    assert not any("stMetricValue" in h.proto.body for h in again.get("html"))
    assert _session(token=token).toggle(key="projector.on").value is False


def test_an_accuracy_no_better_than_the_common_class_is_said_in_red_on_evaluate():
    """At a decision threshold of 1 the cancer model predicts "benign" for every row: its
    accuracy is then that of always predicting "benign", which Evaluate says in red with
    how many of the "malignant" rows it finds; at 0.5 it finds them, and says nothing."""
    trained = tm.cancer()
    at = _session()
    runs_helper.finished(at, trained)
    at.switch_page("steps/evaluate.py").run()
    assert not at.exception, at.exception
    assert not [e for e in at.error if "no better than always predicting" in e.value]
    at.slider(key="evaluate.threshold").set_value(1.0).run()
    said = [e.value for e in at.error if "no better than always predicting" in e.value]
    y_test = trained.prepared.y_test
    share, malignant = (y_test == 0).mean(), int((y_test == 1).sum())
    assert len(said) == 1
    assert (f"Test accuracy {share:.3f} is no better than always predicting 'benign' "
            f"({share:.3f} of the test rows are 'benign')") in said[0]
    assert f"gets {len(y_test) - malignant} of {len(y_test) - malignant} 'benign', 0 of " \
           f"{malignant} 'malignant' test rows right" in said[0]
    assert "lower the decision threshold above to predict 'malignant' more often" in said[0]
