"""Screenshot LayerLab's pages in Debian's chromium: python scripts/screenshot.py URL OUT_DIR.

Used to make the README's picture and to look at the app after a change.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright


def main(url: str, out: str, pages=("",)) -> None:
    Path(out).mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        for path in pages:
            page.goto(f"{url}/{path}")
            page.wait_for_selector("[data-testid='stApp']")
            page.wait_for_timeout(4000)
            page.wait_for_function(
                "() => !document.querySelector(\"[data-testid='stStatusWidget']\")")
            name = path or "data"
            page.screenshot(path=f"{out}/{name}.png", full_page=True)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], tuple(sys.argv[3:]) or ("",))
