r"""Hard tanh :math:`\phi(x) = \max(-1, \min(1, x))`: piecewise linear, kinks at
:math:`x = \pm 1` (derived from the ``Piecewise`` declaration and used to split quadrature).

Closed forms of the 1-D transforms [GAUSS: truncated Gaussian moments], with
:math:`a = 1/\sqrt q` and :math:`\varphi` the standard normal density:

.. math::

    \mathcal V(q) = E[\min(q z^2, 1)] = q\,\mathrm{erf}(a/\sqrt2) - 2\sqrt q\,\varphi(a)
    + \mathrm{erfc}(a/\sqrt2),\qquad
    \mathcal V_d(q) = P(|z| < a) = \mathrm{erf}(a/\sqrt2),

    \frac{d\mathcal V}{dq} = E[z^2 \mathbf 1_{|z|<a}] = \mathrm{erf}(a/\sqrt2) - 2a\varphi(a).

For large :math:`q` (small :math:`a`) the first and the last two terms cancel; the evaluators
then use the series :math:`1 - \mathcal V = E[(1 - q z^2)_+] = \frac{2}{\sqrt{2\pi}}
\sum_k \frac{(-1/2)^k}{k!}\frac{2 a^{2k+1}}{(2k+1)(2k+3)}` and
:math:`\frac{d\mathcal V}{dq} = \frac{2}{\sqrt{2\pi}}\sum_k \frac{(-1/2)^k}{k!}
\frac{a^{2k+3}}{2k+3}` (termwise integration of :math:`e^{-z^2/2}` on :math:`[0, a]`), whose
terms fall like :math:`(a^2/2)^k/k!`: no cancellation for :math:`a < 1`.
"""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np
import sympy

from ._base import ActivationSpec, ClosedForm, Q, X
from ._registry import register

__all__ = ["HARD_TANH"]

_A = 1 / sympy.sqrt(Q)
_DENSITY_A = sympy.exp(-1 / (2 * Q)) / sympy.sqrt(2 * sympy.pi)
_ERF_A = sympy.erf(1 / sympy.sqrt(2 * Q))
#: series terms for a < 1: (1/2)^k/k! < 1e-19 at k = 16 (float64); mpmath adds terms until
#: they fall below its working precision
_TERMS_NP = 17


def _deficit_series_np(a: np.ndarray) -> np.ndarray:
    """:math:`1 - \\mathcal V = \\frac{2}{\\sqrt{2\\pi}}\\sum_k \\frac{(-1/2)^k}{k!}
    \\frac{2a^{2k+1}}{(2k+1)(2k+3)}` (float64, a < 1)."""
    a2 = a * a
    term = np.ones_like(a)
    total = np.zeros_like(a)
    for k in range(_TERMS_NP):
        total += term * 2.0 / ((2 * k + 1) * (2 * k + 3))
        term = term * (-0.5 * a2) / (k + 1)
    return 2.0 / math.sqrt(2 * math.pi) * a * total


def _slope_series_np(a: np.ndarray) -> np.ndarray:
    """:math:`\\frac{2}{\\sqrt{2\\pi}}\\sum_k \\frac{(-1/2)^k}{k!}\\frac{a^{2k+3}}{2k+3}`."""
    a2 = a * a
    term = np.ones_like(a)
    total = np.zeros_like(a)
    for k in range(_TERMS_NP):
        total += term / (2 * k + 3)
        term = term * (-0.5 * a2) / (k + 1)
    return 2.0 / math.sqrt(2 * math.pi) * a * a2 * total


