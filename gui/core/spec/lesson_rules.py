"""What a lesson lets its students do: which controls they see editable, locked (shown, not
changeable) or not at all, and the limits that keep a class from overloading the server.

One home for the controls a teacher can lock or hide: the sections (data choices, layers,
compile, fit settings, the Inside page) and the settings a teacher would single out. Each
names the places of the workspace document it edits, so a student's change to a locked or
hidden place is refused where changes are applied (`allows`), whatever the page showed;
the pages draw from the same table (locked shown disabled, hidden absent).

Example:
    rules = LessonRules(visibility={"layers": LOCKED, "fit.epochs": EDITABLE},
                        limits=Limits(max_epochs=100))
    rules.allows(("spec", "layers", 0, "units"))     # False: the layers are locked
    limit_problems(spec, rules.limits)                # [Problem("fit.epochs", ...)] if over
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from gui.core.spec.problems import Problem, is_int, say
from gui.core.spec.schema import ExperimentSpec

EDITABLE, LOCKED, HIDDEN = "editable", "locked", "hidden"
VISIBILITIES = {EDITABLE: "editable", LOCKED: "locked (shown, not changeable)",
                HIDDEN: "hidden"}
ANY = "*"  # any position in a list (any layer)
OUTPUT_FOLLOWS = ("units", "activation")  # the output layer's settings the data's task sets


@dataclass(frozen=True)
class Control:
    """A section or a setting a teacher can lock or hide.

    Args:
        name: its name in the rules ("layers", "fit.epochs").
        label: what the teacher reads.
        places: the document paths it edits (ANY stands for any layer's position).
        section: for a setting, the section it belongs to (it follows the section unless
            the teacher chose otherwise for it).
    """

    name: str
    label: str
    places: tuple[tuple, ...] = ()
    section: str | None = None


SECTIONS = (
    Control("data", "Data choices (dataset, target, features, preparation, split)",
            (("dataset",), ("test",), ("split",), ("spec", "data"))),
    Control("layers", "Layers", (("spec", "layers"),)),
    Control("compile", "Compile (loss, optimizer, metrics)", (("spec", "compile"),)),
    Control("fit", "Fit settings (epochs, batch size, validation, seed)", (("spec", "fit"),)),
    Control("inside", "The Inside page"),
)
SETTINGS = (
    Control("layers.units", "units (every layer)", (("spec", "layers", ANY, "units"),),
            "layers"),
    Control("layers.activation", "activation (every layer)",
            (("spec", "layers", ANY, "activation"),), "layers"),
    Control("compile.optimizer", "optimizer",
            (("spec", "compile", "optimizer"), ("spec", "compile", "options")), "compile"),
    Control("compile.learning_rate", "learning_rate",
            (("spec", "compile", "learning_rate"),), "compile"),
    Control("fit.epochs", "epochs", (("spec", "fit", "epochs"),), "fit"),
)
CONTROLS = {c.name: c for c in SECTIONS + SETTINGS}


@dataclass(frozen=True)
class Limits:
    """Upper bounds for students; None means no limit."""

    max_epochs: int | None = None
    max_units: int | None = None
    max_layers: int | None = None


@dataclass(frozen=True)
class LessonRules:
    """Visibility per control name (missing: a setting follows its section, a section is
    editable) and the limits."""

    visibility: dict[str, str] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)

    def of(self, name: str) -> str:
        """EDITABLE, LOCKED or HIDDEN for the control `name`."""
        chosen = self.visibility.get(name)
        if chosen in VISIBILITIES:
            return chosen
        control = CONTROLS.get(name)
        return self.of(control.section) if control and control.section else EDITABLE

    def allows(self, path: tuple, output: int | None = None) -> bool:
        """May a student change the document at `path`? The most specific control whose
        place holds `path` decides; places no control names are free.

        `output` is the index of the output layer (schema.output_layer): its units and
        activation follow the data's task and classes, so they change with the data
        choices whenever those are editable, even with the layers locked (a new target
        needs its own output layer, and a student could not train without it)."""
        if (output is not None and len(path) == 4 and path[:3] == ("spec", "layers", output)
                and path[3] in OUTPUT_FOLLOWS and self.of("data") == EDITABLE):
            return True
        best = control_of(path)
        if best is None:  # above every section (the whole spec): free only if all is free
            return all(self.of(c.name) == EDITABLE for c in CONTROLS.values()
                       if any(_holds(path, place[:len(path)]) for place in c.places))
        return self.of(best.name) == EDITABLE

    def to_dict(self) -> dict:
        return {"visibility": dict(self.visibility), "limits": asdict(self.limits)}

    @classmethod
    def from_dict(cls, raw: Any) -> LessonRules:
        raw = raw if isinstance(raw, dict) else {}
        seen = raw.get("visibility") if isinstance(raw.get("visibility"), dict) else {}
        visibility = {k: v for k, v in seen.items() if k in CONTROLS and v in VISIBILITIES}
        given = raw.get("limits") if isinstance(raw.get("limits"), dict) else {}
        limits = Limits(**{k: (v if is_int(v) and v > 0 else None) for k, v in given.items()
                           if k in Limits.__dataclass_fields__})
        return cls(visibility, limits)


STUDENT_FIX = "Your teacher set this limit for the class."


def limit_problems(spec: ExperimentSpec, limits: Limits,
                   fix: str = STUDENT_FIX) -> list[Problem]:
    """The lesson's limits that `spec` goes over, each in words at the control at fault;
    `fix` ends each message (a student's words by default)."""
    out: list[Problem] = []
    fix = f" {fix}" if fix else ""
    if limits.max_epochs is not None and spec.fit.epochs > limits.max_epochs:
        out.append(Problem("fit.epochs", say(
            f"at most {limits.max_epochs} epochs in this lesson",
            f"epochs={spec.fit.epochs}", f"Set epochs to {limits.max_epochs} or fewer.{fix}")))
    if limits.max_layers is not None and len(spec.layers) > limits.max_layers:
        out.append(Problem("layers", say(
            f"at most {limits.max_layers} layers in this lesson", f"{len(spec.layers)} layers",
            f"Remove {len(spec.layers) - limits.max_layers} layer(s).{fix}")))
    if limits.max_units is not None:
        for i, layer in enumerate(spec.layers):
            if layer.type == "Dense" and layer.units > limits.max_units:
                out.append(Problem(f"layers[{i}].units", say(
                    f"at most {limits.max_units} units per layer in this lesson",
                    f"units={layer.units}", f"Set units to {limits.max_units} or fewer.{fix}")))
    return out


def _holds(place: tuple, path: tuple) -> bool:
    """Is `path` at or inside `place` (ANY matches any list position)?"""
    if len(path) < len(place):
        return False
    return all(p == ANY and isinstance(q, int) or p == q for p, q in zip(place, path,
                                                                          strict=False))


def control_of(path: tuple) -> Control | None:
    """The most specific control whose place holds the document `path` (the one whose rule
    decides it), or None above every place."""
    best, depth = None, -1
    for control in CONTROLS.values():
        for place in control.places:
            if _holds(place, path) and len(place) > depth:
                best, depth = control, len(place)
    return best
