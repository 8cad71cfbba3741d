"""Edits are changes (DESIGN principle 11): a tab's changes against its base, applied to the
newest stored document, per setting; and the store's compare-and-swap that applies them,
with real processes writing one workspace at once."""

from __future__ import annotations

import pytest

from gui.core.spec.heads import default_spec
from gui.core.store.changes import DELETE, Change, apply, changes
from gui.core.store.workspaces import Store, StoreError
from tests.core.test_store import run_all


def doc(epochs=50, units=(64, 3), dataset=None, edited=()):
    return {"spec": {"fit": {"epochs": epochs, "batch_size": 32},
                     "layers": [{"type": "Dense", "units": u, "activation": "relu"}
                                for u in units]},
            "dataset": dataset or {"sample": "Iris flowers"}, "edited": list(edited)}


def merged(base, mine, newest, **rules):
    return apply(newest, changes(base, mine, **rules))


def test_two_tabs_changing_different_settings_both_stand():
    base = doc()
    tab_a = doc(units=(64, 32))   # the teacher: layer 2 to 32 units
    tab_b = doc(epochs=7)         # the student's stale tab: epochs
    newest = merged(base, tab_a, base)
    assert merged(base, tab_b, newest) == doc(epochs=7, units=(64, 32))


def test_the_same_setting_changed_twice_the_later_wins():
    base = doc()
    newest = merged(base, doc(epochs=7), base)
    assert merged(base, doc(epochs=9), newest)["spec"]["fit"]["epochs"] == 9


def test_changes_name_one_setting_each():
    found = changes(doc(), doc(epochs=7, units=(64, 32)))
    assert [c.name for c in found] == ["spec.fit.epochs", "spec.layers[1].units"]
    assert [c.value for c in found] == [7, 32]
    assert changes(doc(), doc()) == []


def test_a_layer_added_replaces_the_stack_a_layer_edited_is_per_field():
    base = doc()
    grown = changes(base, doc(units=(64, 16, 3)))
    assert [c.name for c in grown] == ["spec.layers"]
    newest = merged(base, doc(units=(8, 3)), base)  # another tab: first layer 8 units
    assert merged(base, doc(units=(64, 16, 3)), newest)["spec"]["layers"] == \
        doc(units=(64, 16, 3))["spec"]["layers"]  # the structural change is the later one


def test_an_edit_to_a_layer_another_tab_removed_is_skipped():
    base = doc(units=(64, 16, 3))
    newest = merged(base, doc(units=(64, 3)), base)  # removed the middle layer
    out = merged(base, doc(units=(64, 16, 5)), newest)  # edits the old third layer
    assert out["spec"]["layers"] == doc(units=(64, 3))["spec"]["layers"]


def test_a_layer_of_another_type_is_replaced_whole():
    base = doc()
    dropout = doc()
    dropout["spec"]["layers"][0] = {"type": "Dropout", "rate": 0.2}
    found = changes(base, dropout)
    assert found == [Change(("spec", "layers", 0), {"type": "Dropout", "rate": 0.2})]
    newest = merged(base, doc(units=(8, 3)), base)
    assert merged(base, dropout, newest)["spec"]["layers"][0] == {"type": "Dropout", "rate": 0.2}


def test_whole_paths_are_one_setting_and_sets_keep_both_additions():
    base = doc(edited=["layers"])
    upload = doc(dataset={"file": "ab" * 32, "name": "penguins.csv"}, edited=["layers"])
    found = changes(base, upload, whole=[("dataset",)])
    assert found == [Change(("dataset",), {"file": "ab" * 32, "name": "penguins.csv"})]
    a = doc(edited=["layers", "compile.loss"])
    b = doc(edited=["output"])
    newest = merged(base, a, base, sets=[("edited",)])
    assert merged(base, b, newest, sets=[("edited",)])["edited"] == ["compile.loss", "output"]


def test_keys_added_and_removed_and_nothing_after_the_document_was_emptied():
    found = changes({"a": 1, "b": 2}, {"b": 2, "c": 3})
    assert found == [Change(("a",), DELETE), Change(("c",), 3)]
    assert apply({"a": 5, "b": 9}, found) == {"b": 9, "c": 3}
    assert merged(doc(), doc(epochs=7), {}) == {}  # Start over meanwhile: nothing to edit
    assert changes({"x": 1}, {"x": True}) == [Change(("x",), True)]  # 1 == True, not equal


def test_a_real_spec_two_edits_merge_into_a_readable_spec():
    from gui.core.spec.schema import ExperimentSpec
    base = default_spec("multiclass", n_classes=3)
    a, b = ExperimentSpec.from_dict(base.to_dict()), ExperimentSpec.from_dict(base.to_dict())
    a.compile.learning_rate = 0.05
    b.layers[0].units = 12
    newest = apply(base.to_dict(), changes(base.to_dict(), a.to_dict()))
    out = ExperimentSpec.from_dict(apply(newest, changes(base.to_dict(), b.to_dict())))
    assert out.compile.learning_rate == 0.05 and out.layers[0].units == 12


# ---- the store's compare-and-swap ------------------------------------------------------------

@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "home")
    yield s
    s.engine.dispose()


def test_update_state_writes_only_a_change_and_reads_the_newest(store):
    token = store.create({"n": 1})
    same = store.update_state(token, lambda state: state)
    assert same.version == 0  # unchanged: not written
    store.save_state(token, {"n": 2, "other": "x"})
    out = store.update_state(token, lambda state: {**state, "n": state["n"] + 1})
    assert out.state == {"n": 3, "other": "x"} and out.version == 2
    assert store.load(token) == out
    with pytest.raises(StoreError):
        store.update_state("A" * 32, lambda state: state)


def count_in_process(home: str, token: str, writer: int, start) -> None:
    """Run in a spawned process: its own Store, 30 read-modify-writes of its own key and of
    one shared counter; a lost update would lose a count."""
    s = Store(home)
    start.wait(30)
    for _ in range(30):
        s.update_state(token, lambda state: {**state, f"w{writer}": state.get(f"w{writer}", 0)
                                             + 1, "total": state.get("total", 0) + 1})


def test_processes_changing_one_workspace_at_once_lose_nothing(store):
    token = store.create()
    assert run_all(count_in_process, [(str(store.home), token, w) for w in range(3)]) == [0] * 3
    snap = store.load(token)
    assert snap.state == {"w0": 30, "w1": 30, "w2": 30, "total": 90}
    assert snap.version == 90
