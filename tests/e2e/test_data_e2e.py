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
