"""Every text a page shows, with the size it is drawn at, read in the browser.

The page's DOM is walked: every visible text node (HTML and SVG: plotly's and Graphviz's
chart texts included) and every text field's shown value (a select box shows its value in an
input). An SVG text's size is its font size times the scale the SVG is drawn at.
"""

from __future__ import annotations

from playwright.sync_api import Page

_TEXTS = """() => {
  const out = [];
  const skip = new Set(["STYLE", "SCRIPT", "NOSCRIPT", "TEMPLATE", "TITLE"]);
  const seen = (el) => {
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) return false;
    const r = el.getBoundingClientRect();
    return r.width >= 2 && r.height >= 2;  // not a screen-reader-only 1 px box
  };
  const where = (el) => {
    const chain = [];
    for (let a = el; a && chain.length < 3; a = a.parentElement) {
      const t = a.getAttribute("data-testid") || a.getAttribute("data-baseweb");
      if (t) chain.push(t);
    }
    return chain.join(" < ");
  };
  const size = (el) => {
    let px = parseFloat(getComputedStyle(el).fontSize);
    if (el instanceof SVGElement && el.getScreenCTM()) {
      const m = el.getScreenCTM();
      px *= Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));  // user units → CSS px
    }
    return px;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.nodeValue.trim();
    const el = n.parentElement;
    if (!text || !el || skip.has(el.tagName)) continue;
    if (/Material Symbols/.test(getComputedStyle(el).fontFamily)) continue;  // an icon's name
    if (!seen(el)) continue;
    out.push({text: text.slice(0, 60), px: size(el), where: where(el)});
  }
  const fields = "input:not([type=hidden]):not([type=checkbox]):not([type=radio])"
                 + ":not([type=file]):not([type=range]), textarea";
  for (const el of document.querySelectorAll(fields)) {
    const text = (el.value || el.placeholder || "").trim();
    if (text && seen(el)) out.push({text: text.slice(0, 60), px: size(el), where: where(el)});
  }
  return out;
}"""


def texts(page: Page) -> list[dict]:
    """[{text, px, where}] for every visible text of the page (scrolled out of view too)."""
    return page.evaluate(_TEXTS)


def smaller_than(page: Page, least: float) -> list[dict]:
    """The visible texts drawn smaller than `least` CSS pixels."""
    return [t for t in texts(page) if t["px"] < least - 0.01]
