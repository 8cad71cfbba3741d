"""The train/test split: sklearn's, in numpy, without importing scikit-learn.

Importing scikit-learn costs 1-2 s of a core, and the first page (the Data page, on a sample)
prepares data. `train_test_split` gives the same rows as sklearn's train_test_split with
shuffling (its ShuffleSplit and StratifiedShuffleSplit: the same random draws from the same
seed), so a generated script that calls sklearn splits alike; tests/core/test_split.py checks
it against sklearn.

With a separate test file, the training file's rows are taken in an order drawn by the
same seed (`shuffled`), as the held-out share's are: validation holds out the last training
rows (Keras' validation_split), which in file order would be the file's last rows, and a
file sorted by date, country or class would then validate on one kind of row.

Example:
    train_rows, test_rows = train_test_split(len(frame), 0.2, seed=42, stratify=codes)
"""

from __future__ import annotations

from math import ceil

import numpy as np


def train_test_split(n_samples: int, test_size: float, seed: int | None,
                     stratify: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(train positions, test positions) as sklearn's train_test_split(shuffle=True) with
    a float `test_size` and `random_state=seed` draws them. ValueError in sklearn's cases."""
    if not 0 < test_size < 1:
        raise ValueError(f"test_size={test_size} should be a float in the (0, 1) range")
    n_test = ceil(test_size * n_samples)
    n_train = n_samples - n_test
    if n_train <= 0:
        raise ValueError(f"With n_samples={n_samples} and test_size={test_size}, the "
                         "resulting train set will be empty")
    rng = np.random.RandomState(seed)
    if stratify is None:
        permutation = rng.permutation(n_samples)
        return permutation[n_test:n_test + n_train], permutation[:n_test]
    return _stratified(np.asarray(stratify), n_train, n_test, rng)


def _stratified(y: np.ndarray, n_train: int, n_test: int,
                rng: np.random.RandomState) -> tuple[np.ndarray, np.ndarray]:
    classes, y_indices, class_counts = _classes(y)
    if np.min(class_counts) < 2:
        raise ValueError("The least populated class in y has only 1 member, which is too "
                         "few. The minimum number of groups for any class cannot be less "
                         "than 2.")
    if n_train < len(classes) or n_test < len(classes):
        raise ValueError(f"The train_size = {n_train} and test_size = {n_test} should be "
                         f"greater or equal to the number of classes = {len(classes)}")
    # a stable sort of small whole numbers is a radix sort: 100,000 rows in a millisecond
    small = np.min_scalar_type(max(len(classes) - 1, 0))
    class_indices = np.split(np.argsort(y_indices.astype(small), kind="stable"),
                             np.cumsum(class_counts)[:-1])
    n_i = _approximate_mode(class_counts, n_train, rng)
    t_i = _approximate_mode(class_counts - n_i, n_test, rng)
    train: list[np.ndarray] = []
    test: list[np.ndarray] = []
    for i in range(len(classes)):
        permutation = rng.permutation(class_counts[i])
        chosen = class_indices[i].take(permutation, mode="clip")
        train.append(chosen[:n_i[i]])
        test.append(chosen[n_i[i]:n_i[i] + t_i[i]])
    # the same rows in the same order as sklearn's list of numbers, joined in one step
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def _classes(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """np.unique(y, return_inverse=True, return_counts=True); class codes (whole numbers
    from 0, e.g. pd.factorize's) counted without sorting every row."""
    if y.ndim == 1 and y.dtype.kind in "iu" and len(y) and 0 <= y.min() and y.max() < 2**16:
        every = np.bincount(y)
        classes = np.flatnonzero(every)
        rank = np.cumsum(every > 0) - 1
        return classes.astype(y.dtype), rank[y], every[classes]
    return np.unique(y, return_inverse=True, return_counts=True)


def _approximate_mode(class_counts: np.ndarray, n_draws: int,
                      rng: np.random.RandomState) -> np.ndarray:
    """sklearn.utils.extmath._approximate_mode: how many rows of each class to draw."""
    continuous = class_counts / class_counts.sum() * n_draws
    floored = np.floor(continuous)
    need_to_add = int(n_draws - floored.sum())
    if need_to_add > 0:
        remainder = continuous - floored
        for value in np.sort(np.unique(remainder))[::-1]:
            (inds,) = np.where(remainder == value)
            add_now = min(len(inds), need_to_add)
            inds = rng.choice(inds, size=add_now, replace=False)
            floored[inds] += 1
            need_to_add -= add_now
            if need_to_add == 0:
                break
    return floored.astype(int)


def shuffled(n_samples: int, seed: int | None) -> np.ndarray:
    """Positions 0..n_samples-1 in an order drawn by `seed`: numpy's
    RandomState(seed).permutation, which a generated script calls alike."""
    return np.random.RandomState(seed).permutation(n_samples)
