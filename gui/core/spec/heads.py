"""What a task implies: the output layer, the default compile settings, a whole default spec,
and how a spec follows when the data's task or class count changes.

Pure functions that return a new spec; the checks of a head against the task are in
validate_model.py.

Example:
    spec = default_spec("binary", 2)          # Dense 64-64 relu, Dense(1, sigmoid), BCE
    spec, notes = follow_task(spec, old_info, new_info, layers_edited=True)
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import TYPE_CHECKING

from gui.core.spec.schema import (
    CompileSpec,
    DataSpec,
    ExperimentSpec,
    LayerSpec,
    new_uid,
    output_layer,
)
from gui.core.spec.vocabulary import DEFAULT_LOSS, DEFAULT_METRICS, DEFAULT_OPTIMIZER, OPTIMIZERS

if TYPE_CHECKING:
    from gui.core.spec.data_info import DataInfo

HIDDEN_UNITS = 64  # the recommended network: two Dense(64, relu) layers


def suggested_output(task: str, n_classes: int) -> LayerSpec:
    """The output layer the task needs: 1 linear, 1 sigmoid or N softmax units."""
    if task == "regression":
        return LayerSpec(type="Dense", units=1, activation="linear")
    if task == "binary":
        return LayerSpec(type="Dense", units=1, activation="sigmoid")
    return LayerSpec(type="Dense", units=max(n_classes, 2), activation="softmax")


def default_compile(task: str) -> CompileSpec:
    """The task's loss and metrics with Adam at its default learning rate."""
    return CompileSpec(loss=DEFAULT_LOSS[task], optimizer=DEFAULT_OPTIMIZER,
                       learning_rate=OPTIMIZERS[DEFAULT_OPTIMIZER].learning_rate,
                       metrics=list(DEFAULT_METRICS[task]))


def default_spec(task: str, n_classes: int = 2, data: DataSpec | None = None,
                 ) -> ExperimentSpec:
    """A spec a newcomer can accept as is: two hidden relu layers and the right head."""
    spec = ExperimentSpec(data=copy.deepcopy(data) if data else DataSpec())
    spec.layers = [LayerSpec(type="Dense", units=HIDDEN_UNITS, activation="relu"),
                   LayerSpec(type="Dense", units=HIDDEN_UNITS, activation="relu"),
                   suggested_output(task, n_classes)]
    spec.compile = default_compile(task)
    return spec


def suggested_loss(task: str, layers: list | None = None) -> str:
    """The loss that fits `task` and the output layer (2 softmax units → sparse CE)."""
    if task == "binary" and layers:
        index = output_layer(layers)
        if index is not None and layers[index].units == 2:
            return DEFAULT_LOSS["multiclass"]
    return DEFAULT_LOSS[task]


def with_suggested_output(spec: ExperimentSpec, info: DataInfo) -> ExperimentSpec:
    """The last Dense layer set to the task's output (units, activation), layers after it
    removed; its initializers and regularizers are kept. Appends one when there is none."""
    out = copy.deepcopy(spec)
    suggestion = suggested_output(info.task, info.n_classes)
    index = output_layer(out.layers)
    if index is None:
        out.layers.append(suggestion)
    else:
        out.layers = out.layers[:index + 1]
        out.layers[index] = replace(out.layers[index], units=suggestion.units,
                                    activation=suggestion.activation, uid=new_uid())
    return out


def with_suggested_compile(spec: ExperimentSpec, info: DataInfo) -> ExperimentSpec:
    """Loss and metrics that fit the task and the output layer; the optimizer is kept."""
    out = copy.deepcopy(spec)
    out.compile.loss = suggested_loss(info.task, out.layers)
    out.compile.metrics = list(DEFAULT_METRICS[info.task])
    return out


# What the user can choose by hand: a chosen field keeps its value when the task changes.
COMPILE_FIELDS = ("loss", "metrics", "optimizer", "learning_rate", "options", "clipnorm",
                  "clipvalue")
EDITABLE = ("layers", "output", *(f"compile.{name}" for name in COMPILE_FIELDS))


def follow_task(spec: ExperimentSpec, old: DataInfo | None, new: DataInfo,
                edited: frozenset[str] | set[str] = frozenset(),
                ) -> tuple[ExperimentSpec, list[str]]:
    """The spec after the data's task or class count changed from `old` to `new`.

    Field by field, what the user has not chosen (`edited` holds names from EDITABLE:
    "layers" for the hidden layers, "output" for the output layer's units and activation,
    "compile.loss" and so on) follows the new task's defaults; a chosen one stays, and
    validation shows any mismatch with its fix. An output layer that is still the old
    task's suggestion counts as not chosen. Returns the new spec and notes saying what
    changed in settings the user had edited elsewhere.
    """
    if new.same_head(old):
        return spec, []
    out = copy.deepcopy(spec)
    defaults = default_spec(new.task, new.n_classes)
    suggestion = suggested_output(new.task, new.n_classes)
    index = output_layer(out.layers)
    current = out.layers[index] if index is not None else None
    previous = suggested_output(old.task, old.n_classes) if old else None
    was_suggested = current is not None and previous is not None and (
        (current.units, current.activation) == (previous.units, previous.activation))
    keep_output = current is not None and "output" in edited and not was_suggested
    notes = []
    if "layers" not in edited or not out.layers:
        hidden = defaults.layers[:-1]
    else:
        hidden = [x for i, x in enumerate(out.layers) if i != index]
    if keep_output:
        out.layers = [*hidden[:index], current, *hidden[index:]]  # where it was
    else:
        out.layers = [*hidden, suggestion]
        if current is not None and "layers" in edited and (
                (current.units, current.activation) != (suggestion.units,
                                                        suggestion.activation)):
            notes.append(f"Output layer changed to Dense({suggestion.units}, "
                         f"{suggestion.activation}) for the new target.")
    # Only the loss and the metrics depend on the task; the optimizer's settings do not.
    if "compile.metrics" not in edited:
        out.compile.metrics = list(defaults.compile.metrics)
    if "compile.loss" not in edited:
        out.compile.loss = suggested_loss(new.task, out.layers)
    return out, notes
