"""A problem with a spec, in Keras' words, and the helpers that phrase one.

Every check (validate.py, validate_model.py) returns `Problem`s whose message `say`s, in
Keras' order, what was expected, what was received and how to fix it:

    Expected a positive whole number of neurons, e.g. 16. Received: units=0. Set units ...
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec.

    Args:
        where: the spec path at fault, e.g. "layers[2].units" or "compile.loss"; the page
            shows the message next to the control that edits it.
        message: what was expected, what was received, how to fix it.
    """

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def say(expected: str, received: str, fix: str = "") -> str:
    """A message in Keras' order: 'Expected X. Received: Y. Fix.'"""
    return f"Expected {expected}. Received: {received}." + (f" {fix}" if fix else "")


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def shown(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def names(options) -> str:
    options = list(options)
    return ", ".join(options[:12]) + (", …" if len(options) > 12 else "")


def not_one_of(where: str, name: str, value: Any, options, kind: str = "") -> Problem:
    """`value` of setting `name` is none of `options`: e.g. an unknown loss or scaling."""
    return Problem(where, say(f"one of {kind}{names(options)}", f"{name}={shown(value)}",
                              f"Choose a valid {name} from the list."))
