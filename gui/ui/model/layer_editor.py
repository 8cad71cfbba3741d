"""The model page's layer stack: input, one editor per layer, output check, "add layer".

Dense, Activation, Dropout and BatchNormalization editors, with Dense's initializer and
regularizer editors, the buttons that move, duplicate and remove a layer, and "start over".
Layer widgets are keyed by the layer's `uid`, which follows the layer when it moves.
"""

from __future__ import annotations

import copy
from typing import Any

import streamlit as st

from gui.core.model import registry
from gui.core.spec.data_info import DataInfo
from gui.core.spec.heads import EDITABLE, recommended_spec, suggested_output
from gui.core.spec.layer_kinds import kind_of
from gui.core.spec.problems import Problem
from gui.core.spec.schema import (
    LayerSpec,
    new_uid,
    output_layer,
)
from gui.core.spec.validate import problems_at
from gui.core.spec.vocabulary import (
    INITIALIZER_CHOICES,
    INITIALIZER_PARAMS,
    LAYER_DEFAULTS,
    LAYER_TYPES,
    REGULARIZERS,
    SCALINGS,
    TASKS,
    UNSEEDED_INITIALIZERS,
)
from gui.ui.common.controls import (
    choices,
    heading_with_help,
    labelled,
    number,
    set_path,
    show_problems,
)
from gui.ui.session import state
from gui.ui.text import code_short


def _find_layer(uid: str) -> LayerSpec | None:
    return next((x for x in state.spec().layers if x.uid == uid), None)


def _mark(uid: str, path: tuple = ()) -> None:
    """The output layer's units and activation are "output"; anything else is "layers"."""
    layers = state.spec().layers
    index = output_layer(layers)
    is_output = index is not None and layers[index].uid == uid
    state.mark_edited("output" if is_output and path[:1] in (("units",), ("activation",))
                      else "layers")


def _on_layer(uid: str, path: tuple, key: str) -> None:
    layer = _find_layer(uid)
    if layer is not None:
        set_path(layer, path, state.widget_value(key))
        _mark(uid, path)


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
    twin.uid = new_uid()
    layers.insert(i + 1, twin)
    state.mark_edited("layers")


def _add(key: str) -> None:
    """Insert a layer of the chosen type just above the output layer."""
    kind = state.widget_value(key) or "Dense"
    layers = state.spec().layers
    new = LayerSpec(type=kind)  # every field at LAYER_DEFAULTS
    index = output_layer(layers)
    layers.insert(len(layers) if index is None else index, new)
    state.mark_edited("layers")


def _apply_output(info: DataInfo) -> None:
    from gui.core.spec.heads import with_suggested_output

    spec = with_suggested_output(state.spec(), info)
    state.spec().layers = spec.layers
    state.unmark_edited("output")  # the suggestion again: it follows the task from now on


def input_rows(prepared) -> None:
    """The input (from the data, not editable) and the fitted scaling layer."""
    prep = prepared.preprocessor
    names = prep.encoded_names_
    with st.container(border=True, key="model-input"):
        st.markdown(f"**Input** · {prepared.n_inputs} feature"
                    f"{'s' if prepared.n_inputs != 1 else ''} (from the data)")
        shown = ", ".join(map(code_short, names[:12])) + (" …" if len(names) > 12 else "")
        st.caption(f"{shown}. Change the columns on the Data page.")
        scaling = prep.scaling_["kind"]
        text = SCALINGS[scaling].layer_text
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
        kind = kind_of(layer)
        role = " · output layer" if is_output else (" · hidden layer" if kind.learns else "")
        heading_with_help(title, f"**{index + 1} · {layer.type}**{role}",
                          f"About layer {index + 1}, {layer.type}",
                          f"{registry.layer_help(layer.type)} {LAYER_TYPES[layer.type].help}",
                          key=uid)
        # Each icon button has a real label (its accessible name, read by screen readers and
        # tests) that style.css hides from sight in the "icon-buttons" containers.
        with buttons.container(horizontal=True, horizontal_alignment="right", gap=None,
                               key=f"icon-buttons-{uid}"):
            st.button(f"Move layer {index + 1} up", icon=":material/arrow_upward:",
                      key=f"model.{uid}.up", help="Move up", type="tertiary",
                      disabled=index == 0, on_click=_move, args=(uid, -1))
            st.button(f"Move layer {index + 1} down", icon=":material/arrow_downward:",
                      key=f"model.{uid}.down", help="Move down", type="tertiary",
                      disabled=index == count - 1, on_click=_move, args=(uid, 1))
            st.button(f"Duplicate layer {index + 1}", icon=":material/content_copy:",
                      key=f"model.{uid}.duplicate", help="Duplicate this layer",
                      type="tertiary", on_click=_duplicate, args=(uid,))
            st.button(f"Remove layer {index + 1}", icon=":material/delete:",
                      key=f"model.{uid}.remove", help="Remove this layer", type="tertiary",
                      on_click=_remove, args=(uid,))
        show_problems(problems, f"{at}.type")
        if kind.learns:
            _dense(layer, at, problems)
        else:
            _settings(layer, kind, at, problems)


