"""Step 3 · Train: fit settings, a Train button, live curves, Stop.

The settings show and edit state.spec().fit. Training runs in a TrainingJob's worker
thread held in the session (state.job()), so clicking elsewhere or visiting another page does
not interrupt it; a fragment redraws progress, curves and the epoch log from the job twice a second.
"""

import streamlit as st

from gui.core import training
from gui.core.problems import DataInfo
from gui.core.validate import monitor_options, validate, validation_rows
from gui.core.vocabulary import (
    DONE,
    FAILED,
    MAX_BATCH_SIZE,
    MAX_EPOCHS,
    MAX_SEED,
    QUEUED,
    RUNNING,
    STOPPED,
    STOPPING,
    VALIDATION_MODES,
    higher_is_better,
    labels,
)
from gui.ui import charts, data_source, state
from gui.ui.changes import changed_since_training
from gui.ui.controls import bound

LOG_TAIL = 8


def settings(disabled: bool) -> None:
    """model.fit(...) settings; each widget shows state.spec().fit and writes a change back."""
    spec = state.spec()
    fit = spec.fit
    left, middle, right = st.columns(3, gap="large")
    with left:
        st.markdown("**Passes over the data**")
        st.number_input("epochs", min_value=1, max_value=MAX_EPOCHS, step=10, disabled=disabled,
                        help="How many times the network sees every training row.",
                        **bound("train.epochs", ("fit", "epochs"), int(max(fit.epochs, 1)),
                                convert=int))
        st.number_input("batch_size", min_value=1, max_value=MAX_BATCH_SIZE, step=16,
                        disabled=disabled,
                        help="Rows per weight update. Smaller: more, noisier updates per "
                             "epoch; larger: fewer, smoother ones.",
                        **bound("train.batch_size", ("fit", "batch_size"),
                                int(max(fit.batch_size, 1)), convert=int))
        st.toggle("shuffle", disabled=disabled,
                  help="Visit the training rows in a new random order each epoch.",
                  **bound("train.shuffle", ("fit", "shuffle"), bool(fit.shuffle)))
        st.number_input("seed", min_value=0, max_value=MAX_SEED, step=1, disabled=disabled,
                        help="Fixes the initial weights, Dropout and the shuffling: the same "
                             "seed on the same data trains the same curves.",
                        **bound("train.seed", ("fit", "seed"), int(max(fit.seed, 0)),
                                convert=int))
    with middle:
        st.markdown("**Validation**")
        modes = list(VALIDATION_MODES)
        st.radio("validation data", modes, format_func=labels(VALIDATION_MODES).get,
                 disabled=disabled,
                 help="Rows the network does not train on, scored after every epoch: the gap "
                      "between the two curves shows over-fitting.",
                 **bound("train.validation", ("fit", "validation"),
                         fit.validation if fit.validation in modes else "split"))
        if fit.validation == "split":
            share = fit.validation_split if 0.05 <= fit.validation_split <= 0.5 else 0.2
            st.slider("validation_split", min_value=0.05, max_value=0.5, step=0.05,
                      disabled=disabled,
                      help="The share of the training rows held out (the last ones, as in "
                           "Keras).",
                      **bound("train.validation_split", ("fit", "validation_split"),
                              round(share, 2)))
            held = validation_rows(len(prepared.X_train), fit.validation_split)
            st.caption(f"{len(prepared.X_train) - held:,} rows train, {held:,} validate.")
        elif fit.validation == "test":
            st.caption(f"The {len(prepared.X_test):,} test rows are the validation data, so "
                       "the validation curve is the test score. The test set then also guides "
                       "your choices and is no longer an unseen check on the Evaluate page.")
        else:
            st.caption("Only the training curves are drawn; early stopping can watch only "
                       "the training values.")
    with right:
        st.markdown("**Early stopping**")
        st.toggle("stop when it stops improving", disabled=disabled,
                  help="keras.callbacks.EarlyStopping: end training when the watched value "
                       "has not improved for `patience` epochs.",
                  **bound("train.early_stopping", ("fit", "early_stopping"),
                          bool(fit.early_stopping)))
        if fit.early_stopping:
            options = monitor_options(spec)
            if fit.monitor not in options:
                fit.monitor = options[0]
            st.selectbox("monitor", options, disabled=disabled, help="The value to watch.",
                         **bound("train.monitor", ("fit", "monitor"), fit.monitor))
            st.number_input("patience", min_value=0, max_value=10_000, step=1,
                            disabled=disabled,
                            help="Epochs without improvement before training stops.",
                            **bound("train.patience", ("fit", "patience"),
                                    int(max(fit.patience, 0)), convert=int))
            st.checkbox("restore_best_weights", disabled=disabled,
                        help="Keep the weights of the best epoch, not those of the last one.",
                        **bound("train.restore_best_weights", ("fit", "restore_best_weights"),
                                bool(fit.restore_best_weights)))


