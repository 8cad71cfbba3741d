"""Reusable editors for the experiment spec: layer rows, initializers, regularizers, compile.

Every widget shows a value of `state.spec()` and writes it back in its `on_change` callback;
nothing else holds the truth. Before a widget is drawn its key is set from the spec
(`state.sync_widget`), so a value changed elsewhere (a "fix" button, a loaded spec, a layer
moved up) shows at once and no stale widget state survives. Layer widgets are keyed by the
layer's `uid`, which follows the layer when it moves.

Problems from `spec.validate` are drawn right under the control they are about.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import streamlit as st

from gui.core import registry
from gui.core.spec import (
    DEFAULT_LEARNING_RATE,
    INITIALIZER_PARAMS,
    LAYER_TYPES,
    OPTIMIZER_OPTIONS,
    REGULARIZERS,
    SPARSE_METRICS,
    UNSEEDED_INITIALIZERS,
    VARIANCE_SCALING_DISTRIBUTIONS,
    VARIANCE_SCALING_MODES,
    DataInfo,
    LayerSpec,
    Problem,
    _new_uid,
    follow_task,
    output_layer,
    problems_at,
    suggested_output,
)
from gui.ui import state

LAYER_BLURBS = {
    "Dense": "Neurons connected to every input: the layer that learns.",
    "Activation": "Applies an activation function to the previous layer's output.",
    "Dropout": "Randomly switches off a share of inputs while training, against overfitting.",
    "BatchNormalization": "Re-centres and re-scales the previous layer's outputs.",
}
REGULARIZER_LABELS = {"none": "none", "l1": "L1", "l2": "L2", "l1l2": "L1 + L2"}


# ---- plumbing ------------------------------------------------------------------------------

def show_problems(problems: list[Problem], where: str, exact: bool = False) -> None:
    """Draw the problems about `where` (and, unless `exact`, everything inside it)."""
    found = ([p for p in problems if p.where == where] if exact
             else problems_at(problems, where))
    for problem in found:
        st.error(problem.message, icon=":material/error:")


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _labelled(options: dict[str, str]) -> Callable[[str], str]:
    """format_func showing "name — one-line help"; unknown names are flagged."""
    return lambda name: (f"{name} — {_short(options[name])}" if name in options
                         else f"{name} (unknown)")


def _choices(options, current) -> list:
    """The options, plus the current value when it is not one (so the error can show it)."""
    options = list(options)
    return options if current in options else options + [current]


def _number(value: Any, default: float) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return float(value) if ok and value == value and abs(value) != float("inf") else default


def _find_layer(uid: str) -> LayerSpec | None:
    return next((x for x in state.spec().layers if x.uid == uid), None)


def _set_path(target: Any, path: tuple, value: Any) -> None:
    for step in path[:-1]:
        target = target[step] if isinstance(target, dict) else getattr(target, step)
    if isinstance(target, dict):
        target[path[-1]] = value
    else:
        setattr(target, path[-1], value)


def _on_layer(uid: str, path: tuple, key: str) -> None:
    layer = _find_layer(uid)
    if layer is not None:
        _set_path(layer, path, state.widget_value(key))
        state.mark_edited("layers")


def _on_compile(path: tuple, key: str) -> None:
    _set_path(state.spec().compile, path, state.widget_value(key))
    state.mark_edited("compile")


# ---- following the data --------------------------------------------------------------------

def follow_data(info: DataInfo) -> None:
    """Give the model the new task's defaults where the user has not edited them.

    Call on every run of a page that has prepared data; it does nothing when the task and
    class count are those the model was made for.
    """
    edits = state.model_edits()
    basis = edits["basis"]
    if basis is not None and (basis.task, basis.n_classes) == (info.task, info.n_classes):
        if basis != info:
            edits["basis"] = info
        return
    spec = state.spec()
    if basis is None and spec.layers and _fits(spec, info):
        edits["basis"] = info  # e.g. the data page already gave it the right head
        return
    new, notes = follow_task(spec, basis, info, edits["layers"], edits["compile"])
    new.data = spec.data
    state.spec().layers, state.spec().compile = new.layers, new.compile
    edits["basis"] = info
    for note in notes:
        state.add_note("info", note)


def _fits(spec, info: DataInfo) -> bool:
    from gui.core.spec import head_problems

    return not head_problems(spec, info)


# ---- the layer stack -----------------------------------------------------------------------

def _move(uid: str, step: int) -> None:
    layers = state.spec().layers
    i = next(i for i, x in enumerate(layers) if x.uid == uid)
    j = i + step
    if 0 <= j < len(layers):
        layers[i], layers[j] = layers[j], layers[i]
        state.mark_edited("layers")


def _remove(uid: str) -> None:
    spec = state.spec()
    spec.layers = [x for x in spec.layers if x.uid != uid]
    state.mark_edited("layers")


def _duplicate(uid: str) -> None:
    layers = state.spec().layers
    i = next(i for i, x in enumerate(layers) if x.uid == uid)
    twin = copy.deepcopy(layers[i])
    twin.uid = _new_uid()
    layers.insert(i + 1, twin)
    state.mark_edited("layers")


def _add(key: str) -> None:
    """Insert a layer of the chosen type just above the output layer."""
    kind = state.widget_value(key) or "Dense"
    layers = state.spec().layers
    new = LayerSpec(type=kind)
    if kind == "Activation":
        new.activation = "relu"
    index = output_layer(layers)
    layers.insert(len(layers) if index is None else index, new)
    state.mark_edited("layers")


def _apply_output(info: DataInfo) -> None:
    from gui.core.spec import with_suggested_output

    spec = with_suggested_output(state.spec(), info)
    state.spec().layers = spec.layers
    state.mark_edited("layers")


def input_rows(prepared) -> None:
    """The input (from the data, not editable) and the fitted scaling layer."""
    prep = prepared.preprocessor
    names = prep.encoded_names_
    with st.container(border=True, key="model-input"):
        st.markdown(f"**Input** · {prepared.n_inputs} feature"
                    f"{'s' if prepared.n_inputs != 1 else ''} (from the data)")
        shown = ", ".join(map(str, names[:12])) + (" …" if len(names) > 12 else "")
        st.caption(f"{shown}. Change the columns on the Data page.")
        scaling = prep.scaling_["kind"]
        text = {"standard": "Normalization: standardise each feature (mean 0, std 1)",
                "minmax": "Normalization: min-max scale each feature to 0–1",
                "l2": "UnitNormalization: scale each row to length 1",
                "none": "No scaling: the raw values go in"}[scaling]
        st.caption(f":material/tune: {text} — fitted on the training rows, not trained.")


def layer_stack(info: DataInfo, problems: list[Problem]) -> None:
    """Every layer's editor, then the output check and the "add layer" row."""
    layers = state.spec().layers
    out = output_layer(layers)
    show_problems(problems, "layers", exact=True)
    for i, layer in enumerate(layers):
        layer_row(i, layer, len(layers), i == out, problems)
    output_check(info, problems)
    add_row()


