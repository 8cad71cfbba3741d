"""Plotly figures for the evaluate page: confusion matrix, ROC, predicted vs actual, residuals.

Each function takes plain arrays (from gui.core.inspection.evaluate.Evaluation) and returns a
plotly Figure; no Streamlit here, so the same figures are exported as HTML.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from gui.ui.text import plot_text

TRAIN_COLOR = "#1c7ed6"
TEST_COLOR = "#c2255c"  # as the validation curves: the held-out rows
SPLIT_COLORS = {"train": TRAIN_COLOR, "test": TEST_COLOR}
LAYOUT = dict(template="plotly_white", margin=dict(l=60, r=20, t=50, b=50), height=380)
SHARE_UP_TO = 6   # confusion matrices with more classes show counts only in the cells
BIN = 0.05        # probability histogram bin width


def confusion_matrix(counts: np.ndarray, class_names, title: str = "Confusion matrix",
                     ) -> go.Figure:
    """Counts with row-share colours: rows are the true class, columns the predicted one."""
    counts = np.asarray(counts)
    names = [plot_text(c) for c in class_names]
    totals = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, totals, out=np.zeros(counts.shape, dtype=float),
                      where=totals > 0)
    # The count on its own line, the share small under it; past SHARE_UP_TO classes the
    # cells are too small for both: the count only (the share is in the hover text).
    small = len(names) <= SHARE_UP_TO
    text = [[f"{counts[i, j]}" + (f"<br><span style='font-size:0.75em'>{share[i, j]:.0%}"
                                  "</span>" if small else "")
             for j in range(len(names))] for i in range(len(names))]
    fig = go.Figure(go.Heatmap(
        z=share, x=names, y=names, text=text, texttemplate="%{text}", colorscale="Blues",
        textfont=dict(size=18 if len(names) <= 4 else 15 if small else 12),
        zmin=0, zmax=1, colorbar=dict(title="share of<br>true class", tickformat=".0%"),
        hovertemplate="true %{y}<br>predicted %{x}<br>%{z:.0%} of the true class"
                      "<extra></extra>"))
    size = max(320, min(640, 120 + 45 * len(names)))
    fig.update_layout(**{**LAYOUT, "height": size}, title=title,
                      xaxis=dict(title="predicted class", type="category", side="bottom"),
                      yaxis=dict(title="true class", type="category", autorange="reversed"))
    return fig


def roc_curves(curves: dict, title: str = "ROC curve") -> go.Figure:
    """{split: (fpr, tpr, thresholds, auc)} → ROC curves with the chance diagonal."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance (AUC 0.5)",
                             line=dict(color="#adb5bd", dash="dash")))
    for split, curve in curves.items():
        if curve is None:
            continue
        fpr, tpr, thresholds, auc = curve
        fig.add_trace(go.Scatter(
            x=fpr, y=tpr, mode="lines", name=f"{split} (AUC {auc:.3f})",
            line=dict(color=SPLIT_COLORS.get(split), width=2),
            customdata=np.clip(thresholds, 0, 1),
            hovertemplate="threshold %{customdata:.3f}<br>false positive rate %{x:.3f}<br>"
                          "true positive rate %{y:.3f}<extra></extra>"))
    fig.update_layout(**LAYOUT, title=title,
                      xaxis=dict(title="false positive rate", range=[0, 1]),
                      yaxis=dict(title="true positive rate", range=[0, 1.02]),
                      legend=dict(x=0.55, y=0.05))
    return fig


def threshold_marker(fig: go.Figure, curve, threshold: float, split: str = "test") -> go.Figure:
    """Mark the point of a ROC curve that the decision threshold picks."""
    if curve is None:
        return fig
    fpr, tpr, thresholds, _ = curve
    i = int(np.argmin(np.abs(np.clip(thresholds, 0, 1) - threshold)))
    fig.add_trace(go.Scatter(x=[fpr[i]], y=[tpr[i]], mode="markers",
                             name=f"threshold {threshold:.2f} ({split})",
                             marker=dict(size=11, color=SPLIT_COLORS.get(split),
                                         line=dict(color="black", width=1))))
    return fig


