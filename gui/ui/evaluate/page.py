"""Step 4 · Evaluate: how good is the trained model on rows it never saw — and downloads.

The numbers come from gui.core.inspection.evaluate (model.evaluate + sklearn.metrics), the pictures
from gui.ui.figures.eval_charts; train and test stand side by side so over-fitting shows.
"""

import numpy as np
import pandas as pd
import streamlit as st

from gui.core.inspection import evaluate, hints
from gui.core.inspection.numbers import delta as signed
from gui.core.inspection.numbers import number, unit
from gui.core.saving import export
from gui.core.spec.validate import validation_rows
from gui.core.spec.vocabulary import ACTIVE_STATUSES, FAILED, STOPPED, higher_is_better
from gui.ui.common import downloads, model_saving, projector, tables
from gui.ui.common.changes import shown_run
from gui.ui.figures import eval_charts
from gui.ui.figures.describe import describe
from gui.ui.session import run_state, state, workspace
from gui.ui.text import md


def main() -> None:
    """Draw the page."""
    st.title("4 · Evaluate")

    record = run_state.shown()
    status = record.status if record is not None else None
    if status == FAILED:
        st.error(f"{md(record.name)} failed: {md(record.error or 'unknown error')}",
                 icon=":material/error:")
        st.page_link("steps/train.py", label="Back to 3 · Train", icon=":material/model_training:")
        st.page_link("steps/runs.py", label="Open another run", icon=":material/list:")
        workspace.end_page()
    if status in ACTIVE_STATUSES:
        st.info("Training is still running. The evaluation appears here when it has finished (or "
                "when you stop it).", icon=":material/hourglass_top:")
        st.page_link("steps/train.py", label="Watch it on 3 · Train",
                     icon=":material/model_training:")
        workspace.end_page()
    model_saving.wait_for_model(record)
    run = run_state.trained(record)
    if run is None:
        st.info("No model has been trained yet. Train one first, then come back to see how well "
                "it does on the test rows.", icon=":material/info:")
        st.page_link("steps/train.py", label="Go to 3 · Train", icon=":material/model_training:")
        workspace.end_page()

    shown_run(record)
    spec = run.spec
    prepared = run.prepared
    prep = prepared.preprocessor
    task = prepared.task
    history = record.history
    epochs_done = record.epochs_done
    deploy = run.deploy
    version = (record.id, record.model_epoch, id(run.model))
    result = state.memo("evaluate.result", version,
                        lambda: evaluate.evaluate(run.model, prepared, spec, deploy_model=deploy))

    target = spec.data.target
    stopped = " (stopped early)" if status == STOPPED else ""
    st.caption(f"**{md(target)}** · {task} · {len(prepared.y_train):,} training rows, "
               f"{len(prepared.y_test):,} test rows · {epochs_done} epoch(s){stopped}. "
               "Every number is shown for the training rows (seen while learning) and the test "
               "rows (never seen): a model that is much better on train than on test is "
               "over-fitting.")

    as_trained = result  # at 0.5, as Keras' accuracy while training
    if task == "binary":
        threshold = st.slider(
            "Decision threshold", min_value=0.0, max_value=1.0, value=0.5, step=0.01,
            key="evaluate.threshold",
            help=f"A row is predicted '{md(prepared.class_names[1])}' when the model's "
                 "probability for it is at least this value. Lower it to catch more positives "
                 "(higher recall), raise it to be surer of each positive (higher precision).")
        result = result.at(threshold)

    # ---- headline numbers ----------------------------------------------------------------------
    table = result.metrics
    headline = (["MAE", "RMSE", "R²"] if task == "regression" else
                ["accuracy", "F1", "ROC AUC"] if task == "binary" else
                ["accuracy", "F1 (macro)", "balanced accuracy"])
    # The Train page's last-epoch accuracy (batches, weights moving, validation split held out)
    # and the train accuracy here (all training rows, final weights) differ: say why, in numbers.
    last_epoch = next((values[-1] for key, values in history.items()
                       if key.endswith("accuracy") and not key.startswith("val_") and values), None)
    train_rows = len(prepared.y_train)
    fit_rows = train_rows - (validation_rows(train_rows, spec.fit.validation_split)
                             if spec.fit.validation == "split" else 0)
    accuracy_note = (hints.training_accuracy_note(last_epoch, fit_rows, train_rows,
                                                  as_trained.metrics.at["accuracy", "train"])
                     if "accuracy" in table.index and last_epoch is not None else None)
    for column, name in zip(st.columns(len(headline)), headline, strict=True):
        test_value, train_value = table.at[name, "test"], table.at[name, "train"]
        if np.isnan(test_value):
            column.metric(f"Test {name}", "–")
            continue
        lower_is_better = not higher_is_better(name)
        shown_unit = unit(name, task, target)
        same = number(test_value, name) == number(train_value, name)  # equal as shown
        column.metric(f"Test {name}" + (f" ({md(shown_unit)})" if shown_unit else ""),
                      number(test_value, name),
                      delta=("±0" if same else signed(test_value - train_value, name))
                      + " vs train",
                      delta_color="off" if same else gap_color(test_value, train_value,
                                                               lower_is_better),
                      delta_arrow="off" if same else "auto",
                      help=f"Training rows: {number(train_value, name)}"
                           + (f". {accuracy_note}" if name == "accuracy" and accuracy_note else ""))
    if accuracy_note:
        st.caption(accuracy_note)
    flat = hints.flat_loss(history, hints.classes(spec))
    if flat is not None:
        st.warning(flat.message(), icon=":material/trending_flat:")

    if task == "regression":
        worse = hints.worse_than_the_mean(float(table.at["R²", "test"]))
        if worse is not None:
            st.error(worse, icon=":material/error:")
        little = hints.explains_little(float(table.at["R²", "test"]))
        if little is not None:
            st.warning(little, icon=":material/warning:")
    else:
        common = hints.no_better_than_the_common_class(
            result.y_true("test"), result.y_pred("test"), list(map(str, result.class_names)),
            task == "binary")
        if common is not None:
            st.error(md(common), icon=":material/error:")
    falling = hints.still_falling(history)
    if falling is not None:
        st.warning(falling, icon=":material/trending_down:")
    gap = (table.at["R²", "train"] - table.at["R²", "test"] if task == "regression"
           else table.at["accuracy", "train"] - table.at["accuracy", "test"])
    overfit = hints.overfitting(gap, spec.fit.validation, len(prepared.y_test))
    if overfit is not None:
        st.warning(overfit, icon=":material/warning:")
    for note in result.notes:
        st.caption(md(note))

    left, right = st.columns([3, 2])
    with left:
        st.subheader("Scores")
        tables.table(table, formats=number, hide_index=False)
    with right:
        st.subheader("As trained (model.evaluate)")
        if result.keras_scores.empty:
            st.caption("The model is not compiled, so there is no loss to report.")
        else:
            tables.table(result.keras_scores, formats=number, hide_index=False)
            st.caption(f"Loss: `{spec.compile.loss}`. Metrics chosen on the Model page.")

    # ---- pictures ------------------------------------------------------------------------------
    figures = {}
    if task == "regression":
        points = {s: (result.y_true(s), result.y_pred(s)) for s in evaluate.SPLITS}
        figures["Predicted vs actual"] = eval_charts.predicted_vs_actual(points, target)
        figures["Residuals"] = eval_charts.residuals(
            {s: (result.y_pred(s), result.residuals(s)) for s in evaluate.SPLITS}, target)
        figures["Residual distribution"] = eval_charts.residual_histogram(
            {s: result.residuals(s) for s in evaluate.SPLITS})
        left, right = st.columns(2)
        left.plotly_chart(projector.style(figures["Predicted vs actual"]), key="evaluate.scatter",
                          alt=describe(figures["Predicted vs actual"]))
        right.plotly_chart(projector.style(figures["Residuals"]), key="evaluate.residuals",
                           alt=describe(figures["Residuals"]))
        st.plotly_chart(projector.style(figures["Residual distribution"]),
                        key="evaluate.residual_hist",
                        alt=describe(figures["Residual distribution"]))
        st.caption("Points on the dashed line are perfect predictions. Residuals should scatter "
                   "evenly around zero; a curve or funnel means the model misses a pattern.")
    else:
        names = result.class_names
        st.subheader("Confusion matrix")
        left, right = st.columns(2)
        for column, split in ((left, "train"), (right, "test")):
            fig = eval_charts.confusion_matrix(result.confusion(split), names,
                                               title=f"{split.capitalize()} rows")
            figures[f"Confusion matrix ({split})"] = fig
            column.plotly_chart(projector.style(fig), key=f"evaluate.confusion.{split}",
                                alt=describe(fig))
        st.caption("Rows are the true class, columns the predicted class; the diagonal is right. "
                   + ("Each cell shows the count and its share of the true class."
                      if len(names) <= eval_charts.SHARE_UP_TO else
                      "Each cell shows the count; its colour (and the hover text) its share of "
                      "the true class."))
        st.subheader("Precision and recall per class")
        per_class = pd.concat({s: result.per_class(s) for s in evaluate.SPLITS}, axis=1)
        tables.table(per_class, hide_index=False, formats={
            c: ("{:.0f}" if c[1] == "support" else "{:.3f}") for c in per_class.columns})
        st.caption("Precision: of the rows predicted as this class, the share that are. Recall: of "
                   "the rows of this class, the share the model finds.")
        figures["Precision and recall per class (test)"] = eval_charts.per_class_bars(
            result.per_class("test"), title="Precision and recall per class (test)")
        if task == "binary":
            curves = {s: result.roc(s) for s in evaluate.SPLITS}
            roc = eval_charts.roc_curves(curves)
            eval_charts.threshold_marker(roc, curves["test"], result.threshold)
            hist = eval_charts.probability_histogram(result.proba("test")[:, 1],
                                                     result.y_true("test"), names,
                                                     result.threshold)
            figures["ROC curve"], figures["Predicted probabilities (test)"] = roc, hist
            left, right = st.columns(2)
            left.plotly_chart(projector.style(roc), key="evaluate.roc", alt=describe(roc))
            right.plotly_chart(projector.style(hist), key="evaluate.proba", alt=describe(hist))
            st.caption("The ROC curve shows every threshold at once; the area under it (AUC) is "
                       "1.0 for a perfect ranking and 0.5 for guessing. The marker is the "
                       "threshold chosen above.")

    # ---- downloads -----------------------------------------------------------------------------
    st.subheader("Download")
    stem = export.run_stem(spec.data.source, record.name)


    def _charts_html() -> str:
        """The training curves and every figure above, as one offline HTML page."""
        from gui.ui.figures import charts

        curves = {f"Training curve: {name}": fig for name, fig in charts.history_figures(history)}
        return export.figures_html({**curves, **figures}, f"LayerLab · {stem}")


    downloads.card_notes_box(record, "evaluate")
    cols = st.columns(4) + st.columns(4)
    card = downloads.card_maker(record, run.model, deploy, prepared, result)
    downloads.model_buttons(cols, deploy, spec, prep, history, stem, "evaluate", card)
    downloads.export_buttons(st.columns(3), deploy, prep, stem, "evaluate")
    cols[6].download_button("Charts (.html)", _charts_html, file_name=f"{stem}-charts.html",
                            mime="text/html", key="evaluate.dl_charts", on_click="ignore",
                            icon=":material/insights:")
    st.caption(export.HOW_TO_CALL)
    st.page_link("steps/predict.py", label="Next: 5 · Predict new rows",
                 icon=":material/online_prediction:")


def gap_color(test_value: float, train_value: float, lower_is_better: bool) -> str:
    """st.metric's delta_color for a test score beside the training one: a test score worse
    than the training one is a gap (red); a better one is no good news (grey), as it
    mostly means the test rows are few or the model underfits.

    >>> gap_color(0.8, 0.9, False), gap_color(0.95, 0.9, False), gap_color(2.0, 1.0, True)
    ('normal', 'off', 'inverse')
    """
    better = test_value < train_value if lower_is_better else test_value > train_value
    if better:
        return "off"
    return "inverse" if lower_is_better else "normal"
