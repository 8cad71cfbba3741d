"""What the checks and the model's output layer need to know about the prepared data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DataInfo:
    """What validation needs to know about the prepared data.

    Args:
        task: "regression", "binary" or "multiclass".
        n_inputs: feature count after encoding (the model's input width).
        n_classes: number of classes (0 for regression).
        n_train: training rows (0: unknown, the validation split is not checked).
        n_test: test rows.
    """

    task: str
    n_inputs: int
    n_classes: int = 0
    n_train: int = 0
    n_test: int = 0

    @classmethod
    def from_prepared(cls, prepared) -> DataInfo:
        """From a dataset.PreparedData."""
        return cls(task=prepared.task, n_inputs=int(prepared.n_inputs),
                   n_classes=int(prepared.n_classes), n_train=prepared.n_train,
                   n_test=prepared.n_test)

    def same_head(self, other: DataInfo | None) -> bool:
        """Whether `other` needs the same output layer (same task and class count)."""
        return other is not None and (self.task, self.n_classes) == (other.task,
                                                                     other.n_classes)
