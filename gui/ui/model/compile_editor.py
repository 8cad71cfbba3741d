"""The model page's compile settings: loss, optimizer and its options, learning rate,
gradient clipping and metrics."""

from __future__ import annotations

import streamlit as st

from gui.core.inspection import hints
from gui.core.model import registry
from gui.core.spec.data_info import DataInfo
from gui.core.spec.problems import Problem
from gui.core.spec.schema import output_layer
from gui.core.spec.validate import problems_at
from gui.core.spec.vocabulary import OPTIMIZERS, SPARSE_METRICS
from gui.ui.common.controls import (
    choices,
    heading_with_help,
    labelled,
    number,
    set_path,
    show_problems,
)
from gui.ui.session import state


def _on_compile(path: tuple, key: str) -> None:
    set_path(state.spec().compile, path, state.widget_value(key))
    state.mark_edited(f"compile.{path[0]}")


def _on_optimizer(key: str) -> None:
    compile = state.spec().compile
    old = compile.optimizer
    compile.optimizer = state.widget_value(key)
    compile.options = {}
    # A learning rate the user left at the old optimizer's default follows the new one's.
    if old in OPTIMIZERS and compile.learning_rate == OPTIMIZERS[old].learning_rate \
            and compile.optimizer in OPTIMIZERS:
        compile.learning_rate = OPTIMIZERS[compile.optimizer].learning_rate
    state.mark_edited("compile.optimizer")


def _apply_compile(info: DataInfo) -> None:
    from gui.core.spec.heads import with_suggested_compile

    state.spec().compile = with_suggested_compile(state.spec(), info).compile
    state.unmark_edited("compile.loss", "compile.metrics")  # they follow the task again


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
        st.selectbox("loss", choices(losses, compile.loss), key=key,
                     format_func=labelled(losses), on_change=_on_compile,
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
        st.selectbox("optimizer", choices(optimizers, compile.optimizer), key=key,
                     format_func=labelled(optimizers), on_change=_on_optimizer, args=(key,),
                     help="How the weights are updated from the gradients. adam is a good "
                          "default.")
        show_problems(problems, "compile.optimizer")
        usual = hints.range_words(compile.optimizer)
        _compile_number("learning_rate", 0.001, step=0.0001, fmt="%.5f",
                        help="Size of each update step. Too large: the loss jumps around; "
                             "too small: training crawls. "
                             + (f"{usual}." if usual else "adam: 0.001; sgd: 0.01."),
                        problems=problems)
        warning = hints.learning_rate_warning(compile.optimizer, compile.learning_rate)
        if warning:
            st.warning(warning, icon=":material/warning:")
    with right:
        row = OPTIMIZERS.get(compile.optimizer)
        options = {name: p.default for name, p in row.options.items()} if row else {}
        heading_with_help(st, f"**{compile.optimizer} options**",
                          f"About the {compile.optimizer} options",
                          "Keras' defaults; most people never change them.", key="optimizer")
        arg_help = (registry.optimizer_args(compile.optimizer)
                    if compile.optimizer in OPTIMIZERS else {})
        for name, default in options.items():
            value = compile.options.get(name, default)
            key = f"model.compile.options.{name}"
            if isinstance(default, bool):
                state.sync_widget(key, bool(value) if isinstance(value, bool) else default)
                st.checkbox(name, key=key, on_change=_on_compile,
                            args=(("options", name), key), help=arg_help.get(name))
            else:
                state.sync_widget(key, number(value, float(default)))
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
    state.sync_widget(key, number(getattr(state.spec().compile, name), default))
    st.number_input(name, step=step, format=fmt, key=key, on_change=_on_compile,
                    args=((name,), key), help=help)
    show_problems(problems, f"compile.{name}")