def start_training() -> None:
    job = training.TrainingJob(state.spec(), data_source.prepared(),
                               limiter=state.training_limiter())
    state.set_job(job.start())


def final_values(history: dict, previous: dict | None, validation_label: str) -> None:
    """The latest epoch's values, with the change from the previous run at the same epoch."""
    names = [n for n in history if not n.startswith("val_")]
    shown = [n for base in names for n in (base, f"val_{base}") if n in history][:6]
    if not shown:
        return
    for column, name in zip(st.columns(len(shown)), shown, strict=True):
        values = history[name]
        delta = None
        if previous and previous.get(name):
            before = previous[name][min(len(values), len(previous[name])) - 1]
            delta = float(f"{values[-1] - before:.4g}")
        label = charts.quantity_label(name.removeprefix("val_"))
        if name.startswith("val_"):
            label = f"{validation_label} {label}"
        better_up = higher_is_better(name)
        column.metric(label, f"{values[-1]:.4f}", delta=delta,
                      delta_color="normal" if better_up else "inverse",
                      help=f"Epoch {len(values)}; the change is against the previous run at "
                           "the same epoch." if delta is not None else f"Epoch {len(values)}.")


def status_box(job) -> None:
    status = job.status
    epochs = job.epochs_done
    if status == QUEUED:
        ahead = job.queue_position()
        slots = state.training_limiter().slots
        where = "you are next" if not ahead else f"{ahead} ahead of you"
        st.info(f"Waiting for a free slot ({where}). This server trains {slots} model"
                f"{'s' if slots > 1 else ''} at a time; yours starts as soon as one ends.",
                icon=":material/hourglass_top:")
    elif status in (RUNNING, STOPPING):
        p = job.progress()
        if p.steps and (p.step or job.epochs_done):
            text = (f"Epoch {max(p.epoch, 1)}/{p.epochs} · batch {p.step:,}/{p.steps:,} · "
                    f"{job.elapsed:.0f} s")
        else:
            text = (f"Building the model and compiling its training step for TensorFlow "
                    f"(the first epoch takes a few seconds) · {job.elapsed:.0f} s")
        if status == STOPPING:
            text = "Stopping… " + text
        st.progress(p.fraction, text=text)
    elif status == DONE:
        st.success(f"Trained {epochs} epoch{'s' if epochs != 1 else ''} in "
                   f"{job.elapsed:.1f} s." + (f" {job.note}" if job.note else ""),
                   icon=":material/check_circle:")
    elif status == STOPPED:
        if job.model is None:
            st.warning("Stopped before training began: there is no model from this run.",
                       icon=":material/stop_circle:")
        else:
            st.warning(f"Stopped by you after {epochs} epoch{'s' if epochs != 1 else ''} "
                       f"({job.elapsed:.1f} s). The model keeps the weights it had when you "
                       "stopped: evaluate it, or train again.", icon=":material/stop_circle:")
    elif status == FAILED:
        st.error(job.error or "Training failed.", icon=":material/error:")


