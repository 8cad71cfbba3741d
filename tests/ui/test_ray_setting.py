"""A Ray address that does not answer gives a page that says so (which setting, how to fix
it) before the page draws, never a traceback, and starts no training pool."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from gui.core.workers.engines import RAY_ADDRESS_ENV
from gui.ui.session import run_state

APP = "../../layerlab.py"


def test_the_page_names_the_ray_setting_and_the_fix(monkeypatch):
    monkeypatch.setenv(RAY_ADDRESS_ENV, "ray://127.0.0.1:1")
    run_state._pool.clear()
    try:
        at = AppTest.from_file(APP, default_timeout=90).run()
        assert not at.exception
        assert at.title[0].value == "LayerLab cannot reach its Ray cluster"
        (error,) = at.error
        # the addresses as code: copied as written, without md's invisible word joiners
        assert error.value.startswith(f"{RAY_ADDRESS_ENV} (`ray://127.0.0.1:1`)")
        assert "`ray://HEAD:10001`" in error.value and "\u2060" not in error.value
        assert "127.0.0.1" in error.value and "does not answer" in error.value
        assert "ray start --head" in error.value and f"unset {RAY_ADDRESS_ENV}" in error.value
        assert "restart" in at.caption[0].value
    finally:
        run_state._pool.clear()