def layer_row(index: int, layer: LayerSpec, count: int, is_output: bool,
              problems: list[Problem]) -> None:
    """One layer: header with move/duplicate/remove buttons, then its settings."""
    uid, at = layer.uid, f"layers[{index}]"
    with st.container(border=True, key=f"model-layer-{uid}"):
        title, buttons = st.columns([3, 2], vertical_alignment="center")
        role = " · output layer" if is_output else (" · hidden layer" if layer.type == "Dense"
                                                     else "")
        title.markdown(f"**{index + 1} · {layer.type}**{role}",
                       help=f"{registry.layer_help(layer.type)} {LAYER_BLURBS[layer.type]}")
        with buttons.container(horizontal=True, horizontal_alignment="right", gap=None):
            st.button("", icon=":material/arrow_upward:", key=f"model.{uid}.up",
                      help="Move up", type="tertiary", disabled=index == 0,
                      on_click=_move, args=(uid, -1))
            st.button("", icon=":material/arrow_downward:", key=f"model.{uid}.down",
                      help="Move down", type="tertiary", disabled=index == count - 1,
                      on_click=_move, args=(uid, 1))
            st.button("", icon=":material/content_copy:", key=f"model.{uid}.duplicate",
                      help="Duplicate this layer", type="tertiary",
                      on_click=_duplicate, args=(uid,))
            st.button("", icon=":material/delete:", key=f"model.{uid}.remove",
                      help="Remove this layer", type="tertiary", on_click=_remove, args=(uid,))
        show_problems(problems, f"{at}.type")
        if layer.type == "Dense":
            _dense(layer, at, problems)
        elif layer.type == "Activation":
            activation_select(layer, at, problems)
        elif layer.type == "Dropout":
            _float_input(layer, ("rate",), at, "rate", 0.2, step=0.05, fmt="%.2f",
                         problems=problems, help_args="Dropout")
        elif layer.type == "BatchNormalization":
            left, right = st.columns(2)
            with left:
                _float_input(layer, ("momentum",), at, "momentum", 0.99, step=0.01,
                             fmt="%.3f", problems=problems, help_args="BatchNormalization")
            with right:
                _float_input(layer, ("epsilon",), at, "epsilon", 0.001, step=0.0001,
                             fmt="%.4f", problems=problems, help_args="BatchNormalization")


