"""The Inside page's sections: the network at an epoch, its neuron pictures, its decision map.

A run's weights at any kept epoch come from its snapshots (gui.core.training.snapshots): the
model is rebuilt once per run from its spec and fitted preprocessing (state.memo), and each redraw
only sets the snapshot's weights on it. While the run trains, the worker's small "latest" file is
read (never the model file); afterwards an epoch scrubber picks among the kept epochs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from gui.core.inspection import feature_plane
from gui.core.inspection.forward import Forward
from gui.core.training import snapshots
from gui.core.training.snapshots import Snapshots
from gui.ui.common import controls, projector
from gui.ui.figures import network_svg, network_view, neuron_maps, weight_maps
from gui.ui.figures.describe import describe
from gui.ui.inside import row_probe
from gui.ui.session import run_state, state
from gui.ui.text import md

CHART_CONFIG = {"displaylogo": False, "displayModeBar": False}


def snapshots_switch(disabled: bool = False) -> None:
    """The spec's fit.snapshots, as a toggle (it takes effect from the next training)."""
    controls.snapshots_switch("inside.snapshots", disabled=disabled)


def view_model(record, prep, saved):
    """A model of the run's architecture to set snapshot weights on (one per run)."""
    def make():
        import keras

        from gui.core.model.build import build_model

        if saved is not None and record.data.get("model"):  # an uploaded model's layers
            return keras.models.clone_model(saved)
        return build_model(record.spec, prep, compile=False)

    return state.memo("inside.model", record.id, make)


def run_snapshots(record) -> tuple[Snapshots | None, tuple]:
    """(the run's snapshots: the latest epoch while it trains, every kept epoch after; the
    file's (name, modification time), which names those weights in the page's memos)."""
    full, latest = run_state.runs().snapshot_paths(record.workspace, record.id)
    if (record.active or record.model_pending) and latest.exists():
        return Snapshots.load_if_any(latest), (latest.name, latest.stat().st_mtime_ns)
    if not full.exists():
        return None, ()
    stamp = (full.name, full.stat().st_mtime_ns)
    return state.memo("inside.snapshots", (record.id, stamp),
                      lambda: Snapshots.load_if_any(full)), stamp


def draw(record, live: bool) -> None:
    """Everything for `record`, laid out for teaching at 1280×720: the network (left, with
    the epoch and its lines under it) beside the row section (row_probe: the row, its
    prediction and the what-if controls); under them the decision map (with its feature
    pair) beside one hidden layer's neuron pictures.

    What does not depend on the row (the maps' figures) is kept per weights and feature pair
    (state.memo), so an unchanged chart is sent unchanged and the browser keeps it; the row
    section and the network view (which draws the row's activations) are one fragment
    (`_row_and_network`), so a what-if change (a slider's key press, or a move while the
    mouse drags it: slider_drag) reruns only them; the hardest rows, which no row changes,
    are drawn after it, outside."""
    prepared = run_state.prepared(record)
    prep = prepared.preprocessor
    saved = run_state.saved_model(record)
    snaps, stamp = run_snapshots(record)
    if (snaps is None or not len(snaps)) and saved is None:
        st.info("The first epoch's weights appear here as soon as training has begun.",
                icon=":material/hourglass_top:")
        return
    left, right = st.columns([3, 2], gap="medium")
    with left:
        chart = st.container()
        epoch_box, lines_box = st.columns(2, gap="medium")
    with epoch_box:
        model, epoch = _model_at(record, prep, saved, snaps, live)
    if model is None:
        return
    with lines_box:
        lines = _lines_control(record, model, prep)
    st.divider()
    decision_box, neurons_box = st.columns(2, gap="medium")
    weights = (record.id, record.model_epoch, record.ended, stamp, epoch, id(model))
    with decision_box:
        _maps(record, prep, prepared, model, saved, weights, neurons_box)
    trained = None if live or saved is None else run_state.Trained(
        record, saved[0], saved[1], prepared)
    if trained is None:
        _network(chart, model, prep, None, lines)
    else:
        with right:
            _row_and_network(trained, model, epoch == record.model_epoch, chart, lines,
                             weights)
            row_probe.hardest_table(trained)  # no row changes it: outside the fragment


@st.fragment
def _row_and_network(trained, model, final: bool, chart, lines, weights: tuple) -> None:
    """The row section, and the network view (in `chart`, beside it) with that row's
    activations: a what-if change reruns only this. The network is drawn as soon as the
    prediction is, before the row's controls; only its neurons' colours are new on a
    change (the rest is kept per weights: `_network`)."""
    prep = trained.prepared.preprocessor

    def network(probe) -> None:
        _network(chart, model, prep, _at_epoch(probe, model, prep, final, weights), lines,
                 (weights, final))

    if row_probe.show(trained, then=network, hardest=False) is None:
        _network(chart, model, prep, None, lines, (weights, final))


