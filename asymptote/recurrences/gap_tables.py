r"""The normalized kernel gap :math:`G(\delta) = 1 - \mathcal{W}\phi(1, 1-\delta)/\mathcal{V}\phi(1)`
of a positively homogeneous activation, accurate in float64 for tiny :math:`\delta`.

For an activation homogeneous of degree :math:`k`,
:math:`\mathcal{V}\phi(q) - \mathcal{W}\phi(q, q(1-\delta)) = \mathcal{V}\phi(1)\,q^k\,G(\delta)`,
and the cosine distance of residual networks approaches 1 (ReLU: :math:`1 - e^l \sim l^{-2}`,
[YS17, Sec. 5.2]), so :math:`\delta` reaches :math:`10^{-12}` and below. Evaluating
:math:`1 - J(1-\delta)` in float64 would lose all digits there. Here :math:`\log G` is
tabulated (as :math:`\\log(G/\\delta)`) as a function of :math:`s = \log\delta` on :math:`[\log 10^{-60}, 0]` by piecewise
Chebyshev interpolation of mpmath values computed with :math:`30 + |\log_{10}\delta|` digits
(so the subtraction is exact to ~25 digits), checked at every panel midpoint against mpmath
(build fails above ``2e-13`` relative). :math:`\log G` is smooth in :math:`s`: near
:math:`\delta = 0`, :math:`G = J'(1)\,\delta - A\,\delta^{k+1/2} + O(\delta^2)` for
:math:`k > 1/2` ([CS09]; [YS17, App. C.7]), so it is a sum of exponentials in :math:`s`.
Below :math:`10^{-60}` the table is continued linearly in :math:`s` (the leading power),
whose relative error is :math:`O(\delta^{|k - 1/2|})`. For :math:`\delta > 1` (negative
correlation, no cancellation) :math:`G` itself is tabulated in :math:`\\log(1 + c)` down to
:math:`1 + c = 10^{-40}` (below, :math:`G(2)`) (absolute error below ``5e-14``, a few ulps of the O(1) values times the node count, checked at build).

**Excess form** (:math:`1/2 < k < 3/2`, where :math:`J'(1) = \mathcal{V}\phi'(1)/\mathcal{V}\phi(1)`
is finite). Deep dynamics are driven by the *excess* :math:`X(\delta) = J'(1)\,\delta - G(\delta)
\sim A\,\delta^{k+1/2}`, not by :math:`G`: for the ReLU full resnet with :math:`\sigma_b = 0`,
:math:`u^{l} = u - a X(u)/(1 + a)` [YS17, Sec. 5.2], so an error :math:`\epsilon G` of the gap
is an error :math:`\epsilon\,u^{-1/2}` relative to the step and accumulates to
:math:`\epsilon\, l` in :math:`1 - e^l` (measured: :math:`6\cdot 10^{-8}` at :math:`l = 2^{18}`
with the :math:`2\cdot 10^{-13}` table of :math:`G`). Here :math:`\log(X/\delta)` is
tabulated instead (mpmath with :math:`30 + 2|\log_{10}\delta|` digits, since
:math:`X \ge \delta^2` up to a constant) and :math:`G = J'(1)\,\delta - X` is formed in
float64, so the driving term keeps the table's relative accuracy and :math:`G` an absolute
error of an ulp of :math:`J'(1)\delta`. :math:`X > 0` on :math:`0 < \delta \le 1`: the
kernel :math:`\mathcal{W}\phi(1, c) = \sum_n a_n^2 c^n` has nonnegative Hermite coefficients
([CS09]; Mehler's formula), so it is convex on :math:`[0, 1]` and lies above its tangent at
:math:`c = 1`. Its leading power :math:`\delta^{k - 1/2}` of :math:`X/\delta` keeps the
linear continuation in :math:`s` below :math:`10^{-60}` valid.
"""

from __future__ import annotations

import math
from functools import cache
from typing import overload

import mpmath
import numpy as np
from numpy.typing import NDArray

from ..activations import BoundActivation
from ..transforms import transform

__all__ = ["GapTable", "clenshaw", "gap_table"]

_S_MIN = math.log(1e-60)
#: panel edges in s = log(delta), graded towards delta = 1 where log G varies fastest
_EDGES = np.array([_S_MIN, -100.0, -70.0, -45.0, -28.0, -17.0, -10.0, -6.0, -3.5, -2.0, -1.0, 0.0])
_EDGES = _EDGES[_EDGES >= _S_MIN]
_PANELS = len(_EDGES) - 1
_NODES = 20


