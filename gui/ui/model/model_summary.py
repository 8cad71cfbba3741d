"""The model page's read-outs: ready-or-not status, queued notes, the parameter counts and
layer table (as model.summary() shows them) and the Graphviz diagram of the stack."""

from __future__ import annotations

import streamlit as st

from gui.core.spec.layer_kinds import SCALING_LAYERS, kind_of
from gui.core.spec.problems import Problem
from gui.core.spec.schema import output_layer
from gui.core.spec.validate import problems_at
from gui.ui.common import projector, tables
from gui.ui.session import state
from gui.ui.text import md

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
        right.page_link("steps/train.py", label="Next: train it", icon=":material/east:")
        return
    count = len(problems)
    st.error(f"**{count} problem{'s' if count > 1 else ''} to fix before training.** Each one "
             "is shown in red next to the setting at fault.", icon=":material/error:")
    elsewhere = [p for p in problems if not p.where.startswith(ON_THIS_PAGE)]
    for problem in elsewhere:
        page = "Train" if problem.where.startswith("fit.") else "Data"
        st.error(f"`{problem.where}` ({page} page): {md(problem.message)}",
                 icon=":material/error:")


@st.cache_data(max_entries=256, show_spinner=False)
def _layer_summary(layers_json: str, n_inputs: int, scaling: str) -> list[dict]:
    """Cached on the layers alone (no data): a pure function of its arguments."""
    from gui.core.model import build
    from gui.core.spec.schema import ExperimentSpec

    return build.layer_summary(ExperimentSpec.from_json(layers_json), n_inputs, scaling)


def layer_rows(prepared) -> list[dict]:
    """model.summary()'s rows for the current spec (the scaling layer first)."""
    from gui.core.spec.schema import ExperimentSpec

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
    # Graphviz sizes in points (4/3 px); Streamlit draws the labels at its own size (0.6rem)
    # unless projector mode's CSS sets them to the MIN_TEXT_PX points laid out here: about
    # 4/3 × MIN_TEXT_PX pixels, room to spare if the picture is drawn a little narrower.
    size = projector.MIN_TEXT_PX if projector.on() else 14
    node = (f'node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize={size}, '
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
        known = SCALING_LAYERS.get(scale["type"])
        label = f"{scale['type']}\\n{known.note}" if known else scale["type"]
        lines.append(f'scale [label="{label}", style="rounded,filled,dashed"];')
        lines.append(f"{previous} -> scale;")
        previous, body = "scale", rows[1:]
    out = output_layer(layers)
    for i, (layer, row) in enumerate(zip(layers, body, strict=False)):
        name = f"layer{i}"
        params = f"\\n{row['parameters']:,} parameters" if row["parameters"] else ""
        kind = kind_of(layer)
        role = "output · " if i == out else ""
        label = f"{role}{_dot(kind.label(kind.values(layer)))}{params}"
        if kind.learns:
            style = 'fillcolor="#fde3d3", color="#e8590c", penwidth=1.4'
        else:
            style = 'style="rounded,filled,dashed"' if kind.training_only else ""
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
        st.error(f"Keras could not build this network: {md(exc)}", icon=":material/error:")
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
    tables.table(table, key="model.summary_table",
                 column_config={"Parameters": st.column_config.NumberColumn(
                     format="localized")})
    with st.container(horizontal_alignment="center"):
        st.graphviz_chart(diagram(prepared, rows), width="content")
