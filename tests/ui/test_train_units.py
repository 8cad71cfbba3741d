"""The Train page's tiles name a regression's units, and say when the numbers are on the
scaled target (the curves are as trained; Evaluate gives the errors in the target's units)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from gui.ui.train.live import units_of
from tests.core import trained_models as tm


@pytest.mark.parametrize("scale_target, mae, loss", [
    (True, "tip, scaled", "tip², scaled"),
    (False, "tip", "tip²"),
])
def test_tiles_say_the_target_s_units_and_whether_it_was_scaled(scale_target, mae, loss):
    trained = tm.train("tips.csv", "tip", epochs=1, scale_target=scale_target)
    record = SimpleNamespace(spec=trained.spec)
    assert trained.spec.compile.loss == "mean_squared_error"
    assert units_of(record, trained.prepared) == {"loss": loss, "mean_absolute_error": mae}
    iris = tm.iris()
    assert units_of(SimpleNamespace(spec=iris.spec), iris.prepared) == {"loss": "",
                                                                        "accuracy": ""}
