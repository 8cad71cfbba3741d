"""Names made from what a user typed or uploaded, safe as a file or a Keras model name."""

from __future__ import annotations

import re


def safe_name(text: str) -> str:
    """'../My Data (v2).csv' → 'My_Data_v2_csv': safe as a file or Keras model name.

    Each run of characters outside [A-Za-z0-9_-] becomes one '_', leading and trailing '_'
    and '-' go, at most 40 characters are kept; 'layerlab' when nothing is left.

        >>> safe_name("../My Data (v2).csv")
        'My_Data_v2_csv'
    """
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text or "").strip("_-")[:40] or "layerlab"
