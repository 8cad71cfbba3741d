"""The checks of the network itself: layers, initializers, regularizers, the output layer
and loss against the task, the optimizer and the metrics.

Part of validate.py's `validate` (which see): each function returns `Problem`s whose
message says, in Keras' order, what was expected, what was received and how to fix it.
"""

from __future__ import annotations

from gui.core.spec.data_info import DataInfo
from gui.core.spec.layer_kinds import REGULARIZED, kind_of
from gui.core.spec.problems import Problem, is_int, is_number, names, not_one_of, say, shown
from gui.core.spec.schema import (
    CompileSpec,
    ExperimentSpec,
    InitializerSpec,
    RegularizerSpec,
    output_activation,
    output_layer,
)
from gui.core.spec.vocabulary import (
    BINARY_LOSSES,
    BINARY_METRICS,
    CLASS_INDEX_LOSSES,
    GRADIENT_CLIPPING,
    INITIALIZER_CHOICES,
    INITIALIZER_PARAMS,
    LAYER_DEFAULTS,
    LAYER_TYPES,
    MAX_LAYERS,
    MAX_UNITS,
    ONE_HOT_LOSSES,
    ONE_HOT_METRICS,
    OPTIMIZERS,
    POSITIVE_INITIALIZER_PARAMS,
    PROBABILITY_LOSSES,
    REGRESSION_LOSSES,
    REGULARIZERS,
    SIGMOID_LIKE,
    SPARSE_METRICS,
    TASKS,
)

# ---- layers --------------------------------------------------------------------------------

def layer_problems(layers: list, registry) -> list[Problem]:
    out: list[Problem] = []
    add = lambda where, message: out.append(Problem(where, message))  # noqa: E731
    if not isinstance(layers, list) or not layers:
        add("layers", say("at least one layer", "a model with no layers",
                          "Add a Dense layer: the last one is the output layer."))
        return out
    if len(layers) > MAX_LAYERS:
        add("layers", say(f"at most {MAX_LAYERS} layers", f"{len(layers)} layers",
                          "Remove some layers."))
    if output_layer(layers) is None:
        add("layers", say("a trainable layer", "no Dense layer", "Add a Dense layer (the "
                          "last Dense layer is the output layer)."))
    activations = registry.activations()
    for i, layer in enumerate(layers):
        at = f"layers[{i}]"
        if layer.type not in LAYER_TYPES:
            add(f"{at}.type", say(f"one of {', '.join(LAYER_TYPES)}", f"type={layer.type!r}",
                                  "Choose one of those layer types."))
            continue
        kind = kind_of(layer)
        if kind.learns:
            if not is_int(layer.units) or layer.units <= 0:
                add(f"{at}.units", say("a positive whole number of neurons, e.g. 16",
                                       f"units={shown(layer.units)}",
                                       "Set units to the width you want."))
            elif layer.units > MAX_UNITS:
                add(f"{at}.units", say(f"at most {MAX_UNITS} units in a layer",
                                       f"units={layer.units}", "Use fewer units."))
            if not isinstance(layer.use_bias, bool):
                add(f"{at}.use_bias", say("true or false", f"use_bias={shown(layer.use_bias)}",
                                          "Tick or untick use_bias."))
            out += _initializer(layer.kernel_initializer, f"{at}.kernel_initializer",
                                registry, bias=False)
            if layer.use_bias:
                out += _initializer(layer.bias_initializer, f"{at}.bias_initializer",
                                    registry, bias=True)
            for name in REGULARIZED:
                out += _regularizer(getattr(layer, name), f"{at}.{name}")
        if kind.has_activation and layer.activation not in activations:
            add(f"{at}.activation", say(f"one of Keras' activations: {names(activations)}",
                                        f"activation={shown(layer.activation)}",
                                        "Choose an activation from the list."))
        for name, limit in kind.limits.items():
            value = getattr(layer, name)
            if not (is_number(value) and limit.allows(value)):
                add(f"{at}.{name}", say(limit.expected.format(default=LAYER_DEFAULTS[name]),
                                        f"{name}={shown(value)}", limit.fix))
    index = output_layer(layers)
    if index is not None:
        for i, later in enumerate(layers[index + 1:], start=index + 1):
            if kind_of(later).before_output:
                add(f"layers[{i}].type", say(
                    f"{later.type} above the output layer (the last Dense layer)",
                    f"{later.type} after it, which changes the predictions' scale",
                    "Move it above the output layer."))
    return out


