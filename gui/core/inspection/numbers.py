"""Numbers as people read them: one home for the rounding of metric tiles, tables and curves.

    >>> number(391523.0312)
    '391,523'
    >>> number(0.000123)
    '1.23e-4'
    >>> number(0.95833, "accuracy")
    '0.958'
    >>> unit("mean_absolute_error", "regression", "price")
    'price'

No Streamlit, no pandas: plain floats in, text out.
"""

from __future__ import annotations

import math

# Quantities that are a share between 0 and 1 (shown with 3 decimals).
SHARES = ("accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
          "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "precision",
          "recall", "auc", "f1", "f1 (macro)", "balanced accuracy", "roc auc", "r²")
# Quantities in the target's own units (regression).
TARGET_UNITS = ("mean_absolute_error", "root_mean_squared_error", "mae", "rmse")
SQUARED_UNITS = ("mean_squared_error", "mse")


def _short_exponent(text: str) -> str:
    """'1.23e-04' → '1.23e-4', '2.50e+16' → '2.5e16'."""
    mantissa, exponent = text.split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def number(value: float | None, name: str = "") -> str:
    """`value` rounded for reading: thousands separators for big values, 3 significant
    digits in e-notation for tiny or huge ones, 3 decimals for a share such as accuracy.

    Args:
        value: the number (None or NaN shows as "–").
        name: the quantity, e.g. "accuracy" or "val_loss" (shares get 3 decimals).
    """
    if value is None:
        return "–"
    value = float(value)
    if math.isnan(value):
        return "–"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if value == 0:
        return "0"
    size = abs(value)
    base = name.lower().removeprefix("val_")
    if base in SHARES and size <= 1:
        return f"{value:.3f}"
    if size >= 1e15 or size < 1e-3:
        return _short_exponent(f"{value:.2e}")
    if size >= 1000:
        return f"{value:,.0f}"
    if size >= 100:
        return f"{value:,.1f}"
    return f"{value:.4g}"


def delta(value: float | None, name: str = "") -> str:
    """A change, signed: "+1,204", "-0.012"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = number(abs(value), name)
    return ("+" if value >= 0 else "-") + text  # ASCII: st.metric reads the sign


def unit(name: str, task: str, target: str) -> str:
    """The unit of quantity `name` when it is known, else "": the target's own units for
    MAE and RMSE on a regression, the target squared for MSE."""
    if task != "regression":
        return ""
    base = name.lower().removeprefix("val_")
    if base in TARGET_UNITS:
        return target
    if base in SQUARED_UNITS:
        return f"{target}²"
    return ""