ALL_LINES = "all"
HEAT_MAPS = "heat maps"  # _lines_control's answer when the weights are drawn as heat maps


def _lines_control(record, model, prep) -> int | None | str:
    """How many of each neuron's strongest incoming weights the network draws, or HEAT_MAPS
    (every weight as a cell of its layer's matrix, for layers too wide for lines)."""
    view = st.radio("Weights as", ["lines", HEAT_MAPS], horizontal=True,
                    key=f"inside.weights_as.{record.id}",
                    help="Lines: the network with the row's activations. Heat maps: every "
                         "weight, a cell per weight, for layers too wide for lines.")
    if view == HEAT_MAPS:
        return HEAT_MAPS
    key = f"inside.lines.{record.id}"
    options = [*network_view.LINE_CHOICES, ALL_LINES]
    if state.widget_value(key) not in options:
        default = network_view.default_lines(model, prep)
        state.sync_widget(key, ALL_LINES if default is None else default)
    value = st.select_slider(
        "Lines per neuron", options=options, key=key,
        help="Each neuron's strongest incoming weights drawn as lines (by size, whatever "
             "their sign); fewer lines show what matters in a wide network.")
    return None if value == ALL_LINES else int(value)


def _network(chart, model, prep, probe, lines, weights: tuple | None = None) -> None:
    """The network view; with `weights` (what names the model's weights and dead marks) its
    figure without the row is kept (state.memo) and only the neurons are painted anew."""
    if lines == HEAT_MAPS:
        with chart:
            fig = weight_maps.weights_figure(model, prep, height=450)
            st.plotly_chart(projector.style(fig), key="inside.network", config=CHART_CONFIG,
                            alt=describe(fig, "every weight of each layer"))
            st.caption("Each layer's weights: a row per source, a column per neuron; "
                       ":blue[blue] positive, :orange[orange] negative, paler = smaller. "
                       "The row's activations show with lines.")
        return
    def make():
        drawn = network_view.drawing(model, prep, probe.dead if probe else None, height=450,
                                     lines=lines)
        drawn.fig = projector.style(drawn.fig)  # styled once: paint keeps the style
        return drawn, describe(drawn.fig, "the network")  # words that no row changes

    lines_words = ("Lines: weights, :blue[blue] positive, :orange[orange] negative, thicker = "
                   f"larger; {network_view.lines_note(lines).lower()[:-1]}. ")
    if weights is None:  # training: the interactive plotly chart, redrawn each epoch
        drawn, alt = make()
        with chart:
            st.plotly_chart(network_view.paint(drawn, None), key="inside.network",
                            config=CHART_CONFIG, alt=alt)
            st.caption(lines_words + "Hover a line's middle for its weight, a neuron for its "
                       "bias.")
        return
    # The what-if's network: drawn as SVG, so a row's change swaps a few kilobytes of
    # markup at once (a plotly chart would be remounted and drawn anew on every change).
    key = (weights, lines, probe is None, projector.on())
    drawn, alt = state.memo("inside.network", key, make)
    activations = probe.activations if probe else None
    with chart:
        # st.markdown, not st.html: st.html's sanitiser drops SVG. (Set in place by a
        # component instead, the network showed ~20 ms later, drawn in a
        # later frame: benchmarks/what_if.py.)
        st.markdown(network_svg.html(drawn, activations, alt + _summary(drawn, activations)),
                    unsafe_allow_html=True)
        st.caption(lines_words
                   + ("Neurons: their activation for the row on the right, same colours; grey "
                      "with a cross: dead. " if probe else "")
                   + "Drawn light, so it follows the row at once: rest the pointer on a "
                     "neuron for its bias and activation, on a line's middle for its weight.")


def _summary(drawn, activations: dict | None) -> str:
    """Words for a screen reader on the row's activations: each layer's most active neuron."""
    if not activations:
        return ""
    parts = []
    for col in drawn.cols[1:]:
        a = activations.get(col.layer)
        if a is None or not len(a):
            continue
        a = np.asarray(a, dtype=float).ravel()
        top = int(np.argmax(np.abs(a)))
        parts.append(f"{col.title}: strongest {col.labels[top]} at {a[top]:+.3f}")
    return (" For this row: " + "; ".join(parts) + ".") if parts else ""


def _maps(record, prep, prepared, model, saved, weights: tuple, neurons_box) -> None:
    """The feature pair, the decision map and (in `neurons_box`) the neuron pictures; the figures
    are made once per weights, pair and mode."""
    pair = _pair(record, prep, model, saved)
    if pair is None:
        return

    def make():
        plane = feature_plane.plane(prep, prepared.X_train, *pair)
        outputs = feature_plane.plane_outputs(model, plane)
        decision = neuron_maps.decision_figure(outputs[model.layers[-1].name], plane, prep,
                                               prepared.X_test, prepared.y_test, height=340)
        return plane, outputs, projector.style(decision), md(neuron_maps.held_text(plane))

    plane, outputs, decision, held = state.memo(
        "inside.maps", (weights, pair, projector.on()), make)
    st.plotly_chart(decision, key="inside.decision", config=CHART_CONFIG,
                    alt=describe(decision, "the decision map"))
    st.caption(held)
    layers = neuron_maps.hidden_layers(model)
    if layers:
        with neurons_box:
            _neurons(record, model, outputs, plane, layers, (weights, pair, projector.on()))