def live_view(job, polling: bool) -> None:
    """Status, Stop, the last values, one chart per quantity and the epoch log."""
    if polling and not job.active:
        st.rerun()  # finished: redraw the whole page once (Train comes back, polling ends)
    top, stop = st.columns([5, 1], vertical_alignment="center")
    with top:
        status_box(job)
    if job.active:
        stop.button("Stop", key="train.stop", icon=":material/stop:", on_click=job.stop,
                    disabled=job.status == STOPPING, width="stretch",
                    help="End training within a second; the model keeps its weights so far.")
    elif job.model is not None:
        stop.page_link("steps/evaluate.py", label="Next: evaluate", icon=":material/east:")
    previous = state.previous_history()
    history = job.history
    label = "test" if job.spec.fit.validation == "test" else "validation"
    final_values(history, previous, label)
    # Rebuilt once per epoch, not on every poll: building a figure costs ~20 ms of the GIL
    # that the training thread needs.
    # While training, the x axis spans the planned epochs; afterwards the epochs run.
    planned = job.spec.fit.epochs if job.active else None
    figures = state.memo("train.figures", (job.ticket, len(history.get("loss", [])),
                                           id(previous), planned),
                         lambda: charts.history_figures(history, previous, planned, label))
    for row in range(0, len(figures), 2):
        for column, (name, fig) in zip(st.columns(2), figures[row:row + 2], strict=False):
            column.plotly_chart(fig, key=f"train.curve.{name}", config={"displaylogo": False})
    if previous:
        st.caption("Dashed: the previous run, for comparison.")
    lines = job.log_lines()
    st.markdown("**Epoch log**" + (f" (the last {LOG_TAIL} of {len(lines)} lines)"
                                   if len(lines) > LOG_TAIL else ""))
    st.code("\n".join(lines[-LOG_TAIL:]) if lines
            else "The first epoch's line appears when it ends.", language=None)
    if len(lines) > LOG_TAIL and not job.active:
        with st.expander(f"The whole log ({len(lines)} lines)"):
            st.code("\n".join(lines), language=None, height=400)


st.title("3 · Train")
prepared, error = data_source.prepared_or_error()
if prepared is None:
    st.info(f"The Data page's choices do not give training data yet: {error}",
            icon=":material/info:")
    st.page_link("steps/data.py", label="Go to the Data page", icon=":material/table_chart:")
    st.stop()

job = state.job()
busy = job is not None and job.active
st.caption(f"Train the network on the {len(prepared.X_train):,} training rows. The curves "
           "update live; you can visit other pages while it trains.")
settings(disabled=busy)
changed_since_training()
problems = validate(state.spec(), DataInfo.from_prepared(prepared))
fit_issues = [p for p in problems if p.where.startswith("fit.")]
model_issues = [p for p in problems if not p.where.startswith("fit.")]
for problem in fit_issues:
    st.error(f"`{problem.where.removeprefix('fit.')}`: {problem.message}", icon=":material/error:")
if model_issues:
    count = len(model_issues)
    st.error(f"**The model has {count} problem{'s' if count > 1 else ''} to fix before "
             "training:**\n" + "\n".join(f"- `{p.where}`: {p.message}" for p in model_issues),
             icon=":material/error:")
    st.page_link("steps/model.py", label="Fix them on the Model page",
                 icon=":material/account_tree:")

label = "Train again" if job is not None and not busy else "Train"
st.button(label, key="train.start", type="primary", icon=":material/play_arrow:",
          disabled=bool(problems) or busy, on_click=start_training,
          help="Training is running." if busy else
          "Fix the problems above first." if problems else
          "Build the model from the spec and fit it; the previous run stays on the charts.")

if job is not None:
    st.divider()
    if job.active:
        st.fragment(run_every=0.5)(live_view)(job, polling=True)
    else:
        live_view(job, polling=False)
