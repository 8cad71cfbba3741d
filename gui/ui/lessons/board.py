"""The class board (`?board=…`, the teacher's own unguessable link): every student of the
lesson with their runs, live, the leaderboard by the best run's score on the hidden test
rows (or, for a lesson without them, its own test split — the board says which), what each
best run changed from the lesson's start, a read-only view of the best run (Evaluate and
Inside, for the projector), each student's own link (for one who lost it: folded, one at a
time, never in projector mode), the best runs' curves overlaid, "Copy into my workspace" for
any run, and a projector mode of its own.

It binds no workspace: it reads only the students of its own lesson (gui.core.store.board).
The table is HTML, not a canvas grid, so projector mode enlarges it like any text. The
read-only view is the student's copy's presenter link (gui.core.store.links) with the run
named (`&run=`); copying writes to the workspace the lesson was published from without this
tab ever holding its token.
"""

from __future__ import annotations

import html

import streamlit as st

from gui.core.store.board import (
    Entry,
    by_curve_scale,
    class_board,
    copy_to_teacher,
    shown_names,
)
from gui.core.store.links import PRESENTER
from gui.core.store.workspaces import StoreError
from gui.ui.common import projector
from gui.ui.figures import charts
from gui.ui.lessons.share import app_root
from gui.ui.session import run_state, state, workspace
from gui.ui.text import md, plot_text

REFRESH_S = 2
CURVES_EVERY_S = 10


def asked() -> bool:
    return "board" in st.query_params


def main() -> None:
    """Draw the board, and stop the script."""
    token = st.query_params.get("board", "")
    found = class_board(workspace.lessons(), run_state.shared_runs(), token)
    if found is None:
        st.title("Class board")
        st.error("This board link is not known: check the address you copied from the "
                 "Share page. A lesson's board goes away with the lesson.",
                 icon=":material/link_off:")
        st.stop()
    lesson = found[0]
    st.title(f"Class board: {md(lesson.title)}")
    st.markdown(f"<div class='lesson-code'>{lesson.code}</div>", unsafe_allow_html=True)
    if not lesson.open:
        st.warning("The lesson is closed: no new students can join.", icon=":material/lock:")
    with st.container(key="projector-toggle"):  # the board's own: it has no workspace
        st.toggle("Projector mode", key="board.projector")
    on = state.widget_value("board.projector", False)
    extra = projector.PROJECTOR_CSS + PROJECTOR_TABLE_CSS if on else ""
    st.html(f"<style>{projector.TOGGLE_CSS}{extra}</style>")
    _live(token)
    _curves(token)
    if not on:  # a student's own link changes their work: never on the projected board
        _own_link(found[1])
    _copy(token, found[1])
    st.stop()


@st.fragment(run_every=REFRESH_S)
def _live(token: str) -> None:
    found = class_board(workspace.lessons(), run_state.shared_runs(), token)
    if found is None:
        return
    entries = found[1]
    if not entries:
        st.info("No student has joined yet: they open the lesson's link or type its code.",
                icon=":material/group:")
        return
    hidden = found[0].hidden
    scored = (f"scored on the {hidden['rows']} hidden test rows no student sees" if hidden
              else "scored on each run's own test split: this lesson keeps no hidden rows")
    st.caption(f"{len(entries)} student{'s' if len(entries) != 1 else ''} · refreshed every "
               f"{REFRESH_S} s · best score first, {scored}")
    st.html(html_table(entries, _views(entries)))


@st.fragment(run_every=CURVES_EVERY_S)
def _curves(token: str) -> None:
    """The students' best runs overlaid (loss per epoch), redrawn less often than the table;
    one chart per scale when students trained on different ones (board.curve_scale)."""
    found = class_board(workspace.lessons(), run_state.shared_runs(), token)
    groups = by_curve_scale(found[1] if found else [])
    if not groups:
        return
    st.subheader("The best runs' curves")
    if len(groups) > 1:
        st.caption("The students' losses are on different scales (" +
                   "; ".join(map(md, groups)) + "), so each scale has a chart of its own.")
    for i, (scale, entries) in enumerate(groups.items()):
        names = shown_names(entries)
        fig = charts.overlay_figures({names[e.student.id]: e.best.history
                                      for e in entries})[0][1]
        if len(groups) > 1:
            fig.update_layout(title_text=f"{fig.layout.title.text} ({plot_text(scale)})")
        if state.widget_value("board.projector", False):
            fig = projector.projector_style(fig)
        st.plotly_chart(fig, key="board.curves" if i == 0 else f"board.curves.{i}",
                        config={"displayModeBar": False})


def score_heading(entries: list[Entry]) -> str:
    hidden = bool(entries) and entries[0].hidden
    return "Best hidden-test score" if hidden else "Best test score (own split)"


