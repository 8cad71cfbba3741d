"""Fewer points to draw than a curve has: the lowest and highest value of each stretch.

A run of 5,000 epochs keeps all 5,000 values per quantity in its record; a chart of a few
hundred pixels shows them as well with a few hundred points, if each stretch of epochs keeps
its extremes (a spike or a dip stays visible, unlike with every n-th point). The first and
last epochs are always kept, so the curve starts and ends where the run did.

Example:
    >>> kept_points([3.0, 1.0, 2.0], limit=10)
    [0, 1, 2]
    >>> len(kept_points([float(i % 7) for i in range(10_000)], limit=300)) <= 300
    True
"""

from __future__ import annotations

import math

MAX_POINTS = 400  # per curve: more than a chart's width in pixels needs


def kept_points(values: list[float | None], limit: int = MAX_POINTS) -> list[int]:
    """The indexes of `values` to draw, in order: all of them when there are at most
    `limit`, else the first, the last, and the lowest and highest finite value of each of
    (limit - 2) / 2 equal stretches between them."""
    n = len(values)
    if n <= limit:
        return list(range(n))
    buckets = max(1, (limit - 2) // 2)
    size = (n - 2) / buckets
    keep = {0, n - 1}
    for b in range(buckets):
        lo, hi = 1 + int(b * size), 1 + int((b + 1) * size)
        finite = [(v, i) for i in range(lo, hi)
                  if (v := values[i]) is not None and math.isfinite(v)]
        if finite:
            keep.add(min(finite)[1])
            keep.add(max(finite)[1])
        elif lo < hi:
            keep.add(lo)
    return sorted(keep)