def _dense(layer: LayerSpec, at: str, problems: list[Problem]) -> None:
    left, right = st.columns([1, 2])
    with left:
        key = f"model.{layer.uid}.units"
        value = layer.units if isinstance(layer.units, int) else 1
        state.sync_widget(key, value)
        st.number_input("units", step=1, key=key, on_change=_on_layer,
                        args=(layer.uid, ("units",), key),
                        help="Number of neurons: the width of this layer's output. "
                             + registry.layer_args("Dense")["units"])
    with right:
        activation_select(layer, at, problems, show=False)
    show_problems(problems, f"{at}.units")  # full width, under both controls
    show_problems(problems, f"{at}.activation")
    with st.expander("More: bias, initializers, regularizers",
                     expanded=bool(problems_at(problems, f"{at}.kernel_initializer")
                                   + problems_at(problems, f"{at}.bias_initializer")
                                   + [p for p in problems if p.where.startswith(at)
                                      and "regularizer" in p.where])):
        key = f"model.{layer.uid}.use_bias"
        state.sync_widget(key, bool(layer.use_bias))
        st.checkbox("use_bias", key=key, on_change=_on_layer,
                    args=(layer.uid, ("use_bias",), key),
                    help=registry.layer_args("Dense")["use_bias"])
        initializer_editor(layer, "kernel_initializer", at, problems)
        if layer.use_bias:
            initializer_editor(layer, "bias_initializer", at, problems)
        for name in ("kernel_regularizer", "bias_regularizer", "activity_regularizer"):
            if name == "bias_regularizer" and not layer.use_bias:
                continue
            regularizer_editor(layer, name, at, problems)


def activation_select(layer: LayerSpec, at: str, problems: list[Problem],
                      show: bool = True) -> None:
    options = registry.activations()
    key = f"model.{layer.uid}.activation"
    state.sync_widget(key, layer.activation)
    st.selectbox("activation", _choices(options, layer.activation), key=key,
                 format_func=_labelled(options), on_change=_on_layer,
                 args=(layer.uid, ("activation",), key),
                 help="The function applied to each neuron's output. relu for hidden layers; "
                      "for the output: softmax (classes), sigmoid (two classes), linear "
                      "(numbers).")
    if show:
        show_problems(problems, f"{at}.activation")


def _float_input(layer: LayerSpec, path: tuple, at: str, label: str, default: float,
                 step: float, fmt: str, problems: list[Problem], help_args: str = "",
                 help: str = "") -> None:
    key = f"model.{layer.uid}.{'.'.join(path)}"
    target: Any = layer
    for part in path:
        target = target.get(part) if isinstance(target, dict) else getattr(target, part)
    state.sync_widget(key, _number(target, default))
    if help_args:
        help = help or registry.layer_args(help_args).get(path[-1], "")
    st.number_input(label, step=step, format=fmt, key=key, on_change=_on_layer,
                    args=(layer.uid, path, key), help=help or None)
    show_problems(problems, f"{at}.{'.'.join(path)}")


def _on_initializer_name(uid: str, which: str, key: str) -> None:
    layer = _find_layer(uid)
    if layer is not None:
        init = getattr(layer, which)
        init.name = state.widget_value(key)
        init.params = {}  # Keras' defaults for the new initializer
        state.mark_edited("layers")


def _on_initializer_seed(uid: str, which: str, key: str) -> None:
    layer = _find_layer(uid)
    if layer is not None:
        value = state.widget_value(key)
        getattr(layer, which).seed = None if value is None else int(value)
        state.mark_edited("layers")


