"""Mean-field recurrences derived symbolically from architecture declarations [YS17]."""

from __future__ import annotations

from .architecture import Affine, Architecture, Phi, Prev, Recurrence, Sum, derive, slope
from .catalog import ARCHITECTURES, architecture, recurrence

__all__ = [
    "ARCHITECTURES",
    "Affine",
    "Architecture",
    "Phi",
    "Prev",
    "Recurrence",
    "Sum",
    "architecture",
    "derive",
    "recurrence",
    "slope",
]
