"""A lesson in chromium, as a teacher and a class use it: the teacher publishes with a
locked section, a hidden page and an epoch limit; three students in their own browsers join
with the code's link, each trains a run of their own and sees no one else's; the board lists
all three with their test scores and what they changed; a student over
the limit is told why and cannot train; the teacher's document does not move; a closed
lesson says so."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Browser, Page, expect

from gui.core.store.workspaces import Store
from tests.e2e.conftest import open_app, wait_idle
from tests.e2e.controls import choose, go, no_exceptions, number, set_number, settle, table


def publish(page: Page, app_url: str, tmp_path) -> tuple[str, str, str]:
    """The teacher's workspace token, the lesson's code and its student link."""
    open_app(page, app_url)
    go(page, "3 · Train")
    set_number(page, "epochs", 12)
    token = re.search(r"[?&]w=([^&]+)", page.url).group(1)
    go(page, "Share")
    page.get_by_label("Title").fill("Iris: <b>how few</b> neurons?")
    page.get_by_label(re.compile("^Instructions")).fill(
        "Try **8 units**.\n\n<script>alert(1)</script><b>raw</b>")
    page.get_by_role("radiogroup", name="Layers").get_by_text("locked").click()
    page.get_by_role("radiogroup", name="The Inside page").get_by_text("hidden").click()
    page.get_by_label("Most epochs a student may train").fill("20")  # Enter would submit
    page.get_by_label(re.compile("^Hidden test rows")).fill("20")  # 30 of Iris's 150 rows
    page.get_by_role("button", name="Publish the lesson").click()
    settle(page)
    expect(page.locator(".lesson-code")).to_have_count(1, timeout=30_000)
    code = page.locator(".lesson-code").first.inner_text().strip()
    assert re.fullmatch(r"LL-[2-9A-HJKMNP-Z]{4}", code), code
    link = page.locator("[data-testid='stCode']").first.inner_text().strip()
    assert link.endswith(f"?join={code}") and token not in link
    expect(page.locator("[data-testid='stImage'] img").first).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 720})
    page.screenshot(path=str(tmp_path / "lesson-code.png"))
    page.get_by_text("Projector mode").click()  # the code read off a projector
    settle(page)
    size = page.locator(".lesson-code").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 60, size
    shown = page.locator("[data-testid='stCode'] code").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)")
    assert shown >= 20, shown  # the student link, typed from the back of the room
    page.screenshot(path=str(tmp_path / "lesson-code-projector.png"))
    page.get_by_text("Projector mode").click()
    settle(page)
    return token, code, link


def board_table(page: Page) -> list[dict[str, str]]:
    """The board's rows, as {column header: cell text}."""
    table = page.locator("table.board-table")
    if table.count() == 0:
        return []
    heads = table.locator("thead th").all_inner_texts()
    return [dict(zip(heads, row.locator("td").all_inner_texts(), strict=True))
            for row in table.locator("tbody tr").all()]


def join(browser: Browser, link: str, name: str) -> Page:
    student = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    student.goto(link)
    student.get_by_label(re.compile("^Your name")).fill(name)
    student.get_by_role("button", name="Join the lesson").click()
    expect(student.get_by_role("heading", name="1 · Data")).to_be_visible(timeout=90_000)
    wait_idle(student)
    assert "w=" in student.url and "join=" not in student.url
    return student


