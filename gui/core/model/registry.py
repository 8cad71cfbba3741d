"""The option lists LayerLab offers, read from Keras' own registries.

Each list is what Keras exports, minus what cannot work on a flat table of numbers with the
options the UI exposes (CTC, IoU, segmentation losses, optimizer wrappers...). Help text is
the first line of Keras' own docstring. Importing this module imports Keras: only pages
that need it do.

Example:
    >>> "relu" in activations()
    True
"""

from __future__ import annotations

import functools
import inspect
import re

import keras

from gui.core.spec.vocabulary import OPTIMIZERS, task_metrics

# What Keras exports but a tabular model cannot use with plain settings, and why.
_SKIP_ACTIVATIONS = {"get", "serialize", "deserialize",
                     "glu",        # halves the width: a Dense layer's units would not be its output
                     "threshold"}  # needs threshold/default_value arguments a name cannot give
_SKIP_LOSSES = {"get", "serialize", "deserialize",
                "ctc",                                      # sequences
                "dice", "tversky", "circle",                # segmentation / metric learning
                "categorical_generalized_cross_entropy"}    # needs a q parameter we don't expose
_SKIP_INITIALIZERS = {"Initializer", "IdentityInitializer", "OrthogonalInitializer",
                      "STFT", "STFTInitializer",  # signal-processing kernels
                      "Identity"}                 # only for square kernels


def _first_line(obj) -> str:
    doc = inspect.getdoc(obj) or ""
    line = doc.strip().split("\n\n")[0].replace("\n", " ")
    return re.sub(r"`+", "", line).strip()


@functools.cache
def activations() -> dict[str, str]:
    """{name: one-line help} for every activation Keras exports that fits a Dense layer."""
    out = {}
    for name in dir(keras.activations):
        obj = getattr(keras.activations, name)
        if name.startswith("_") or name in _SKIP_ACTIVATIONS or not callable(obj):
            continue
        out[name] = _first_line(obj)
    return dict(sorted(out.items()))


@functools.cache
def losses() -> dict[str, str]:
    """{name: one-line help} for the loss functions in keras.losses (snake_case names)."""
    out = {}
    for name in dir(keras.losses):
        obj = getattr(keras.losses, name)
        if name.startswith("_") or not name[0].islower() or name in _SKIP_LOSSES:
            continue
        if callable(obj):
            out[name] = _first_line(obj)
    return dict(sorted(out.items()))


@functools.cache
def optimizers() -> dict[str, str]:
    """{name: one-line help} of vocabulary.OPTIMIZERS (names keras.optimizers.get accepts)."""
    out = {}
    for name in OPTIMIZERS:
        cls = keras.optimizers.get(name).__class__
        out[name] = _first_line(cls)
    return out


@functools.cache
def initializers() -> dict[str, str]:
    """{ClassName: one-line help} for keras.initializers."""
    out = {}
    for name in dir(keras.initializers):
        obj = getattr(keras.initializers, name)
        if not name[0].isupper() or name in _SKIP_INITIALIZERS or not inspect.isclass(obj):
            continue
        out[name] = _first_line(obj)
    return dict(sorted(out.items()))


@functools.cache
def metrics(task: str) -> dict[str, str]:
    """{name: one-line help} of the keras.metrics that fit `task`."""
    out = {}
    for name in task_metrics(task):
        if name == "accuracy":
            out[name] = "Share of predictions that match the label (Keras picks the right kind)."
            continue
        obj = keras.metrics.get(name)
        out[name] = _first_line(obj if inspect.isfunction(obj) else obj.__class__)
    return out


def regularizers() -> dict[str, str]:
    """{kind: one-line help} for vocabulary.REGULARIZERS."""
    return {"none": "No penalty.",
            "l1": _first_line(keras.regularizers.L1),
            "l2": _first_line(keras.regularizers.L2),
            "l1l2": _first_line(keras.regularizers.L1L2)}


def _args_help(obj) -> dict[str, str]:
    """{argument: its description} from the `Args:` section of a Keras docstring."""
    doc = inspect.getdoc(obj) or ""
    match = re.search(r"^Args:\n((?:[ \t]+.*\n?|\n)+)", doc, flags=re.MULTILINE)
    if not match:
        return {}
    out: dict[str, str] = {}
    current = None
    for line in match.group(1).splitlines():
        head = re.match(r"^ {4}(\*{0,2}\w+):\s*(.*)$", line)
        if head:
            current = head.group(1)
            out[current] = head.group(2)
        elif current and line.strip():
            out[current] += " " + line.strip()
    return {k: re.sub(r"\s+", " ", re.sub(r"`+", "", v)).strip() for k, v in out.items()}


@functools.cache
def optimizer_args(name: str) -> dict[str, str]:
    """{argument: help} of optimizer `name` (learning_rate, momentum, clipnorm, ...)."""
    return _args_help(keras.optimizers.get(name).__class__)


@functools.cache
def initializer_args(name: str) -> dict[str, str]:
    """{argument: help} of initializer class `name` (mean, stddev, seed, ...)."""
    return _args_help(getattr(keras.initializers, name))


@functools.cache
def layer_args(layer_type: str) -> dict[str, str]:
    """{argument: help} of keras.layers.<layer_type> (units, activation, rate, ...)."""
    return _args_help(getattr(keras.layers, layer_type))


@functools.cache
def layer_help(layer_type: str) -> str:
    """The one-line summary of keras.layers.<layer_type>."""
    return _first_line(getattr(keras.layers, layer_type))