def initializer_editor(layer: LayerSpec, which: str, at: str, problems: list[Problem]) -> None:
    """Initializer name, its parameters (mean/stddev, minval/maxval, ...) and seed."""
    init = getattr(layer, which)
    where = f"{at}.{which}"
    options = registry.initializers()
    if which == "bias_initializer":
        options = {k: v for k, v in options.items() if k != "Orthogonal"}
    key = f"model.{layer.uid}.{which}.name"
    state.sync_widget(key, init.name)
    st.selectbox(which, _choices(options, init.name), key=key, format_func=_labelled(options),
                 on_change=_on_initializer_name, args=(layer.uid, which, key),
                 help=registry.layer_args("Dense")[which] + " "
                      + ("Glorot uniform is Keras' default for kernels."
                         if which == "kernel_initializer" else "Zeros is Keras' default."))
    show_problems(problems, f"{where}.name")
    params = INITIALIZER_PARAMS.get(init.name, {})
    arg_help = registry.initializer_args(init.name) if init.name in options else {}
    names = list(params) + ([] if init.name in UNSEEDED_INITIALIZERS else ["seed"])
    names += [k for k in init.params if k not in params]  # unknown ones, to show the error
    if not names:
        return
    columns = st.columns(len(names))
    for column, name in zip(columns, names, strict=True):
        with column:
            if name == "seed":
                _seed_input(layer, which, arg_help, problems, where)
            elif name in ("mode", "distribution"):
                choices = (VARIANCE_SCALING_MODES if name == "mode"
                           else VARIANCE_SCALING_DISTRIBUTIONS)
                value = init.params.get(name, params[name])
                pkey = f"model.{layer.uid}.{which}.params.{name}"
                state.sync_widget(pkey, value)
                st.selectbox(name, _choices(choices, value), key=pkey, on_change=_on_layer,
                             args=(layer.uid, (which, "params", name), pkey),
                             help=arg_help.get(name))
                show_problems(problems, f"{where}.params.{name}")
            else:
                _float_input(layer, (which, "params", name), at, name,
                             params.get(name, 0.0), step=0.01, fmt="%.4f", problems=problems,
                             help=arg_help.get(name, ""))


def _seed_input(layer, which, arg_help, problems, where) -> None:
    init = getattr(layer, which)
    key = f"model.{layer.uid}.{which}.seed"
    ok = isinstance(init.seed, int) and not isinstance(init.seed, bool)
    state.sync_widget(key, init.seed if ok else None)
    st.number_input("seed", step=1, key=key, placeholder="from the experiment seed",
                    on_change=_on_initializer_seed, args=(layer.uid, which, key),
                    help="Empty: derived from the experiment's seed. "
                         + arg_help.get("seed", "").split(". Note")[0])
    show_problems(problems, f"{where}.seed")


def regularizer_editor(layer: LayerSpec, which: str, at: str, problems: list[Problem]) -> None:
    """Regularizer kind (none / L1 / L2 / L1+L2) and its factors."""
    reg = getattr(layer, which)
    where = f"{at}.{which}"
    helps = registry.regularizers()
    key = f"model.{layer.uid}.{which}.kind"
    state.sync_widget(key, reg.kind)
    kind_col, l1_col, l2_col = st.columns([2, 1, 1])
    with kind_col:
        st.selectbox(which, _choices(REGULARIZERS, reg.kind), key=key,
                     format_func=lambda k: (f"{REGULARIZER_LABELS[k]} — {helps[k]}"
                                            if k in helps else f"{k} (unknown)"),
                     on_change=_on_layer, args=(layer.uid, (which, "kind"), key),
                     help=registry.layer_args("Dense")[which] + " A penalty on large values "
                          "added to the loss, against overfitting.")
        show_problems(problems, f"{where}.kind")
    for factor, column in (("l1", l1_col), ("l2", l2_col)):
        if reg.kind in (factor, "l1l2"):
            with column:
                _float_input(layer, (which, factor), at, f"{factor} factor", 0.01,
                             step=0.001, fmt="%.4f", problems=problems,
                             help=f"How strongly the {factor.upper()} penalty counts.")