def _v_np(q: Any) -> np.ndarray:
    q = np.asarray(q, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        a = 1.0 / np.sqrt(q)
        erf_a = np.vectorize(math.erf)(a / math.sqrt(2))
        direct = q * erf_a - 2 * np.sqrt(q) * np.exp(-0.5 * a * a) / math.sqrt(2 * math.pi)
        direct = direct + (1.0 - erf_a)
        series = 1.0 - _deficit_series_np(np.minimum(a, 1.0))
    return np.asarray(np.where(a < 1.0, series, direct), dtype=float)


def _vd_np(q: Any) -> np.ndarray:
    q = np.asarray(q, dtype=float)
    with np.errstate(divide="ignore"):
        a = 1.0 / np.sqrt(q)
    return np.asarray(np.vectorize(math.erf)(a / math.sqrt(2)), dtype=float)


def _dv_np(q: Any) -> np.ndarray:
    q = np.asarray(q, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        a = 1.0 / np.sqrt(q)
        tail = np.where(np.isinf(a), 0.0, 2 * a * np.exp(-0.5 * a * a) / math.sqrt(2 * math.pi))
        direct = np.vectorize(math.erf)(a / math.sqrt(2)) - tail
        series = _slope_series_np(np.minimum(a, 1.0))
    return np.asarray(np.where(a < 1.0, series, direct), dtype=float)


def _series_mp(a: Any, coefficient: Any, power: int) -> Any:
    """:math:`\\frac{2}{\\sqrt{2\\pi}} a^{power} \\sum_k \\frac{(-a^2/2)^k}{k!} c(k)` at the
    working precision (terms added until they drop below it)."""
    a2 = a * a
    term, total, k = mpmath.mpf(1), mpmath.mpf(0), 0
    eps = mpmath.eps
    while True:
        piece = term * coefficient(k)
        total += piece
        if abs(piece) <= eps * abs(total) and k > 2:
            break
        k += 1
        term = term * (-a2 / 2) / k
    return 2 / mpmath.sqrt(2 * mpmath.pi) * a**power * total


def _v_mp(q: Any) -> Any:
    if q == 0:
        return mpmath.mpf(0)
    a = 1 / mpmath.sqrt(q)
    if a < 1:
        return 1 - _series_mp(a, lambda k: mpmath.mpf(2) / ((2 * k + 1) * (2 * k + 3)), 1)
    erf_a = mpmath.erf(a / mpmath.sqrt(2))
    return q * erf_a - 2 * mpmath.sqrt(q) * mpmath.npdf(a) + mpmath.erfc(a / mpmath.sqrt(2))


def _vd_mp(q: Any) -> Any:
    return mpmath.mpf(1) if q == 0 else mpmath.erf(1 / mpmath.sqrt(2 * q))


def _dv_mp(q: Any) -> Any:
    if q == 0:
        return mpmath.mpf(1)  # E[z^2]
    a = 1 / mpmath.sqrt(q)
    if a < 1:
        return _series_mp(a, lambda k: mpmath.mpf(1) / (2 * k + 3), 3)
    return mpmath.erf(a / mpmath.sqrt(2)) - 2 * a * mpmath.npdf(a)


HARD_TANH = register(
    ActivationSpec(
        name="hard_tanh",
        phi=sympy.Piecewise((-1, X < -1), (X, X < 1), (1, True)),
        description="hard tanh clip(x, -1, 1)",
        references=("NT20 (stax.Hardtanh)", "GAUSS (truncated Gaussian moments)"),
        closed_forms={
            "V": ClosedForm(
                Q * _ERF_A - 2 * sympy.sqrt(Q) * _DENSITY_A + sympy.erfc(1 / sympy.sqrt(2 * Q)),
                "GAUSS (truncated second moment of a Gaussian)",
                numpy=_v_np,
                mpmath=_v_mp,
            ),
            "Vd": ClosedForm(
                _ERF_A, "GAUSS (P(|z| < 1/sqrt(q)))", numpy=_vd_np, mpmath=_vd_mp
            ),
            "dV": ClosedForm(
                _ERF_A - 2 * _A * _DENSITY_A,
                "GAUSS (E[z^2 1{|z| < 1/sqrt(q)}])",
                numpy=_dv_np,
                mpmath=_dv_mp,
            ),
        },
        numpy_phi=lambda x: np.clip(x, -1.0, 1.0),
        numpy_dphi=lambda x: (np.abs(np.asarray(x, dtype=float)) < 1).astype(float),
    )
)