def _gap_mp(act: BoundActivation, delta: mpmath.mpf, digits: int) -> mpmath.mpf:
    with mpmath.workdps(digits):
        v = transform("V", act, 1, dps=digits)
        w = transform("W", act, 1, 1, 1 - delta, dps=digits)
        return 1 - w / v


#: panels in t = log(x), x = 1 + c = 2 - delta, for negative correlations: near c = -1 the
#: kernel is G(2) plus powers x^(k + 1/2), x, ..., i.e. exponentials in t
_NEG_EDGES = np.array(
    [math.log(1e-40), -70.0, -50.0, -35.0, -25.0, -18.0, -13.0, -9.0, -6.0, -4.0, -2.5, -1.5,
     -0.7, 0.0]
)


def _cheb_nodes(n: int) -> NDArray[np.float64]:
    return np.cos(np.pi * (np.arange(n) + 0.5) / n)


@overload
def clenshaw(x: float, coef: NDArray[np.float64]) -> float: ...
@overload
def clenshaw(x: NDArray[np.float64], coef: NDArray[np.float64]) -> NDArray[np.float64]: ...
def clenshaw(
    x: float | NDArray[np.float64], coef: NDArray[np.float64]
) -> float | NDArray[np.float64]:
    """Chebyshev series sum_j coef[j] T_j(x) by Clenshaw's recurrence (scalar or array)."""
    b1 = 0.0 * x
    b2 = 0.0 * x
    for j in range(coef.shape[0] - 1, 0, -1):
        b1, b2 = 2.0 * x * b1 - b2 + coef[j], b1
    return x * b1 - b2 + coef[0]