def output_check(info: DataInfo, problems: list[Problem]) -> None:
    """Compare the output layer with what the task needs; one click applies the suggestion."""
    layers = state.spec().layers
    index = output_layer(layers)
    suggestion = suggested_output(info.task, info.n_classes)
    need = {"regression": "1 number per row",
            "binary": "the probability of the second class",
            "multiclass": f"one probability per class ({info.n_classes} classes)"}[info.task]
    wrong = index is None or any(
        p.where.startswith((f"layers[{index}].units", f"layers[{index}].activation"))
        or (p.where.endswith(".activation") and "output layer" in p.message)
        for p in problems) or any(p.where == "layers" for p in problems)
    text = (f"The task needs **{need}**: suggested output **Dense({suggestion.units}, "
            f"{suggestion.activation})**.")
    if wrong:
        with st.container(border=True, key="model-output-fix"):
            st.warning(text + " The output layer does not match it yet.",
                       icon=":material/warning:")
            st.button(f"Fix: use Dense({suggestion.units}, {suggestion.activation}) as the "
                      "output layer", key="model.fix_output", icon=":material/build:",
                      type="primary", on_click=_apply_output, args=(info,))
    else:
        st.caption(f":material/check_circle: {text}")


def add_row() -> None:
    key = "model.add_type"
    if state.widget_value(key) not in LAYER_TYPES:
        state.sync_widget(key, "Dense")
    pick, button = st.columns([3, 2], vertical_alignment="bottom")
    pick.selectbox("New layer type", LAYER_TYPES, key=key,
                   format_func=lambda t: f"{t} — {LAYER_BLURBS[t]}",
                   help="New layers go just above the output layer; move them with the "
                        "arrows.")
    button.button("Add layer", key="model.add", icon=":material/add:", on_click=_add,
                  args=(key,), width="stretch")


# ---- compile settings ----------------------------------------------------------------------

def _on_optimizer(key: str) -> None:
    compile = state.spec().compile
    old = compile.optimizer
    compile.optimizer = state.widget_value(key)
    compile.options = {}
    if compile.learning_rate == DEFAULT_LEARNING_RATE.get(old, 0.001):
        compile.learning_rate = DEFAULT_LEARNING_RATE.get(compile.optimizer, 0.001)
    state.mark_edited("compile")


def _apply_compile(info: DataInfo) -> None:
    from gui.core.spec import with_suggested_compile

    state.spec().compile = with_suggested_compile(state.spec(), info).compile
    state.mark_edited("compile")


def metric_options(info: DataInfo) -> dict[str, str]:
    """The metrics to offer: the task's, plus class-index ones for a 2-unit binary head."""
    options = dict(registry.metrics(info.task))
    layers = state.spec().layers
    index = output_layer(layers)
    if info.task == "binary" and index is not None and layers[index].units != 1:
        multi = registry.metrics("multiclass")
        options.update({m: multi[m] for m in SPARSE_METRICS if m in multi})
    return options


