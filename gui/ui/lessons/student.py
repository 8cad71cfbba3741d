"""A student's copy of a lesson, on every page: the lesson's title, who you are, your own
link, the teacher's instructions (Markdown, shown safely), and the controls as the teacher
chose — locked ones shown but not changeable, hidden ones absent.

The look is CSS on Streamlit's public st-key-<key> classes; the rule itself is enforced
where the tab's changes are applied (workspace.sync drops changes to locked or hidden
places), so a control reached anyway changes nothing.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import streamlit as st

from gui.core.spec.lesson_rules import HIDDEN, LOCKED, SECTIONS, SETTINGS
from gui.core.spec.schema import FitSpec
from gui.ui.session import lock_refusal, workspace
from gui.ui.text import md

# The widgets of each control, by their keys' classes (a key "train.epochs" is drawn with
# the class "st-key-train-epochs").
_FIT = ", ".join(f".st-key-train-{name}" for name in FitSpec.__dataclass_fields__)
SELECTORS = {
    "data": '[class*="st-key-data-"]:not(.st-key-data-start_over)',
    "layers": ('[class*="st-key-model-"]:not([class*="st-key-model-compile"])'
               ':not(.st-key-model-fix_compile):not(.st-key-model-input)'),
    "compile": '[class*="st-key-model-compile"], .st-key-model-fix_compile',
    "fit": _FIT,
    "layers.units": '[class*="st-key-model-"][class*="-units"]',
    "layers.activation": '[class*="st-key-model-"][class*="-activation"]',
    "compile.optimizer": ('.st-key-model-compile-optimizer, '
                          '[class*="st-key-model-compile-options-"]'),
    "compile.learning_rate": ".st-key-model-compile-learning_rate",
    "fit.epochs": ".st-key-train-epochs",
}
INSIDE_PAGE = "steps/inside.py"
_ASKED_HIDDEN = "ll_inside_hidden_asked"  # the tab's address asked for the hidden Inside page
_SAY_HIDDEN = "ll_inside_hidden_say"


def visible_pages(pages: list) -> list:
    """The pages a student of this lesson sees (the Inside page can be hidden); a read-only
    view of a copy (the class board's, for the projector) shows every page."""
    copy = workspace.lesson()
    if copy is None or copy[0].rules.of("inside") != HIDDEN or workspace.read_only():
        return pages
    asked = urlparse(st.context.url or "").path.rstrip("/").rsplit("/", 1)[-1]
    if asked == "inside" and _ASKED_HIDDEN not in st.session_state:  # a link, a bookmark
        st.session_state[_ASKED_HIDDEN] = True  # said once (the address is the first one)
        st.session_state[_SAY_HIDDEN] = True
    return [p for p in pages if getattr(p, "url_path", "") != "inside"]


def safe_markdown(text: str) -> str:
    """The teacher's instructions as Markdown without images (nothing loads from elsewhere);
    HTML is never rendered (st.markdown escapes it)."""
    return re.sub(r"!\[", "[", text)


def apply() -> None:
    """In a student's copy: the lesson's header and the CSS of its locked and hidden controls."""
    copy = workspace.lesson()
    if copy is None or workspace.read_only():
        return
    lesson, student = copy
    with st.container(key="lesson-banner"):
        st.markdown(f"**{md(lesson.title)}** · lesson {lesson.code} · you are "
                    f"**{md(student.name)}**")
        if lesson.instructions.strip():
            with st.expander("Instructions", icon=":material/school:", expanded=True):
                st.markdown(safe_markdown(lesson.instructions))
    st.html(f"<style>{_css(lesson.rules)}</style>")
    if st.session_state.pop(_SAY_HIDDEN, False):
        st.info("Your teacher hid the Inside page in this lesson, so its link opens this "
                "page instead.", icon=":material/visibility_off:")
    refused = st.session_state.pop(lock_refusal.LOCKED_NOTE, None)
    if refused:
        st.warning(f"Your teacher locked this in the lesson ({'; '.join(map(md, refused))}), "
                   "so your change was not kept.", icon=":material/lock:")


def _css(rules) -> str:
    out = []
    for control in SECTIONS + SETTINGS:
        selector = SELECTORS.get(control.name)
        if selector is None:
            continue
        seen = rules.of(control.name)
        if control.section:  # a setting: its rule outweighs its section's (an id's weight)
            selector = f":is({selector}):not(#ll-none)"
        if seen == HIDDEN:
            out.append(f"{selector} {{ display: none !important; }}")
        elif seen == LOCKED:
            out.append(f"{selector} {{ pointer-events: none !important; opacity: 0.55; }}")
        else:  # a setting left editable inside a locked section
            out.append(f"{selector} {{ pointer-events: auto !important; opacity: 1; }}")
    return "\n".join(out)
