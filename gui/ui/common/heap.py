"""Keep Python's garbage collector off the server's long-lived objects (TensorFlow's).

Streamlit ends every script run — each fragment rerun of a live view included — with
`keras.backend.clear_session()` once Keras is imported in the process (its
`_clean_problem_modules`), and that runs a full `gc.collect()`. With TensorFlow loaded that
collection walks some 400,000 objects: 0.3–1 s of a core per run, which made a tab watching
a run cost a third of a core, Stop slow to show and every rerun slow. The objects of the
imported modules live as long as the process, so after each import-growing run they are
moved out of the collector's reach with `gc.freeze()` (a public standard-library call);
later collections walk only what was made since, which takes milliseconds.
Until Keras is imported, Streamlit collects nothing after a run, so nothing is frozen: the
first page (no Keras) does not wait for a full collection either.
"""

from __future__ import annotations

import gc
import sys

_frozen_at = 0  # len(sys.modules) when the heap was last frozen: no user data here


def freeze_after_imports() -> None:
    """After a script run that imported modules: collect once, then freeze what is left
    (the modules' objects), so that later collections skip it."""
    global _frozen_at
    if "keras" not in sys.modules or len(sys.modules) <= _frozen_at:
        return
    _frozen_at = len(sys.modules)
    gc.collect()
    gc.freeze()
