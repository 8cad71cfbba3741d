"""What a task implies: the output layer, the default compile settings, a whole default spec,
and how a spec follows when the data's task or class count changes.

Pure functions that return a new spec; the checks of a head against the task are in
validate_model.py.

Example:
    spec = default_spec("binary", 2)          # Dense 64-64 relu, Dense(1, sigmoid), BCE
    spec = recommended_spec(info, data)       # sized for the data by size_rules.SIZE_RULES
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
    FitSpec,
    LayerSpec,
    RegularizerSpec,
    SpecError,
    new_uid,
    output_layer,
)
from gui.core.spec.size_rules import MAX_DEFAULT_UNITS, UNITS_PER_INPUT, size_rule
from gui.core.spec.vocabulary import (
    DEFAULT_LOSS,
    DEFAULT_METRICS,
    DEFAULT_OPTIMIZER,
    OPTIMIZERS,
)

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


def recommended_hidden(rows: int, inputs: int, task: str) -> list[LayerSpec]:
    """The rule's hidden Dense(relu) layers (SIZE_RULES: how many, at least UNITS_PER_INPUT
    units per input up to MAX_DEFAULT_UNITS), with its L2 penalty for `task` and Dropout."""
    rule = size_rule(rows)
    l2 = rule.l2_for(task)
    units = max(rule.units, min(MAX_DEFAULT_UNITS, UNITS_PER_INPUT * inputs))
    hidden = []
    for _ in range(rule.hidden):
        layer = LayerSpec(type="Dense", units=units, activation="relu")
        if l2:
            layer.kernel_regularizer = RegularizerSpec(kind="l2", l2=l2)
        hidden.append(layer)
        if rule.dropout:
            hidden.append(LayerSpec(type="Dropout", rate=rule.dropout))
    return hidden


def recommended_fit(rows: int, fit: FitSpec | None = None) -> FitSpec:
    """`fit` (default: a fresh FitSpec) with the epochs, batch size and early stopping of
    SIZE_RULES: validation on a held-out share, stop on val_loss, best weights restored;
    for the smallest tables no validation and no early stopping."""
    rule = size_rule(rows)
    fit = replace(fit or FitSpec(), epochs=rule.epochs, batch_size=rule.batch_size)
    if not rule.validate:
        return replace(fit, validation="none", early_stopping=False, monitor="loss",
                       patience=FitSpec.patience, restore_best_weights=True)
    return replace(fit, validation="split", early_stopping=True, monitor="val_loss",
                   patience=rule.patience, restore_best_weights=True)


def recommended_spec(info: DataInfo, data: DataSpec | None = None) -> ExperimentSpec:
    """The defaults for this data: default_spec's head and compile settings, with the
    hidden layers and the training that suit its rows and inputs (size_rules.SIZE_RULES).

    With no known row count (info.n_train == 0) it is default_spec's network as is.
    """
    spec = default_spec(info.task, info.n_classes, data)
    if info.n_train:
        spec.layers = [*recommended_hidden(info.n_train, info.n_inputs, info.task),
                       spec.layers[-1]]
        spec.fit = recommended_fit(info.n_train, spec.fit)
        spec.compile.learning_rate = recommended_rate(info.n_train, info.task)
    return spec


def recommended_rate(rows: int, task: str) -> float:
    """The default optimizer's learning rate for `rows` training rows and `task`: the size
    rule's, or the optimizer's own default when the rule sets none (or the rows are
    unknown)."""
    rate = size_rule(rows).rate_for(task) if rows else None
    return rate if rate is not None else OPTIMIZERS[DEFAULT_OPTIMIZER].learning_rate


def _followed_rate(spec: ExperimentSpec, old: DataInfo | None, new: DataInfo,
                   edited) -> float:
    """The learning rate after the data's size or task changed: the new data's
    recommendation when the default optimizer still has the old data's, otherwise the
    user's."""
    rate = spec.compile.learning_rate
    before = (recommended_rate(old.n_train, old.task) if old
              else recommended_rate(0, new.task))
    if ("compile.learning_rate" in edited or spec.compile.optimizer != DEFAULT_OPTIMIZER
            or rate != before):
        return rate
    return recommended_rate(new.n_train, new.task)


