"""A patch to the Streamlit runtime so training threads keep running between script runs.

It replaces a private Streamlit function, so it lives apart from the session state; app.py
applies it at start-up and `state.training_limiter` again before any training starts.
"""

from __future__ import annotations


def keep_training_alive() -> None:
    """Stop Streamlit's after-run clean-up from stalling and disturbing training threads.

    After every script run (a live chart fragment reruns twice a second) Streamlit calls
    keras.backend.clear_session(), which swaps Keras' global state under a running `fit`
    and runs a full garbage collection, and with runner.postScriptGC also gc.collect(2).
    With TensorFlow loaded each takes 0.2-0.5 s holding the GIL, so the training thread
    starves. LayerLab names its layers itself and keeps models in jobs: it needs neither.
    Idempotent; if Streamlit's internals move, it leaves them alone.
    """
    import sys

    from streamlit import config

    if config.get_option("runner.postScriptGC"):
        config.set_option("runner.postScriptGC", False, "LayerLab: live training view")
    try:
        from streamlit.runtime.scriptrunner import script_runner
    except ImportError:
        return
    current = getattr(script_runner, "_clean_problem_modules", None)
    if current is None or getattr(current, "layerlab", False):
        return

    def clean_without_keras() -> None:
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")

    clean_without_keras.layerlab = True
    script_runner._clean_problem_modules = clean_without_keras
