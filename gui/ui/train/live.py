"""The Train page's live view of one run: status, the last values, curves, the log.

While the run trains two fragments redraw it from the run's record: the status and the
tiles twice a second (POLL_S), the curves and the log every CURVES_EVERY_S.
"""

import html
import re

import streamlit as st

from gui.core.inspection import hints
from gui.core.inspection.numbers import unit
from gui.core.spec.validate import validation_rows
from gui.core.spec.vocabulary import (
    DONE,
    FAILED,
    INTERRUPTED,
    QUEUED,
    RUNNING,
    STOPPED,
    STOPPING,
)
from gui.ui.common.changes import run_label
from gui.ui.figures import charts
from gui.ui.figures.describe import describe
from gui.ui.session import run_state, state, workspace
from gui.ui.text import md
from gui.ui.train import live_feed, live_panel, tiles

LOG_TAIL = 8


def final_values(history: dict, previous: dict | None, validation_label: str,
                 compared: str, units: dict[str, str], notes: dict[str, str]) -> None:
    """The latest epoch's values as metric tiles (tiles.tiles words them)."""
    shown = tiles.tiles(history, previous, validation_label, compared, units, notes)
    if not shown:
        return
    for column, tile in zip(st.columns(len(shown)), shown, strict=True):
        same = tile.delta == "±0"
        column.metric(tiles.markdown_label(tile), tile.value, delta=tile.delta,
                      delta_color=tile.colour, delta_arrow="off" if same else "auto",
                      help=tile.help)  # "±0", not "↑ ±0"


def units_of(record, prepared) -> dict[str, str]:
    """{quantity: its unit} for the run's loss and metrics (a regression's target units;
    "…, scaled" while the target is scaled for training: the curves are as trained, and
    Evaluate gives the errors in the target's own units)."""
    spec = record.spec
    target, task = spec.data.target, prepared.task
    scaled = ", scaled" if prepared.preprocessor.scales_target else ""

    def shown(quantity: str) -> str:
        known = unit(quantity, task, target)
        return known + scaled if known else ""

    quantities = [spec.compile.loss, *[m for m in spec.compile.metrics if isinstance(m, str)]]
    return {("loss" if q == spec.compile.loss else q): shown(q) for q in quantities}


def row_counts(record, prepared) -> tuple[int, int]:
    """(rows the run fits on, training rows): the training accuracy notes' figures."""
    spec = record.spec
    train_rows = len(prepared.X_train)
    fit_rows = train_rows - (validation_rows(train_rows, spec.fit.validation_split)
                             if spec.fit.validation == "split" else 0)
    return fit_rows, train_rows


def tile_context(record, prepared) -> tuple[dict[str, str], dict[str, str]]:
    """The units of the run's quantities and why the training accuracy differs from
    Evaluate's, for the tiles."""
    units = units_of(record, prepared)
    fit_rows, train_rows = row_counts(record, prepared)
    notes = {n: hints.training_accuracy_note(values[-1], fit_rows, train_rows, name=n)
             for n, values in record.history.items()
             if n.endswith("accuracy") and not n.startswith("val_") and values}
    return units, notes


def log_scale(record, previous: dict | None) -> bool:
    """The "log scale" toggle of the loss chart: on by default when the loss spans more than
    two decades; the user's choice is kept for the run."""
    history = record.history
    possible = charts.can_log("loss", history, previous)
    chosen = state.widget_value("train.log_chosen")
    value = (chosen[1] if chosen and chosen[0] == record.id
             else charts.wants_log("loss", history, previous))
    state.sync_widget("train.log", bool(value and possible))
    st.toggle("log scale", key="train.log", disabled=not possible,
              on_change=lambda: state.sync_widget(
                  "train.log_chosen", (record.id, state.widget_value("train.log"))),
              help="The loss on a log axis: a loss that falls by several powers of ten "
                   "(e.g. a regression's mean squared error from 10,000,000 to 100) reads "
                   "as a curve. On by default when the loss spans more than two decades.")
    return bool(value and possible)


