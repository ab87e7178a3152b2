r"""The sine :math:`\phi(x) = \sin x`, whose kernels follow from the Gaussian characteristic
function :math:`E[e^{i(su + tv)}] = e^{-(s^2 q_1 + 2 s t q_{12} + t^2 q_2)/2}` [GAUSS]:

:math:`W = E[\sin u \sin v] = e^{-(q_1+q_2)/2}\sinh q_{12}`,
:math:`W_d = E[\cos u \cos v] = e^{-(q_1+q_2)/2}\cosh q_{12}`.
Evaluated as :math:`\pm\tfrac12 e^{|q_{12}| - m}(1 - e^{-2|q_{12}|})` with
:math:`m = (q_1+q_2)/2 \ge |q_{12}|`, so nothing overflows for large variances.
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
import sympy

from ._base import Q1, Q2, Q12, ActivationSpec, ClosedForm, Q, X
from ._registry import register

__all__ = ["SIN"]


def _parts(q1: Any, q2: Any, q12: Any) -> tuple[np.ndarray, np.ndarray]:
    q1, q2, q12 = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (q1, q2, q12)))
    a = np.abs(q12)
    return np.exp(a - (q1 + q2) / 2), a


def _w_np(q1: Any, q2: Any, q12: Any) -> np.ndarray:
    scale, a = _parts(q1, q2, q12)
    return -0.5 * np.sign(q12) * scale * np.expm1(-2 * a)


def _wd_np(q1: Any, q2: Any, q12: Any) -> np.ndarray:
    scale, a = _parts(q1, q2, q12)
    return 0.5 * scale * (1 + np.exp(-2 * a))


SIN = register(
    ActivationSpec(
        name="sin",
        phi=sympy.sin(X),
        description="sine sin(x)",
        references=("GAUSS", "NT20 (stax.Sin)"),
        closed_forms={
            "W": ClosedForm(
                sympy.exp(-(Q1 + Q2) / 2) * sympy.sinh(Q12),
                "GAUSS (characteristic function)",
                numpy=_w_np,
            ),
            "V": ClosedForm(
                (1 - sympy.exp(-2 * Q)) / 2,
                "GAUSS at q1 = q2 = q12",
                numpy=lambda q: -0.5 * np.expm1(-2 * np.asarray(q, dtype=float)),
                mpmath=lambda q: -mpmath.expm1(-2 * q) / 2,
            ),
            "Wd": ClosedForm(
                sympy.exp(-(Q1 + Q2) / 2) * sympy.cosh(Q12), "GAUSS; P58", numpy=_wd_np
            ),
            "Vd": ClosedForm((1 + sympy.exp(-2 * Q)) / 2, "GAUSS at q1 = q2 = q12"),
        },
    )
)
