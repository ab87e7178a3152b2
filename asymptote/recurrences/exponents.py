r"""Fitted depth exponents from long-depth trajectories, compared with the symbolic laws.

For each law of :mod:`asymptote.asymptotics.laws` the logarithm of the tracked quantity is
fitted by linear least squares over the recorded layers in a window :math:`[L/100, L]`
with the leading term *and the known next-order corrections* as basis functions:

==========================  =======================================================
power                       :math:`\log y = a\log l + c + \sum_j b_j l^{-\omega_j}`
fixed_point_power           :math:`\log|y - y_*| = -\mu\log l + c + \sum_j b_j l^{-\omega_j}`
exponential, fixed-point    :math:`\log y = l\log B + b\log l + c + d/l`
stretched_exponential       :math:`\log y = C\sqrt l + b\log l + c + d\,l^{-1/2}`
constant                    :math:`\log y = a\log l + c + \sum_j b_j l^{-\omega_j}`, report a
==========================  =======================================================

(:math:`l^{-1}\log l` is always included for power laws: the discrete-to-continuum
correction of :math:`x_l - x_{l-1} = F(x_{l-1})`). The spread between the fits on
:math:`[L/100, L]` and :math:`[L/10, L]` is reported as the fit's uncertainty, and
``digits`` is :math:`-\log_{10}` of the relative difference from the exact value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..asymptotics.laws import Law
from .iterate import Trajectory

__all__ = ["ExponentFit", "fit_law"]


@dataclass(frozen=True)
class ExponentFit:
    """A fitted exponent with its uncertainty and its agreement with the exact value."""

    quantity: str
    law: str
    fitted: float
    uncertainty: float
    exact: float | None
    digits: float | None


def _lstsq(columns: list[NDArray[np.float64]], y: NDArray[np.float64]) -> NDArray[np.float64]:
    A = np.column_stack(columns)
    scale = np.maximum(np.abs(A).max(axis=0), 1e-300)
    coef, *_ = np.linalg.lstsq(A / scale, y, rcond=None)
    return coef / scale


def _fit_once(law: Law, ll: NDArray[np.float64], logy: NDArray[np.float64]) -> float:
    lnl = np.log(ll)
    ones = np.ones_like(ll)
    corr = [ll ** (-w) for w in sorted(set(law.corrections)) if w > 0]
    corr += [ll ** (-w) * np.log(ll) for w in sorted(set(getattr(law, "log_corrections", ())))]
    if law.law in ("power", "fixed_point_power", "constant"):
        cols = [lnl, ones, *corr, np.log(ll) / ll]
        coef = _lstsq(cols, logy)
        return float(-coef[0] if law.law == "fixed_point_power" else coef[0])
    if law.law in ("exponential", "fixed_point_exponential"):
        coef = _lstsq([ll, lnl, ones, 1 / ll], logy)
        return float(math.exp(coef[0]))
    if law.law == "stretched_exponential":
        coef = _lstsq([np.sqrt(ll), lnl, ones, ll**-0.5], logy)
        return float(coef[0])
    raise ValueError(f"no fit for law {law.law!r}")


def fit_law(law: Law, trajectory: Trajectory, *, index: tuple[int, ...] = ()) -> ExponentFit:
    """Fit ``law`` to ``trajectory`` (grid point ``index``); see module docstring."""
    if law.law in ("divergent", "unknown"):
        raise ValueError(f"law {law.law!r} of {law.quantity} has no exponent to fit")
    layers = trajectory.layers.astype(float)
    if law.quantity == "e":
        u = trajectory.one_minus_e[(slice(None),) + tuple(index)]
        limit = law.value(law.limit, dps=20) if law.limit is not None else None
        one_minus_star = 1.0 - float(limit) if limit is not None else 0.0
        with np.errstate(divide="ignore"):
            logy = np.log(np.abs(u - one_minus_star))
    else:
        logy = trajectory.series(law.quantity)[(slice(None),) + tuple(index)]
    depth = layers[-1]
    if depth < 100:
        raise ValueError(f"exponent fits need depth >= 100, got {int(depth)}")
    fits = []
    for lo in (depth / 100, depth / 10):
        sel = (layers >= lo) & np.isfinite(logy)
        if np.count_nonzero(sel) < 12:
            raise ValueError("too few recorded layers in the fit window")
        fits.append(_fit_once(law, layers[sel], logy[sel]))
    exact_v = law.value(dps=20)
    exact = None if exact_v is None else float(exact_v)
    digits = None
    if exact is not None:
        err = abs(fits[0] - exact)
        scale = abs(exact) if exact != 0 else 1.0
        digits = float("inf") if err == 0 else -math.log10(err / scale)
    return ExponentFit(
        quantity=law.quantity,
        law=law.law,
        fitted=fits[0],
        uncertainty=abs(fits[0] - fits[1]),
        exact=exact,
        digits=digits,
    )