def is_recommended(spec: ExperimentSpec, info: DataInfo) -> bool:
    """Whether `spec`'s layers, compile and fit settings are those recommended for `info`
    (what the Model page may then call settings that train well on this data)."""
    fresh = recommended_spec(info, spec.data)
    return (spec.layers == fresh.layers and spec.compile == fresh.compile
            and spec.fit == replace(fresh.fit, seed=spec.fit.seed,
                                    snapshots=spec.fit.snapshots))


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
    task's suggestion counts as not chosen. Hidden layers and fit settings follow the new
    data's size as in `follow_size`. Returns the new spec and notes saying what changed in
    settings the user had edited elsewhere.
    """
    if new.same_head(old):
        return follow_size(spec, old, new, edited), []
    out = copy.deepcopy(spec)
    defaults = recommended_spec(new)
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
    out.fit = _followed_fit(out.fit, old, new)
    out.compile.learning_rate = _followed_rate(out, old, new, edited)
    # Only the loss and the metrics depend on the task; the optimizer's settings do not.
    if "compile.metrics" not in edited:
        out.compile.metrics = list(defaults.compile.metrics)
    if "compile.loss" not in edited:
        out.compile.loss = suggested_loss(new.task, out.layers)
    return out, notes


def _followed_fit(fit: FitSpec, old: DataInfo | None, new: DataInfo) -> FitSpec:
    """The fit settings of SIZE_RULES for `new` when `fit` is still what was recommended
    for `old` (or, with no `old`, a fresh FitSpec's); otherwise `fit` as the user set it."""
    if not new.n_train:
        return fit
    untouched = (fit == replace(FitSpec(), seed=fit.seed, snapshots=fit.snapshots)
                 if old is None or not old.n_train
                 else fit == recommended_fit(old.n_train, fit))
    return recommended_fit(new.n_train, fit) if untouched else fit


def follow_size(spec: ExperimentSpec, old: DataInfo | None, new: DataInfo,
                edited: frozenset[str] | set[str] = frozenset()) -> ExperimentSpec:
    """The spec after the data's size changed (same task and classes): hidden layers the
    user has not edited and fit settings still as recommended follow SIZE_RULES. With no
    known row count it is `spec` itself."""
    if not new.n_train:
        return spec
    out = copy.deepcopy(spec)
    index = output_layer(out.layers)
    if "layers" not in edited and index is not None:
        out.layers = [*recommended_hidden(new.n_train, new.n_inputs, new.task),
                      out.layers[index]]
    out.fit = _followed_fit(out.fit, old, new)
    out.compile.learning_rate = _followed_rate(out, old, new, edited)
    return out


def keep_newer_output(base: dict, newest: dict, merged: dict) -> dict:
    """The merged spec (dicts, as stored) with the output layer another tab gave the newest
    spec, when this tab's edit replaced the layer list without changing the output layer
    itself: a tab that removed a hidden layer, shown a stale list, must not put back the
    output layer that another tab's new target replaced (Dense(1, linear) under a loss for
    4 classes). Returns `merged` (changed in place)."""
    try:
        specs = [ExperimentSpec.from_dict(s) for s in (base, newest, merged)]
    except SpecError:
        return merged
    heads = [output_layer(s.layers) for s in specs]
    if None in heads:
        return merged
    shape = [(s.layers[i].units, s.layers[i].activation) for s, i in zip(specs, heads, strict=True)]
    if shape[2] == shape[0] != shape[1]:  # unchanged here, changed by the other tab
        layer = merged["layers"][heads[2]]
        layer["units"], layer["activation"] = shape[1]
    return merged

