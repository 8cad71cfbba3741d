"""The teacher's lesson form: title, instructions, what students may change, limits.

Publishing freezes this workspace as it is now (data, spec) into a lesson
(gui.core.store.lessons); the form's own widgets are never part of the workspace document.
"""

from __future__ import annotations

import streamlit as st

from gui.core.data.lesson_rows import MAX_SHARE, hold_back
from gui.core.spec.lesson_rules import (
    EDITABLE,
    SECTIONS,
    SETTINGS,
    VISIBILITIES,
    LessonRules,
    Limits,
)
from gui.core.store.lessons import MAX_INSTRUCTIONS, LessonError
from gui.ui.session import state, workspace
from gui.ui.text import md

FOLLOW = "section"  # a setting that follows its section
_LIMITS = {"max_epochs": "Most epochs a student may train",
           "max_units": "Most units in a layer", "max_layers": "Most layers"}


def form() -> None:
    """Draw the form; on Publish, make the lesson and say so."""
    with st.form("lesson.publish", border=True, enter_to_submit=False):  # Publish publishes
        st.text_input("Title", key="lesson.title", max_chars=120,
                      placeholder="e.g. Iris: how few neurons still work?")
        st.text_area("Instructions for the students (Markdown: **bold**, lists, links)",
                     key="lesson.instructions", height=140, max_chars=MAX_INSTRUCTIONS)
        st.markdown("**What students may change**")
        for control in SECTIONS:
            st.radio(control.label, list(VISIBILITIES), format_func=VISIBILITIES.get,
                     key=f"lesson.see.{control.name}", horizontal=True)
        with st.expander("Single settings (otherwise as their section)"):
            for control in SETTINGS:
                st.radio(control.label, [FOLLOW, *VISIBILITIES],
                         format_func=lambda v: "as its section" if v == FOLLOW
                         else VISIBILITIES[v], key=f"lesson.see.{control.name}",
                         horizontal=True)
        st.markdown("**Limits** (0 = no limit), so a class cannot overload the server")
        columns = st.columns(len(_LIMITS))
        for column, (name, label) in zip(columns, _LIMITS.items(), strict=True):
            column.number_input(label, min_value=0, max_value=100_000, step=1,
                                key=f"lesson.{name}")
        st.number_input("Hidden test rows: % of the dataset's rows kept as the class's test "
                        "set (0 = none)", min_value=0, max_value=int(MAX_SHARE * 100), step=5,
                        key="lesson.hidden_share",
                        help="Students never see these rows; the class board scores every "
                             "student's run on them.")
        published = st.form_submit_button("Publish the lesson", type="primary",
                                          icon=":material/school:")
    if published:
        share = int(state.widget_value("lesson.hidden_share", 0) or 0) / 100
        try:
            held = hold_back(workspace.store(), workspace.token(), share) if share else None
            lesson = workspace.lessons().publish(
                workspace.token(), state.widget_value("lesson.title", ""),
                state.widget_value("lesson.instructions", "") or "", rules(), held=held)
        except LessonError as error:
            st.error(str(error), icon=":material/error:")
            return
        hidden = (f" {held.rows} of the rows are hidden as the class's test set." if held
                  else "")
        state.add_note("success", f"Published \"{md(lesson.title)}\" with the code "
                       f"{lesson.code}: the data and the network as they are now. Your later "
                       f"changes stay yours.{hidden}")
        st.rerun()  # the new lesson's code at the top


def rules() -> LessonRules:
    """The rules the form shows."""
    visibility = {}
    for control in SECTIONS + SETTINGS:
        chosen = state.widget_value(f"lesson.see.{control.name}", EDITABLE)
        if chosen in VISIBILITIES and (control.section is None or chosen != FOLLOW):
            visibility[control.name] = chosen
    limits = {name: int(state.widget_value(f"lesson.{name}", 0) or 0) or None
              for name in _LIMITS}
    return LessonRules(visibility, Limits(**limits))