def probability_histogram(p: np.ndarray, y_true: np.ndarray, class_names, threshold: float,
                          title: str = "Predicted probabilities (test)") -> go.Figure:
    """How the predicted probability of the positive class spreads, by true class.

    Every row is counted: the bins are counted here (numpy's last bin holds 1.0 itself),
    not by plotly, whose last bin would leave out rows predicted at exactly 1.0.
    """
    names = [plot_text(c) for c in class_names]
    p, y_true = np.asarray(p, dtype=float), np.asarray(y_true)
    edges = np.linspace(0.0, 1.0, round(1 / BIN) + 1)
    fig = go.Figure()
    for label, color in ((0, "#74c0fc"), (1, TEST_COLOR)):
        counts, _ = np.histogram(np.clip(p[y_true == label], 0.0, 1.0), bins=edges)
        fig.add_trace(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=BIN,
                             name=f"true {names[label]}", opacity=0.7, marker_color=color,
                             customdata=np.c_[edges[:-1], edges[1:]],
                             hovertemplate="%{customdata[0]:.2f}–%{customdata[1]:.2f}: "
                                           "%{y} rows<extra>%{fullData.name}</extra>"))
    fig.add_vline(x=threshold, line=dict(color="black", dash="dash"),
                  annotation_text=f"threshold {threshold:.2f}")
    fig.update_layout(**LAYOUT, title=title, barmode="overlay",
                      xaxis=dict(title=f"P({names[1]})", range=[0, 1]),
                      yaxis=dict(title="rows"))
    return fig


def predicted_vs_actual(points: dict, target: str = "target",
                        title: str = "Predicted vs actual") -> go.Figure:
    """{split: (actual, predicted)} → scatter with the ideal line y = x."""
    fig = go.Figure()
    values = np.concatenate([np.concatenate([a, p]) for a, p in points.values()])
    values = values[np.isfinite(values)]
    low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
    for split, (actual, predicted) in points.items():
        fig.add_trace(go.Scatter(
            x=actual, y=predicted, mode="markers", name=split,
            marker=dict(color=SPLIT_COLORS.get(split), size=6,
                        opacity=0.45 if split == "train" else 0.8),
            hovertemplate="actual %{x:,.4~r}<br>predicted %{y:,.4~r}<extra>" + split + "</extra>"))
    fig.add_trace(go.Scatter(x=[low, high], y=[low, high], mode="lines",
                             name="ideal (predicted = actual)",
                             line=dict(color="#495057", dash="dash")))
    fig.update_layout(**LAYOUT, title=title, xaxis=dict(title=f"actual {plot_text(target)}"),
                      yaxis=dict(title=f"predicted {plot_text(target)}"))
    return fig


def residuals(points: dict, target: str = "target", title: str = "Residuals") -> go.Figure:
    """{split: (predicted, residual)} → residual (actual − predicted) against prediction."""
    fig = go.Figure()
    for split, (predicted, residual) in points.items():
        fig.add_trace(go.Scatter(
            x=predicted, y=residual, mode="markers", name=split,
            marker=dict(color=SPLIT_COLORS.get(split), size=6,
                        opacity=0.45 if split == "train" else 0.8),
            hovertemplate="predicted %{x:,.4~r}<br>residual %{y:,.4~r}<extra>" + split
                          + "</extra>"))
    fig.add_hline(y=0, line=dict(color="#495057", dash="dash"))
    fig.update_layout(**LAYOUT, title=title, xaxis=dict(title=f"predicted {plot_text(target)}"),
                      yaxis=dict(title="actual − predicted"))
    return fig


def residual_histogram(points: dict, title: str = "Residual distribution") -> go.Figure:
    """{split: residuals} → overlaid histograms."""
    fig = go.Figure()
    for split, residual in points.items():
        fig.add_trace(go.Histogram(x=residual, name=split, opacity=0.6, histnorm="percent",
                                   marker_color=SPLIT_COLORS.get(split)))
    fig.add_vline(x=0, line=dict(color="#495057", dash="dash"))
    fig.update_layout(**LAYOUT, title=title, barmode="overlay",
                      xaxis=dict(title="actual − predicted"), yaxis=dict(title="% of rows"))
    return fig


def per_class_bars(table, title: str = "Precision and recall per class") -> go.Figure:
    """A per-class table (index class; columns precision, recall) → grouped bars."""
    fig = go.Figure()
    for col, color in (("precision", TRAIN_COLOR), ("recall", TEST_COLOR)):
        fig.add_trace(go.Bar(x=[plot_text(i) for i in table.index], y=table[col], name=col,
                             marker_color=color))
    fig.update_layout(**LAYOUT, title=title, barmode="group",
                      yaxis=dict(range=[0, 1.05], tickformat=".0%"),
                      xaxis=dict(title="class", type="category"))
    return fig