# A numeric layer field's input: its step and display format.
FLOAT_INPUTS = {"rate": (0.05, "%.2f"), "momentum": (0.01, "%.3f"), "epsilon": (0.0001, "%.4f")}


def _settings(layer: LayerSpec, kind, at: str, problems: list[Problem]) -> None:
    """The fields of a kind that does not learn: an activation select, numbers side by side."""
    if kind.has_activation:
        activation_select(layer, at, problems)
    numbers = [name for name in kind.fields if name in FLOAT_INPUTS]
    places = st.columns(len(numbers)) if len(numbers) > 1 else [st.container()] * len(numbers)
    for name, place in zip(numbers, places, strict=True):
        step, fmt = FLOAT_INPUTS[name]
        with place:
            _float_input(layer, (name,), at, name, LAYER_DEFAULTS[name], step=step, fmt=fmt,
                         problems=problems, help_args=kind.name)


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
    st.selectbox("activation", choices(options, layer.activation), key=key,
                 format_func=labelled(options), on_change=_on_layer,
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
    state.sync_widget(key, number(target, default))
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
        _mark(uid)


def _on_initializer_seed(uid: str, which: str, key: str) -> None:
    layer = _find_layer(uid)
    if layer is not None:
        value = state.widget_value(key)
        getattr(layer, which).seed = None if value is None else int(value)
        _mark(uid)


def initializer_editor(layer: LayerSpec, which: str, at: str, problems: list[Problem]) -> None:
    """Initializer name, its parameters (mean/stddev, minval/maxval, ...) and seed."""
    init = getattr(layer, which)
    where = f"{at}.{which}"
    options = registry.initializers()
    if which == "bias_initializer":
        options = {k: v for k, v in options.items() if k != "Orthogonal"}
    key = f"model.{layer.uid}.{which}.name"
    state.sync_widget(key, init.name)
    st.selectbox(which, choices(options, init.name), key=key, format_func=labelled(options),
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
                allowed = INITIALIZER_CHOICES[name]
                value = init.params.get(name, params[name])
                pkey = f"model.{layer.uid}.{which}.params.{name}"
                state.sync_widget(pkey, value)
                st.selectbox(name, choices(allowed, value), key=pkey, on_change=_on_layer,
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
        st.selectbox(which, choices(REGULARIZERS, reg.kind), key=key,
                     format_func=lambda k: (f"{REGULARIZERS[k].label} — {helps[k]}"
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
    need = TASKS[info.task].output + (f" ({info.n_classes} classes)"
                                      if info.task == "multiclass" else "")
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
    pick.selectbox("New layer type", list(LAYER_TYPES), key=key,
                   format_func=lambda t: f"{t} — {LAYER_TYPES[t].help}",
                   help="New layers go just above the output layer; move them with the "
                        "arrows.")
    button.button("Add layer", key="model.add", icon=":material/add:", on_click=_add,
                  args=(key,), width="stretch")


def _reset_model(info: DataInfo) -> None:

    spec = state.spec()
    fresh = recommended_spec(info, spec.data)
    spec.layers, spec.compile, spec.fit = fresh.layers, fresh.compile, fresh.fit
    state.unmark_edited(*EDITABLE)
    state.set_basis(info)


def reset_button(info: DataInfo) -> None:
    st.button("Start over with the recommended network", key="model.reset",
              icon=":material/restart_alt:", on_click=_reset_model, args=(info,),
              help="Two hidden Dense(relu) layers sized for this data's rows and inputs, "
                   "the output layer and compile settings that fit the task, and the "
                   "epochs, batch size and early stopping that suit the number of rows.")
