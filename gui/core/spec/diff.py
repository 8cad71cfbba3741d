"""What differs between two specs, setting by setting, in the words the pages use.

Used to say "changed since the last training" and, with runs, to compare runs.

Example:
    differences(trained.spec, current)  # [Difference("compile.learning_rate", 0.001, 0.01)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from gui.core.spec.layer_kinds import kind_of
from gui.core.spec.schema import ExperimentSpec

IGNORED = ("layers.uid",)  # identities for widget keys, not settings


@dataclass(frozen=True)
class Difference:
    path: str     # e.g. "compile.learning_rate", "layers[1].units", "data.features"
    before: Any
    after: Any

    @property
    def change(self) -> str:
        return f"{_shown(self.before)} → {_shown(self.after)}"

    def __str__(self) -> str:
        return f"{self.path}: {self.change}"


def flatten(spec: ExperimentSpec) -> dict[str, Any]:
    """{"data.target": "species", "layers[0].units": 64, ...}; lists of values stay whole."""
    out: dict[str, Any] = {}
    _walk(spec.to_dict(), "", out)
    out.pop("version", None)
    return out


def differences(before: ExperimentSpec, after: ExperimentSpec) -> list[Difference]:
    """Every setting whose value differs, in spec order; a layer added or removed shows as
    the layer count and its settings."""
    a, b = flatten(before), flatten(after)
    keys = list(a) + [k for k in b if k not in a]
    found = [Difference(k, a.get(k), b.get(k)) for k in keys if a.get(k) != b.get(k)
             and not any(_plain(k).endswith(x) for x in IGNORED)]
    if len(before.layers) != len(after.layers):  # one line for the stack, not every field
        kept = _unstacked(before, after)  # and what the stack's line does not say
        found = [d for d in found if not d.path.startswith("layers") or d.path in kept]
        at = sum(1 for d in found if d.path.startswith("data."))
        found.insert(at, Difference("layers", stack(before), stack(after)))
    return found


def _unstacked(before: ExperimentSpec, after: ExperimentSpec) -> set[str]:
    """The paths of layer settings the stack's one line leaves out (a regularizer, an
    initializer), of the layers that are of one kind at the same place in both specs."""
    out = set()
    for i, (a, b) in enumerate(zip(before.layers, after.layers, strict=False)):
        if a.type != b.type:
            continue
        shown = set(kind_of(a).summary_fields) | {"type", "uid"}
        flat_a, flat_b = {}, {}
        _walk(a.to_dict(), f"layers[{i}]", flat_a)
        _walk(b.to_dict(), f"layers[{i}]", flat_b)
        for key in set(flat_a) | set(flat_b):
            field = key[len(f"layers[{i}]."):].split(".", 1)[0]
            if field not in shown and flat_a.get(key) != flat_b.get(key):
                out.add(key)
    return out


def varying(specs: list[ExperimentSpec]) -> dict[str, list[str]]:
    """{setting: its value in each spec, as shown} for the settings that differ between
    `specs` (e.g. runs to compare); the layer stack is one entry when the counts differ."""
    flat = [flatten(s) for s in specs]
    keys: list[str] = []
    for f in flat:
        keys += [k for k in f if k not in keys]
    out = {k: [_shown(f.get(k)) for f in flat] for k in keys
           if len({repr(f.get(k)) for f in flat}) > 1
           and not any(_plain(k).endswith(x) for x in IGNORED)}
    if len({len(s.layers) for s in specs}) > 1:
        out = {k: v for k, v in out.items() if not k.startswith("layers")}
        out["layers"] = [stack(s) for s in specs]
    return out


def stack(spec: ExperimentSpec) -> str:
    """The layer stack in one line: "Dense(64, relu) → Dropout(0.2) → Dense(3, softmax)"."""
    parts = [kind_of(layer).summary(kind_of(layer).values(layer)) for layer in spec.layers]
    return " → ".join(parts) or "no layers"


def _walk(value: Any, prefix: str, out: dict) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _walk(item, f"{prefix}.{key}" if prefix else key, out)
    elif isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
        out[f"{prefix} count"] = len(value)
        for i, item in enumerate(value):
            _walk(item, f"{prefix}[{i}]", out)
    else:
        out[prefix] = value


def _plain(path: str) -> str:
    return re.sub(r"\[\d+\]", "", path)


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        text = ", ".join(map(str, value[:8])) + (", …" if len(value) > 8 else "")
        return f"[{text}]"
    return repr(value) if isinstance(value, str) else str(value)