def _initializer(init: InitializerSpec, at: str, registry, bias: bool) -> list[Problem]:
    out: list[Problem] = []
    add = lambda where, message: out.append(Problem(where, message))  # noqa: E731
    known = registry.initializers()
    if init.name not in known:
        add(f"{at}.name", say(f"one of Keras' initializers: {names(known)}",
                              f"name={shown(init.name)}", "Choose an initializer from the list."))
        return out
    if bias and init.name == "Orthogonal":
        add(f"{at}.name", say("an initializer for a single row of biases",
                              "Orthogonal, which needs a 2-D weight matrix",
                              "Use Zeros (the usual bias initializer) or Constant."))
    allowed = INITIALIZER_PARAMS.get(init.name, {})
    if not isinstance(init.params, dict):
        add(f"{at}.params", say("an object of parameter values", shown(init.params),
                                "Set the parameters in the editor."))
        return out
    for key, value in init.params.items():
        where = f"{at}.params.{key}"
        if key not in allowed:
            known_params = (f"its parameters: {', '.join(allowed)}" if allowed
                            else "no parameters besides the seed")
            add(where, say(f"{init.name} with {known_params}", f"a parameter {key!r}",
                           f"Remove {key!r}."))
        elif key in INITIALIZER_CHOICES and value not in INITIALIZER_CHOICES[key]:
            add(where, say(f"one of {', '.join(INITIALIZER_CHOICES[key])}",
                           f"{key}={shown(value)}", "Choose one from the list."))
        elif key not in INITIALIZER_CHOICES and not is_number(value):
            add(where, say("a number", f"{key}={shown(value)}", "Type a number."))
        elif key in POSITIVE_INITIALIZER_PARAMS and value <= 0:
            add(where, say(f"a positive number, e.g. {allowed[key]}", f"{key}={value}",
                           f"Set {key} above 0."))
    params = {**allowed, **init.params}
    if (init.name == "RandomUniform" and is_number(params["minval"])
            and is_number(params["maxval"]) and params["minval"] >= params["maxval"]):
        add(f"{at}.params.maxval", say("maxval larger than minval",
                                       f"minval={params['minval']}, maxval={params['maxval']}",
                                       "Raise maxval or lower minval."))
    if init.seed is not None and (not is_int(init.seed) or init.seed < 0):
        add(f"{at}.seed", say("a whole number ≥ 0, or empty to derive it from the "
                              "experiment's seed", f"seed={shown(init.seed)}",
                              "Type a whole number or clear the field."))
    return out


def _regularizer(reg: RegularizerSpec, at: str) -> list[Problem]:
    if reg.kind not in REGULARIZERS:
        return [Problem(f"{at}.kind", say(f"one of {', '.join(REGULARIZERS)}",
                                          f"kind={shown(reg.kind)}", "Choose one from the list."))]
    out = []
    for factor in ("l1", "l2"):
        if reg.kind in (factor, "l1l2"):
            value = getattr(reg, factor)
            if not (is_number(value) and value >= 0):
                out.append(Problem(f"{at}.{factor}", say("a factor ≥ 0, e.g. 0.01",
                                                         f"{factor}={shown(value)}",
                                                         f"Set {factor} to 0 or more.")))
    return out


# ---- compile -------------------------------------------------------------------------------

