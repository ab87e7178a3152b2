r"""The error function :math:`\phi(x) = \mathrm{erf}(x)` and its arcsine kernel [W97].

Closed forms [W97, eq. (11)]:
:math:`W = \frac{2}{\pi}\arcsin\frac{2 q_{12}}{\sqrt{(1+2q_1)(1+2q_2)}}`, evaluated as
:math:`\frac{2}{\pi}\operatorname{atan2}(2 q_{12}, \sqrt{D})` with
:math:`D = 1 + 2q_1 + 2q_2 + 4(q_1 q_2 - q_{12}^2)` (no cancellation as the argument -> 1);
:math:`W_d = E[\phi'(u)\phi'(v)] = \frac{4}{\pi\sqrt{D}}` (Price [P58]: :math:`\partial W/\partial q_{12}`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy

from ._base import Q1, Q2, Q12, ActivationSpec, ClosedForm, Q, X
from ._registry import register

__all__ = ["ERF"]

_D = 1 + 2 * Q1 + 2 * Q2 + 4 * (Q1 * Q2 - Q12**2)
_erf_np = np.frompyfunc(math.erf, 1, 1)


def _d_np(q1: Any, q2: Any, q12: Any) -> np.ndarray:
    q1, q2, q12 = (np.asarray(v, dtype=float) for v in (q1, q2, q12))
    return np.maximum(1 + 2 * q1 + 2 * q2 + 4 * (q1 * q2 - q12 * q12), 1.0)


def _w_np(q1: Any, q2: Any, q12: Any) -> np.ndarray:
    return 2 / math.pi * np.arctan2(2 * np.asarray(q12, dtype=float), np.sqrt(_d_np(q1, q2, q12)))


def _wd_np(q1: Any, q2: Any, q12: Any) -> np.ndarray:
    return 4 / math.pi / np.sqrt(_d_np(q1, q2, q12))


def _v_np(q: Any) -> np.ndarray:
    q = np.asarray(q, dtype=float)
    return 2 / math.pi * np.arctan2(2 * q, np.sqrt(1 + 4 * q))


ERF = register(
    ActivationSpec(
        name="erf",
        phi=sympy.erf(X),
        description="error function erf(x)",
        references=("W97 eq. (11)", "NT20 (stax.Erf)"),
        closed_forms={
            "W": ClosedForm(
                2 / sympy.pi * sympy.atan2(2 * Q12, sympy.sqrt(_D)), "W97 eq. (11)", numpy=_w_np
            ),
            "V": ClosedForm(
                2 / sympy.pi * sympy.atan2(2 * Q, sympy.sqrt(1 + 4 * Q)),
                "W97 eq. (11) at q1 = q2 = q12",
                numpy=_v_np,
            ),
            "Wd": ClosedForm(4 / (sympy.pi * sympy.sqrt(_D)), "P58 applied to W97", numpy=_wd_np),
            "Vd": ClosedForm(4 / (sympy.pi * sympy.sqrt(1 + 4 * Q)), "P58 applied to W97"),
        },
        numpy_phi=lambda x: np.asarray(_erf_np(np.asarray(x, dtype=float)), dtype=float),
        numpy_dphi=lambda x: 2 / math.sqrt(math.pi) * np.exp(-np.square(x)),
    )
)
