"""A real `streamlit run app.py` on 127.0.0.1 and Debian's chromium, for browser tests.

The server starts once per test session on a free port; pytest-playwright's `page` fixture
is pointed at /usr/bin/chromium. A failing test leaves a screenshot in test-results/.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Error, Page, expect

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("LAYERLAB_CHROMIUM", "/usr/bin/chromium")


def free_port() -> int:
    """A free port: the first free one of LAYERLAB_PORTS ("8630-8649") when set, so that
    apps started by tests and benchmarks on a shared machine keep to their own ports."""
    low, _, high = os.environ.get("LAYERLAB_PORTS", "").partition("-")
    for port in range(int(low), int(high or low) + 1) if low.strip() else [0]:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError(f"No free port in LAYERLAB_PORTS={os.environ['LAYERLAB_PORTS']}.")


def workers_of(pid: int) -> list[int]:
    """The pids of app process `pid`'s training processes (its children running the
    worker module)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            parent = re.search(r"^PPid:\s+(\d+)", status.read_text(), re.M)
            command = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if parent and int(parent.group(1)) == pid and b"workers.worker" in command:
            found.append(int(status.parent.name))
    return found


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "LAYERLAB_TRAINING_SLOTS": "2"}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError(f"streamlit did not start; log:\n{log.read_text()}")
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    text = log.read_text()
    assert "Traceback" not in text, f"the server logged a traceback:\n{text[-4000:]}"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # A missing browser fails loudly (never a skip): `make test` installs it first.
    assert os.path.exists(CHROMIUM), f"{CHROMIUM} is missing: run `make chromium` (as root)"
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000},
            "accept_downloads": True}


@pytest.fixture
def stops_its_run(request, page: Page, app_url: str):
    """A test that fails midway must not leave its long run hogging the training processes:
    after a failure, press Stop on the workspace's Train page if a run is still live."""
    yield
    report = getattr(request.node, "rep_call", None)
    if report is None or report.passed or page.is_closed():
        return
    try:
        token = re.search(r"[?&]w=([^&]+)", page.url)
        if token is None:
            return
        page.goto(f"{app_url}/train?w={token.group(1)}")
        stop = page.get_by_role("button", name="Stop", exact=True)
        train = page.get_by_role("button", name=re.compile(r"^Train"))
        expect(stop.or_(train).first).to_be_visible(timeout=60_000)
        if stop.count():
            stop.click()
            expect(page.get_by_text(re.compile(r"Stopping|stopped", re.IGNORECASE)).first
                   ).to_be_visible(timeout=30_000)
    except (Error, AssertionError):
        pass  # a best effort: the test's own failure is the one to report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report  # for stops_its_run: did the test itself pass?
    return report


def open_app(page, url: str, path: str = "") -> None:
    """Go to the app and wait until Streamlit has rendered and stopped running."""
    page.goto(f"{url}/{path}")
    page.wait_for_selector("h1", timeout=60_000)
    wait_idle(page)


_BUSY = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  return !app || app.getAttribute("data-test-script-state") !== "notRunning"
    || !!document.querySelector("[data-testid='stStatusWidget']")
    || !!document.querySelector("[data-stale='true']");
}"""


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until the script run is over: the app says it is not running, and no element
    of the previous run is still shown faded (stale), for 0.6 s in a row. A run can start
    a moment after the click or upload that causes it, so one look is not enough."""
    quiet, waited = 0, 0
    while quiet < 3:
        page.wait_for_timeout(200)
        waited += 200
        quiet = 0 if page.evaluate(_BUSY) else quiet + 1
        if waited > timeout:
            raise TimeoutError("the app did not become idle")


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
