"""Trusted HTML markup that changes often (the what-if's network SVG), set in place.

`st.markdown(..., unsafe_allow_html=True)` parses its body in the browser as Markdown with
raw HTML (a JavaScript parser, and React elements for every node): for a network of 64-64
neurons (~80 kB of SVG) that is a large part of a what-if change's time in the browser.
`show(markup, key)` mounts a Custom Component v2 (in the page, no iframe, no shadow root, so
the page's CSS, tests and screen readers see the markup as if drawn by st.markdown) whose
script parses the markup with the browser's own parser when it differs from the one shown,
and where only attributes and texts differ (a row's colours on the same network) sets just
those, so the browser lays out no new elements. Only markup the app builds itself (escaped
text) may be passed: it is not sanitised.

Its Python side keeps the markup as the element's data (`markup_of(element)` reads it back
in AppTest).
"""

from __future__ import annotations

import hashlib
import json

import streamlit as st

_JS = r"""
function sync(a, b) {  // make a's attributes and text b's; false where their shapes differ
  if (a.nodeName !== b.nodeName || a.childNodes.length !== b.childNodes.length) return false;
  if (a.nodeType === Node.TEXT_NODE || a.nodeType === Node.COMMENT_NODE) {
    if (a.nodeValue !== b.nodeValue) a.nodeValue = b.nodeValue;
    return true;
  }
  if (a.nodeType === Node.ELEMENT_NODE) {
    for (const {name, value} of b.attributes) {
      if (a.getAttribute(name) !== value) a.setAttribute(name, value);
    }
    for (const {name} of [...a.attributes]) if (!b.hasAttribute(name)) a.removeAttribute(name);
  }
  for (let i = 0; i < a.childNodes.length; i++) {
    if (!sync(a.childNodes[i], b.childNodes[i])) return false;
  }
  return true;
}

export default function (component) {
  const {data, parentElement} = component;
  let box = parentElement.querySelector(":scope > .ll-live-markup");
  if (!box) {
    box = document.createElement("div");
    box.className = "ll-live-markup";
    parentElement.appendChild(box);
  }
  if (box.dataset.shown === data.version) return;
  // The browser's own parser; where only attributes and texts changed (a row's colours on
  // the same network), only those are set: no new elements to lay out.
  const fresh = document.createElement("template");
  fresh.innerHTML = data.markup;
  const old = [...box.childNodes], made = [...fresh.content.childNodes];
  const same = old.length === made.length && old.every((node, i) => sync(node, made[i]));
  if (!same) box.replaceChildren(fresh.content);
  box.dataset.shown = data.version;
}
"""

NAME = "layerlab_live_markup"
_component = st.components.v2.component(NAME, js=_JS, isolate_styles=False)


def show(markup: str, key: str) -> None:
    """Draw `markup` (trusted HTML, e.g. an inline SVG) in a block keyed `key`; a change of
    markup replaces it in place."""
    version = hashlib.blake2b(markup.encode(), digest_size=8).hexdigest()
    _component(key=key, data={"markup": markup, "version": version}, width="stretch",
               height="content")


def markup_of(element) -> str:
    """The markup a `show` element carries (an AppTest element of the component)."""
    return json.loads(element.proto.json)["markup"]
