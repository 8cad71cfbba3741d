"""Where a training run is: epoch and batch. No Keras here, so pages can import it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """Where a running job is: epoch `epoch` of `epochs`, batch `step` of `steps`."""

    epoch: int
    epochs: int
    step: int
    steps: int

    @property
    def fraction(self) -> float:
        if self.epochs <= 0:
            return 0.0
        within = self.step / self.steps if self.steps else 0.0
        return min(1.0, max(0.0, (max(self.epoch - 1, 0) + within) / self.epochs))
