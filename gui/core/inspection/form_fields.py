"""The one-row Predict form: an input per feature, in the model's order, with training defaults."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FormField:
    """One input of the single-row form: a number, or a choice among known categories."""

    name: str
    kind: str  # "number" or "choice"
    default: object = 0.0
    options: list = field(default_factory=list)


def form_fields(loaded) -> list[FormField]:
    """The inputs of the one-row form, in the model's feature order, with training defaults."""
    prep = loaded.preprocessor
    if prep is None:
        return [FormField(name, "number", 0.0) for name in loaded.feature_names]
    out = []
    for name in prep.feature_names_:
        if name in prep.text_:
            options = [str(c) for c in prep.categories_[name]]
            default = str(prep.fill_.get(name, options[0] if options else ""))
            out.append(FormField(name, "choice", default, options))
        else:
            out.append(FormField(name, "number", float(prep.fill_.get(name, 0.0))))
    return out
