"""A training process keeps its last run's compiled model for the next run of the same network.

Every run builds a new Keras model, and a new model traces its train and test steps anew
(TensorFlow's tf.function): on Iris, ~1 s of a core, most of a short run's first epoch, and
in a class on a 2-core server 1.3–2.4 s of each 3–4 s run, while every student trains the
same recommended network. `compiled_model` builds the run's model as always (cheap: no
trace), and when the process's kept model has the same configuration — every layer's
settings, its seeds and the data's scaling — the same compile settings and the same steps per
call, it trains the kept one instead, with the fresh model's starting values copied into it
(every layer's variables: weights, BatchNormalization's statistics, Dropout's seed state) and
the optimizer's own state (its step count, moments and learning rate) put back as it was before
its first step. The kept model's traced steps are then reused: the same curves as a fresh
model (tests/core/test_model_reuse.py), without the trace.

A run whose configuration differs replaces the kept model. One model is kept per process;
`forget()` drops it (a
run whose fit raised does). The worker's `release()` (Keras' clear_session) keeps it.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import keras
import numpy as np

from gui.core.data.preprocess import Preprocessor
from gui.core.model.build import build_model, compile_model
from gui.core.spec.schema import ExperimentSpec
from gui.core.training.pipeline import choose_steps_per_execution

_kept: dict = {}  # "key", "model", "optimizer" (its variables' values before any step)


def compiled_model(spec: ExperimentSpec, prep: Preprocessor, batch: int, steps: int,
                   reuse: bool = True) -> tuple[keras.Model, int]:
    """(a compiled model of `spec` with its starting weights, its steps per execution): the
    kept model reset to them when it has the same configuration (and `reuse`), else a new
    one, which is kept."""
    fresh = build_model(spec, prep, compile=False)
    per_call = choose_steps_per_execution(fresh.count_params(), batch, steps)
    key = json.dumps([fresh.get_config(), asdict(spec.compile), per_call], sort_keys=True,
                     default=str)
    if reuse and _kept.get("key") == key:
        model = _kept["model"]
        for old, new in zip(model.layers, fresh.layers, strict=True):
            for mine, theirs in zip(old.variables, new.variables, strict=True):
                mine.assign(theirs)
        for variable, value in zip(model.optimizer.variables, _kept["optimizer"], strict=True):
            variable.assign(value)
        return model, per_call
    compile_model(fresh, spec.compile, steps_per_execution=per_call)
    fresh.optimizer.build(fresh.trainable_variables)  # its state before any step, to restore
    _kept.clear()
    if reuse:
        _kept.update(key=key, model=fresh,
                     optimizer=[np.array(v.numpy()) for v in fresh.optimizer.variables])
    return fresh, per_call


def forget() -> None:
    """Drop the kept model (the next run builds and traces its own)."""
    _kept.clear()
