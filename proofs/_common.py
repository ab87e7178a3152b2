"""Shared pieces of the proofs modules: SymPy symbols in the papers' notation, small helpers.

Private (leading underscore): the claims registry skips it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import sympy

from asymptote.feedforward import mean_field

sigma_w, sigma_b = sympy.symbols("sigma_w sigma_b", positive=True)
q, q_star = sympy.symbols("q q^*", positive=True)
c = sympy.Symbol("c", real=True)
q1, q2 = sympy.symbols("q_1 q_2", positive=True)
q12 = sympy.Symbol("q_12", real=True)
z = sympy.Symbol("z", real=True)
ell = sympy.Symbol("l", integer=True, nonnegative=True)
chi_1, chi_c, chi_q = sympy.symbols("chi_1 chi_c chi_q", positive=True)
xi_c, xi_q = sympy.symbols("xi_c xi_q", positive=True)
phi = sympy.Function("phi")
V = sympy.Function(r"\mathcal{V}")
W = sympy.Function(r"\mathcal{W}")


def gaussian_average(expr: sympy.Expr) -> sympy.Expr:
    r"""The unevaluated :math:`\int Dz\, expr` (standard Gaussian measure) for derivations."""
    density = sympy.exp(-(z**2) / 2) / sympy.sqrt(2 * sympy.pi)
    return sympy.Integral(expr * density, (z, -sympy.oo, sympy.oo))


@functools.cache
def cached_mean_field(name: str, sw: str, sb: str, dps: int | None) -> Any:
    """mean_field, computed once per process (several claims share a parameter point)."""
    return mean_field(name, sw, sb, dps=dps)


def deviation_trajectory(
    step: Callable[[Any], Any], start: Any, target: Any, depth: int
) -> tuple[np.ndarray, np.ndarray]:
    """Iterate ``x <- step(x)`` ``depth`` times; return depths and ``|x_l - target|``."""
    x = start
    depths, devs = [], []
    for layer in range(1, depth + 1):
        x = step(x)
        depths.append(layer)
        devs.append(float(abs(x - target)))
    return np.asarray(depths, dtype=float), np.asarray(devs)


def mp(value: Any) -> Any:
    """A decimal string or number as an mpf at the current precision."""
    return mpmath.mpf(value)
