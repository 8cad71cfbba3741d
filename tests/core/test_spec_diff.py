"""What differs between two specs (diff.differences): a changed layer count is one line for
the stack, and what that line cannot show (a layer's L2 penalty, its initializer) is still
listed for the layers of one kind at the same place."""

from __future__ import annotations

import copy

from gui.core.spec.diff import differences
from gui.core.spec.heads import default_spec
from gui.core.spec.schema import LayerSpec, RegularizerSpec


def test_a_new_layer_count_is_one_line_and_a_changed_penalty_is_still_listed():
    before = default_spec("regression")
    before.layers = [LayerSpec(type="Dense", units=100, activation="relu",
                               kernel_regularizer=RegularizerSpec(kind="l2", l2=0.1)),
                     before.layers[-1]]
    after = copy.deepcopy(before)
    after.layers = [LayerSpec(type="Dense", units=101, activation="linear",
                              kernel_regularizer=RegularizerSpec(kind="l2", l2=1e-7)),
                    LayerSpec(type="Dropout", rate=0.2), after.layers[-1]]
    after.compile.learning_rate = 0.01
    found = [str(d) for d in differences(before, after)]
    assert found == [
        "layers: 'Dense(100, relu) → Dense(1, linear)' → "
        "'Dense(101, linear) → Dropout(0.2) → Dense(1, linear)'",
        "layers[0].kernel_regularizer.l2: 0.1 → 1e-07",
        "compile.learning_rate: 0.001 → 0.01"]
    same_count = copy.deepcopy(before)
    same_count.layers[0].units = 8  # one layer's field: its own line, as before
    assert [str(d) for d in differences(before, same_count)] == ["layers[0].units: 100 → 8"]