def table(entries: list[Entry], views: dict[int, str] | None = None,
          ) -> list[dict[str, str]]:
    """One row per student, as the board shows it (names literally, as typed)."""
    rows, heading, names = [], score_heading(entries), shown_names(entries)
    for rank, entry in enumerate(entries, start=1):
        latest = entry.latest
        now = (f"{latest.name}: {latest.status}, epoch {latest.epochs_done}/"
               f"{latest.spec.fit.epochs}") if latest else "no run yet"
        rows.append({
            "#": str(rank) if entry.score is not None else "",
            "Student": names[entry.student.id],
            heading: (f"{entry.metric} {entry.score:.3f}" if entry.score is not None else
                      "not ranked: another target or other data" if entry.elsewhere else "—"),
            "Runs": str(len(entry.runs)),
            "Now": now,
            "Changed from the lesson": "; ".join(str(d) for d in entry.changes) or "nothing",
            "Best run, read-only": (views or {}).get(entry.student.id, ""),
        })
    return rows


def html_table(entries: list[Entry], views: dict[int, str]) -> str:
    """The board's table as HTML: every text escaped, the links clickable."""
    rows = table(entries, views)
    heads = list(rows[0])
    out = ["<table class='board-table'><thead><tr>",
           *(f"<th>{html.escape(h)}</th>" for h in heads), "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>")
        for head in heads:
            value = row[head]
            if head == "Best run, read-only" and value:
                cell = f"<a href='{html.escape(value)}' target='_blank'>open</a>"
            else:
                cell = html.escape(value)
            out.append(f"<td>{cell}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out) + f"<style>{TABLE_CSS}</style>"


TABLE_CSS = """
.board-table { border-collapse: collapse; width: 100%; font-size: 0.95rem; color: #111418; }
.board-table th, .board-table td { border-bottom: 1px solid #d0d4da; padding: 0.3rem 0.5rem;
  text-align: left; vertical-align: top; }
.board-table th { background: #f0f2f6; font-weight: 700; }
.board-table td:nth-child(2) { font-weight: 600; white-space: pre-wrap; }
"""
PROJECTOR_TABLE_CSS = """
.board-table { font-size: 1.35rem; color: #000; }
.board-table th { background: #e3e6eb; }
"""


def _views(entries: list[Entry]) -> dict[int, str]:
    """Each student's best (else latest) run as a read-only link: their copy's presenter
    link with the run named."""
    shown = {e.student.id: (e.student.copy, e.best or e.latest) for e in entries}
    links = workspace.links().tokens_for([c for c, run in shown.values() if run], PRESENTER)
    return {sid: f"{_root()}?p={links[copy]}&run={run.id}"
            for sid, (copy, run) in shown.items() if run is not None}


def _own_link(entries: list[Entry]) -> None:
    """A student's own link, for one who lost it: folded, one student at a time, and not in
    projector mode (whoever has the link can change that student's work)."""
    names = shown_names(entries)
    copies = {e.student.id: e.student.copy for e in entries}
    if not copies:
        return
    with st.expander("A student lost their link"):
        st.caption("Their own link opens their work, changeable: give it to them alone. "
                   "The board never shows it while projected.")
        chosen = st.radio("Whose link", list(copies), index=None, key="board.own_link",
                          horizontal=True, format_func=lambda sid: md(names.get(sid, "?")))
        if chosen in copies:
            st.code(f"{_root()}?w={copies[chosen]}", language=None)


def _copy(token: str, entries: list[Entry]) -> None:
    """Copy any student's run into the workspace the lesson was published from (`entries`:
    the board as main() read it)."""
    names = shown_names(entries)
    choices = {(e.student.copy, r.id): f"{names[e.student.id]} · {r.name} ({r.status})"
               for e in entries for r in e.runs}
    if not choices:
        return
    st.subheader("Copy a run into my workspace")
    st.caption("Its network, compile and fit settings and data choices become the design "
               "in the workspace you published this lesson from (your dataset stays); "
               "open that workspace from your own link to train it.")
    with st.form("board.copy", border=False):
        chosen = st.selectbox("Run", list(choices), key="board.copy.run",
                              format_func=lambda pair: choices.get(pair, "?"))
        pressed = st.form_submit_button("Copy into my workspace", icon=":material/content_copy:")
    if pressed and chosen in choices:
        try:
            said = copy_to_teacher(workspace.lessons(), run_state.shared_runs(), token,
                                   *chosen)
        except StoreError as error:
            st.error(str(error), icon=":material/error:")
        else:
            st.success(md(said), icon=":material/check_circle:")


def _root() -> str:
    return app_root()
