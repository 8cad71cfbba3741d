"""The Train page's fit settings: epochs, batch size, validation, early stopping, seed.

Every control shows state.spec().fit and writes a change back in its callback.
"""

import streamlit as st

from gui.core.spec.validate import monitor_options, validation_rows
from gui.core.spec.vocabulary import (
    MAX_BATCH_SIZE,
    MAX_EPOCHS,
    MAX_SEED,
    VALIDATION_MODES,
    labels,
)
from gui.ui.common.controls import bound, snapshots_switch
from gui.ui.session import state


def settings(disabled: bool, prepared) -> None:
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
        snapshots_switch("train.snapshots", disabled=disabled)
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


def settings_summary(fit) -> str:
    """The fit settings in one line, for the folded settings' label."""
    held = {"split": f"validation_split {fit.validation_split:g}", "test": "validate on test",
            "none": "no validation"}.get(fit.validation, "")
    stop = f" · early stopping (patience {fit.patience})" if fit.early_stopping else ""
    return (f"epochs {fit.epochs:,} · batch_size {fit.batch_size:,} · {held} · "
            f"seed {fit.seed}{stop}")
