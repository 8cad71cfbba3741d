"""How the training rows reach TensorFlow fast: a seeded tf.data pipeline and the number of
batches per call into TensorFlow.

Tabular models are tiny, so Keras' per-step overhead dominates a plain `fit`. Several
batches run per call (`steps_per_execution`, chosen from the model's size so that one call
stays well under a second and Stop still answers at once), and the batches come from a
vectorised, prefetching `tf.data` pipeline whose epoch order is a stateless shuffle keyed by
the seed and the epoch, so concurrent jobs stay deterministic.

Example:
    steps = choose_steps_per_execution(model.count_params(), 32, steps_per_epoch)
    model.fit(training_dataset(X, y, 32, shuffle=True, seed=42), epochs=5)
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


def training_dataset(X: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool,
                     seed: int) -> tf.data.Dataset:
    """Batches of (X, y), in a new order every epoch that depends only on `seed`.

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
    indices = tf.data.Dataset.range(1).map(order).flat_map(batches)
    out = tf.data.Dataset.zip((indices, data.repeat())).map(
        lambda i, xy: (tf.gather(xy[0], i), tf.gather(xy[1], i)),
        num_parallel_calls=tf.data.AUTOTUNE)
    out = out.apply(tf.data.experimental.assert_cardinality(full + (1 if rest else 0)))
    options = tf.data.Options()
    options.experimental_optimization.apply_default_optimizations = False
    options.experimental_external_state_policy = tf.data.experimental.ExternalStatePolicy.IGNORE
    return out.with_options(options).prefetch(tf.data.AUTOTUNE)