def _stopped_words(record) -> tuple[str, str]:
    """(who or what stopped the run, the epochs this run added when it continued another):
    "Stopped by you" unless its note says another cause (a continued run's note only says
    where it began)."""
    note = record.note or ""
    continued = note.startswith("Continued from epoch")
    by_you = record.status == STOPPED and (not note or continued)
    added = record.epochs_done - (record.start_epoch or 0)
    after = f", {added} in this run" if record.start_epoch else ""
    return ("Stopped by you" if by_you else md(note) or "Stopped"), after


def status_box(record) -> None:
    status, epochs = record.status, record.epochs_done
    plural = "s" if epochs != 1 else ""
    if status == QUEUED:
        pool = run_state.pool()
        st.info(live_feed.queued_text(*run_state.runs().queue(record.id), pool.slots,
                                      pool.ready_workers),
                icon=":material/hourglass_top:")
    elif status in (RUNNING, STOPPING):
        st.progress(record.progress.fraction, text=live_feed.running_text(record))
    elif status == DONE:
        more = epochs - (record.start_epoch or 0)  # a continued run: the epochs it added
        did = (f"{more} more epoch{'s' if more != 1 else ''} ({epochs} in all)"
               if record.start_epoch else f"{epochs} epoch{plural}")
        st.success(f"Trained {did} in {record.elapsed:.1f} s."
                   + (f" {md(record.note)}" if record.note else ""),
                   icon=":material/check_circle:")
    elif status in (STOPPED, INTERRUPTED):
        lead, after = _stopped_words(record)
        if record.model_pending:  # ended: its last epoch's model is being saved
            st.warning(f"{lead} — after {epochs} epoch{plural}{after} ({record.elapsed:.1f} s)."
                       f" Saving the model of epoch {epochs}…", icon=":material/stop_circle:")
        elif not record.has_model:
            st.warning(md(record.note or "") or "Stopped before training began: there is no "
                       "model from this run.", icon=":material/stop_circle:")
        else:  # the note's own "The model of epoch N was kept." is said once, below
            lead = re.sub(r"\s*The model of epoch \d+ was kept\.", "", lead).rstrip(".")
            st.warning(f"{lead} — after {epochs} epoch{plural}{after} ({record.elapsed:.1f} s)."
                       f" The model keeps the weights of epoch {record.model_epoch}: evaluate "
                       "it, continue it, or train again.", icon=":material/stop_circle:")
    elif status == FAILED:
        st.error(md(record.error or "") or "Training failed.", icon=":material/error:")


CURVES_EVERY_S = 1.5  # while a run trains, its curves are redrawn at most this often


def live_curves(record) -> bool:
    """Whether the curves are drawn as live (the planned epochs on the x axis, a short alt,
    at most every CURVES_EVERY_S): while the run trains, and while its final model is being
    saved after a stop, so that the moment it stops the charts are neither rebuilt nor sent
    (the stop shows at once); they become final with the model."""
    return record.active or record.model_pending


def curve_epochs(record) -> int:
    """The epoch the curves are drawn to: the last one once the run has ended; while it
    trains, it moves on at most every CURVES_EVERY_S (the tiles and the progress bar every
    poll), so that a fast run's charts are not rebuilt, sent and re-plotted twice a second:
    the cores go to training and to the page's clicks (Stop) instead."""
    held = state.memo_value("train.curve_epochs")
    if (live_curves(record) and held is not None and held[0] == record.id
            and not state.due("train.curves", CURVES_EVERY_S)):
        return held[1]
    now = (record.id, record.epochs_done)
    state.memo("train.curve_epochs", now, lambda: now)
    return record.epochs_done


def _compare_options(record) -> tuple[list, dict, list, int]:
    """The runs this one may be compared with (read at a glance), their names, the
    selectbox's options (0: none) and the default: the run it continues, else the run
    before it (not the last trial of a search since: a continuation gains on its parent)."""
    others = [r for r in run_state.glance_all() if r.id != record.id and r.has_history]
    names = {r.id: r.name for r in others}
    before = [r.id for r in others if r.id < record.id]
    parent = getattr(record, "parent", None)
    default = parent if parent in names else (before[-1] if before else 0)
    return others, names, [0, *names], default


