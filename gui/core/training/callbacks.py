"""How a running `fit` talks to its TrainingJob: the Keras callback, the validation filter
that skips a stopped epoch, validation rows scored in one batch, and the time cap of a
search's trial.

The callback only records under the job's lock and reads its stop flag, so a page polling
the job never waits on TensorFlow.
"""

from __future__ import annotations

import time

import keras


class LiveCallback(keras.callbacks.Callback):
    """Appends each epoch's logs to the job under its lock; stops when asked or on NaN."""

    def __init__(self, job):
        super().__init__()
        self.job = job

    def on_epoch_begin(self, epoch, logs=None):
        self.job._begin_epoch(epoch)
        if self.job._heard_stop():
            self.model.stop_training = True

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if self.job._on_batch(batch, None if loss is None else float(loss)):
            self.model.stop_training = True

    def on_test_batch_end(self, batch, logs=None):
        if self.job._heard_stop():
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if self.job._end_epoch(epoch, logs or {}):
            self.model.stop_training = True


class ValidateUnlessStopped(list):
    """`validation_freq` for fit: validate every epoch except one the user stopped midway.

    Keras asks `epoch in validation_freq` after each epoch's batches; a stopped, partial
    epoch skips validation so Stop answers at once.
    """

    def __init__(self, job):
        super().__init__()
        self.job = job

    def __contains__(self, epoch) -> bool:
        return not self.job._stopped_midway()


class OneBatchValidation(keras.callbacks.Callback):
    """Validation rows that fit in one batch, scored at each epoch's end by the model's own
    test step (`test_on_batch`: the same step on the same single batch as fit's validation),
    added to the epoch's logs as `val_*`; a stopped, partial epoch is not scored.

    Why not fit's `validation_data`: Keras starts a tf.data iterator for it every epoch,
    ~15-20 ms of CPU, as much as a whole epoch of a small table's training (a 60-epoch Iris
    run spent ~1 s of its ~2 s there). Listed before every other callback, so that they
    (the live record, early stopping) read the epoch's validation scores."""

    def __init__(self, job, X, y):
        super().__init__()
        self.job = job
        self.X, self.y = keras.ops.convert_to_tensor(X), keras.ops.convert_to_tensor(y)

    def on_epoch_end(self, epoch, logs=None):
        if logs is None or self.job._stopped_midway():
            return
        scores = self.model.test_on_batch(self.X, self.y, return_dict=True)
        logs.update({f"val_{name}": value for name, value in scores.items()})


class StopAfter(keras.callbacks.Callback):
    """Ends training at the end of the epoch during which `seconds` have passed since it
    began (a search's trial capped at its share of the time box): at an epoch's end, so
    early stopping still restores the best epoch's weights and the run saves them."""

    def __init__(self, seconds: float):
        super().__init__()
        self.seconds, self.stopped = float(seconds), False
        self._began = 0.0

    def on_train_begin(self, logs=None):
        self._began = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        if time.monotonic() - self._began >= self.seconds:
            self.stopped = self.model.stop_training = True

    @property
    def note(self) -> str:
        return (f"Stopped at its time cap of {self.seconds:g} s (its share of the search's "
                "time box); its best epoch counts.")
