"""Small float64 helpers shared by the fast paths."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["geometric_mean"]


def geometric_mean(q1: Any, q2: Any) -> np.ndarray:
    """``sqrt(q1 q2)``, exact for ``q1 == q2`` (so a covariance ``q12 = q`` gives ``c = 1``
    exactly, as in the mpmath path); the product of square roots only where ``q1 q2``
    overflows."""
    q1 = np.asarray(q1, dtype=float)
    q2 = np.asarray(q2, dtype=float)
    with np.errstate(over="ignore"):
        out = np.sqrt(q1 * q2)
    if not np.all(np.isfinite(out)):
        out = np.where(np.isfinite(out), out, np.sqrt(q1) * np.sqrt(q2))
    return out