def _history_of(others: list, chosen) -> tuple[dict | None, str]:
    """The chosen run's history and name; only its history is read (again when it grew)."""
    match = next((r for r in others if r.id == chosen), None)
    if match is None:
        return None, ""
    full = state.memo("train.compared", match.changes, lambda: run_state.get(match.id))
    return (full.history, full.name) if full is not None else (None, "")


def compared_run(record) -> tuple[dict | None, str]:
    """The run chosen to compare with, as compare_choice last drew it (the tiles' deltas,
    in the fast fragment, which draws no selectbox)."""
    others, _, options, default = _compare_options(record)
    return _history_of(others, _chosen(record, options, default))


def _chosen(record, options: list, default: int) -> int:
    """The run compared with: the choice made for this run, else the default (a new run
    shown, e.g. a continuation, starts from its own default, not the last run's choice)."""
    chosen = state.widget_value("train.compare")
    same_run = state.memo_value("train.compare_for") == record.id
    return chosen if same_run and chosen in options else default


def compare_choice(record) -> tuple[dict | None, str]:
    """The run chosen to compare with (dashed): by default the one it continues, else the
    one before it."""
    others, names, options, default = _compare_options(record)
    if not others:
        return None, ""
    state.sync_widget("train.compare", _chosen(record, options, default))
    state.memo("train.compare_for", record.id, lambda: record.id)
    chosen = st.selectbox("Compare with (dashed)", options, key="train.compare",
                          format_func=lambda i: names.get(i, "no other run"),
                          help="Draw another run of this workspace on the same axes.")
    return _history_of(others, chosen)


def polled(record) -> tuple[bool, bool, bool]:
    """What decides the Train page's layout around the live view: whether the run is active
    (Stop in Train's place), whether its final model is still being saved (no Continue,
    no Evaluate yet), and whether it still waits in the queue (polled slowly, no curves)."""
    return record.active, record.model_pending, record.status == QUEUED


POLL_S = 0.5  # the status, the tiles and the progress: this often while the run trains
QUEUED_POLL_S = 2.0  # a run waiting in the queue: its place in it, this often


def live_view(run_id: int, polling: bool, prepared, drawn: tuple = ()) -> None:
    """Status, the last values, one chart per quantity and the epoch log. `polling`: while
    the run trains (or its model is being saved), as two fragments: the status and the tiles
    every POLL_S, which redraws the whole page once the run's `polled` state differs from
    `drawn`, what the page drew it with (it started, ended, or its final model was saved);
    the curves, their controls and the log every CURVES_EVERY_S. Each fragment run costs the
    watching browser too (four tabs watching one run took a core of chromium's on this
    2-core machine), so the charts are not in the fast one, and a run still waiting in the
    queue is polled every QUEUED_POLL_S, its empty charts drawn once."""
    if polling and drawn in ((True, False, False), (True, False, True)):  # the panel
        _panel(run_id, prepared, drawn)
    elif polling and drawn[2:] == (True,):  # queued: nothing but its place in the queue moves
        st.fragment(run_every=QUEUED_POLL_S)(_head)(run_id, True, prepared, drawn)
        _body(run_id, False)
    elif polling:
        st.fragment(run_every=POLL_S)(_head)(run_id, True, prepared, drawn)
        st.fragment(run_every=CURVES_EVERY_S)(_body)(run_id, True)
    else:
        _head(run_id, False, prepared, drawn)
        _body(run_id, False)


def _panel(run_id: int, prepared, drawn: tuple) -> None:
    """A training run: the live panel (live_panel), then what chooses what its curves show
    (the compared run, the log scale). Drawn once; the panel updates itself."""
    record = run_state.get(run_id)
    if record is not None and record.status == STOPPING:
        run_state.wait_while_stopping(run_id)
        record = run_state.get(run_id)
    if record is None:
        return
    if polled(record)[:2] != drawn[:2]:
        st.rerun()  # it ended while the page was drawn: the whole page once
    run_state.keep_alive()
    panel = st.container()
    previous, compared, log_y = _controls(record, live=True)
    chosen = state.widget_value("train.compare") if previous is not None else None
    fit_rows, train_rows = row_counts(record, prepared)
    context = live_feed.Context(units_of(record, prepared), fit_rows, train_rows,
                                chosen or None, compared or "the compared run",
                                alive=not workspace.read_only())
    with panel:
        live_panel.live_panel(record, drawn, context, previous, log_y)


