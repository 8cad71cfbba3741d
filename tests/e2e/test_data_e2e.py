"""The data step in real chromium: the app opens on the uploader; an upload shows a preview."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import open_app, wait_idle

CSV = ("height;weight;sport\n" +
       "".join(f"{150 + i};{50 + i % 17};{['run', 'swim', 'ride'][i % 3]}\n" for i in range(60)))


def test_upload_csv_shows_preview(page: Page, app_url: str, tmp_path):
    open_app(page, app_url)
    expect(page.get_by_text("Upload a CSV, Excel or Parquet file", exact=True)).to_be_visible()
    expect(page.get_by_text("iris.csv").first).to_be_visible()  # the sample is ready

    csv_path = tmp_path / "athletes.csv"
    csv_path.write_text(CSV, encoding="utf-8")
    page.locator("[data-testid='stFileUploader'] input[type='file']").first.set_input_files(
        str(csv_path))
    wait_idle(page)
    expect(page.get_by_role("heading", name="athletes.csv")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("60 rows × 3 columns")).to_be_visible()
    expect(page.get_by_text("semicolon-separated", exact=False)).to_be_visible()
    metric = page.locator("[data-testid='stMetric']").filter(has_text="Training rows")
    expect(metric).to_contain_text("48")
    page.screenshot(path=str(tmp_path / "data.png"), full_page=True)


def test_binary_upload_shows_a_message_not_a_traceback(page: Page, app_url: str, tmp_path):
    open_app(page, app_url)
    bad = tmp_path / "photo.csv"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    page.locator("[data-testid='stFileUploader'] input[type='file']").first.set_input_files(
        str(bad))
    wait_idle(page)
    expect(page.get_by_text("binary file, not a CSV", exact=False)).to_be_visible()
    expect(page.get_by_text("Still working with the previous dataset")).to_be_visible()
    assert page.locator("[data-testid='stException']").count() == 0


def test_a_split_change_reruns_its_part_and_is_saved(page: Page, app_url: str, tmp_path):
    """The split is a fragment (workspace.fragment): a key press on the test fraction reruns
    only it, and that rerun still saves the change, so a reload and a second tab show it."""
    open_app(page, app_url)
    test_rows = page.locator("[data-testid='stMetric']").filter(has_text="Test rows")
    expect(test_rows).to_contain_text("30")  # Iris: 150 rows, a fifth held out
    page.get_by_role("slider").first.focus()
    page.keyboard.press("ArrowRight")
    expect(test_rows).to_contain_text("38", timeout=15_000)  # a quarter
    expect(page.locator("[data-testid='stMetric']").filter(
        has_text="Training rows")).to_contain_text("112")
    wait_idle(page)
    page.reload()
    wait_idle(page)
    expect(test_rows).to_contain_text("38")
    second = page.context.new_page()
    open_app(second, page.url.split("?")[0].rsplit("/", 1)[0], "?" + page.url.split("?")[1])
    expect(second.locator("[data-testid='stMetric']").filter(
        has_text="Test rows")).to_contain_text("38")


def test_a_test_file_stored_from_the_split_is_said_at_the_top(page: Page, app_url: str,
                                                              tmp_path):
    """Choosing a separate test file happens inside the split's fragment; the note that it is
    stored is drawn at the page's top, so the page runs whole for it."""
    open_app(page, app_url)
    page.get_by_text("Upload a separate test file").click()
    wait_idle(page)
    expect(page.get_by_text("Test file (same columns as the training file)")).to_be_visible()
    test_csv = tmp_path / "iris_test.csv"
    test_csv.write_text("sepal length (cm),sepal width (cm),petal length (cm),"
                        "petal width (cm),species\n"
                        + "".join(f"5.{i},3.{i},1.{i},0.{i},setosa\n" for i in range(9)),
                        encoding="utf-8")
    page.locator("[data-testid='stFileUploader'] input[type='file']").nth(1).set_input_files(
        str(test_csv))
    wait_idle(page)
    expect(page.get_by_text("is stored in this workspace and in use as test data",
                            exact=False)).to_be_visible(timeout=30_000)
    expect(page.locator("[data-testid='stMetric']").filter(
        has_text="Test rows")).to_contain_text("9")
