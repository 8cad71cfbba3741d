"""A teacher's lessons: each one's code shown large with a QR code of the student link, the
link itself, and open / close."""

from __future__ import annotations

import io

import streamlit as st

from gui.core.store.lessons import Lesson
from gui.ui.session import workspace
from gui.ui.text import md


def student_link(root: str, lesson: Lesson) -> str:
    return f"{root}?join={lesson.code}"


def qr_png(text: str) -> bytes:
    """A QR code of `text`, black on white, large enough to scan off a projector."""
    import segno  # only the Share page and the class board draw one (not the first page)

    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=10, border=2)
    return out.getvalue()


def show(root: str) -> None:
    """The lessons published from this workspace, newest first."""
    for lesson in workspace.lessons().of_teacher(workspace.token()):
        link = student_link(root, lesson)
        with st.container(border=True, key=f"lesson-card-{lesson.id}"):
            left, right = st.columns([3, 2])
            left.markdown(f"### {md(lesson.title)}")
            left.markdown(f"<div class='lesson-code'>{lesson.code}</div>",
                          unsafe_allow_html=True)  # the code only: letters and digits
            left.caption("Students open the link (or scan the code) and type their name; "
                         "each gets a copy of their own.")
            left.code(link, language=None)
            if lesson.hidden:
                left.caption(f"{lesson.hidden['rows']} rows ({lesson.hidden['share']:.0%}) "
                             "are hidden as the class's test set: the board scores on them.")
            # folded, so projecting the code never shows the class the board's link
            with left.expander("Class board link: keep it to yourself, off the projector",
                               icon=":material/leaderboard:"):
                st.markdown("The students, their runs live and the leaderboard; open any "
                            "student's run read-only, or copy it into this workspace.")
                st.code(f"{root}?board={lesson.board}", language=None)
            if lesson.open:
                left.button("Close the lesson", key=f"lesson.close.{lesson.id}",
                            icon=":material/lock:", on_click=_set_open, args=(lesson, False),
                            help="New students are then told the lesson is closed; those "
                                 "who joined keep their copies.")
            else:
                left.warning("Closed: the link says so to new students.", icon=":material/lock:")
                left.button("Open it again", key=f"lesson.open.{lesson.id}",
                            icon=":material/lock_open:", on_click=_set_open,
                            args=(lesson, True))
            right.image(qr_png(link), caption=f"Scan to join {lesson.code}", width=260)


def _set_open(lesson: Lesson, is_open: bool) -> None:
    workspace.lessons().set_open(workspace.token(), lesson.id, is_open)