def _controls(record, live: bool = False) -> tuple[dict | None, str, bool]:
    """Under the curves: which run they show, the run compared with and the log scale;
    (the compared run's history, its name, whether the loss is on a log axis)."""
    about, choice, scale = st.columns([3, 2, 1], vertical_alignment="bottom")
    about.caption(f":material/history: {md(record.name)}: {md(run_label(record, live=live))}.")
    with choice:
        previous, compared = compare_choice(record)
    with scale:
        log_y = log_scale(record, previous)
    return previous, compared, log_y


def _head(run_id: int, polling: bool, prepared, drawn: tuple) -> None:
    """The status, Next: evaluate, the tiles and the hints."""
    record = run_state.watched(run_id) if polling else run_state.get(run_id)
    if record is not None and polling and record.status == STOPPING:
        run_state.wait_while_stopping(run_id)
        record = run_state.watched(run_id)
    if record is None:
        return
    top, stop = st.columns([5, 1], vertical_alignment="center")
    with top:
        status_box(record)  # first: a run that just ended shows so before the page redraws
    if polling:
        run_state.keep_alive()
        if polled(record) != drawn:
            st.rerun()  # ended, or its model saved: the whole page once (Train comes back)
    if not record.active and record.has_model:  # while it trains, Stop is in Train's place
        stop.page_link("steps/evaluate.py", label="Next: evaluate", icon=":material/east:")
    # Tiles and curves first, so that they are in view after Train at 1280×720; the
    # controls that choose what they show (compare, log scale) sit under the curves.
    previous, compared = compared_run(record)
    history = record.history
    label = "test" if record.spec.fit.validation == "test" else "validation"
    context = state.memo("train.tile_context", (record.id, record.epochs_done, id(prepared)),
                         lambda: tile_context(record, prepared))
    final_values(history, previous, label, compared or "the compared run", *context)
    flat = hints.flat_loss(history, hints.classes(record.spec))
    if flat is not None:
        st.warning(flat.message(), icon=":material/trending_flat:")
    falling = None if live_curves(record) else hints.still_falling(history)
    if falling is not None:
        st.warning(falling, icon=":material/trending_down:")


def _body(run_id: int, polling: bool) -> None:
    """The curves, what they compare with, the log scale and the epoch log."""
    record = run_state.watched(run_id) if polling else run_state.get(run_id)
    if record is None:
        return
    curves = st.container()
    previous, compared, log_y = _controls(record)
    history = record.history
    label = "test" if record.spec.fit.validation == "test" else "validation"
    live = live_curves(record)  # the x axis spans the planned epochs; afterwards those run
    at = curve_epochs(record)
    shown = {n: values[:at] for n, values in history.items()}
    alts = {} if live else state.memo(
        "train.alts", (record.id, at, compared, log_y),
        lambda: {name: describe(fig) for name, fig in charts.history_figures(
            shown, previous, None, label, compared or "compared run", log_y)})
    with curves:
        live_panel.curves(shown, previous, compared or "compared run",
                          record.spec.fit.epochs if live else 0, label, log_y, alts,
                          key=f"train.curves.{record.id}")
    lines = record.log
    st.markdown("**Epoch log**" + (f" (the last {LOG_TAIL} of {len(lines)} lines)"
                                   if len(lines) > LOG_TAIL else ""))
    log_block(lines[-LOG_TAIL:] or ["The first epoch's line appears when it ends."
                                     if record.active else "No epoch ended in this run."])
    if len(lines) > LOG_TAIL and not record.active:
        with st.expander(f"The whole log ({len(lines)} lines)"):
            log_block(lines, scroll=True)


def log_block(lines: list[str], scroll: bool = False) -> None:
    """Log lines as plain preformatted text, as the live panel shows them (`.ll-log`): not
    st.code, whose syntax highlighter cost each browser ~0.3 s of a core to draw a finished
    60-epoch run's log (six tabs ending together on a 2-core server). `scroll`: at most
    400 px tall, scrolled inside."""
    classes = "ll-log ll-scroll" if scroll else "ll-log"
    text = html.escape("\n".join(lines))
    st.html(f'<pre class="{classes}" tabindex="0">{text}</pre>')
