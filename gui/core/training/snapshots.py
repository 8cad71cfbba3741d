"""Weight snapshots: the Dense and BatchNormalization weights of a run at each epoch's end.

A training worker adds a `SnapshotRecorder` to `fit`: it copies the weights when training
begins (epoch 0, or the epoch a continuation starts from) and after every epoch into a
`Snapshots` held in memory. The worker writes them beside the run's model with the model's
save cadence (`save`, every few seconds and at the end), and the latest epoch alone, a few
kilobytes, to a small file the Inside page polls while the run trains (`save_latest`).

Memory and disk are bounded: past `budget` bytes every second kept epoch is dropped and
recording goes on at twice the stride (1, 2, 4, ... epochs apart); the latest epoch is
always kept, so the live view never lags. `Snapshots.epochs` says which epochs are kept.

Example:
    recorder = SnapshotRecorder()
    model.fit(X, y, epochs=20, callbacks=[recorder])
    snaps = recorder.snapshots
    snaps.epochs                  # [0, 1, ..., 20]
    snaps.at(0)["dense_1"]        # [kernel, bias] before training
    snaps.save(path); Snapshots.load(path).epochs == snaps.epochs

No Streamlit here.
"""

from __future__ import annotations

import io
import json
import os
import threading
from pathlib import Path

import keras
import numpy as np

BUDGET_BYTES = 32 * 1024 * 1024  # per run, in memory and on disk
RECORDED_TYPES = ("Dense", "BatchNormalization")

Weights = dict[str, list[np.ndarray]]  # {layer name: layer.get_weights()}


class Snapshots:
    """Epoch → weights of the recorded layers, thinned to stay under `budget` bytes.

    Thread-safe: the training thread adds, a reporter thread saves.
    """

    def __init__(self, budget: int = BUDGET_BYTES):
        self.budget = int(budget)
        self.stride = 1
        self._items: dict[int, Weights] = {}
        self._lock = threading.Lock()

    # ---- reading ---------------------------------------------------------------------------
    @property
    def epochs(self) -> list[int]:
        with self._lock:
            return sorted(self._items)

    @property
    def latest(self) -> int | None:
        with self._lock:
            return max(self._items) if self._items else None

    @property
    def nbytes(self) -> int:
        with self._lock:
            return _size(self._items.values())

    def at(self, epoch: int) -> Weights:
        """The weights at `epoch` (KeyError when it is not kept)."""
        with self._lock:
            return self._items[int(epoch)]

    def nearest(self, epoch: int) -> int:
        """The kept epoch closest to `epoch` (ValueError when none is kept)."""
        epochs = self.epochs
        if not epochs:
            raise ValueError("No epoch has been recorded yet.")
        return min(epochs, key=lambda e: (abs(e - int(epoch)), e))

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    # ---- writing ---------------------------------------------------------------------------
    def add(self, epoch: int, weights: Weights) -> None:
        """Keep `weights` as epoch `epoch`; the previous latest epoch goes if it is off the
        stride; then thin while over budget."""
        epoch = int(epoch)
        with self._lock:
            previous = max(self._items) if self._items else None
            self._items[epoch] = weights
            if previous is not None and previous != epoch and not self._on_stride(previous):
                del self._items[previous]
            while _size(self._items.values()) > self.budget and len(self._items) > 2:
                self.stride *= 2
                last = max(self._items)
                self._items = {e: w for e, w in self._items.items()
                               if self._on_stride(e) or e == last}

    def _on_stride(self, epoch: int) -> bool:
        return epoch % self.stride == 0

    # ---- files -----------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write every kept epoch to `path` (an .npz), atomically."""
        with self._lock:
            items = dict(self._items)
            stride = self.stride
        _write(path, items, {"stride": stride, "budget": self.budget})

    def save_latest(self, path: Path) -> int | None:
        """Write only the latest epoch to `path`; returns that epoch (None if none)."""
        with self._lock:
            if not self._items:
                return None
            last = max(self._items)
            item = {last: self._items[last]}
        _write(path, item, {"stride": 1, "budget": self.budget})
        return last

    @classmethod
    def load(cls, path: Path) -> Snapshots:
        """The snapshots saved at `path` (plain arrays only: nothing is unpickled)."""
        out = cls()
        with np.load(Path(path), allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            out.budget, out.stride = int(meta["budget"]), int(meta["stride"])
            for epoch, layers in meta["layout"].items():
                out._items[int(epoch)] = {
                    name: [np.array(data[f"{epoch}/{name}/{i}"]) for i in range(count)]
                    for name, count in layers.items()}
        return out

    @classmethod
    def load_if_any(cls, path: Path) -> Snapshots | None:
        """`load`, or None when there is no readable file at `path`."""
        try:
            return cls.load(path)
        except (OSError, KeyError, ValueError):
            return None


def _size(items) -> int:
    return sum(a.nbytes for weights in items for arrays in weights.values() for a in arrays)


def _write(path: Path, items: dict[int, Weights], meta: dict) -> None:
    arrays = {f"{epoch}/{name}/{i}": array
              for epoch, weights in items.items()
              for name, layer in weights.items() for i, array in enumerate(layer)}
    layout = {str(epoch): {name: len(layer) for name, layer in weights.items()}
              for epoch, weights in items.items()}
    buffer = io.BytesIO()
    np.savez(buffer, meta=np.array(json.dumps({**meta, "layout": layout})), **arrays)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".saving")
    tmp.write_bytes(buffer.getvalue())
    os.replace(tmp, path)  # a reader never sees half a file


def model_weights(model) -> Weights:
    """The recorded layers' weights of `model`, as copies."""
    return {item.name: [np.array(w) for w in item.get_weights()]
            for item in model.layers if type(item).__name__ in RECORDED_TYPES}


def apply(model, weights: Weights) -> None:
    """Set `model`'s recorded layers to `weights` (layers are matched by name)."""
    for name, arrays in weights.items():
        model.get_layer(name).set_weights(arrays)


class SnapshotRecorder(keras.callbacks.Callback):
    """A Keras callback recording `model_weights` when training begins and after each epoch.

    Args:
        snapshots: where to record (a continuation passes its parent's, loaded); a new
            `Snapshots` when None.
        initial_epoch: the epochs the model has trained before this `fit` (fit's own).
    """

    def __init__(self, snapshots: Snapshots | None = None, initial_epoch: int = 0):
        super().__init__()
        self.snapshots = snapshots if snapshots is not None else Snapshots()
        self._start = int(initial_epoch)

    def on_train_begin(self, logs=None):
        if self._start not in self.snapshots.epochs:
            self.snapshots.add(self._start, model_weights(self.model))

    def on_epoch_end(self, epoch, logs=None):
        self.snapshots.add(epoch + 1, model_weights(self.model))
