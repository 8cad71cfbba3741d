"""Sliders that report while the mouse drags them, not only when it is let go.

`st.slider` sends its value when a drag ends (the mouse released); a key press sends at
once. `watch(key, prefix, on_move)` mounts a small Custom Component v2 (no iframe, no markup
of its own, one per section) that watches the page's `st.slider`s whose widget keys start
with `prefix`: while the mouse holds one, it reads the value the slider shows (its thumb's
range input, in the slider's own units) and sends it as the trigger `moved`
({"index": i, "value": v}, i the number after the prefix), throttled: at most one send per
SEND_MS, none while the script still runs the previous one (the latest value wins, sent
when that run ends). `on_move(index, value)` is called back before the rerun, as a widget's
on_change is. The page must not set a dragged slider's value from the script until it is let
go (Streamlit would move the thumb back to that older value under the mouse): the slider
sends its own value on release, and when it is let go where it started (so it sends
nothing) the watcher sends that value once more. The sliders stay `st.slider`s: their
labels, keyboard use, focus ring, projector sizes and AppTest handling are Streamlit's.

Only public markers of the page are read: the st-key-<key> class Streamlit puts on a keyed
widget, data-testid="stSlider", the range input (role="slider") of its thumb and its value, and
data-test-script-state on the app.
"""

from __future__ import annotations

import re

import streamlit as st

from gui.ui.session import state

SEND_MS = 90  # the least time between two sends during one drag

_JS = r"""
const shared = (window.__llSliderDrag = window.__llSliderDrag || {watchers: {}});

function running() {
  const app = document.querySelector("[data-testid='stApp']");
  return !!app && app.getAttribute("data-test-script-state") === "running";
}

function read(slider) {  // the value the slider shows now (its thumb's range input)
  const thumb = slider.querySelector("input[type='range']");
  return thumb ? Number(thumb.value) : NaN;
}

function install() {
  if (shared.installed) return;
  shared.installed = true;
  let drag = null;  // {watcher, index, slider, start, last, sent, at, frame}
  const look = () => {
    if (!drag) return;
    const value = read(drag.slider);
    if (!Number.isNaN(value)) drag.last = value;
    const now = performance.now();
    if (drag.last !== drag.sent && now - drag.at >= shared.sendMs && !running()) {
      drag.sent = drag.last;
      drag.at = now;
      drag.watcher.send("moved", {index: drag.index, value: drag.last});
    }
    drag.frame = requestAnimationFrame(look);
  };
  document.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 || !(event.target instanceof Element)) return;
    const slider = event.target.closest("[data-testid='stSlider']");
    if (!slider) return;
    for (const [prefix, watcher] of Object.entries(shared.watchers)) {
      const holder = slider.closest(`[class*='${prefix}']`);
      if (!holder) continue;
      const match = [...holder.classList].map((c) => c.match(watcher.pattern)).find(Boolean);
      if (!match) continue;
      const start = read(slider);
      drag = {watcher, index: Number(match[1]), slider, start, last: start, sent: start, at: 0};
      drag.frame = requestAnimationFrame(look);
      return;
    }
  }, true);
  const end = () => {
    if (!drag) return;
    cancelAnimationFrame(drag.frame);
    const value = read(drag.slider);
    // The slider sends its final value itself on release, unless that is the value it
    // had when the drag began: then the row is given it here, if a send moved it away.
    if (value === drag.start && drag.sent !== drag.start) {
      drag.watcher.send("moved", {index: drag.index, value});
    }
    drag = null;
  };
  document.addEventListener("pointerup", end, true);
  document.addEventListener("pointercancel", end, true);
}

export default function (component) {
  const {data, setTriggerValue} = component;
  const prefix = data.prefix;
  shared.sendMs = data.send_ms;
  const watcher = {
    pattern: new RegExp("^" + prefix + "(\\d+)$"),
    send: (name, value) => setTriggerValue(name, value),
  };
  shared.watchers[prefix] = watcher;
  install();
  return () => {  // unmounted: forget it, unless a newer mount has replaced it
    if (shared.watchers[prefix] === watcher) delete shared.watchers[prefix];
  };
}
"""

_watcher = st.components.v2.component("layerlab_slider_drag", js=_JS, isolate_styles=False)


def css_class(key: str) -> str:
    """The class Streamlit gives the element of widget `key` (as its frontend writes it)."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def moved(payload) -> tuple[int, float] | None:
    """(slider number, value) from a `moved` trigger's payload; None for anything else."""
    if not isinstance(payload, dict):
        return None
    index, value = payload.get("index"), payload.get("value")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return index, float(value)


def _on_moved(key: str, on_move) -> None:
    found = moved((state.widget_value(key) or {}).get("moved"))
    if found is not None:
        on_move(*found)


def watch(key: str, prefix: str, on_move) -> None:
    """Report drags of the sliders keyed `prefix` + a number (e.g. "probe.3.f" for
    "probe.3.f0", "probe.3.f1", …) to `on_move(number, value)` while the mouse moves them.
    Mount it once, in the same fragment as the sliders (its sends rerun that fragment)."""
    _watcher(key=key, data={"prefix": css_class(prefix), "send_ms": SEND_MS},
             on_moved_change=lambda: _on_moved(key, on_move), width="stretch", height="content")
