r"""Numeric values of the abstract transforms for a bound activation, both precisions.

:func:`transform_value` evaluates :math:`\mathcal{V}\phi`, :math:`\mathcal{W}\phi`,
:math:`\mathcal{V}\phi'` (through :func:`asymptote.transforms.transform`) and the mean
:math:`\mathcal{M}\phi(q) = E[\phi(\sqrt{q} z)]`, which the reduced resnet needs for
non-odd activations (see :mod:`asymptote.recurrences.architecture`). The mean is zero for
odd :math:`\phi`, :math:`\mathcal{M}\phi(1)\,q^{k/2}` for :math:`\phi` positively homogeneous
of degree :math:`k`, and a 1-D Gaussian quadrature otherwise.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import mpmath
import numpy as np

from .._precision import check_dps, round_mpf, to_mpf, workdps
from ..activations import BoundActivation
from ..transforms import transform

__all__ = ["mean_at_unit_variance", "mean_transform", "transform_value"]


@cache
def _mean_unit_mp(act: BoundActivation, dps: int) -> mpmath.mpf:
    from ..numeric.gaussian_mp import expect_1d_mp

    with workdps(dps):
        return +expect_1d_mp(act.phi_mp, mpmath.mpf(1), kinks=act.kinks)


def mean_at_unit_variance(act: BoundActivation, *, dps: int = 30) -> mpmath.mpf:
    r""":math:`\mathcal{M}\phi(1) = E[\phi(z)]` at ``dps`` digits (0 for odd activations)."""
    if act.parity == "odd":
        return mpmath.mpf(0)
    return _mean_unit_mp(act, check_dps(dps))


def mean_transform(act: BoundActivation, q: Any, *, dps: int | None = None) -> Any:
    r""":math:`\mathcal{M}\phi(q) = E[\phi(\sqrt{q}\,z)]`, vectorized (``dps=None``) or mpmath.

    Notes
    -----
    Odd :math:`\phi`: 0. Positively homogeneous of degree :math:`k` (Piecewise-power
    activations): :math:`\mathcal{M}\phi(1)\,q^{k/2}`, with :math:`\mathcal{M}\phi(1)` by
    tanh-sinh quadrature split at the kinks. Otherwise Gauss-Legendre quadrature
    (:func:`asymptote.numeric.gaussian_np.expect_1d`) or tanh-sinh at ``dps``.
    """
    degree = act.homogeneity_degree_exact
    if dps is None:
        qa = np.asarray(q, dtype=float)
        if act.parity == "odd":
            return np.zeros_like(qa)
        if degree is not None:
            return float(mean_at_unit_variance(act, dps=20)) * qa ** (float(degree) / 2)
        from ..numeric.gaussian_np import expect_1d

        return expect_1d(
            act.phi_np, qa, kinks=act.kinks, singularity_distance=act.spec.singularity_distance
        )
    dps = check_dps(dps)
    with workdps(dps):
        qm = to_mpf(q, "q")
        if act.parity == "odd":
            return mpmath.mpf(0)
        if degree is not None:
            k = mpmath.mpf(sympy_to_str(degree))
            value = mean_at_unit_variance(act, dps=dps + 12) * qm ** (k / 2)
        else:
            from ..numeric.gaussian_mp import expect_1d_mp

            value = expect_1d_mp(act.phi_mp, qm, kinks=act.kinks)
    return round_mpf(value, dps)


def sympy_to_str(expr: Any) -> str:
    """A decimal string for an exact SymPy number, at the working precision.

    Only SymPy numbers and ints are accepted (never text: SymPy's parser is ``eval``).
    Rationals are divided exactly in mpmath; other real numbers (``sqrt(2)/2``) evaluated.
    """
    import sympy

    if isinstance(expr, bool) or not isinstance(expr, (sympy.Basic, int)):
        raise TypeError(f"expected a SymPy number, got {type(expr).__name__} {expr!r}")
    value = sympy.sympify(expr, strict=True)
    if value.is_Rational:
        num, den = int(value.p), int(value.q)
        return str(mpmath.mpf(num) / den) if den != 1 else str(num)
    if value.free_symbols or value.is_real is not True:
        raise TypeError(f"expected a real SymPy number, got {expr!r}")
    digits = mpmath.mp.dps + 5
    return str(mpmath.mpf(sympy.Float(value.evalf(digits), digits)._mpf_))


def transform_value(name: str, act: BoundActivation, *args: Any, dps: int | None = None) -> Any:
    """Evaluate the abstract transform ``name`` (``Vphi``, ``Wphi``, ``Vdphi``, ``Mphi``).

    ``Wphi(q, lambda)`` is the cross moment at equal variances ``q``.
    """
    if name == "Vphi":
        return transform("V", act, *args, dps=dps)
    if name == "Vdphi":
        return transform("Vd", act, *args, dps=dps)
    if name == "Wphi":
        qq, lam = args
        return transform("W", act, qq, qq, lam, dps=dps)
    if name == "Mphi":
        return mean_transform(act, *args, dps=dps)
    raise ValueError(f"unknown transform {name!r}")
