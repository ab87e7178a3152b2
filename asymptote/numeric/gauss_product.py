r"""Bivariate Gaussian expectations of analytic functions by an iterated trapezoidal rule.

With :math:`u = \sqrt{q_1}\,x`, :math:`v = \sqrt{q_2}\,(c x + s y)`, :math:`s = \sqrt{(1-c)(1+c)}`
and independent standard normal :math:`x, y`,

.. math:: E[f(u)\,g(v)] = E_x\Big[f(\sqrt{q_1} x)\; E_y\big[g(\sqrt{q_2}(c x + s y))\big]\Big],

so :math:`f` is evaluated once per outer node and the inner expectation is a 1-D Gaussian
expectation, both by the nested trapezoidal rule of
:mod:`asymptote.numeric.gauss_trapezoid` with its error estimate. Used where Mehler's series
(:mod:`asymptote.numeric.gauss_mehler`) converges slowly, :math:`|c| \to 1`: there the inner
integrand varies on the scale :math:`1/s` in :math:`y` and its rule stops at the coarsest
accepted level, so the cost stays bounded as :math:`s \to 0`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath

from .gauss_trapezoid import DEFAULT_BUDGET, NestedTrapezoid, default_tolerance

__all__ = ["expect_2d_product"]


def expect_2d_product(
    f: Callable[[Any], Any],
    g: Callable[[Any], Any],
    q1: Any,
    q2: Any,
    c: Any,
    *,
    budget: int = DEFAULT_BUDGET,
) -> Any:
    r""":math:`E[f(u)g(v)]` for ``Var u = q1``, ``Var v = q2``, correlation ``|c| < 1``.

    ``budget`` bounds the evaluations of each 1-D rule (the outer one and every inner one).

    Raises
    ------
    ConvergenceError
        When a rule does not reach the tolerance within ``budget`` evaluations.
    """
    tol = default_tolerance()
    r1, r2 = mpmath.sqrt(q1), mpmath.sqrt(q2)
    s = mpmath.sqrt((1 - c) * (1 + c))
    a, b = r2 * c, r2 * s

    def outer(x: Any) -> Any:
        fx = f(r1 * x)
        if fx == 0:
            return fx
        shift = a * x
        inner = NestedTrapezoid(lambda y: g(shift + b * y))
        # inner errors enter the outer sum weighted by |f| phi: the same relative tolerance
        return fx * inner.run(tol / 10, budget)

    return NestedTrapezoid(outer).run(tol, budget)
