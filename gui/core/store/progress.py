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

    def text(self, elapsed: float) -> str:
        """Where the run is, in words, the same on the run banner, the Train page and Runs.

        The batch is named only when a report caught the epoch midway: a small epoch runs
        its batches in one call into TensorFlow, so it would read "batch 0/4" throughout.

            >>> Progress(136, 300, 0, 4).text(23.4)
            'epoch 136/300 · 23 s'
            >>> Progress(2, 10, 17, 40).text(61)
            'epoch 2/10 · batch 17/40 · 61 s'

        Once the last epoch has ended, the run saves its model and scores its test rows
        (seconds on a busy server) before it is reported done:

            >>> Progress(300, 300, 4, 4).text(61)
            'all 300 epochs done, saving the model · 61 s'
        """
        if self.epochs and self.epoch >= self.epochs and self.steps and self.step >= self.steps:
            return f"all {self.epochs:,} epochs done, saving the model · {elapsed:.0f} s"
        batch = f"batch {self.step:,}/{self.steps:,} · " if 0 < self.step < self.steps else ""
        return f"epoch {max(self.epoch, 1)}/{self.epochs} · {batch}{elapsed:.0f} s"
