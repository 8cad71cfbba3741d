"""How the training rows reach TensorFlow fast: a seeded tf.data pipeline and the number of
batches per call into TensorFlow.

Tabular models are tiny, so Keras' per-step overhead dominates a plain `fit`. Several
batches run per call (`steps_per_execution`, chosen from the model's size so that one call
stays well under a second and Stop still answers at once), and the batches come from a
vectorised, prefetching `tf.data` pipeline whose epoch order is a stateless shuffle keyed by
the seed and the epoch, so concurrent jobs stay deterministic.

Starting a `tf.data` iterator costs ~15 ms of CPU here (each map function is instantiated
anew), and Keras starts two per epoch for the training rows and two for the validation rows
(one at the epoch's start, one at its end) unless told otherwise: on a small data set that was
most of an epoch's cost. So when the epoch's batches divide evenly into calls (`repeats`), the
training pipeline is one endless stream, its epochs back to back, read through one iterator for
the whole fit (`steps_per_epoch` cuts it into epochs); otherwise Keras gets the epoch's length
and starts one iterator per epoch. The validation rows are a plain batched dataset, whose
iterators cost well under a millisecond.

Example:
    steps = choose_steps_per_execution(model.count_params(), 32, steps_per_epoch)
    endless = repeats(steps_per_epoch, steps)
    model.fit(training_dataset(X, y, 32, shuffle=True, seed=42, endless=endless),
              steps_per_epoch=steps_per_epoch, epochs=5,
              validation_data=validation_dataset(X_val, y_val, 1024))
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

# One call into TensorFlow should take at most about this long, so Stop answers within a
# second even on a slow, shared machine (assumed to do at least FLOPS_FLOOR per second).
EXECUTION_SECONDS = 0.25
FLOPS_FLOOR = 1e9
MAX_STEPS_PER_EXECUTION = 256


def choose_steps_per_execution(n_params: int, batch_size: int, steps_per_epoch: int) -> int:
    """Batches per call into TensorFlow: as many as fit in EXECUTION_SECONDS at FLOPS_FLOOR.

    A training step costs about 6 multiply-adds per parameter per row (forward and backward).
    """
    flops = 6.0 * max(n_params, 1) * max(batch_size, 1)
    steps = int(EXECUTION_SECONDS * FLOPS_FLOOR // flops)
    return max(1, min(steps, MAX_STEPS_PER_EXECUTION, max(steps_per_epoch, 1)))


def repeats(steps_per_epoch: int, steps_per_execution: int) -> bool:
    """Whether an epoch is a whole number of calls into TensorFlow, so that an endless stream
    of batches can be cut into epochs (each call takes `steps_per_execution` batches from the
    stream; only the end of a dataset can make a call take fewer)."""
    return steps_per_epoch % max(1, steps_per_execution) == 0


def training_dataset(X: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool,
                     seed: int, endless: bool = False) -> tf.data.Dataset:
    """Batches of (X, y), in a new order every epoch that depends only on `seed`: one epoch's
    batches, or with `endless` every epoch's, one after the other (give fit
    `steps_per_epoch`; see `repeats`).

    Like Keras' own array pipeline: one permutation per epoch (a stateless shuffle keyed by
    the seed and an epoch counter, so no process-wide random state is involved), cut into
    batches of indices, and the rows gathered batch by batch in parallel; TensorFlow's
    default graph rewrites are skipped, as Keras does, since they cost more than they save.
    """
    n = len(X)
    full, rest = divmod(n, batch_size)
    epoch = tf.Variable(0, dtype=tf.int64, trainable=False)
    key = tf.constant(int(seed) % 2**63, dtype=tf.int64)

    def order(_):
        indices = tf.range(n, dtype=tf.int64)
        if not shuffle:
            return indices
        count = epoch.assign_add(1)
        return tf.random.experimental.stateless_shuffle(indices, seed=tf.stack([key, count]))

    def batches(indices):
        head = tf.reshape(indices[: full * batch_size], (full, batch_size))
        out = tf.data.Dataset.from_tensor_slices(head)
        if rest:
            out = out.concatenate(tf.data.Dataset.from_tensors(indices[full * batch_size:]))
        return out

    data = tf.data.Dataset.from_tensors((tf.convert_to_tensor(X), tf.convert_to_tensor(y)))
    epochs = tf.data.Dataset.range(1)
    # The epoch counter is advanced by one sequential map, so epoch k is shuffled with key
    # (seed, k) however far ahead the stream is read.
    indices = (epochs.repeat() if endless else epochs).map(order).flat_map(batches)
    out = tf.data.Dataset.zip((indices, data.repeat())).map(
        lambda i, xy: (tf.gather(xy[0], i), tf.gather(xy[1], i)),
        num_parallel_calls=tf.data.AUTOTUNE)
    count = tf.data.INFINITE_CARDINALITY if endless else full + (1 if rest else 0)
    out = out.apply(tf.data.experimental.assert_cardinality(count))
    options = tf.data.Options()
    options.experimental_optimization.apply_default_optimizations = False
    options.experimental_external_state_policy = tf.data.experimental.ExternalStatePolicy.IGNORE
    return out.with_options(options).prefetch(tf.data.AUTOTUNE)


def validation_dataset(X: np.ndarray, y: np.ndarray, batch_size: int) -> tf.data.Dataset:
    """The validation rows in order, in batches: no function to instantiate, so the iterator
    Keras starts for each epoch's validation is cheap (Keras' own array pipeline maps)."""
    return tf.data.Dataset.from_tensor_slices((X, y)).batch(batch_size)
