"""Helpers shared by the alpha-ReLU modules: argument checks and :math:`k_\\alpha(1)`."""

from __future__ import annotations

import math

import mpmath
import sympy

from .._precision import to_float
from .._validate import is_number_text, to_fraction

__all__ = ["check_alpha_float", "k_at_one_float", "k_at_one_mp", "sympy_number"]


def check_alpha_float(alpha: object, lower: float = -0.5) -> float:
    """``alpha`` as a float, checked to exceed ``lower``."""
    a = to_float(alpha, "alpha")
    if not a > lower:
        raise ValueError(f"alpha must be > {lower}, got alpha={alpha!r}")
    return a


def k_at_one_mp(a: mpmath.mpf) -> mpmath.mpf:
    """:math:`k_\\alpha(1) = 2^{\\alpha-1}\\Gamma(\\alpha+1/2)/\\sqrt\\pi` at the working precision."""
    return mpmath.power(2, a - 1) * mpmath.gamma(a + mpmath.mpf(1) / 2) / mpmath.sqrt(mpmath.pi)


def k_at_one_float(a: float) -> float:
    """:math:`k_\\alpha(1)` in float64 (log-gamma form)."""
    return math.exp((a - 1) * math.log(2) + math.lgamma(a + 0.5) - 0.5 * math.log(math.pi))


def sympy_number(alpha: object) -> sympy.Expr:
    """Exact SymPy value of ``alpha`` (str and Fraction exact, floats as their binary value).

    Text goes through the strict number grammar of :func:`asymptote._validate.parse_number`,
    never through SymPy's parser; SymPy expressions (symbols included) are kept as given.
    """
    if isinstance(alpha, sympy.Basic):
        if not isinstance(alpha, sympy.Expr):
            raise TypeError(f"alpha must be a real number or SymPy expression, got {alpha!r}")
        return alpha
    try:
        frac = to_fraction(alpha, "alpha")
    except (TypeError, ValueError) as exc:
        text_not_number = isinstance(alpha, str) and not is_number_text(alpha)
        if isinstance(exc, ValueError) and not text_not_number:
            raise  # a number out of range (1e99999, nan, inf): the message names alpha
        raise TypeError(f"alpha must be a real number or SymPy expression, got {alpha!r}") from None
    return sympy.Rational(frac.numerator, frac.denominator)