def compile_editor(info: DataInfo, problems: list[Problem]) -> None:
    """Loss, optimizer (with its options), learning rate, gradient clipping and metrics."""
    compile = state.spec().compile
    losses = registry.losses()
    left, middle, right = st.columns(3)
    with left:
        key = "model.compile.loss"
        state.sync_widget(key, compile.loss)
        st.selectbox("loss", _choices(losses, compile.loss), key=key,
                     format_func=_labelled(losses), on_change=_on_compile,
                     args=(("loss",), key),
                     help="What training minimises. Classes: sparse_categorical_crossentropy "
                          "(or binary_crossentropy for 2 classes with 1 sigmoid unit); "
                          "numbers: mean_squared_error.")
        show_problems(problems, "compile.loss")
        if problems_at(problems, "compile.loss"):
            st.button("Fix: use the loss and metrics that fit the task",
                      key="model.fix_compile", icon=":material/build:",
                      on_click=_apply_compile, args=(info,))
        metrics = metric_options(info)
        key = "model.compile.metrics"
        state.sync_widget(key, [m for m in compile.metrics if isinstance(m, str)])
        shown = list(metrics) + [m for m in compile.metrics
                                 if isinstance(m, str) and m not in metrics]
        st.multiselect("metrics", shown, key=key, on_change=_on_compile,
                       args=(("metrics",), key),
                       format_func=lambda m: m if m in metrics else f"{m} (does not fit)",
                       help="Reported while training, not optimised:\n\n" + "\n".join(
                           f"- **{m}**: {h}" for m, h in metrics.items()))
        show_problems(problems, "compile.metrics")
    with middle:
        optimizers = registry.optimizers()
        key = "model.compile.optimizer"
        state.sync_widget(key, compile.optimizer)
        st.selectbox("optimizer", _choices(optimizers, compile.optimizer), key=key,
                     format_func=_labelled(optimizers), on_change=_on_optimizer, args=(key,),
                     help="How the weights are updated from the gradients. adam is a good "
                          "default.")
        show_problems(problems, "compile.optimizer")
        _compile_number("learning_rate", 0.001, step=0.0001, fmt="%.5f",
                        help="Size of each update step. Too large: the loss jumps around; "
                             "too small: training crawls. adam: 0.001; sgd: 0.01.",
                        problems=problems)
    with right:
        options = OPTIMIZER_OPTIONS.get(compile.optimizer, {})
        st.markdown(f"**{compile.optimizer} options**",
                    help="Keras' defaults; most people never change them.")
        arg_help = (registry.optimizer_args(compile.optimizer)
                    if compile.optimizer in OPTIMIZER_OPTIONS else {})
        for name, default in options.items():
            value = compile.options.get(name, default)
            key = f"model.compile.options.{name}"
            if isinstance(default, bool):
                state.sync_widget(key, bool(value) if isinstance(value, bool) else default)
                st.checkbox(name, key=key, on_change=_on_compile,
                            args=(("options", name), key), help=arg_help.get(name))
            else:
                state.sync_widget(key, _number(value, float(default)))
                st.number_input(name, step=0.01, format="%.4f", key=key,
                                on_change=_on_compile, args=(("options", name), key),
                                help=arg_help.get(name))
            show_problems(problems, f"compile.options.{name}")
        for name in compile.options:
            if name not in options:
                show_problems(problems, f"compile.options.{name}")
        a, b = st.columns(2)
        with a:
            _compile_number("clipnorm", 0.0, step=0.1, fmt="%.2f", problems=problems,
                            help="0 = off. " + arg_help.get("clipnorm", ""))
        with b:
            _compile_number("clipvalue", 0.0, step=0.1, fmt="%.2f", problems=problems,
                            help="0 = off. " + arg_help.get("clipvalue", ""))


def _compile_number(name: str, default: float, step: float, fmt: str, help: str,
                    problems: list[Problem]) -> None:
    key = f"model.compile.{name}"
    state.sync_widget(key, _number(getattr(state.spec().compile, name), default))
    st.number_input(name, step=step, format=fmt, key=key, on_change=_on_compile,
                    args=((name,), key), help=help)
    show_problems(problems, f"compile.{name}")


def _reset_model(info: DataInfo) -> None:
    from gui.core.spec import ExperimentSpec

    fresh = ExperimentSpec.default_for(info.task, info.n_classes)
    spec = state.spec()
    spec.layers, spec.compile = fresh.layers, fresh.compile
    edits = state.model_edits()
    edits.update(layers=False, compile=False, basis=info)


def reset_button(info: DataInfo) -> None:
    st.button("Start over with the recommended network", key="model.reset",
              icon=":material/restart_alt:", on_click=_reset_model, args=(info,),
              help="Two hidden Dense(64, relu) layers, the output layer and compile settings "
                   "that fit the task.")


# ---- status, summary and diagram -----------------------------------------------------------

ON_THIS_PAGE = ("layers", "compile.")


def notes() -> None:
    """Messages queued by callbacks (a loaded spec, an output layer that followed the task)."""
    for kind, text in state.pop_notes():
        getattr(st, kind)(text)


def status(problems: list[Problem]) -> None:
    """Ready to train, or how many problems there are (and those drawn nowhere else)."""
    if not problems:
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.success("The model is ready to train.", icon=":material/check_circle:")
        right.page_link("pages/train.py", label="Next: train it", icon=":material/east:")
        return
    count = len(problems)
    st.error(f"**{count} problem{'s' if count > 1 else ''} to fix before training.** Each one "
             "is shown in red next to the setting at fault.", icon=":material/error:")
    elsewhere = [p for p in problems if not p.where.startswith(ON_THIS_PAGE)]
    for problem in elsewhere:
        page = "Train" if problem.where.startswith("fit.") else "Data"
        st.error(f"`{problem.where}` ({page} page): {problem.message}",
                 icon=":material/error:")


@st.cache_data(max_entries=256, show_spinner=False)
def _layer_summary(layers_json: str, n_inputs: int, scaling: str) -> list[dict]:
    """Cached on the layers alone (no data): a pure function of its arguments."""
    from gui.core import build
    from gui.core.spec import ExperimentSpec

    return build.layer_summary(ExperimentSpec.from_json(layers_json), n_inputs, scaling)


