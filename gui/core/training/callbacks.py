"""How a running `fit` talks to its TrainingJob: the Keras callback, the validation filter
that skips a stopped epoch.

The callback only records under the job's lock and reads its stop flag, so a page polling
the job never waits on TensorFlow.
"""

from __future__ import annotations

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
