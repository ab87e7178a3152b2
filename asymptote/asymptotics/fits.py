r"""Fits of the laws :func:`asymptote.recurrences.exponents.fit_law` does not cover.

* power laws with a :math:`\log l` factor (``Law.log_power`` :math:`b \ne 0`, e.g. the
  reduced-resnet step/sigmoid :math:`1 - e \sim l^{-2}\log^2 l`): the same least squares as
  ``fit_law`` on :math:`\log y - b\log\log l` (basis :math:`\log l, 1, l^{-\omega_j},
  l^{-1}\log l`), or with :math:`b` free (:func:`fit_power_and_log`);
* doubly exponential laws (:math:`\log\log y \sim l\log k`, alpha-ReLU with
  :math:`\alpha > 1`): from the mpmath iteration of :func:`asymptote.recurrences.iterate`
  (``dps=int``), whose numbers have an unbounded exponent, the ratio
  :math:`\log y^{l}/\log y^{l-1} \to k` [YS17, Sec. 5.2 for the continuum picture].
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import mpmath
import numpy as np
from numpy.typing import NDArray

from ..recurrences.exponents import ExponentFit, fit_law
from ..recurrences.iterate import Trajectory
from .laws import Law

__all__ = ["PowerLogFit", "fit", "fit_doubly_exponential", "fit_power_and_log"]


@dataclass(frozen=True)
class PowerLogFit:
    r"""Free fit :math:`\log y = a\log l + b\log\log l + c + d\,l^{-1}\log l`."""

    power: float
    log_power: float


def _log_series(law: Law, trajectory: Trajectory) -> NDArray[np.float64]:
    if law.quantity == "e":
        limit = law.value(law.limit, dps=20) if law.limit is not None else None
        star = 1.0 - float(limit) if limit is not None else 0.0
        with np.errstate(divide="ignore"):
            return np.asarray(np.log(np.abs(trajectory.one_minus_e - star)), dtype=float)
    return np.asarray(trajectory.series(law.quantity), dtype=float)


def _lstsq(columns: list[NDArray[np.float64]], y: NDArray[np.float64]) -> NDArray[np.float64]:
    A = np.column_stack(columns)
    scale = np.maximum(np.abs(A).max(axis=0), 1e-300)
    coef, *_ = np.linalg.lstsq(A / scale, y, rcond=None)
    return np.asarray(coef / scale, dtype=float)


def fit(law: Law, trajectory: Trajectory) -> ExponentFit:
    """Fit ``law`` to ``trajectory``: ``fit_law`` where it applies, else the log-factor fit.

    Raises
    ------
    ValueError
        A law without an exponent to fit (``unknown``, ``divergent``, ``zero``) or a doubly
        exponential one (use :func:`fit_doubly_exponential` on an mpmath iteration).
    """
    if law.law in ("unknown", "divergent", "zero", "doubly_exponential"):
        raise ValueError(f"law {law.law!r} of {law.quantity} has no float64 fit")
    if law.log_power == 0:
        return fit_law(law, trajectory)
    layers = trajectory.layers.astype(float)
    logy = _log_series(law, trajectory) - float(law.log_power) * np.log(np.log(layers))
    fits = []
    for lo in (layers[-1] / 100, layers[-1] / 10):
        sel = (layers >= max(lo, 3.0)) & np.isfinite(logy)
        ll = layers[sel]
        corr = [ll ** (-w) for w in sorted(set(law.corrections)) if w > 0]
        corr += [ll ** (-w) * np.log(ll) for w in sorted(set(getattr(law, "log_corrections", ())))]
        coef = _lstsq([np.log(ll), np.ones_like(ll), *corr, np.log(ll) / ll], logy[sel])
        fits.append(float(-coef[0] if law.law == "fixed_point_power" else coef[0]))
    exact_v = law.value(dps=20)
    exact = None if exact_v is None else float(exact_v)
    digits = None
    if exact is not None:
        err = abs(fits[0] - exact)
        digits = float("inf") if err == 0 else -math.log10(err / (abs(exact) or 1.0))
    return ExponentFit(law.quantity, law.law, fits[0], abs(fits[0] - fits[1]), exact, digits)


def fit_power_and_log(law: Law, trajectory: Trajectory) -> PowerLogFit:
    r"""Fit the power and the :math:`\log l` power freely on :math:`[L/100, L]` (the sign
    convention of ``law``: ``fixed_point_power`` reports the decay exponent)."""
    layers = trajectory.layers.astype(float)
    logy = _log_series(law, trajectory)
    sel = (layers >= max(layers[-1] / 100, 3.0)) & np.isfinite(logy)
    ll = layers[sel]
    coef = _lstsq([np.log(ll), np.log(np.log(ll)), np.ones_like(ll), np.log(ll) / ll], logy[sel])
    sign = -1.0 if law.law == "fixed_point_power" else 1.0
    return PowerLogFit(power=sign * float(coef[0]), log_power=sign * float(coef[1]))


def fit_doubly_exponential(log_values: Sequence[mpmath.mpf], *, tail: int = 5) -> float:
    r"""Base :math:`k` of :math:`\log\log y \sim l\log k` from :math:`\log y^l` of consecutive
    layers: the median of :math:`\log y^{l}/\log y^{l-1}` over the last ``tail`` layers
    (the ratio is :math:`k + O(1/\log y)`)."""
    vals = [mpmath.mpf(v) for v in log_values]
    if len(vals) < tail + 1 or vals[-tail - 1] <= 0:
        raise ValueError("need more layers with log y > 0 for a doubly exponential fit")
    ratios = sorted(float(vals[i] / vals[i - 1]) for i in range(len(vals) - tail, len(vals)))
    return ratios[len(ratios) // 2]