def compile_problems(compile: CompileSpec, info: DataInfo | None, layers: list, registry,
             ) -> list[Problem]:
    out: list[Problem] = []
    add = lambda where, message: out.append(Problem(where, message))  # noqa: E731
    losses = registry.losses()
    if compile.loss not in losses:
        out.append(not_one_of("compile.loss", "loss", compile.loss, losses, "Keras' losses: "))
    if compile.optimizer not in OPTIMIZERS:
        out.append(not_one_of("compile.optimizer", "optimizer", compile.optimizer, OPTIMIZERS))
    else:
        allowed = OPTIMIZERS[compile.optimizer].options
        for key, value in compile.options.items():
            where = f"compile.options.{key}"
            param = allowed.get(key)
            if param is None:
                add(where, say(f"one of {compile.optimizer}'s options: {', '.join(allowed)}",
                               f"{key}={shown(value)}", f"Remove {key!r}."))
            elif isinstance(param.default, bool):
                if not isinstance(value, bool):
                    add(where, say("true or false", f"{key}={shown(value)}",
                                   "Tick or untick it."))
            elif not is_number(value):
                add(where, say("a number", f"{key}={shown(value)}",
                               f"Type a number; Keras' default is {param.default:g}."))
            elif not param.allows(value):
                add(where, say(param.expected(), f"{key}={value}",
                               f"Set {key} within that range; Keras' default is "
                               f"{param.default:g}."))
    if not (is_number(compile.learning_rate) and compile.learning_rate > 0):
        add("compile.learning_rate", say("a positive number, e.g. 0.001",
                                         f"learning_rate={shown(compile.learning_rate)}",
                                         "Set a small positive learning rate."))
    for name in GRADIENT_CLIPPING:
        value = getattr(compile, name)
        if not (is_number(value) and value >= 0):
            add(f"compile.{name}", say("a number ≥ 0 (0 turns clipping off)",
                                       f"{name}={shown(value)}", f"Set {name} to 0 or more."))
    out += _metrics(compile, info, layers, registry)
    return out


def _metrics(compile: CompileSpec, info: DataInfo | None, layers: list, registry,
             ) -> list[Problem]:
    out: list[Problem] = []
    add = lambda message: out.append(Problem("compile.metrics", message))  # noqa: E731
    if not isinstance(compile.metrics, list):
        return [Problem("compile.metrics", say("a list of metric names",
                                               shown(compile.metrics),
                                               "Choose metrics from the list."))]
    every = {}
    for task in TASKS:
        every.update(registry.metrics(task))
    index = output_layer(layers) if isinstance(layers, list) else None
    units = layers[index].units if index is not None else None
    seen = set()
    for metric in compile.metrics:
        if not isinstance(metric, str):
            add(say("a metric name such as 'accuracy'", f"metric {shown(metric)}",
                    "Remove it and choose from the list."))
            continue
        if metric in seen:
            add(say("each metric once", f"{metric!r} twice", "Keep it once."))
            continue
        seen.add(metric)
        if metric not in every:
            add(say(f"one of Keras' metrics: {names(every)}", f"metric {shown(metric)}",
                    "Choose metrics from the list."))
            continue
        if info is not None and info.task in TASKS:
            fits = registry.metrics(info.task)
            if metric not in fits and not (info.task == "binary" and metric in SPARSE_METRICS
                                           and units != 1):
                add(say(f"a metric for {TASKS[info.task].words}: {', '.join(fits)}",
                        f"metric {metric}", f"Remove {metric}."))
                continue
        if metric in ONE_HOT_METRICS and compile.loss not in ONE_HOT_LOSSES:
            add(say(f"a one-hot loss such as categorical_crossentropy for {metric}, which "
                    "compares one-hot labels", f"loss {compile.loss}",
                    "Use accuracy (or sparse_categorical_accuracy) instead."))
        elif metric in SPARSE_METRICS and compile.loss in ONE_HOT_LOSSES:
            add(say(f"class-index labels for {metric}", f"loss {compile.loss}, which trains "
                    "on one-hot labels", "Use accuracy or categorical_accuracy."))
        elif metric in BINARY_METRICS and is_int(units) and units != 1:
            add(say(f"1 output unit (a probability per row) for {metric}",
                    f"an output layer with {units} units",
                    "Use accuracy instead, or a 1-unit sigmoid output."))
    return out


# ---- the output layer and loss against the task --------------------------------------------

