"""Every layer's output for some rows: what each neuron computes, for the views inside a network.

The network view, the neuron pictures, the decision map and the what-if row all need the same
thing: the model's layers applied one after another to encoded rows, keeping each result.
Calling the layers directly (not `model.predict`) keeps a single row well under a millisecond
of Python overhead, so a slider can redraw without a button.

Example:
    outputs = layer_outputs(model, prepared.X_test[:5])
    outputs[model.layers[-1].name]            # == model.predict(prepared.X_test[:5])
"""

from __future__ import annotations

import numpy as np

BATCH = 4096  # rows per call: a 200×200 decision grid is 10 batches, memory stays small


def layer_outputs(model, X: np.ndarray) -> dict[str, np.ndarray]:
    """{layer name: its output for the rows X (n, units)}, in the model's layer order.

    X is encoded as the model takes it (Preprocessor.encode). Layers run in inference mode, so
    Dropout passes everything and BatchNormalization uses its moving statistics, as `predict`.
    """
    X = np.asarray(X, dtype="float32")
    parts: dict[str, list[np.ndarray]] = {item.name: [] for item in model.layers}
    for start in range(0, max(len(X), 1), BATCH):
        value = X[start:start + BATCH]
        for item in model.layers:
            value = item(value, training=False)
            parts[item.name].append(np.asarray(value))
    return {name: np.concatenate(chunks) if len(chunks) > 1 else chunks[0]
            for name, chunks in parts.items()}