def test_a_class_joins_trains_its_own_copies_within_the_limits(page: Page, browser: Browser,
                                                                app_url: str, tmp_path):
    token, code, link = publish(page, app_url, tmp_path)
    store = Store.from_env()
    teacher_version = store.version(token)

    students = [join(browser, link, name) for name in ("Ada", "<i>Bob</i>", "Cy")]
    copies = {re.search(r"w=([^&]+)", s.url).group(1) for s in students}
    assert len(copies) == 3 and token not in copies
    ada = students[0]
    expect(ada.get_by_text("you are Ada")).to_be_visible()
    expect(students[1].get_by_text("you are <i>Bob</i>")).to_be_visible()  # literally
    expect(ada.get_by_text("8 units")).to_be_visible()  # the instructions, as Markdown
    assert ada.locator("script").filter(has_text="alert(1)").count() == 0
    expect(ada.get_by_role("link", name="Inside")).to_have_count(0)  # a hidden page
    ada.screenshot(path=str(tmp_path / "student-data.png"))
    # a link to the hidden page (a bookmark, a classmate's) opens Data, and says why
    peek = ada.context.new_page()
    peek.goto(ada.url.replace("/?", "/inside?") if "/?" in ada.url
              else re.sub(r"/[a-z]*\?", "/inside?", ada.url))
    expect(peek.get_by_text("Your teacher hid the Inside page in this lesson")).to_be_visible(
        timeout=60_000)
    expect(peek.get_by_role("heading", name="1 · Data")).to_be_visible()
    peek.close()

    go(ada, "2 · Model")  # the layers are locked: shown, not changeable
    units = ada.locator("[data-testid='stNumberInput']").filter(has_text="units").first
    assert units.evaluate("e => getComputedStyle(e).pointerEvents") == "none"
    units.locator("input").fill("5", force=True)
    units.locator("input").press("Enter")
    settle(ada)
    go(ada, "3 · Train")
    go(ada, "2 · Model")
    assert number(ada, "units") == "64"  # the change was refused where it is applied

    go(ada, "3 · Train")
    assert number(ada, "epochs") == "12"  # the teacher's setting, copied
    set_number(ada, "epochs", 50)
    expect(ada.get_by_text("Expected at most 20 epochs in this lesson")).to_be_visible()
    expect(ada.get_by_role("button", name="Train", exact=True)).to_be_disabled()
    set_number(ada, "epochs", 3)
    ada.screenshot(path=str(tmp_path / "student-train.png"))

    for student in students:
        if student is not ada:
            go(student, "3 · Train")
            set_number(student, "epochs", 3)
        student.get_by_role("button", name="Train", exact=True).click()
    for student in students:
        expect(student.get_by_text(re.compile(r"Trained 3 epochs in"))).to_be_visible(
            timeout=180_000)
        go(student, "Runs")
        rows = table(student)
        assert len(rows) == 1 and "Run 1" in rows[0].values(), rows  # no one else's runs
        no_exceptions(student)
    assert store.version(token) == teacher_version  # the teacher's work did not move

    go(page, "Share")
    page.get_by_text("Class board link").click()  # folded: never on the projected code
    board_link = page.locator("[data-testid='stCode']").nth(1).inner_text().strip()
    assert "?board=" in board_link and token not in board_link
    board = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    board.goto(board_link)
    expect(board.get_by_text("3 students")).to_be_visible(timeout=60_000)
    deadline = time.time() + 30  # the board redraws itself every 2 s: read a whole table
    while time.time() < deadline:
        rows = board_table(board)
        if len(rows) == 3 and all(r.get("Best hidden-test score", "—") != "—" for r in rows):
            break
        board.wait_for_timeout(500)
    assert sorted(r["Student"] for r in rows) == ["<i>Bob</i>", "Ada", "Cy"], rows
    assert all(r["Best hidden-test score"].startswith("accuracy ") for r in rows), rows
    expect(board.get_by_text("scored on the 30 hidden test rows")).to_be_visible()
    assert all("fit.epochs: 12 → 3" in r["Changed from the lesson"] for r in rows), rows
    assert all("?w=" not in str(r) for r in rows)  # students' own links: not in the table
    board.get_by_text("A student lost their link").click()
    code = board.locator("[data-testid='stCode']")
    for _ in range(3):  # a click while the board redraws its table (every 2 s) may be lost
        board.get_by_role("radiogroup", name="Whose link").get_by_text("Cy", exact=True).click()
        settle(board)
        if code.count():
            break
    own = code.first.inner_text().strip()
    assert "?w=" in own and token not in own, own
    runs = board.get_by_role("combobox", name="Run", exact=True)
    runs.scroll_into_view_if_needed()  # a list opened while the page scrolls closes again
    board.wait_for_timeout(500)
    choose(board, "Run", "Cy")
    board.get_by_role("button", name="Copy into my workspace").click()
    expect(board.get_by_text("of Cy is now the design in your workspace")).to_be_visible()
    assert store.version(token) == teacher_version + 1  # the copy, written once
    teacher_version += 1
    expect(board.locator("[data-testid='stPlotlyChart']")).to_have_count(1, timeout=30_000)
    assert board.locator(".legendtext").filter(has_text="Cy").count() >= 1  # best runs' curves
    board.screenshot(path=str(tmp_path / "board.png"))
    board.get_by_text("Projector mode").click()
    board.wait_for_timeout(2500)
    size = board.locator("[data-testid='stMain'] h1").evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 38, size  # projector mode's larger title
    cell = board.locator("table.board-table td").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)")
    assert cell >= 20, cell  # the table grows with projector mode (it is no canvas)
    assert board.get_by_text("A student lost their link").count() == 0  # never projected
    board.screenshot(path=str(tmp_path / "board-projector.png"))

    with board.context.expect_page() as opened:  # a student's best run, for the projector
        board.locator("table.board-table a", has_text="open").first.click()
    view = opened.value
    expect(view.get_by_text("Presenter view")).to_be_visible(timeout=60_000)
    assert "w=" not in view.url and all(c not in view.url for c in copies)
    go(view, "4 · Evaluate")
    expect(view.get_by_text("Run 1").first).to_be_visible(timeout=60_000)
    expect(view.get_by_role("button", name="Train", exact=True)).to_have_count(0)
    go(view, "Inside")  # hidden from the students, shown to the teacher's read-only view
    no_exceptions(view)
    view.screenshot(path=str(tmp_path / "board-view-inside.png"))
    assert store.version(token) == teacher_version

    page.get_by_role("button", name="Close the lesson").click()
    settle(page)
    late = browser.new_context().new_page()
    late.goto(link)
    expect(late.get_by_text("This lesson is closed")).to_be_visible(timeout=60_000)
    expect(late.get_by_role("button", name="Join the lesson")).to_have_count(0)
    no_exceptions(page)
