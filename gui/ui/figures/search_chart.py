"""The score of each trial of "Find a better network", as a Plotly figure (no Streamlit).

One point per trial that has a validation score, at its number: complete trials as dots,
pruned ones as grey crosses (their score at the best epoch they reached before the pruner
stopped them), the best so far as a step line, and the best trial ringed.

Example:
    fig = trial_figure(record.trials, "accuracy")
"""

from __future__ import annotations

import plotly.graph_objects as go

from gui.ui.figures.charts import VALIDATION_COLOR
from gui.ui.figures.palette import DEAD

BEST_COLOR = "#2b8a3e"


def trial_figure(trials: list, metric: str) -> go.Figure:
    """Validation `metric` per trial (trials: store.searches.SearchTrial)."""
    scored = [t for t in trials if t.score is not None]
    fig = go.Figure()
    for state, name, color, symbol in (("complete", "complete", VALIDATION_COLOR, "circle"),
                                       ("pruned", "pruned", DEAD, "x")):
        points = [t for t in scored if t.state == state]
        fig.add_trace(go.Scatter(
            x=[t.number + 1 for t in points], y=[t.score for t in points], mode="markers",
            name=name, marker=dict(color=color, symbol=symbol, size=10),
            hovertemplate=f"trial %{{x}} ({name}): %{{y:.4f}}<extra></extra>"))
    best, steps = None, []
    for t in sorted(scored, key=lambda t: t.number):
        if t.state == "complete" and (best is None or t.score > best.score):
            best = t
        if best is not None:
            steps.append((t.number + 1, best.score))
    if steps:
        fig.add_trace(go.Scatter(x=[s[0] for s in steps], y=[s[1] for s in steps],
                                 mode="lines", line=dict(color=BEST_COLOR, shape="hv"),
                                 name="best so far", hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=[best.number + 1], y=[best.score], mode="markers",
                                 name="best", marker=dict(size=18, color="rgba(0,0,0,0)",
                                                          line=dict(color=BEST_COLOR,
                                                                    width=2))))
    yaxis = dict(title=f"validation {metric}")
    if metric == "accuracy" and scored:  # a share: never drawn past 1
        low = min(t.score for t in scored)
        yaxis["range"] = [max(0.0, low - 0.05), 1.02]
    fig.update_layout(template="plotly_white", height=280, margin=dict(l=60, r=20, t=36, b=44),
                      xaxis=dict(title="trial", dtick=1 if len(trials) <= 20 else None),
                      yaxis=yaxis,
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right",
                                  x=1.0))
    return fig