class GapTable:
    """Piecewise-Chebyshev tables of ``G``: ``log(G/delta)`` (plain form) or ``log(X/delta)``,
    ``X = J'(1) delta - G`` (excess form, ``excess_slope = J'(1) > 0``) in ``s = log(delta)``
    for ``delta <= 1`` and ``G`` in ``log(2 - delta)`` for ``delta > 1``; see module docstring.
    ``max_relative_error`` is the measured midpoint error of the tabulated quantity."""

    def __init__(self, act: BoundActivation) -> None:
        self.activation = act
        #: J'(1) in excess form (``log(X/delta)`` tabulated), 0.0 in plain form (``log(G/delta)``)
        self.excess_slope = _excess_slope(act)
        nodes = _cheb_nodes(_NODES)
        self.pos_edges = _EDGES.astype(float)
        self.neg_edges = _NEG_EDGES.astype(float)
        worst = 0.0
        pos = []
        for a, b in zip(self.pos_edges[:-1], self.pos_edges[1:], strict=True):
            values = np.array([self._log_gap(0.5 * (a + b) + 0.5 * (b - a) * x) for x in nodes])
            coef = np.polynomial.chebyshev.chebfit(nodes, values, _NODES - 1)
            pos.append(coef)
            approx = float(clenshaw(0.5, coef))
            worst = max(worst, abs(math.expm1(approx - self._log_gap(0.25 * a + 0.75 * b))))
        neg = []
        worst_abs = 0.0
        for a, b in zip(self.neg_edges[:-1], self.neg_edges[1:], strict=True):
            values = np.array(
                [self._gap_value(math.exp(0.5 * (a + b) + 0.5 * (b - a) * x)) for x in nodes]
            )
            coef = np.polynomial.chebyshev.chebfit(nodes, values, _NODES - 1)
            neg.append(coef)
            approx = float(clenshaw(0.5, coef))
            mid = math.exp(0.25 * a + 0.75 * b)
            worst_abs = max(worst_abs, abs(approx - self._gap_value(mid)))
        self.neg_floor = self._gap_value(0.0)  # G(2), used for x < 1e-40
        if worst > 2e-13 or worst_abs > 5e-14:  # a few ulps of O(1) values x node count
            raise RuntimeError(
                f"gap table of {act!r} not accurate: midpoint errors {worst:.2e} (relative, "
                f"c > 0), {worst_abs:.2e} (absolute, c < 0)"
            )
        self.max_relative_error = worst
        self.max_absolute_error_negative = worst_abs
        self.pos_coef = np.array(pos)
        self.neg_coef = np.array(neg)
        low = self.pos_coef[0]
        width = self.pos_edges[1] - self.pos_edges[0]
        self.low_value = float(clenshaw(-1.0, low))
        self.low_slope = float(
            clenshaw(-1.0, np.polynomial.chebyshev.chebder(low)) * 2 / width
        )

    def _log_gap(self, s: float) -> float:
        """``log(X/delta)`` (excess form) or ``log(G/delta)`` at ``delta = exp(s)``."""
        excess = self.excess_slope > 0
        digits = 30 + int((2 if excess else 1) * abs(s) / math.log(10))
        with mpmath.workdps(digits):
            delta = mpmath.exp(mpmath.mpf(s))
            g = _gap_mp(self.activation, delta, digits)
            if excess:
                act = self.activation
                slope = transform("Vd", act, 1, dps=digits) / transform("V", act, 1, dps=digits)
                g = slope * delta - g
            if not g > 0:
                what = "excess J'(1) delta - G" if excess else "kernel gap"
                raise RuntimeError(f"{what} of {self.activation!r} not positive at {delta}")
            return float(mpmath.log(g) - s)  # log(G/delta) or log(X/delta): no loss to |s|

    def _gap_value(self, x: float) -> float:
        with mpmath.workdps(30):
            return float(_gap_mp(self.activation, 2 - mpmath.mpf(x), 30))

    def __call__(self, delta: NDArray[np.float64]) -> NDArray[np.float64]:
        """``G(delta)`` for ``0 <= delta <= 2`` (array)."""
        delta = np.asarray(delta, dtype=float)
        out = np.zeros_like(delta)
        pos = (delta > 0) & (delta <= 1.0)
        if np.any(pos):
            s = np.log(delta[pos])
            log_g = self.low_value + self.low_slope * (s - self.pos_edges[0])
            idx = np.clip(
                np.searchsorted(self.pos_edges, s, side="right") - 1, 0, len(self.pos_coef) - 1
            )
            for panel in range(len(self.pos_coef)):
                sel = (idx == panel) & (s >= self.pos_edges[0])
                if np.any(sel):
                    a, b = self.pos_edges[panel], self.pos_edges[panel + 1]
                    x = (2 * s[sel] - (a + b)) / (b - a)
                    log_g[sel] = clenshaw(x, self.pos_coef[panel])
            if self.excess_slope > 0:  # G = J'(1) delta - X, X = delta exp(log_g)
                out[pos] = delta[pos] * (self.excess_slope - np.exp(log_g))
            else:
                out[pos] = delta[pos] * np.exp(log_g)
        neg = delta > 1.0
        if np.any(neg):
            xx = 2.0 - np.minimum(delta[neg], 2.0)
            with np.errstate(divide="ignore"):
                tt = np.log(xx)
            val = np.full_like(xx, self.neg_floor)
            idx = np.clip(np.searchsorted(self.neg_edges, tt, side="right") - 1, 0,
                          len(self.neg_coef) - 1)
            for panel in range(len(self.neg_coef)):
                sel = (idx == panel) & (tt >= self.neg_edges[0])
                if np.any(sel):
                    a, b = self.neg_edges[panel], self.neg_edges[panel + 1]
                    val[sel] = clenshaw((2 * tt[sel] - (a + b)) / (b - a), self.neg_coef[panel])
            out[neg] = val
        return out


def _excess_slope(act: BoundActivation) -> float:
    r""":math:`J'(1) = \mathcal{V}\phi'(1)/\mathcal{V}\phi(1)` when the excess form applies
    (degree :math:`1/2 < k < 3/2`, see the module docstring), else ``0.0``."""
    degree = act.homogeneity_degree_exact
    if degree is None or not 0.5 < float(degree) < 1.5 or act.undefined_reason("Vd") is not None:
        return 0.0
    with mpmath.workdps(30):
        slope = transform("Vd", act, 1, dps=30) / transform("V", act, 1, dps=30)
        excess_at_one = slope - 1 + transform("W", act, 1, 1, 0, dps=30) / transform("V", act, 1,
                                                                                dps=30)
        if not excess_at_one > mpmath.mpf("1e-20") * slope:  # linear phi: X = 0, G = delta
            return 0.0
        return float(slope)


@cache
def gap_table(act: BoundActivation) -> GapTable:
    """The (cached) :class:`GapTable` of a positively homogeneous activation."""
    if act.homogeneity_degree_exact is None:
        raise ValueError(f"gap tables need a positively homogeneous activation, got {act!r}")
    return GapTable(act)
