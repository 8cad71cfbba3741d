"""The model page through Streamlit's AppTest: edit the stack, see errors, fix, load a spec."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from gui.core.spec.heads import EDITABLE, default_spec
from gui.core.spec.schema import SPEC_VERSION, ExperimentSpec, LayerSpec
from gui.core.store.workspaces import Store
from gui.ui.session.data_source import Choice
from tests.conftest import ROOT

APP = str(ROOT / "layerlab.py")
DOC = "ll_doc"  # the session's copy of the workspace document (gui/ui/workspace.py)


@pytest.fixture
def at() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()  # the data page opens on the Iris sample
    assert not app.exception, app.exception
    app.switch_page("steps/model.py").run()
    assert not app.exception, app.exception
    return app


def spec(at: AppTest) -> ExperimentSpec:
    return at.session_state[DOC].spec


def edited(at: AppTest) -> list[str]:
    """The settings the workspace records as chosen by hand (state.edited())."""
    return at.session_state[DOC].edited


def choose_sample(at: AppTest, name: str) -> AppTest:
    """Pick a bundled sample on the Data page, then come back to the Model page."""
    at.switch_page("steps/data.py").run()
    at.selectbox(key="data.dataset").set_value(Choice.of({"sample": name}).key).run()
    at.switch_page("steps/model.py").run()
    return run(at)


def stack(at: AppTest) -> list[tuple]:
    return [(x.type, x.units if x.type == "Dense" else None) for x in spec(at).layers]


def uid(at: AppTest, index: int) -> str:
    return spec(at).layers[index].uid


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def links_to(at: AppTest, page: str) -> list[str]:
    """The labels of the page links to pages/<page>.py (st.Page hashes the url path; the
    default page's own url path reads as "")."""
    return [p.proto.label for p in at.get("page_link")
            if p.proto.page_script_hash == calc_hash(page)]


def run(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    return at


# ---- opening -------------------------------------------------------------------------------

def test_opened_first_in_a_fresh_session_it_shows_the_iris_network():
    """A bookmark of the Model page: a fresh workspace is on the Iris sample at once."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("steps/model.py").run()
    run(at)
    assert at.title[0].value == "2 · Model"
    assert not [i for i in at.info if "Data page" in i.value], [i.value for i in at.info]
    assert at.success[0].value == "The model is ready to train."
    assert stack(at) == [("Dense", 64), ("Dense", 64), ("Dense", 3)]
    assert metrics(at) == {"Parameters": "4,675", "Trainable": "4,675"}
    assert spec(at).data.target == "species" and spec(at).data.source == "iris.csv"


def test_data_choices_that_give_no_training_data_point_to_the_data_page(at):
    at.switch_page("steps/data.py").run()
    at.multiselect(key="data.features").set_value([]).run()
    at.switch_page("steps/model.py").run()
    run(at)
    assert "No feature column is chosen" in at.info[0].value
    assert links_to(at, "data") == ["Go to the Data page"]
    assert not at.number_input and not at.metric
    assert at.get("file_uploader")[0].key.startswith("spec_upload.")  # a spec still loads


def test_opens_with_the_recommended_network_ready_to_train(at):
    assert at.title[0].value == "2 · Model"
    assert at.success[0].value == "The model is ready to train."
    assert stack(at) == [("Dense", 64), ("Dense", 64), ("Dense", 3)]
    assert [at.number_input(key=f"model.{uid(at, i)}.units").value for i in range(3)] == [
        64, 64, 3]
    assert at.selectbox(key=f"model.{uid(at, 2)}.activation").value == "softmax"
    assert at.selectbox(key="model.compile.loss").value == "sparse_categorical_crossentropy"
    assert at.multiselect(key="model.compile.metrics").value == ["accuracy"]
    assert metrics(at) == {"Parameters": "4,675", "Trainable": "4,675"}
    assert "4 features" in at.markdown[0].value or any("4 features" in m.value
                                                       for m in at.markdown)
    table = at.dataframe[0].value
    assert list(table["Type"]) == ["Normalization", "Dense", "Dense", "Dense"]
    assert list(table["Parameters"]) == [0, 320, 4160, 195]


def test_says_the_settings_train_well_only_while_they_are_the_recommended_ones(at):
    captions = [c.value for c in at.caption]
    assert any("These are the settings recommended for 120 training rows and 4 inputs: up "
               "to 200 epochs of batches of 16" in c for c in captions), captions
    at.number_input(key=f"model.{uid(at, 0)}.units").set_value(8).run()
    captions = [c.value for c in at.caption]
    assert not any("These are the settings recommended" in c for c in captions)
    assert any("Your own settings" in c and "120 training rows" in c for c in captions)
    at.button(key="model.reset").click().run()
    assert any("These are the settings recommended" in c.value for c in at.caption)


# ---- editing the stack ---------------------------------------------------------------------

def test_add_layer_goes_above_the_output_layer(at):
    at.selectbox(key="model.add_type").set_value("Dropout").run()
    at.button(key="model.add").click().run()
    run(at)
    assert stack(at) == [("Dense", 64), ("Dense", 64), ("Dropout", None), ("Dense", 3)]
    assert metrics(at)["Parameters"] == "4,675"
    at.selectbox(key="model.add_type").set_value("Dense").run()
    at.button(key="model.add").click().run()
    assert stack(at)[3] == ("Dense", 16)
    assert metrics(at)["Parameters"] == f"{4675 - 195 + 64 * 16 + 16 + 16 * 3 + 3:,}"


def test_units_follow_their_layer_when_it_moves(at):
    first, second = uid(at, 0), uid(at, 1)
    at.number_input(key=f"model.{first}.units").set_value(10).run()
    assert metrics(at)["Parameters"] == f"{4 * 10 + 10 + 10 * 64 + 64 + 195:,}"
    at.button(key=f"model.{first}.down").click().run()
    run(at)
    assert stack(at) == [("Dense", 64), ("Dense", 10), ("Dense", 3)]
    assert at.number_input(key=f"model.{first}.units").value == 10
    assert at.number_input(key=f"model.{second}.units").value == 64
    at.button(key=f"model.{first}.up").click().run()
    assert stack(at) == [("Dense", 10), ("Dense", 64), ("Dense", 3)]
    assert at.button(key=f"model.{first}.up").disabled


def test_duplicate_and_remove(at):
    first = uid(at, 0)
    at.number_input(key=f"model.{first}.units").set_value(7).run()
    at.button(key=f"model.{first}.duplicate").click().run()
    run(at)
    assert stack(at) == [("Dense", 7), ("Dense", 7), ("Dense", 64), ("Dense", 3)]
    twin = uid(at, 1)
    assert twin != first
    at.number_input(key=f"model.{twin}.units").set_value(5).run()
    assert stack(at)[:2] == [("Dense", 7), ("Dense", 5)]
    at.button(key=f"model.{first}.remove").click().run()
    run(at)
    assert stack(at) == [("Dense", 5), ("Dense", 64), ("Dense", 3)]
    assert at.number_input(key=f"model.{twin}.units").value == 5


def test_removing_every_dense_layer_says_what_to_add(at):
    for _ in range(3):
        at.button(key=f"model.{uid(at, 0)}.remove").click().run()
    run(at)
    assert spec(at).layers == []
    assert ("Expected at least one layer. Received: a model with no layers. Add a Dense layer: "
            "the last one is the output layer.") in errors(at)
    assert at.button(key="model.fix_output")
    at.button(key="model.fix_output").click().run()
    assert stack(at) == [("Dense", 3)]


# ---- errors next to the control, and fixes -------------------------------------------------

def test_zero_units_shows_the_message_and_blocks_the_script(at):
    at.number_input(key=f"model.{uid(at, 1)}.units").set_value(0).run()
    run(at)
    assert ("Expected a positive whole number of neurons, e.g. 16. Received: units=0. Set units "
            "to the width you want.") in errors(at)
    assert errors(at)[0].startswith("**1 problem to fix before training.**")
    assert not at.success
    assert at.get("download_button")[1].proto.disabled
    assert not at.get("download_button")[0].proto.disabled  # the spec can still be saved
    assert "Fix the layer problems" in at.info[0].value


def test_wrong_output_width_is_fixed_in_one_click(at):
    out = uid(at, 2)
    at.number_input(key=f"model.{out}.units").set_value(4).run()
    assert ("Expected 3 output units, one per class. Received: units=4 on the output layer. "
            "Set units=3.") in errors(at)
    assert "suggested output **Dense(3, softmax)**" in at.warning[0].value
    at.button(key="model.fix_output").click().run()
    run(at)
    assert stack(at)[-1] == ("Dense", 3) and not errors(at)
    new = uid(at, 2)
    assert at.number_input(key=f"model.{new}.units").value == 3


def test_softmax_on_one_unit(at):
    at.number_input(key=f"model.{uid(at, 2)}.units").set_value(1).run()
    assert ("Expected an output activation that can learn. Received: softmax over 1 unit, which "
            "always outputs 1.0. Use 3 units with softmax, one per class.") in errors(at)


def test_a_loss_that_does_not_fit_and_its_fix(at):
    at.selectbox(key="model.compile.loss").set_value("binary_crossentropy").run()
    run(at)
    assert ("Expected a loss for 3 classes. Received: loss=binary_crossentropy, which is for two "
            "classes. Use sparse_categorical_crossentropy with 3 softmax units.") in errors(at)
    at.button(key="model.fix_compile").click().run()
    assert spec(at).compile.loss == "sparse_categorical_crossentropy" and not errors(at)
    assert at.selectbox(key="model.compile.loss").value == "sparse_categorical_crossentropy"


def test_categorical_accuracy_needs_a_one_hot_loss(at):
    at.multiselect(key="model.compile.metrics").set_value(["accuracy",
                                                           "categorical_accuracy"]).run()
    assert ("Expected a one-hot loss such as categorical_crossentropy for categorical_accuracy, "
            "which compares one-hot labels. Received: loss sparse_categorical_crossentropy. Use "
            "accuracy (or sparse_categorical_accuracy) instead.") in errors(at)
    at.selectbox(key="model.compile.loss").set_value("categorical_crossentropy").run()
    run(at)
    assert not errors(at)
    assert spec(at).compile.metrics == ["accuracy", "categorical_accuracy"]


def test_learning_rate_and_dropout_messages(at):
    at.number_input(key="model.compile.learning_rate").set_value(0.0).run()
    at.selectbox(key="model.add_type").set_value("Dropout").run()
    at.button(key="model.add").click().run()
    at.number_input(key=f"model.{uid(at, 2)}.rate").set_value(1.0).run()
    run(at)
    assert ("Expected a positive number, e.g. 0.001. Received: learning_rate=0.0. Set a small "
            "positive learning rate.") in errors(at)
    assert ("Expected a number from 0 up to (not including) 1: the share of inputs dropped, e.g. "
            "0.2. Received: rate=1.0. Set rate within that range.") in errors(at)
    assert errors(at)[0].startswith("**2 problems to fix before training.**")


# ---- options -------------------------------------------------------------------------------

def test_optimizer_options_follow_the_optimizer(at):
    assert at.number_input(key="model.compile.options.beta_1").value == 0.9
    at.selectbox(key="model.compile.optimizer").set_value("sgd").run()
    run(at)
    assert spec(at).compile.learning_rate == 0.01  # sgd's default, as the rate was untouched
    at.checkbox(key="model.compile.options.nesterov").check().run()
    at.number_input(key="model.compile.options.momentum").set_value(0.9).run()
    at.number_input(key="model.compile.clipnorm").set_value(1.0).run()
    compile = spec(at).compile
    assert (compile.optimizer, compile.options) == ("sgd", {"nesterov": True, "momentum": 0.9})
    assert compile.clipnorm == 1.0 and not errors(at)


def test_initializer_and_regularizer_editors(at):
    first = uid(at, 0)
    at.selectbox(key=f"model.{first}.kernel_initializer.name").set_value("RandomUniform").run()
    run(at)
    assert at.number_input(key=f"model.{first}.kernel_initializer.params.minval").value == -0.05
    at.number_input(key=f"model.{first}.kernel_initializer.params.maxval").set_value(0.2).run()
    at.number_input(key=f"model.{first}.kernel_initializer.seed").set_value(3).run()
    init = spec(at).layers[0].kernel_initializer
    assert (init.name, init.params, init.seed) == ("RandomUniform", {"maxval": 0.2}, 3)
    at.number_input(key=f"model.{first}.kernel_initializer.params.minval").set_value(0.5).run()
    assert ("Expected maxval larger than minval. Received: minval=0.5, maxval=0.2. Raise maxval "
            "or lower minval.") in errors(at)
    at.number_input(key=f"model.{first}.kernel_initializer.params.minval").set_value(-0.2).run()
    assert not errors(at)
    at.selectbox(key=f"model.{first}.kernel_regularizer.kind").set_value("l1l2").run()
    at.number_input(key=f"model.{first}.kernel_regularizer.l2").set_value(0.05).run()
    reg = spec(at).layers[0].kernel_regularizer
    assert (reg.kind, reg.l1, reg.l2) == ("l1l2", 0.01, 0.05)
    at.checkbox(key=f"model.{first}.use_bias").uncheck().run()
    assert not spec(at).layers[0].use_bias
    assert metrics(at)["Parameters"] == f"{4675 - 64:,}"


def test_every_option_carries_its_keras_help(at):
    activation = at.selectbox(key=f"model.{uid(at, 0)}.activation")
    assert "relu — Applies the rectified linear unit activation function." in activation.options
    assert any(o.startswith("adam — Optimizer that implements the Adam algorithm")
               for o in at.selectbox(key="model.compile.optimizer").options)
    assert "Fraction of the input units to drop" not in activation.help


# ---- following the data, starting over -----------------------------------------------------

def test_a_new_task_brings_its_defaults_when_nothing_was_edited(at):
    choose_sample(at, "Restaurant tips")
    assert stack(at)[-1] == ("Dense", 1)
    assert spec(at).layers[-1].activation == "linear"
    assert spec(at).compile.loss == "mean_squared_error"
    assert spec(at).compile.metrics == ["mean_absolute_error"]
    assert at.success and not errors(at)


def test_edited_hidden_layers_survive_a_new_task(at):
    at.number_input(key=f"model.{uid(at, 0)}.units").set_value(9).run()
    assert edited(at) == ["layers"]
    choose_sample(at, "Breast cancer")
    assert stack(at) == [("Dense", 9), ("Dense", 64), ("Dense", 1)]
    assert spec(at).layers[-1].activation == "sigmoid"
    assert not errors(at)


def test_start_over(at):
    at.number_input(key=f"model.{uid(at, 0)}.units").set_value(9).run()
    at.selectbox(key="model.compile.loss").set_value("categorical_crossentropy").run()
    assert set(edited(at)) == {"layers", "compile.loss"}
    at.button(key="model.reset").click().run()
    run(at)
    assert stack(at) == [("Dense", 64), ("Dense", 64), ("Dense", 3)]
    assert spec(at).compile.loss == "sparse_categorical_crossentropy"
    assert edited(at) == []
    saved = Store.from_env().load(at.query_params["w"]).state
    assert saved["edited"] == [] and [x["units"] for x in saved["spec"]["layers"]] == [64, 64, 3]
    choose_sample(at, "Breast cancer")  # nothing is kept by hand any more: all follow the task
    assert stack(at) == [("Dense", 64), ("Dense", 64), ("Dense", 1)]
    assert spec(at).compile.loss == "binary_crossentropy"


# ---- export and import ---------------------------------------------------------------------

def spec_uploader(at: AppTest) -> str:
    """The spec uploader's current key (`spec_upload.N`: N grows after each load)."""
    keys = [u.key for u in at.get("file_uploader") if u.key.startswith("spec_upload.")]
    assert len(keys) == 1, keys
    return keys[0]


def upload(at: AppTest, raw: bytes, name: str = "spec.json") -> AppTest:
    at.file_uploader(key=spec_uploader(at)).set_value((name, raw, "application/json")).run()
    return run(at)


def test_a_loaded_spec_restores_the_whole_page(at):
    loaded = ExperimentSpec.from_json(spec(at).to_json())
    loaded.layers = [LayerSpec(units=5, activation="tanh"), LayerSpec(type="Dropout", rate=0.3),
                     LayerSpec(units=3, activation="softmax")]
    loaded.compile.optimizer, loaded.compile.learning_rate = "rmsprop", 0.01
    loaded.data.test_fraction = 0.3
    upload(at, loaded.to_json().encode())
    assert stack(at) == [("Dense", 5), ("Dropout", None), ("Dense", 3)]
    assert at.number_input(key=f"model.{uid(at, 0)}.units").value == 5
    assert at.selectbox(key=f"model.{uid(at, 0)}.activation").value == "tanh"
    assert at.number_input(key=f"model.{uid(at, 1)}.rate").value == 0.3
    assert at.selectbox(key="model.compile.optimizer").value == "rmsprop"
    assert "rho" in [n.label for n in at.number_input]
    assert at.success[0].value.startswith("Loaded **spec.json**: 3 layers")
    assert spec(at).to_json() == loaded.to_json()
    assert spec_uploader(at) == "spec_upload.1"  # emptied for the next one
    assert set(edited(at)) == set(EDITABLE)  # kept as the user's choice
    at.switch_page("steps/data.py").run()
    run(at)
    assert at.slider(key="data.test_fraction").value == 0.3
    assert metrics(at)["Test rows"] == "45"  # test_fraction 0.3 applied to the data


def test_a_spec_for_another_file_keeps_the_current_data(at):
    other = default_spec("regression", 0)
    other.data.source, other.data.target = "tips.csv", "tip"
    upload(at, other.to_json().encode())
    assert any("made for **tips.csv**" in w.value for w in at.warning)
    assert spec(at).data.target == "species" and spec(at).data.source == "iris.csv"
    assert stack(at)[-1] == ("Dense", 1)
    assert ("Expected 3 output units, one per class. Received: units=1 on the output layer. "
            "Set units=3.") in errors(at)
    assert ("Expected a classification loss, as the target has several classes (multiclass "
            "classification). Received: loss=mean_squared_error, a regression loss. Use "
            "sparse_categorical_crossentropy.") in errors(at)


@pytest.mark.parametrize("raw, words", [
    (b"{not json", "not valid JSON"),
    (json.dumps({"version": SPEC_VERSION + 1}).encode(), "newer than this LayerLab"),
    (json.dumps({"version": 1, "layers": [{"type": "Lambda"}]}).encode(),
     "no Lambda or custom code"),
    (json.dumps({"version": 1, "colour": "red"}).encode(), "unknown key(s) colour"),
])
def test_a_bad_spec_file_is_explained_and_changes_nothing(at, raw, words):
    before = spec(at).to_json()
    upload(at, raw, "bad.json")
    assert any(words in e and "**bad.json** could not be loaded" in e for e in errors(at))
    assert spec(at).to_json() == before


def test_the_downloads_carry_the_spec_and_a_script(at):
    buttons = {b.proto.label: b.proto for b in at.get("download_button")}
    assert set(buttons) == {"Download spec (JSON)", "Download Python script"}
    assert not buttons["Download Python script"].disabled
    assert buttons["Download spec (JSON)"].help.startswith("Every choice of this experiment")
