"""Read what a Streamlit control *shows* in the browser, and drive it, by its label.

Journeys assert these after every step: the text in a select box, the chips of a
multiselect, the chosen radio option, the number in a number box.
"""

from __future__ import annotations

import re
import time

from playwright.sync_api import Error, Locator, Page, expect

from tests.e2e.conftest import open_app, wait_idle

_RUNNING = ("() => document.querySelector(\"[data-testid='stApp']\")"
            "?.getAttribute('data-test-script-state') === 'running'")


def settle(page: Page) -> None:
    """After an action that reruns the script: see the run start (on a busy machine it can
    start a second later), then wait until the page is idle again."""
    try:
        page.wait_for_function(_RUNNING, timeout=3_000, polling="raf")
    except Error:
        pass  # the run was over before the first look
    wait_idle(page)


_NOT_STALE = "xpath=//*[not(ancestor-or-self::*[@data-stale='true'])]"


def fresh(page: Page, locator: Locator) -> Locator:
    """Only the elements of `locator` that the current script run has drawn: while a run
    redraws the page, the previous run's elements stay on screen, faded ("stale"), until
    it ends (e.g. the last run's "Trained …" beside the new run's progress)."""
    return locator.and_(page.locator(_NOT_STALE))


def scroll_to(page: Page, locator: Locator, timeout: float = 15) -> None:
    """Scroll `locator` into view even while a live fragment redraws it: a redraw can replace
    the element between Playwright finding it and scrolling to it ("not attached to the
    DOM"), so look again until one scroll lands."""
    deadline = time.time() + timeout
    while True:
        try:
            locator.scroll_into_view_if_needed(timeout=5_000)
            return
        except Error:
            if time.time() > deadline:
                raise
            page.wait_for_timeout(250)


def eventually(page: Page, read, expected, timeout: float = 15, what: str = "") -> None:
    """Wait until `read()` returns `expected`. Right after a page load on a busy machine,
    a control can still be filling in (a moment of "0", or the default) after the first
    quiet spell, so one look is not enough."""
    deadline = time.time() + timeout
    while (value := read()) != expected:
        if time.time() > deadline:
            raise AssertionError(f"{what}: shows {value!r}, expected {expected!r}")
        page.wait_for_timeout(250)


def shown(page: Page, label: str) -> str:
    """The option a select box displays."""
    return page.get_by_role("combobox", name=label, exact=True).input_value()


def chips(page: Page, label: str) -> list[str]:
    """The chosen options a multiselect displays, in order."""
    box = page.locator("[data-testid='stMultiSelect']").filter(
        has=page.locator("[data-testid='stWidgetLabel']", has_text=label))
    return [tag.get_attribute("aria-label") for tag in box.locator("[data-tag]").all()]


def picked(page: Page, label: str) -> str:
    """The radio option that is chosen."""
    group = page.locator(f"[data-testid='stRadioGroup'][aria-label='{label}']")
    return group.locator("label[data-selected='true']").inner_text().strip()


def number(page: Page, label: str, index: int = 0) -> str:
    """The text in a number box."""
    box = page.locator("[data-testid='stNumberInput']").filter(
        has=page.locator("[data-testid='stWidgetLabel']", has_text=label)).nth(index)
    return box.locator("input").input_value()


def choose(page: Page, label: str, option: str) -> None:
    """Open a select box and pick the option whose text starts with `option`."""
    page.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option").filter(has_text=option).first.click()
    settle(page)


def set_number(page: Page, label: str, value, index: int = 0) -> None:
    box = page.locator("[data-testid='stNumberInput']").filter(
        has=page.locator("[data-testid='stWidgetLabel']", has_text=label)).nth(index)
    field = box.locator("input")
    field.fill(str(value))
    field.press("Enter")
    settle(page)


def set_epochs(page: Page, value: int) -> None:
    """Train for exactly `value` epochs: the epochs box, and early stopping switched off (the
    size rules switch it on, and it may end a run that a test means to stop or to count)."""
    set_number(page, "epochs", value)
    early = page.locator("[class*='st-key-train-early'] input[type='checkbox']").first
    expect(early).to_be_attached(timeout=30_000)
    if early.is_checked():
        page.locator("[class*='st-key-train-early'] label").first.click()
        settle(page)
    expect(early).not_to_be_checked()


