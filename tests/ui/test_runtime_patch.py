"""gui.ui.runtime_patch replaces a private Streamlit function; this fails when it moves."""

from __future__ import annotations

from streamlit import config
from streamlit.runtime.scriptrunner import script_runner

from gui.ui.runtime_patch import keep_training_alive


def test_the_patched_streamlit_function_still_exists_and_is_replaced(monkeypatch):
    # keep_training_alive returns quietly when the function is gone, so training would
    # silently slow down after an upgrade; this test is where that shows.
    assert callable(getattr(script_runner, "_clean_problem_modules", None)), (
        "streamlit.runtime.scriptrunner.script_runner._clean_problem_modules moved: "
        "update gui/ui/runtime_patch.py")
    monkeypatch.setattr(script_runner, "_clean_problem_modules",
                        script_runner._clean_problem_modules)
    keep_training_alive()
    assert getattr(script_runner._clean_problem_modules, "layerlab", False)
    assert config.get_option("runner.postScriptGC") is False