def layer_rows(prepared) -> list[dict]:
    """model.summary()'s rows for the current spec (the scaling layer first)."""
    from gui.core.spec import ExperimentSpec

    layers_only = ExperimentSpec(layers=state.spec().layers).to_json()
    return _layer_summary(layers_only, prepared.n_inputs,
                          prepared.preprocessor.scaling_["kind"])


def _dot(text: str) -> str:
    """Escape text for a double-quoted Graphviz label."""
    return (str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
            .replace("\r", " "))


def diagram(prepared, rows: list[dict]) -> str:
    """A Graphviz DOT picture of the stack: input → scaling → layers → prediction."""
    layers = state.spec().layers
    node = ('node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=14, '
            'color="#9aa0a6", fillcolor="#f1f3f4", fontcolor="#202124", margin="0.18,0.06"];')
    lines = ["digraph model {", 'rankdir=TB; bgcolor="transparent"; nodesep=0.2; ranksep=0.22;',
             node, 'edge [color="#9aa0a6", arrowsize=0.6];']
    n = prepared.n_inputs
    lines.append(f'input [label="Input\\n{n} feature{"s" if n != 1 else ""}", '
                 'fillcolor="#e8f0fe", color="#4285f4"];')
    previous = "input"
    body = rows
    if rows and len(rows) == len(layers) + 1:
        scale = rows[0]
        label = {"Normalization": "Normalization\\nfitted scaling",
                 "UnitNormalization": "UnitNormalization\\nrows to length 1"}.get(
            scale["type"], scale["type"])
        lines.append(f'scale [label="{label}", style="rounded,filled,dashed"];')
        lines.append(f"{previous} -> scale;")
        previous, body = "scale", rows[1:]
    out = output_layer(layers)
    for i, (layer, row) in enumerate(zip(layers, body, strict=False)):
        name = f"layer{i}"
        params = f"\\n{row['parameters']:,} parameters" if row["parameters"] else ""
        if layer.type == "Dense":
            role = "output · " if i == out else ""
            label = f"{role}Dense {layer.units} · {_dot(layer.activation)}{params}"
            style = 'fillcolor="#fde3d3", color="#e8590c", penwidth=1.4'
        elif layer.type == "Dropout":
            label, style = f"Dropout {layer.rate:g}", 'style="rounded,filled,dashed"'
        elif layer.type == "Activation":
            label, style = f"Activation · {_dot(layer.activation)}", ""
        else:
            label, style = f"BatchNormalization{params}", ""
        lines.append(f'{name} [label="{label}"{", " + style if style else ""}];')
        lines.append(f"{previous} -> {name};")
        previous = name
    classes = [str(c) for c in prepared.class_names]
    if prepared.task == "regression":
        what = "1 number"
    elif prepared.task == "binary" and layers and out is not None and layers[out].units == 1:
        what = f"probability of {_dot(classes[-1])}"
    else:
        shown = _dot(", ".join(classes[:4]) + (", …" if len(classes) > 4 else ""))
        what = f"{len(classes)} class probabilities\\n{shown}"
    lines.append(f'prediction [label="Prediction\\n{what}", shape=box, '
                 'style="rounded,filled", fillcolor="#e6f4ea", color="#34a853"];')
    lines.append(f"{previous} -> prediction;")
    lines.append("}")
    return "\n".join(lines)


def summary_panel(prepared, problems: list[Problem]) -> None:
    """Parameter counts, the layer table (as model.summary() shows it) and the diagram."""
    if problems_at(problems, "layers"):
        st.info("Fix the layer problems on the left to see the summary.",
                icon=":material/info:")
        return
    try:
        rows = layer_rows(prepared)
    except Exception as exc:  # Keras refused the stack: say so instead of crashing the page
        st.error(f"Keras could not build this network: {exc}", icon=":material/error:")
        return
    total = sum(r["parameters"] for r in rows)
    trainable = sum(r["trainable"] for r in rows)
    a, b = st.columns(2)
    a.metric("Parameters", f"{total:,}", help="All weights, as model.summary() counts them.")
    b.metric("Trainable", f"{trainable:,}", help="Weights that training changes. The scaling "
                                                 "layer and BatchNormalization's running "
                                                 "statistics are not trained.")
    table = [{"Layer": r["name"], "Type": r["type"], "Output shape": r["output shape"],
              "Parameters": r["parameters"]} for r in rows]
    st.dataframe(table, hide_index=True, width="stretch", key="model.summary_table",
                 column_config={"Parameters": st.column_config.NumberColumn(
                     format="localized")})
    with st.container(horizontal_alignment="center"):
        st.graphviz_chart(diagram(prepared, rows), width="content")