def go(page: Page, title: str, idle: bool = True) -> None:
    """Click a page in the top navigation (e.g. "2 · Model") and wait for it. While a run
    trains, pages redraw its progress every second or faster, so they are never idle for
    long: pass idle=False then, and wait for what the page should show."""
    page.get_by_role("link", name=title).first.click()
    expect(page.get_by_role("heading", name=title, exact=False).first).to_be_visible(
        timeout=60_000)
    if idle:
        wait_idle(page)


def upload(page: Page, path, index: int = 0) -> None:
    page.locator("[data-testid='stFileUploader'] input[type='file']").nth(index) \
        .set_input_files(str(path))
    settle(page)


def metric(page: Page, label: str) -> str:
    return page.locator("[data-testid='stMetric']").filter(has_text=label) \
        .locator("[data-testid='stMetricValue']").inner_text().strip()


def no_exceptions(page: Page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0, \
        page.locator("[data-testid='stException']").first.inner_text()


# ---- the Train page -----------------------------------------------------------------------

def to_train_page(page: Page, app_url: str) -> None:
    """A fresh workspace on the Iris sample, on 3 · Train, ready to train."""
    open_app(page, app_url)  # the Data page opens with the Iris sample prepared
    rows = page.locator("[data-testid='stMetric']").filter(has_text="Training rows")
    expect(rows).to_be_visible(timeout=90_000)
    wait_idle(page)
    page.get_by_role("link", name="3 · Train").click()
    expect(page.get_by_text("Passes over the data")).to_be_visible(timeout=60_000)
    wait_idle(page)


def to_inside_after_training(page: Page, app_url: str, epochs: int) -> None:
    """A fresh Iris workspace trained for `epochs`, on the Inside page once its run has a
    model (the hardest rows are drawn)."""
    to_train_page(page, app_url)
    set_number(page, "epochs", epochs)
    page.get_by_role("button", name="Train", exact=True).click()
    go(page, "Inside", idle=False)
    expect(page.get_by_role("heading", name="Hardest test rows")).to_be_visible(
        timeout=240_000)


def open_train_settings(page: Page) -> None:
    """Unfold the Train page's settings, which fold away once a run is shown."""
    summary = page.locator("[data-testid='stExpander'] summary").filter(
        has_text=re.compile(r"^\s*\S*\s*Settings"))
    if summary.count() and summary.first.locator("xpath=..").get_attribute("open") is None:
        summary.first.click()
        settle(page)


def log(page: Page) -> str:
    """The Train page's epoch log (its last lines), as shown: in the live panel while the
    run trains, else in the page's own block (live.log_block)."""
    for selector in (".ll-live .ll-log", ".ll-log"):
        code = page.locator(selector)
        if code.count():
            return code.first.inner_text()
    return ""


def epochs_logged(page: Page) -> int:
    """The last finished epoch in the log's tail (its lines read "Epoch 7/40 - loss: ...")."""
    done = re.findall(r"^Epoch (\d+)/\d+ - loss", log(page), flags=re.M)
    return int(done[-1]) if done else 0


def wait_for_epochs(page: Page, at_least: int, timeout: float = 120) -> int:
    """Wait until the log shows epoch `at_least` (or later) finished; the epoch shown."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        count = epochs_logged(page)
        if count >= at_least:
            return count
        page.wait_for_timeout(250)
    raise AssertionError(f"fewer than {at_least} epochs logged; log:\n{log(page)}")


def stopped_after(page: Page) -> int:
    """N in the status "Stopped by you — after N epochs", once the page shows it."""
    box = page.locator("[data-testid='stAlert']").filter(has_text="Stopped by you")
    expect(box).to_be_visible(timeout=30_000)
    return int(re.search(r"after (\d+) epoch", box.inner_text()).group(1))


def assert_stays_stopped(page: Page, seconds: float = 4) -> int:
    """After the page shows a stopped run: the epoch count in its status and in its log
    agree and stay the same for `seconds` (nothing trains on); the count. The tab is brought
    to the front first, as a person looks at it: chromium holds back a hidden tab's drawing
    (a second tab opened in the same window hides the first)."""
    page.bring_to_front()
    wait_idle(page)
    count = stopped_after(page)
    # The redraw that drew the status draws the log after it (until then the live panel's
    # log, an epoch behind, may still show): wait until they agree, then for them to stay.
    deadline = time.time() + 15
    while epochs_logged(page) != count and time.time() < deadline:
        page.wait_for_timeout(100)
    assert epochs_logged(page) == count, log(page)
    deadline = time.time() + seconds
    while time.time() < deadline:
        page.wait_for_timeout(500)
        wait_idle(page)  # a redraw (the other app's feed) empties the log for a moment
        assert stopped_after(page) == count and epochs_logged(page) == count, log(page)
    expect(page.get_by_role("button", name="Stop", exact=True)).to_have_count(0)
    return count


# ---- tables (st.dataframe) ---------------------------------------------------------------

ROW_HEIGHT = 35  # st.dataframe's default row (and header) height, in pixels


def ready_grid(page: Page, index: int = 0) -> Locator:
    """The accessible table of the page's `index`-th st.dataframe, once the grid has drawn
    it: a browser's first grid loads its script first (the Data page draws none, so the
    Runs page's grid is often the first), a moment after the page is idle."""
    grid = page.locator("[data-testid='stDataFrame']").nth(index).locator("table[role='grid']")
    expect(grid.locator("thead th").first).to_be_attached(timeout=30_000)
    return grid


def table(page: Page, index: int = 0) -> list[dict[str, str]]:
    """The rows an st.dataframe shows, as {column header: cell text}, read from the grid's
    accessible table (the picture itself is a canvas). The index column's header is ""."""
    grid = ready_grid(page, index)
    heads = grid.locator("thead th").all_inner_texts()
    return [dict(zip(heads, row.locator("td").all_inner_texts(), strict=False))
            for row in grid.locator("tbody tr").all()]


def tick(page: Page, row: int, index: int = 0) -> None:
    """Tick the selection checkbox of data row `row` (0 is the first) of an st.dataframe
    with row selection: a click on the canvas, where the checkbox is drawn."""
    ready_grid(page, index)
    frame = page.locator("[data-testid='stDataFrame']").nth(index)
    frame.scroll_into_view_if_needed()
    box = frame.bounding_box()
    page.mouse.click(box["x"] + 16, box["y"] + ROW_HEIGHT * (row + 1.5))
    settle(page)


def ticked(page: Page, index: int = 0) -> list[int]:
    """The data rows (0 is the first) whose checkbox is ticked."""
    rows = ready_grid(page, index).locator("tbody tr").all()
    return [i for i, row in enumerate(rows) if row.get_attribute("aria-selected") == "true"]


def live_epoch(page: Page, epochs: int) -> int:
    """The epoch in the live progress text "Epoch a/`epochs` · …", once it shows."""
    bar = page.get_by_text(re.compile(rf"^Epoch \d+/{epochs} · "))
    expect(bar).to_be_visible(timeout=120_000)
    return int(re.match(r"Epoch (\d+)/", bar.inner_text()).group(1))


def wait_for_live_epoch(page: Page, epochs: int, above: int, timeout: float = 120) -> int:
    """Wait until the live progress text shows an epoch after `above`; that epoch."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        now = live_epoch(page, epochs)
        if now > above:
            return now
        page.wait_for_timeout(250)
    raise AssertionError(f"the live progress stayed at epoch {above}; log:\n{log(page)}")


def shot(page: Page, path, width: int = 1280, height: int = 720) -> None:
    """A screenshot of what a `width`×`height` window shows (the page's own scroll stays)."""
    size = page.viewport_size
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(500)  # the layout settles at the new width
    page.screenshot(path=str(path))
    if size:
        page.set_viewport_size(size)


def script_runs(page: Page) -> int:
    """How many times this tab's script state has become "running" since the count began
    (a MutationObserver on Streamlit's own data-test-script-state attribute)."""
    return page.evaluate("""() => {
        if (window.__llRuns === undefined) {
            window.__llRuns = 0;
            const app = document.querySelector("[data-test-script-state]");
            new MutationObserver(() => {
                if (app.getAttribute("data-test-script-state") === "running") window.__llRuns++;
            }).observe(app, {attributes: true, attributeFilter: ["data-test-script-state"]});
        }
        return window.__llRuns;
    }""")
