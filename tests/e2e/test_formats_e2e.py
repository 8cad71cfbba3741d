"""Workbooks and headerless files in real chromium: upload an .xlsx of two sheets, see its
preview, switch sheet; upload a headerless CSV, see column_1 … with the detection sentence,
override it with the checkbox and back, reload. After each step: what the sheet select,
the header checkbox, the target select and the feature chips SHOW."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
from playwright.sync_api import Page, expect

from tests.e2e.conftest import open_app, wait_idle
from tests.e2e.controls import chips, choose, no_exceptions, settle, shown, upload

SHOTS = Path("/tmp/shots/formats")


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def checkbox(page: Page):
    return page.get_by_role("checkbox", name="The first row is a header")


def toggle(page: Page) -> None:
    """Click the header checkbox's label (the label covers the box itself)."""
    page.locator("[data-testid='stCheckbox']").filter(
        has_text="The first row is a header").locator("label").click()
    settle(page)


def caption(page: Page, rows: int, columns: int):
    return page.get_by_text(f"{rows:,} rows × {columns:,} columns")


def workbook(path: Path) -> None:
    book = openpyxl.Workbook()
    marks = book.active
    marks.title = "Marks"
    marks.append(["maths", "physics", "passed"])
    for i in range(24):
        marks.append([40 + i * 2.5, 30 + (i * 7) % 40, "yes" if i % 3 else "no"])
    raw = book.create_sheet("Raw")
    for i in range(15):
        raw.append([i * 1.5 + 0.25, (i * 37) % 50, i % 2])
    book.save(path)


def pima(path: Path) -> list[str]:
    rng = np.random.default_rng(5)
    lines = [f"{rng.integers(0, 17)},{rng.integers(50, 200)},{rng.integers(40, 110)},"
             f"{rng.integers(0, 60)},{rng.integers(0, 500)},{rng.uniform(18, 55):.1f},"
             f"{rng.uniform(0.08, 2.4):.3f},{rng.integers(21, 81)},{rng.integers(0, 2)}"
             for _ in range(100)]
    lines[0] = "6,148,72,35,0,33.6,0.627,50,1"  # the real file's first row
    path.write_text("\n".join(lines) + "\n")
    return lines


def test_xlsx_sheets_and_a_headerless_csv(page: Page, app_url: str, tmp_path):
    page.set_viewport_size({"width": 1280, "height": 720})
    open_app(page, app_url)
    expect(page.get_by_text("Upload a CSV, Excel or Parquet file", exact=True)).to_be_visible()

    # 1. a workbook of two sheets: the first, with its header
    book = tmp_path / "marks.xlsx"
    workbook(book)
    upload(page, book)
    expect(page.get_by_role("heading", name="marks.xlsx")).to_be_visible(timeout=30_000)
    expect(caption(page, 24, 3)).to_be_visible()
    expect(page.get_by_text("Excel workbook, sheet Marks")).to_be_visible()
    assert shown(page, "Sheet") == "Marks"
    expect(checkbox(page)).to_be_checked()
    expect(page.get_by_text("The first row is the header: it holds names above columns "
                            "of numbers.")).to_be_visible()
    assert shown(page, "Target column") == "passed"
    assert chips(page, "Feature columns") == ["maths", "physics"]
    no_exceptions(page)
    shot(page, "1-xlsx-first-sheet")

    # 2. the other sheet: headerless numbers, its own columns in every control
    choose(page, "Sheet", "Raw")
    expect(caption(page, 15, 3)).to_be_visible(timeout=30_000)
    assert shown(page, "Sheet") == "Raw"
    expect(checkbox(page)).not_to_be_checked()
    expect(page.get_by_text("No header row found", exact=False)).to_be_visible()
    assert shown(page, "Target column") == "column_3"
    assert chips(page, "Feature columns") == ["column_1", "column_2"]
    no_exceptions(page)
    shot(page, "2-xlsx-second-sheet")

    # 3. a headerless CSV like Pima: column_1 … column_9, the first row kept as data
    csv = tmp_path / "pima-indians-diabetes.csv"
    pima(csv)
    upload(page, csv)
    expect(page.get_by_role("heading", name="pima-indians-diabetes.csv")).to_be_visible(
        timeout=30_000)
    expect(caption(page, 100, 9)).to_be_visible()
    expect(page.get_by_text(
        "No header row found: the first row holds numbers like the rows below, so the columns "
        "are named column_1 … column_9; column_9 is likely the target.")).to_be_visible()
    expect(checkbox(page)).not_to_be_checked()
    expect(page.get_by_role("combobox", name="Sheet", exact=True)).to_have_count(0)
    assert shown(page, "Target column") == "column_9"
    assert chips(page, "Feature columns") == [f"column_{i}" for i in range(1, 9)]
    shot(page, "3-headerless-csv")

    # 4. override: the first row is a header after all, then back
    toggle(page)
    expect(caption(page, 99, 9)).to_be_visible(timeout=30_000)
    expect(checkbox(page)).to_be_checked()
    expect(page.get_by_text("The first row is read as the header, as chosen.")).to_be_visible()
    assert shown(page, "Target column") == "1"
    assert chips(page, "Feature columns") == ["6", "148", "72", "35", "0", "33.6", "0.627",
                                              "50"]
    shot(page, "4-header-override")
    toggle(page)
    expect(caption(page, 100, 9)).to_be_visible(timeout=30_000)
    expect(checkbox(page)).not_to_be_checked()
    expect(page.get_by_text("The first row is read as data, as chosen", exact=False)) \
        .to_be_visible()
    assert shown(page, "Target column") == "column_9"
    assert chips(page, "Feature columns") == [f"column_{i}" for i in range(1, 9)]

    # 5. a reload reads the file the same way (the choice is in the workspace's spec)
    page.reload()
    page.wait_for_selector("h1", timeout=60_000)
    wait_idle(page)
    expect(caption(page, 100, 9)).to_be_visible(timeout=30_000)
    expect(checkbox(page)).not_to_be_checked()
    assert shown(page, "Target column") == "column_9"
    metric = page.locator("[data-testid='stMetric']").filter(has_text="Training rows")
    expect(metric).to_contain_text("80")
    no_exceptions(page)
    shot(page, "5-after-reload")
