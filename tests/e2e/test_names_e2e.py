"""Names from a user's file are shown as written on every page: a column called `**bold**`
is not bold, one called `[click](http://evil.example)` is no link, `<b>tag</b>` no HTML,
`$x$` no formula and `:red[x]` no red text — in labels, captions, tables and charts.

One journey in real chromium: upload, Data → Model → Train (a few epochs) → Evaluate →
Predict, asserting on each page that every name is visible literally and that no element
was made from one. Screenshots at 1280×720 go to /tmp/shots/roles/.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from playwright.sync_api import Page, expect

from tests.e2e.conftest import open_app, wait_idle
from tests.e2e.controls import chips, go, metric, set_number, settle, shot, upload

SHOTS = Path("/tmp/shots/roles")
BOLD, LINK, TAG, MATH, RED = ("**bold**", "[click](http://evil.example)", "<b>tag</b>", "$x$",
                              ":red[x]")
CLASSES = ["**A**", "[B](http://evil.example)", "<b>C</b>"]
ID, SAME = "<i>id</i>", "www.evil.example"  # a running number and a constant: left out
FILE = "**data**.csv"

# Elements a name would make if it were rendered as Markdown, HTML or LaTeX.
_MADE = """() => {
  const bad = [];
  for (const a of document.querySelectorAll('a')) {
    const href = a.getAttribute('href') || a.getAttribute('xlink:href') || '';
    const where = a.closest('[data-testid]');
    if (href.includes('evil.example'))
      bad.push(`link ${a.textContent} in ${where && where.getAttribute('data-testid')}`);
  }
  for (const el of document.querySelectorAll('b, strong, em, i')) {
    const text = el.textContent.trim();
    if (['tag', 'bold', 'A', 'C', 'data', 'id'].includes(text))
      bad.push(el.tagName + ' ' + text);
  }
  for (const el of document.querySelectorAll('tspan')) {
    const style = el.getAttribute('style') || '';
    if (style.includes('bold') && ['tag', 'C'].includes(el.textContent.trim()))
      bad.push('plotly bold ' + el.textContent);
  }
  if (document.querySelector('.katex, mjx-container')) bad.push('a formula');
  for (const el of document.querySelectorAll('span[style*="color"]')) {
    if (el.textContent.trim() === 'x') bad.push('coloured x');
  }
  return bad;
}"""


def names_csv(path: Path) -> Path:
    rng = np.random.default_rng(0)
    rows = 90
    label = rng.integers(0, 3, size=rows)
    pd.DataFrame({
        ID: np.arange(1, rows + 1),
        SAME: ["same"] * rows,
        BOLD: label + rng.normal(0, 0.3, rows),
        LINK: rng.normal(0, 1, rows) - label,
        TAG: rng.choice(["<i>one</i>", "$two$", "**three**"], size=rows),
        MATH: rng.normal(5, 1, rows),
        RED: [CLASSES[i] for i in label],
    }).to_csv(path, index=False)
    return path


JOIN = "\u2060"  # gui/ui/text.md's invisible word joiner, which keeps a URL from linking


def text_of(page: Page) -> str:
    """What the page shows as text: the DOM's text, with SVG (plotly, graphviz) included."""
    text = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').textContent")
    return text.replace(JOIN, "")


def assert_literal(page: Page, names: list[str], where: str) -> None:
    shown = text_of(page)
    missing = [n for n in names if n not in shown]
    assert not missing, f"{where}: not shown literally: {missing}"
    made = page.evaluate(_MADE)
    assert not made, f"{where}: elements made from names: {made}"


