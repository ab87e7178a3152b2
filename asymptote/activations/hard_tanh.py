r"""Hard tanh :math:`\phi(x) = \max(-1, \min(1, x))`: piecewise linear, kinks at
:math:`x = \pm 1` (derived from the ``Piecewise`` declaration and used to split quadrature)."""

from __future__ import annotations

import numpy as np
import sympy

from ._base import ActivationSpec, X
from ._registry import register

__all__ = ["HARD_TANH"]

HARD_TANH = register(
    ActivationSpec(
        name="hard_tanh",
        phi=sympy.Piecewise((-1, X < -1), (X, X < 1), (1, True)),
        description="hard tanh clip(x, -1, 1)",
        references=("NT20 (stax.Hardtanh)",),
        numpy_phi=lambda x: np.clip(x, -1.0, 1.0),
        numpy_dphi=lambda x: (np.abs(np.asarray(x, dtype=float)) < 1).astype(float),
    )
)
