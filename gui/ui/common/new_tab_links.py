"""Links that open the same workspace in a new tab.

Streamlit's page links (the top navigation, st.page_link) point at a page's bare address,
`/model`: a click moves the tab within its session, which holds the workspace, but a middle
click, "Open link in new tab" or a copied link starts a new session without the `?w=` token,
on a new, empty workspace. `keep()` mounts a small Custom Component v2 (no iframe, no markup
of its own, in a hidden container) that, when the pointer or the keyboard's focus reaches a
link of this app whose address has no query string, writes the tab's own workspace, presenter
and run parameters (CARRIED) into that link's address: what a new tab opens, what is copied.
A plain click is still Streamlit's own navigation. Nothing is watched or polled: it acts on
the pointer's and the focus' events only.

Only public markers are read: the tab's address and the links' `href`s.
"""

from __future__ import annotations

import streamlit as st

CARRIED = ("w", "p", "run")  # workspace token, presenter link, the run a presenter shows
CONTAINER = "ll-new-tab-links"  # hidden by assets/style.css

_JS = r"""
function carry(event, keys) {
  const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
  if (!link) return;
  const to = new URL(link.href, window.location.href);
  if (to.origin !== window.location.origin || to.search) return;  // another site, or its own
  const here = new URLSearchParams(window.location.search);
  const kept = new URLSearchParams();
  for (const key of keys) if (here.has(key)) kept.set(key, here.get(key));
  if ([...kept].length) link.setAttribute("href", to.pathname + "?" + kept + to.hash);
}

export default function (component) {
  const keys = component.data.keys;
  if (!window.__llNewTabLinks) {
    window.__llNewTabLinks = true;
    for (const kind of ["pointerover", "pointerdown", "focusin", "contextmenu"]) {
      document.addEventListener(kind, (event) => carry(event, keys), true);
    }
  }
}
"""

_component = st.components.v2.component("layerlab_new_tab_links", js=_JS,
                                        isolate_styles=False)


def keep() -> None:
    """Mount the link keeper on this page (once per script run, in a hidden container)."""
    with st.container(key=CONTAINER):
        _component(key="new_tab_links", data={"keys": list(CARRIED)}, width="stretch",
                   height="content")