# ---- export and import ---------------------------------------------------------------------

MAX_SPEC_BYTES = 1_000_000


def _stem() -> str:
    source = state.spec().data.source or "layerlab"
    stem = source.rsplit(".", 1)[0]
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)[:40] or "layerlab"


def _on_spec_upload(key: str) -> None:
    """Load an uploaded spec JSON: the whole UI follows; problems are shown, not raised."""
    from gui.core import dataset
    from gui.core.spec import ExperimentSpec, SpecError

    upload = state.widget_value(key)
    state.next_spec_upload()  # a fresh, empty uploader next time
    if upload is None:
        return
    raw = upload.getvalue()
    if len(raw) > MAX_SPEC_BYTES:
        state.add_note("error", f"**{upload.name}** is {len(raw) / 1e6:.1f} MB; a spec file "
                                "is a few KB. Choose a spec JSON downloaded from LayerLab.")
        return
    try:
        new = ExperimentSpec.from_json(raw)
    except SpecError as exc:
        state.add_note("error", f"**{upload.name}** could not be loaded: {exc}")
        return
    current = state.spec()
    train, prepared = state.train_csv(), state.prepared()
    if train is not None:
        test = state.test_csv() if new.data.test_source else None
        if new.data.source and new.data.source != train.name:
            state.add_note("warning", f"This spec was made for **{new.data.source}**, but "
                                      f"**{train.name}** is loaded: its data settings are "
                                      "not applied. Load that file on the Data page to use "
                                      "them.")
            new.data = copy.deepcopy(current.data)
        else:
            try:
                prepared = dataset.prepare(train.frame, new.data,
                                           test.frame if test is not None else None)
            except dataset.DataError as exc:
                state.add_note("warning", f"The spec's data settings do not fit "
                                          f"**{train.name}** ({exc}) — the current data "
                                          "settings are kept.")
                new.data = copy.deepcopy(current.data)
            else:
                state.set_prepared(prepared)
    state.set_spec(new)
    edits = state.model_edits()
    edits.update(layers=True, compile=True,
                 basis=DataInfo.from_prepared(prepared) if prepared is not None else None)
    state.add_note("success", f"Loaded **{upload.name}**: {len(new.layers)} layers, "
                              f"{new.compile.optimizer} optimizer, {new.compile.loss} loss.")


def spec_loader() -> None:
    key = state.spec_upload_key()
    st.file_uploader("Load a spec (JSON)", type=["json"], key=key, max_upload_size=1,
                     on_change=_on_spec_upload, args=(key,),
                     help="A spec downloaded from LayerLab. It is read as data and checked; "
                          "nothing in it is run.")


def spec_io(prepared, problems: list[Problem]) -> None:
    """Download the spec JSON and a runnable Python script; load a spec JSON back."""
    from gui.core import codegen

    spec = state.spec()
    stem = _stem()
    a, b, c = st.columns(3)
    with a:
        st.download_button("Download spec (JSON)", data=spec.to_json(),
                           file_name=f"{stem}_spec.json", mime="application/json",
                           key="model.download_spec", on_click="ignore",
                           icon=":material/download:", width="stretch",
                           help="Every choice of this experiment (data, layers, compile, fit) "
                                "as JSON. Load it back here to restore them.")
    with b:
        script, why = "", "Fix the problems above first."
        if not problems:
            loaded = state.train_csv()
            script = codegen.python_script(spec, prepared.preprocessor,
                                           delimiter=getattr(loaded, "delimiter", ","),
                                           encoding=getattr(loaded, "encoding", "utf-8"))
            why = ("A readable Keras script that prepares the CSV the same way and trains "
                   f"this network: python train_{stem}.py {spec.data.source or 'data.csv'}")
        st.download_button("Download Python script", data=script,
                           file_name=f"train_{stem}.py", mime="text/x-python",
                           key="model.download_script", on_click="ignore",
                           icon=":material/code:", width="stretch", disabled=not script,
                           help=why)
    with c:
        spec_loader()