def _activation_where(layers: list) -> str:
    """The spec path of the activation that decides the output."""
    index = output_layer(layers)
    where = f"layers[{index}].activation"
    for i, later in enumerate(layers[index + 1:], start=index + 1):
        if kind_of(later).has_activation and later.activation != "linear":
            where = f"layers[{i}].activation"
    return where


def head_problems(spec: ExperimentSpec, info: DataInfo) -> list[Problem]:
    """The output layer, its activation and the loss checked against the task."""
    out: list[Problem] = []
    add = lambda where, message: out.append(Problem(where, message))  # noqa: E731
    layers, loss, task = spec.layers, spec.compile.loss, info.task
    index = output_layer(layers) if isinstance(layers, list) else None
    if task not in TASKS:
        return [Problem("data.task", say(f"one of {', '.join(TASKS)}", f"task {task!r}",
                                         "Choose the task on the Data page."))]
    if index is None or not is_int(layers[index].units) or layers[index].units <= 0:
        units = None
    else:
        units = layers[index].units
    act = output_activation(layers) if index is not None else "linear"
    units_at = f"layers[{index}].units"
    act_at = _activation_where(layers) if index is not None else "layers"
    n = max(info.n_classes, 2)
    words = TASKS[task].words
    if units == 1 and act == "softmax":
        add(act_at, say("an output activation that can learn",
                        "softmax over 1 unit, which always outputs 1.0",
                        "Use " + {"regression": "linear for a number.",
                                  "binary": "sigmoid for two classes (or 2 units with softmax).",
                                  "multiclass": f"{n} units with softmax, one per class."}[task]))
    if task == "regression":
        if loss in BINARY_LOSSES + CLASS_INDEX_LOSSES + ONE_HOT_LOSSES:
            add("compile.loss", say(f"a regression loss, as the target is {words}",
                                    f"loss={loss}, a classification loss",
                                    "Use mean_squared_error or mean_absolute_error."))
        if units is not None and units != 1:
            add(units_at, say("exactly 1 output unit for a regression target (one number "
                              "per row)", f"units={units} on the output layer",
                              "Set units=1."))
        return out
    if loss in REGRESSION_LOSSES:
        fix = ("binary_crossentropy (1 sigmoid unit)" if task == "binary"
               else "sparse_categorical_crossentropy")
        add("compile.loss", say(f"a classification loss, as the target has {words}",
                                f"loss={loss}, a regression loss", f"Use {fix}."))
        if task == "multiclass" and units is not None and units != n:
            add(units_at, say(f"{n} output units, one per class", f"units={units} on the "
                              "output layer", f"Set units={n}."))
        return out
    if loss in BINARY_LOSSES:
        if task == "multiclass":
            add("compile.loss", say(f"a loss for {n} classes", f"loss={loss}, which is for "
                                    "two classes", "Use sparse_categorical_crossentropy with "
                                    f"{n} softmax units."))
            return out
        if units is not None and units != 1:
            add(units_at, say(f"1 output unit for {loss} (the probability of the second "
                              "class)", f"units={units} on the output layer",
                              "Set units=1 with sigmoid, or use "
                              "sparse_categorical_crossentropy with 2 units."))
        elif (loss in ("binary_crossentropy", "binary_focal_crossentropy") and index is not None
              and act not in SIGMOID_LIKE and act != "softmax"):
            add(act_at, say(f"a probability between 0 and 1 for {loss}",
                            f"activation={act!r} on the output layer", "Use sigmoid."))
        return out
    if loss in CLASS_INDEX_LOSSES + ONE_HOT_LOSSES:
        if units is not None and units != n:
            if units == 1:
                add(units_at, say(f"one output unit per class for {loss} ({n})",
                                  "units=1 on the output layer", f"Set units={n} with softmax"
                                  + (", or use binary_crossentropy with 1 sigmoid unit."
                                     if task == "binary" else ".")))
            else:
                add(units_at, say(f"{n} output units, one per class", f"units={units} on "
                                  "the output layer", f"Set units={n}."))
        if loss in PROBABILITY_LOSSES and index is not None and act != "softmax" and units != 1:
            add(act_at, say(f"class probabilities that sum to 1 for {loss}",
                            f"activation={act!r} on the output layer", "Use softmax."))
    return out