def _neurons(record, model, outputs, plane, layers: list[str], memo_key: tuple) -> None:
    """One hidden layer's neuron pictures, large; the layer chosen above them."""
    key = f"inside.neurons.layer.{record.id}"
    if state.widget_value(key) not in layers:
        state.sync_widget(key, layers[0])
    layer = st.radio("Neuron pictures of", layers, key=key, horizontal=True,
                     help="One hidden layer's neurons at a time, each one's output over the "
                          "two features chosen for the decision map.") if len(layers) > 1 \
        else layers[0]
    neurons = state.memo("inside.neurons", (memo_key, layer), lambda: projector.style(
        neuron_maps.neurons_figure(model, outputs, plane, layer)))
    st.plotly_chart(neurons, key="inside.neurons", config=CHART_CONFIG,
                    alt=describe(neurons, "each neuron's output over the two features"))
    st.caption(md(neuron_maps.neurons_note(plane)))


def _model_at(record, prep, saved, snaps, live: bool):
    """(the model with the chosen epoch's weights, that epoch); the epoch scrubber."""
    if snaps is None or not len(snaps):
        if not live:
            st.caption(f"This run kept no weight snapshots (recording was off), so only the "
                       f"trained model of epoch {record.model_epoch} is shown.")
        return saved[0], record.model_epoch
    epoch = _pick_epoch(record, snaps, live)
    model = view_model(record, prep, saved[0] if saved else None)
    try:
        snapshots.apply(model, snaps.at(epoch))
    except (KeyError, ValueError) as exc:
        st.warning(f"The snapshots do not fit this run's network ({md(exc)}); showing the "
                   "trained model.", icon=":material/warning:")
        return (saved[0], record.model_epoch) if saved else (None, None)
    return model, epoch


def _pick_epoch(record, snaps: Snapshots, live: bool) -> int:
    epochs = snaps.epochs
    if live or len(epochs) == 1:
        st.caption(f"Epoch **{epochs[-1]}** of {record.spec.fit.epochs}"
                   + (" · live, while it trains" if live else ""))
        return epochs[-1]
    key = f"inside.epoch.{record.id}"
    if state.widget_value(key) not in epochs:
        state.sync_widget(key, epochs[-1])
    epoch = st.select_slider(
        "Epoch", options=epochs, key=key,
        help="Every view shows the network as it was at the end of this epoch (0: the "
             "initial weights, before training).")
    if snaps.stride > 1:
        st.caption(f"Every {snaps.stride}th epoch is kept (plus the last), to bound the "
                   "memory a run's snapshots take.")
    return int(epoch)


def _pair(record, prep, model, saved) -> tuple[str, str] | None:
    """The two features the maps span, chosen in two selectboxes; None (said why) when
    the data has fewer than two numeric features or the same one is chosen twice."""
    numeric = feature_plane.numeric_features(prep)
    if len(numeric) < 2:
        st.info("The decision map needs two numeric features; this data has "
                f"{len(numeric)}.", icon=":material/info:")
        return None
    source = saved[0] if saved is not None else model
    pair = state.memo("inside.pair", (record.id, record.model_epoch), lambda: (
        feature_plane.default_pair(prep, source, run_state.prepared(record).X_train)))
    one, two = st.columns(2)
    keys = (f"inside.x.{record.id}", f"inside.y.{record.id}")
    for key, default in zip(keys, pair, strict=True):
        if state.widget_value(key) not in numeric:
            state.sync_widget(key, default)
    x = one.selectbox("Across", numeric, key=keys[0], format_func=str,
                      help="The feature along the maps' horizontal axis.")
    y = two.selectbox("Up", numeric, key=keys[1], format_func=str,
                      help="The feature along the maps' vertical axis.")
    if x == y:
        st.caption("Choose two different features.")
        return None
    return x, y


def _at_epoch(probe, model, prep, final: bool, weights: tuple):
    """The probe's row through `model` (the epoch shown, its weights named by `weights`: read
    once, forward.Forward); dead marks only for the trained model (they were found on it)."""
    if probe is None:
        return None
    X = probe.encoded
    if X is None:
        try:
            X = prep.encode(pd.DataFrame([probe.row]))
        except Exception:  # noqa: BLE001 - a row the page cannot encode: its own activations
            return probe
    outputs = state.memo("inside.forward", weights, lambda: Forward(model))(X)
    return row_probe.RowProbe(probe.row, {k: np.asarray(v)[0] for k, v in outputs.items()},
                              probe.dead if final else {})
