"""The training processes start after the process's first pages are drawn, not during their
script runs: each imports TensorFlow, seconds of a core a page being drawn would share."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FIRST_PAGE = """
import json, time
from streamlit.testing.v1 import AppTest
from gui.ui.session import run_state
from tests.ui.test_pool_after_page import children

at = AppTest.from_file("layerlab.py", default_timeout=120).run()
assert not at.exception, at.exception
at.run()  # a second page soon after (another tab, a widget): the pool still waits
assert not at.exception, at.exception
drawn = children()  # when the pages' script runs have ended
deadline = time.time() + 120
while not children() and time.time() < deadline:
    time.sleep(0.2)
started = children()
run_state._pool().close()
print(json.dumps([drawn, started]))
"""


def children() -> list[int]:
    """This process's child processes (from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid():
            out.append(int(entry.name))
    return out


def test_the_pool_starts_after_the_first_page_is_drawn(tmp_path):
    env = {**os.environ, "LAYERLAB_HOME": str(tmp_path), "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("LAYERLAB_DATABASE_URL", None)
    env.pop("LAYERLAB_RAY_ADDRESS", None)
    done = subprocess.run([sys.executable, "-c", FIRST_PAGE], cwd=ROOT, env=env, timeout=300,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    drawn, started = json.loads(done.stdout.strip().splitlines()[-1])
    assert drawn == []  # no training process while the pages were drawn
    assert started  # and the worker started on its own once the server was quiet


def test_the_pool_starting_thread_can_carry_the_script_run_context():
    """run_state.pool_after_page hands its thread the page's ScriptRunContext through
    Streamlit's private streamlit.runtime.scriptrunner (so the cached pool it makes is made
    without "missing ScriptRunContext" warnings). If an upgrade moves or changes those
    functions, this test fails."""
    import threading

    from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

    seen = []
    marker = object()
    thread = threading.Thread(target=lambda: seen.append(get_script_run_ctx(suppress_warning=True)))
    add_script_run_ctx(thread, marker)
    thread.start()
    thread.join(10)
    assert seen == [marker]