def test_names_from_the_file_are_shown_literally_on_every_page(page: Page, app_url: str,
                                                               tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 720})
    open_app(page, app_url)
    expect(page.locator("[data-testid='stMetric']").filter(has_text="Training rows")) \
        .to_contain_text("120", timeout=90_000)
    upload(page, names_csv(tmp_path / FILE))
    expect(page.locator("[data-testid='stMetric']").filter(has_text="Training rows")) \
        .to_contain_text("72", timeout=60_000)
    wait_idle(page)
    # Data: the target box, the feature chips, the features caption, the classes caption.
    assert page.get_by_role("combobox", name="Target column", exact=True).input_value() == RED
    assert_literal(page, [FILE, BOLD, LINK, TAG, MATH, RED, *CLASSES], "Data")
    assert metric(page, "Inputs after encoding") == "6"  # 3 numbers + 3 tag categories
    shot(page, SHOTS / "names_data.png")

    # The columns left out by default, with their reasons; "Use it" puts one back.
    roles = page.get_by_text("Left out by default", exact=True)
    roles.scroll_into_view_if_needed()
    shown = text_of(page)
    assert f"{ID}: a running number (1, 2, …, 90): it numbers the rows" in shown
    assert f"{SAME}: it holds a single value (same) in every row" in shown
    assert_literal(page, [ID, SAME], "Data, left out")
    assert chips(page, "Feature columns") == [BOLD, LINK, TAG, MATH]
    shot(page, SHOTS / "roles_left_out.png")
    page.get_by_role("button", name="Use it").first.click()
    settle(page)
    assert chips(page, "Feature columns") == [ID, BOLD, LINK, TAG, MATH]
    assert metric(page, "Inputs after encoding") == "7"
    assert "in use" in text_of(page)
    shot(page, SHOTS / "roles_put_back.png")
    page.get_by_role("button", name="Leave out").first.click()
    settle(page)
    assert chips(page, "Feature columns") == [BOLD, LINK, TAG, MATH]
    assert metric(page, "Inputs after encoding") == "6"

    go(page, "2 · Model")
    expect(page.get_by_text("Summary", exact=True)).to_be_visible(timeout=60_000)
    wait_idle(page)
    assert_literal(page, [BOLD, LINK, MATH, f"{TAG}=<i>one</i>", f"{TAG}=$two$", *CLASSES],
                   "Model")
    shot(page, SHOTS / "names_model.png")

    go(page, "3 · Train")
    set_number(page, "epochs", 3)
    page.locator(".st-key-train-start button").first.click()
    expect(page.locator(".st-key-train-start button").first).to_contain_text("Train again",
                                                                       timeout=240_000)
    settle(page)
    assert_literal(page, [FILE], "Train")
    shot(page, SHOTS / "names_train.png")

    go(page, "4 · Evaluate")
    expect(page.get_by_text("Confusion matrix").first).to_be_visible(timeout=60_000)
    wait_idle(page)
    page.wait_for_selector(".js-plotly-plot .xtick", timeout=30_000)
    assert_literal(page, [RED, *CLASSES], "Evaluate")
    ticks = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot .xtick')]"
                          ".map(t => t.textContent)")
    assert set(CLASSES) <= set(ticks), ticks  # the confusion matrix's classes, as written
    shot(page, SHOTS / "names_evaluate.png")
    page.locator(".js-plotly-plot").first.evaluate("e => e.scrollIntoView({block: 'center'})")
    shot(page, SHOTS / "names_evaluate_charts.png")

    go(page, "5 · Predict")
    expect(page.get_by_text("a LayerLab model that predicts", exact=False)).to_be_visible(
        timeout=60_000)
    wait_idle(page)
    labels = page.evaluate("() => [...document.querySelectorAll("
                           "'[data-testid=\"stWidgetLabel\"]')].map(l => l.textContent)")
    labels = [label.replace(JOIN, "") for label in labels]
    assert {BOLD, LINK, TAG, MATH} <= set(labels), labels  # the form's labels, as written
    box = page.locator("[data-testid='stSelectbox']").filter(
        has=page.locator("[data-testid='stWidgetLabel']", has_text=TAG))
    box.get_by_role("combobox").click()
    assert set(page.get_by_role("option").all_inner_texts()) == {"<i>one</i>", "$two$",
                                                                  "**three**"}
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Predict", exact=True).click()
    settle(page)
    predicted = page.locator("[data-testid='stMetric']").filter(has_text="Predicted")
    expect(predicted).to_be_visible(timeout=60_000)
    label, value = predicted.text_content().replace(JOIN, "").split(RED, 1)
    assert label == "Predicted " and value in CLASSES, (label, value)
    assert_literal(page, [BOLD, LINK, TAG, MATH, RED, *CLASSES], "Predict")
    shot(page, SHOTS / "names_predict.png")
    predicted.evaluate("e => e.scrollIntoView({block: 'center'})")
    shot(page, SHOTS / "names_predicted.png")
