"""Every check before training, with names checked against the Keras registries.

The checks themselves live in gui.core.spec.validate, which never imports Keras; this is
where they meet the option lists Keras really has (gui.core.model.registry, imported on
the first check, so that importing this module loads no TensorFlow).
"""

from __future__ import annotations

from gui.core.spec.data_info import DataInfo
from gui.core.spec.lesson_rules import Limits, limit_problems
from gui.core.spec.problems import Problem
from gui.core.spec.schema import ExperimentSpec
from gui.core.spec.validate import spec_problems


def validate(spec: ExperimentSpec, info: DataInfo | None = None,
             limits: Limits | None = None) -> list[Problem]:
    """Every problem that would stop `spec` from building or training well, at once.

    Without `info` the checks that need the data (output width, loss against task, the
    validation split against the row count) are skipped.

    Example:
        >>> from gui.core.spec.schema import ExperimentSpec, LayerSpec
        >>> spec = ExperimentSpec(layers=[LayerSpec(type="Dense", units=0)])
        >>> [p.where for p in validate(spec)]
        ['layers[0].units']
    """
    from gui.core.model import registry  # Keras is imported on the first check, not before

    found = spec_problems(spec, info, registry)
    return found + limit_problems(spec, limits) if limits is not None else found
