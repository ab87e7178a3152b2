r"""Bivariate Gaussian expectations of analytic functions by Mehler's expansion (mpmath).

For a centred pair :math:`u = \sqrt{q_1}\,x`, :math:`v = \sqrt{q_2}\,y` with standard normal
:math:`x, y` of correlation :math:`c`, Mehler's formula for the bivariate normal density
(DLMF 18.18.28, written for the probabilists' polynomials :math:`He_k`) gives

.. math:: E[f(u)\,g(v)] = \sum_{k \ge 0} c^k\, a_k\, b_k, \qquad
          a_k = \frac{E[f(\sqrt{q_1} z)\, He_k(z)]}{\sqrt{k!}}, \quad
          b_k = \frac{E[g(\sqrt{q_2} z)\, He_k(z)]}{\sqrt{k!}},

so the 2-D integral costs one 1-D sampling of each function. The coefficients are computed
on the nodes of the nested trapezoidal rule (:mod:`asymptote.numeric.gauss_trapezoid`) that
integrates :math:`E[f^2]` to the working precision, with :math:`He_k` from its three-term
recurrence :math:`He_{k+1}(x) = x He_k(x) - k He_{k-1}(x)` (DLMF 18.9.1, Table 18.9.1) in
fixed-point integer arithmetic, on the nodes :math:`x \ge 0` only (:math:`He_k(-x) =
(-1)^k He_k(x)`, so :math:`f` enters through its even and odd parts). The stored node values
are :math:`2^p \sqrt{w(x)}\, He_k(x)\, 2^{-E_k}` with :math:`w` the trapezoid weight, shifted
down (:math:`E_k` grows) whenever they outgrow :math:`p` bits; an absolute rounding error of
a node value is amplified by at most :math:`e^{x^2/4}` along the recurrence, and is
multiplied by :math:`\sqrt{w(x)} \propto e^{-x^2/4}` in the coefficient, so :math:`p` = the
working precision plus 48 bits suffices.

Truncation: by Cauchy-Schwarz and Parseval (the :math:`He_k/\sqrt{k!}` are orthonormal),
:math:`|\sum_{k>K} c^k a_k b_k| \le |c|^{K+1} \sqrt{R_K(f) R_K(g)}` with the remainders
:math:`R_K(f) = E[f^2] - \sum_{k\le K} a_k^2`; the series is summed until this bound is below
the tolerance. Quadrature: the sum is evaluated with the coefficients of the finest level
and of the two coarser levels (every second and fourth node), and the three values give the
error estimate of :func:`asymptote.numeric.gauss_trapezoid.error_estimate`. A term budget
bounds the work; the series converges slowly as :math:`|c| \to 1`, where the caller uses
the product rule of :mod:`asymptote.numeric.gauss_product` instead.

Coefficients are cached per (function object, working precision, variance) for functions
that can be weakly referenced (``f`` must be a pure function of its argument), so repeated
calls at one variance (a Newton iteration on the correlation) reuse them.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
from mpmath.libmp import to_fixed

from ..errors import ConvergenceError
from .gauss_trapezoid import DEFAULT_BUDGET, NestedTrapezoid, default_tolerance, error_estimate

__all__ = ["DEFAULT_TERM_BUDGET", "HermiteCoefficients", "expect_2d_mehler", "hermite_coefficients"]

#: Default work budget of one series: node-terms (nodes x Hermite orders).
DEFAULT_TERM_BUDGET = 1_500_000

_GUARD_BITS = 48
_PER_FUNCTION = 16
_CACHE: weakref.WeakKeyDictionary[Any, OrderedDict[tuple[Any, ...], HermiteCoefficients]]
_CACHE = weakref.WeakKeyDictionary()

#: coarser levels used for the error estimate: every node, every 2nd, every 4th
_STRIDES = (1, 2, 4)


class HermiteCoefficients:
    r"""Normalized Hermite coefficients :math:`a_k` of :math:`f(\sqrt{q}\,z)` at three levels.

    ``coeffs[i][k]`` is :math:`a_k` computed on every ``_STRIDES[i]``-th node of the finest
    level; ``norms[i]`` the matching :math:`E[f^2]`.
    """

    def __init__(self, f: Callable[[Any], Any], q: Any, budget: int = DEFAULT_BUDGET) -> None:
        root = mpmath.sqrt(q)
        self.rule = NestedTrapezoid(lambda x: f(root * x), square=True)
        self.rule.run(default_tolerance(), budget)
        self.budget = budget
        self._setup()

    def refine(self) -> None:
        """One level finer (all coefficients recomputed)."""
        self.rule.refine(self.budget)
        self._setup()

    def _setup(self) -> None:
        rule = self.rule
        finest = len(rule.levels) - 1
        values = rule.values_at_finest()
        p = mpmath.mp.prec + _GUARD_BITS
        self.bits = p
        h = mpmath.ldexp(1, -finest)
        top = max(values)
        ms = range(0, top + 1)
        # sqrt of the trapezoid weight h phi(x) = sqrt(h) (2 pi)^(-1/4) exp(-x^2/4)
        c0 = mpmath.sqrt(h) / mpmath.root(2 * mpmath.pi, 4)
        xs = [m * h for m in ms]
        sqrt_w = [c0 * mpmath.exp(-x * x / 4) for x in xs]
        fixed = [to_fixed(mpmath.mpf(v)._mpf_, p) for v in sqrt_w]
        # x = m h is dyadic: x * z = (m * z) >> finest, exact and a small-integer product
        self._m = np.array(list(ms), dtype=object)
        self._level = finest
        even, odd = [], []
        for m, s in zip(ms, sqrt_w, strict=True):
            fp, fm = values[m], values[-m]
            if m == 0:
                even.append(to_fixed((s * fp)._mpf_, p))
                odd.append(0)
            else:
                even.append(to_fixed((s * (fp + fm))._mpf_, p))
                odd.append(to_fixed((s * (fp - fm))._mpf_, p))
        self._u = (np.array(even, dtype=object), np.array(odd, dtype=object))
        # the norms at the three levels are the 1-D sums of f^2 at those levels
        self.norms = [rule.levels[finest - i] for i in range(len(_STRIDES))]
        z0 = np.array(fixed, dtype=object)
        self._prev = np.zeros_like(z0)  # He_{-1} = 0
        self._cur = z0
        self._shift = 0  # E_k: node values carry a factor 2^-E_k
        self._inv_sqrt_fact = mpmath.mpf(1)
        self.coeffs: list[list[Any]] = [[] for _ in _STRIDES]
        self.remainder: list[Any] = list(self.norms)
        # remainders[i][k]: R_k at level i, after the coefficients of orders 0..k
        self.remainders: list[list[Any]] = [[] for _ in _STRIDES]
        self._emit(0)

    @property
    def order(self) -> int:
        """Highest order computed."""
        return len(self.coeffs[0]) - 1

    @property
    def nodes(self) -> int:
        return len(self._m)

    def _emit(self, k: int) -> None:
        u = self._u[k % 2]
        z = self._cur
        scale = mpmath.ldexp(self._inv_sqrt_fact, self._shift - 2 * self.bits)
        # node classes j = 0 mod 4, 2 mod 4, odd: the strides 4, 2, 1 are unions of them
        s4 = int(np.dot(z[0::4], u[0::4]))
        s2 = s4 + int(np.dot(z[2::4], u[2::4]))
        s1 = s2 + int(np.dot(z[1::2], u[1::2]))
        for i, (stride, total) in enumerate(zip(_STRIDES, (s1, s2, s4), strict=True)):
            a = scale * stride * total
            self.coeffs[i].append(a)
            self.remainder[i] -= a * a
            self.remainders[i].append(self.remainder[i])

    def extend(self, order: int) -> None:
        """Compute the coefficients up to ``order``."""
        p = self.bits
        m, level = self._m, self._level
        limit = p + 64
        for k in range(self.order, order):
            nxt = ((m * self._cur) >> level) - k * self._prev
            self._prev, self._cur = self._cur, nxt
            # growth is below 2^8 per order (|x|, sqrt(k) < 2^7 here): check every 4th
            if k % 4 == 0:
                big = max(int(nxt.max()), -int(nxt.min()), 1).bit_length()
                if big > limit:
                    drop = big - p
                    self._prev = self._prev >> drop
                    self._cur = self._cur >> drop
                    self._shift += drop
            self._inv_sqrt_fact /= mpmath.sqrt(k + 1)
            self._emit(k + 1)

    def tail(self, level: int = 0, order: int | None = None) -> Any:
        r""":math:`R_K = E[f^2] - \sum_{k \le K} a_k^2` (clipped at 0), for :math:`K` =
        ``order`` (computed already) or, by default, the highest order computed.

        A cached object may hold more orders than a caller sums, so a truncation bound for
        a sum to order :math:`K` must ask for :math:`R_K` by name."""
        r = self.remainder[level] if order is None else self.remainders[level][order]
        return r if r > 0 else mpmath.mpf(0)


def hermite_coefficients(
    f: Callable[[Any], Any], q: Any, budget: int = DEFAULT_BUDGET
) -> HermiteCoefficients:
    """Cached :class:`HermiteCoefficients` of ``f(sqrt(q) z)`` at the working precision."""
    key = (mpmath.mp.prec, mpmath.mpf(q)._mpf_)
    try:
        table = _CACHE.setdefault(f, OrderedDict())
    except TypeError:  # not weakly referenceable: no cache
        return HermiteCoefficients(f, q, budget)
    hit = table.get(key)
    if hit is not None:
        table.move_to_end(key)
        return hit
    made = HermiteCoefficients(f, q, budget)
    table[key] = made
    while len(table) > _PER_FUNCTION:
        table.popitem(last=False)
    return made


def _series(a: list[Any], b: list[Any], c: Any, order: int) -> Any:
    r""":math:`\sum_{k \le K} c^k a_k b_k` by Horner's rule in fixed point (``prec + 48`` bits,
    absolute; :math:`|c| < 1` and the terms are bounded by the Cauchy-Schwarz size)."""
    bits = mpmath.mp.prec + _GUARD_BITS
    c_fixed = to_fixed(mpmath.mpf(c)._mpf_, bits)
    total = 0
    for k in range(order, -1, -1):
        total = ((total * c_fixed) >> bits) + to_fixed((a[k] * b[k])._mpf_, bits)
    return mpmath.ldexp(mpmath.mpf(total), -bits)


def expect_2d_mehler(
    f: Callable[[Any], Any],
    g: Callable[[Any], Any],
    q1: Any,
    q2: Any,
    c: Any,
    *,
    budget: int = DEFAULT_BUDGET,
    term_budget: int = DEFAULT_TERM_BUDGET,
) -> Any:
    r""":math:`E[f(u)g(v)]` for ``Var u = q1``, ``Var v = q2``, correlation ``c`` (``|c| < 1``).

    Raises
    ------
    ConvergenceError
        When the series or the coefficient quadrature does not reach the tolerance within
        ``term_budget`` node-terms (or ``budget`` evaluations of a function).
    """
    tol = default_tolerance()
    cf = hermite_coefficients(f, q1, budget)
    cg = cf if (g is f and q1 == q2) else hermite_coefficients(g, q2, budget)
    size = mpmath.sqrt(cf.norms[0] * cg.norms[0])
    if size == 0:
        return mpmath.mpf(0)
    magnitude = abs(c)
    for _attempt in range(4):
        order = 0
        step = 8
        while True:
            # the remainders after *this* order: a cached object may hold more orders
            tail = magnitude ** (order + 1) * mpmath.sqrt(cf.tail(0, order) * cg.tail(0, order))
            if magnitude == 0 or tail <= tol * size / 10:
                break
            order += step
            step = min(2 * step, 64)
            work = order * (cf.nodes + (0 if cg is cf else cg.nodes))
            if work > term_budget:
                raise ConvergenceError(
                    f"Mehler series: work budget of {term_budget} node-terms exhausted at "
                    f"order {order} (|c| = {mpmath.nstr(magnitude, 5)} too close to 1)",
                    residual=mpmath.nstr(tail / size, 3),
                )
            cf.extend(order)
            if cg is not cf:
                cg.extend(order)
        sums = [_series(cf.coeffs[i], cg.coeffs[i], c, order) for i in range(len(_STRIDES))]
        e1, e2 = abs(sums[0] - sums[1]), abs(sums[1] - sums[2])
        floor = size * mpmath.eps * 4 * mpmath.sqrt(order + 1)
        estimate = floor if e1 <= floor else error_estimate(e1, e2, size)
        if e1 <= floor or estimate <= tol * size:
            return sums[0]
        # the coefficients are not resolved at this step: refine the coarser-sampled one
        finer = cf if len(cf.rule.levels) <= len(cg.rule.levels) else cg
        finer.refine()
        if cg is not cf and finer is cf and g is f and q1 == q2:
            cg = cf
    raise ConvergenceError(
        "Mehler series: the Hermite coefficients did not converge under refinement",
        residual=mpmath.nstr(estimate / size, 3),
    )
