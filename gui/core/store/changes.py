"""Edits as changes: what one copy of a JSON document changed against the copy it started
from, setting by setting, and those changes applied to the newest stored document.

A browser tab holds a copy of its workspace's document. Writing that whole copy back would
undo what another tab saved meanwhile; instead the tab sends only its own changes (DESIGN
principle 11). A change names one place (`spec.fit.epochs`, `spec.layers[1].units`,
`dataset`) and its new value:

- objects are compared key by key, so two tabs that change different keys both keep theirs;
- a list of objects of the same length (the layer stack) is compared element by element and
  field by field; an element whose "type" changed is replaced whole, and a list that grew,
  shrank or holds plain values (a feature list) is one setting, replaced whole;
- `whole` paths are one setting however they are made (a dataset reference: a sample name
  and a file hash never mix);
- `sets` paths are lists used as sets: a change adds and removes items, so two tabs that
  each add one keep both.

Applying a change whose place is gone from the newest document (a field of a layer another
tab removed, anything after Start over emptied the document) skips it: the structural
change happened and the edit has nothing left to change.

Example:
    base = {"fit": {"epochs": 50, "batch_size": 32}}
    mine = {"fit": {"epochs": 7, "batch_size": 32}}
    newest = {"fit": {"epochs": 50, "batch_size": 64}}   # another tab's change
    apply(newest, changes(base, mine))                  # {"fit": {"epochs": 7, "batch_size": 64}}
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

Path = tuple  # of str (object keys) and int (list positions)


class _Delete:
    def __repr__(self) -> str:
        return "DELETE"


DELETE = _Delete()  # the value of a change that removes a key


@dataclass(frozen=True)
class Change:
    """One setting changed: `path` gets `value` (DELETE removes the key). For a set path,
    `value` is None and `added` / `removed` say which items changed."""

    path: Path
    value: Any = None
    added: tuple = ()
    removed: tuple = ()
    as_set: bool = False

    @property
    def name(self) -> str:
        """The place in the words of a JSON path: "spec.layers[1].units"."""
        out = ""
        for step in self.path:
            out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
        return out

    def __str__(self) -> str:
        if self.as_set:
            return f"{self.name}: +{list(self.added)} -{list(self.removed)}"
        return f"{self.name} = {self.value!r}"


def changes(base: Any, current: Any, whole: Iterable[Path] = (),
            sets: Iterable[Path] = ()) -> list[Change]:
    """The changes that turn `base` into `current`, in document order."""
    out: list[Change] = []
    _diff(base, current, (), frozenset(map(tuple, whole)), frozenset(map(tuple, sets)), out)
    return out


def apply(document: Any, edits: Iterable[Change]) -> Any:
    """`document` (not modified) with `edits` applied; an edit whose place is gone is skipped."""
    out = copy.deepcopy(document)
    for edit in edits:
        if not edit.path:
            out = copy.deepcopy(edit.value)
            continue
        parent = _find(out, edit.path[:-1])
        last = edit.path[-1]
        if isinstance(parent, dict) and isinstance(last, str):
            if edit.as_set:
                parent[last] = _merged_set(parent.get(last), edit)
            elif edit.value is DELETE:
                parent.pop(last, None)
            else:
                parent[last] = copy.deepcopy(edit.value)
        elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
            if edit.as_set:
                parent[last] = _merged_set(parent[last], edit)
            elif edit.value is not DELETE:
                parent[last] = copy.deepcopy(edit.value)
    return out


def _diff(a: Any, b: Any, path: Path, whole, sets, out: list[Change]) -> None:
    if path in sets and isinstance(a, list) and isinstance(b, list):
        added = tuple(x for x in b if x not in a)
        removed = tuple(x for x in a if x not in b)
        if added or removed:
            out.append(Change(path, added=added, removed=removed, as_set=True))
        return
    if path not in whole and isinstance(a, dict) and isinstance(b, dict):
        for key in list(a) + [k for k in b if k not in a]:
            if key not in b:
                out.append(Change(path + (key,), DELETE))
            elif key not in a:
                out.append(Change(path + (key,), copy.deepcopy(b[key])))
            else:
                _diff(a[key], b[key], path + (key,), whole, sets, out)
        return
    if (path not in whole and isinstance(a, list) and isinstance(b, list)
            and len(a) == len(b) and a and all(isinstance(x, dict) for x in a + b)):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x.get("type") != y.get("type"):  # another kind of element: its fields differ
                if x != y:
                    out.append(Change(path + (i,), copy.deepcopy(y)))
            else:
                _diff(x, y, path + (i,), whole, sets, out)
        return
    if a != b or type(a) is not type(b):
        out.append(Change(path, copy.deepcopy(b)))


def _find(document: Any, path: Path) -> Any:
    """The container at `path`, or None when that place is gone."""
    here = document
    for step in path:
        if isinstance(here, dict) and isinstance(step, str) and step in here:
            here = here[step]
        elif isinstance(here, list) and isinstance(step, int) and 0 <= step < len(here):
            here = here[step]
        else:
            return None
    return here


def _merged_set(items: Any, edit: Change) -> list:
    kept = [x for x in items if x not in edit.removed] if isinstance(items, list) else []
    return kept + [x for x in edit.added if x not in kept]
