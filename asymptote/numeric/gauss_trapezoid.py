r"""Nested trapezoidal rule for Gaussian expectations of analytic integrands (mpmath).

For :math:`F` analytic in the strip :math:`|\mathrm{Im}\,x| < d` the trapezoidal rule with
step :math:`h` on the real line,

.. math:: E[F(z)] = \int F(x)\,\varphi(x)\,dx \approx h \sum_{m} F(mh)\,\varphi(mh),
          \qquad \varphi(x) = e^{-x^2/2}/\sqrt{2\pi},

converges geometrically, with error :math:`O(e^{-2\pi d/h})` (the Poisson summation formula:
the error is the Fourier transform of the integrand at the nonzero multiples of
:math:`2\pi/h`; DLMF 3.5(ii), and Trefethen & Weideman, SIAM Review 56 (2014), Sec. 5). The
Gaussian factor lets the sum be truncated at :math:`|x| \le X` with
:math:`e^{-X^2/2} < 10^{-(D+6)}` (:math:`D` the working digits).

The levels are nested: level :math:`\ell` has step :math:`h_\ell = 2^{-\ell}` and reuses
every value of level :math:`\ell - 1`, so a refinement costs only the new midpoints. The
error of the finest level is estimated from the last two differences
:math:`e_1 = |T_\ell - T_{\ell-1}|` and :math:`e_2 = |T_{\ell-1} - T_{\ell-2}|` by fitting
the model :math:`C e^{-\kappa/h}` through them: :math:`e_1 \approx C e^{-\kappa/(2h)}`,
:math:`e_2 \approx C e^{-\kappa/(4h)}`, hence :math:`|T_\ell - I| \approx e_1^3/e_2^2`
(:func:`error_estimate`, with a safety factor 100). The fit is used only when the digits
grow at least by half from one difference to the next (:math:`\log(e_1/S) \le
\tfrac32 \log(e_2/S)`, :math:`S` the size below), as they do, doubling, under geometric
convergence; merely algebraic convergence (a kink the caller did not declare) never
passes that test, so such an integrand exhausts the work budget instead of being accepted.
A result is accepted when the estimate is below :math:`10^{-(D-2)}` times
:math:`S = h\sum|F|\varphi` (the size of the integral, so that a cancelling integrand, odd
:math:`F`, is judged against its magnitude), or when the last difference is at the
rounding level of the sum, *and* the sum at the same step on a grid shifted by a third of
it agrees with the finest level to the same tolerance (:meth:`NestedTrapezoid.shifted_check`:
the guard against an error that every nested level shares).

Node positions and weights (nested and shifted) are cached per (working precision, level);
everything runs at the caller's working precision (``mpmath.mp``), which is never changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import mpmath

from ..errors import ConvergenceError

__all__ = [
    "DEFAULT_BUDGET",
    "NestedTrapezoid",
    "default_tolerance",
    "error_estimate",
    "expect_1d_trapezoid",
    "gaussian_radius",
    "level_nodes",
    "shifted_nodes",
]

#: Default work budget of one 1-D expectation: integrand evaluations.
DEFAULT_BUDGET = 40_000

#: Coarsest step (level 0); level ``l`` has step ``2**-l``.
_MAX_LEVEL = 14

_NODE_CACHE: dict[tuple[int, int], tuple[tuple[Any, ...], tuple[Any, ...], tuple[int, ...]]] = {}
_SHIFTED_CACHE: dict[tuple[int, int], tuple[tuple[Any, ...], tuple[Any, ...]]] = {}


def gaussian_radius(dps: int) -> Any:
    r"""Truncation radius :math:`X` with :math:`e^{-X^2/2} = 10^{-(\mathrm{dps}+6)}`.

    Six digits beyond the working ones cover integrands that grow polynomially (a
    rectifier's :math:`x^2` at :math:`X \le 35` costs less than four digits).
    """
    return mpmath.sqrt(2 * mpmath.log(10) * (dps + 6))


def level_nodes(level: int) -> tuple[tuple[Any, ...], tuple[Any, ...], tuple[int, ...]]:
    r"""The nodes a level adds: positions :math:`x = m h_\ell`, weights :math:`\varphi(x)`
    and the integers :math:`m` (odd for :math:`\ell > 0`, all for level 0), for
    :math:`|x| \le X` at the working precision; cached per (precision, level)."""
    key = (mpmath.mp.prec, level)
    hit = _NODE_CACHE.get(key)
    if hit is not None:
        return hit
    radius = gaussian_radius(mpmath.mp.dps)
    scale = 2**level
    top = int(mpmath.floor(radius * scale))
    step = 1 if level == 0 else 2
    start = -top if level == 0 else -(top if top % 2 else top - 1)
    ms = tuple(range(start, top + 1, step))
    norm = 1 / mpmath.sqrt(2 * mpmath.pi)
    xs = tuple(mpmath.mpf(m) / scale for m in ms)
    ws = tuple(norm * mpmath.exp(-x * x / 2) for x in xs)
    _NODE_CACHE[key] = (xs, ws, ms)
    return xs, ws, ms


def shifted_nodes(level: int) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    r"""Positions :math:`x = (m + 1/3) h_\ell` with :math:`|x| \le X` and their weights
    :math:`\varphi(x)`, cached per (precision, level) like :func:`level_nodes`."""
    key = (mpmath.mp.prec, level)
    hit = _SHIFTED_CACHE.get(key)
    if hit is not None:
        return hit
    h = mpmath.ldexp(1, -level)
    radius = gaussian_radius(mpmath.mp.dps)
    third = h / 3
    top = int(mpmath.floor(radius / h))
    norm = 1 / mpmath.sqrt(2 * mpmath.pi)
    xs = tuple(x for x in (m * h + third for m in range(-top - 1, top + 1)) if abs(x) <= radius)
    ws = tuple(norm * mpmath.exp(-x * x / 2) for x in xs)
    _SHIFTED_CACHE[key] = (xs, ws)
    return xs, ws


def shifted_sum(fn: Callable[[Any], Any], level: int, square: bool) -> tuple[Any, int]:
    r"""Trapezoidal sum at step :math:`h_\ell` on the nodes :math:`(m + 1/3) h_\ell` (not nested
    with any level) and the number of evaluations."""
    xs, ws = shifted_nodes(level)
    total = mpmath.mpf(0)
    for x, w in zip(xs, ws, strict=True):
        value = fn(x)
        total += w * (value * value if square else value)
    return total * mpmath.ldexp(1, -level), len(xs)


def error_estimate(e1: Any, e2: Any, size: Any) -> Any:
    r"""Error of the finest level from the last two level differences (see the module).

    ``100 e1^3 / e2^2`` when the relative differences show geometric convergence
    (:math:`\log(e_1/S) \le \tfrac32\log(e_2/S)` with both below 1), else ``e1``.
    """
    if e1 == 0:
        return e1
    if e2 == 0 or size == 0:
        return e1
    r1, r2 = e1 / size, e2 / size
    if r2 >= 1 or r1 >= 1 or mpmath.log(r1) > mpmath.mpf(3) / 2 * mpmath.log(r2):
        return e1
    return 100 * e1**3 / e2**2


@dataclass
class NestedTrapezoid:
    r"""Nested trapezoidal sums of :math:`E[F(z)]` (or :math:`E[F(z)^2]`) refined level by level.

    ``samples`` maps a node's integer :math:`m` at level :math:`\ell` to :math:`F(x)` under
    the key :math:`m\,2^{L-\ell}` scaled to the finest level :math:`L` reached (see
    :meth:`values_at_finest`).
    """

    fn: Callable[[Any], Any]
    square: bool = False
    levels: list[Any] = field(default_factory=list)  # T_l
    sizes: list[Any] = field(default_factory=list)  # h_l sum |integrand| phi
    evaluations: int = 0
    _sum: Any = 0
    _abs: Any = 0
    _raw: list[dict[int, Any]] = field(default_factory=list)

    def refine(self, budget: int) -> None:
        """Add the next level (its midpoints), within ``budget`` evaluations in all."""
        level = len(self.levels)
        if level > _MAX_LEVEL:
            raise ConvergenceError(
                f"Gaussian trapezoidal rule: step 2^-{_MAX_LEVEL} reached without convergence"
            )
        xs, ws, ms = level_nodes(level)
        if self.evaluations + len(xs) > budget:
            raise ConvergenceError(
                f"Gaussian trapezoidal rule: work budget of {budget} integrand evaluations "
                f"exhausted at step 2^-{level - 1} (the integrand is not analytic near the "
                f"real line, or its features are narrower than the budget resolves)",
                iterations=level,
            )
        raw: dict[int, Any] = {}
        total, size = self._sum, self._abs
        for x, w, m in zip(xs, ws, ms, strict=True):
            value = self.fn(x)
            raw[m] = value
            term = value * value if self.square else value
            total += w * term
            size += w * abs(term)
        self.evaluations += len(xs)
        self._sum, self._abs = total, size
        self._raw.append(raw)
        h = mpmath.ldexp(1, -level)
        self.levels.append(total * h)
        self.sizes.append(size * h)

    def estimate(self) -> Any:
        """Error estimate of the finest level (needs three levels)."""
        t = self.levels
        if len(t) < 3:
            return mpmath.inf
        e1, e2 = abs(t[-1] - t[-2]), abs(t[-2] - t[-3])
        floor = self.rounding_floor()
        if e1 <= floor:
            return floor
        return error_estimate(e1, e2, self.sizes[-1])

    def rounding_floor(self) -> Any:
        """Size of the rounding error of the finest sum (relative ``eps`` per term)."""
        return self.sizes[-1] * mpmath.eps * 4 * mpmath.sqrt(max(self.evaluations, 1))

    def converged(self, tol: Any) -> bool:
        """Estimate below ``tol`` times the size, or last difference at the rounding level."""
        if len(self.levels) < 3:
            return False
        if abs(self.levels[-1] - self.levels[-2]) <= self.rounding_floor():
            return True
        return bool(self.estimate() <= tol * self.sizes[-1])

    def run(self, tol: Any, budget: int = DEFAULT_BUDGET) -> Any:
        """Refine until the estimate is below ``tol`` times the size and the shifted-grid
        check at the finest step passes; return the finest sum."""
        while True:
            while not self.converged(tol):
                self.refine(budget)
            if self.shifted_check(tol, budget):
                return self.levels[-1]
            self.refine(budget)

    def shifted_check(self, tol: Any, budget: int) -> bool:
        r"""Guard against an error shared by the nested levels.

        All nested levels alias the frequencies :math:`2\pi k/h_L` of the finest step
        :math:`h_L`; an integrand whose spectrum peaks away from 0 (:math:`\sin(\sqrt{q}x)`
        at large ``q``) can make the levels agree while all are wrong. The sum at the
        finest step on a grid shifted by a third of it sees the aliasing terms with phases
        :math:`e^{2\pi i k/3}`, so its difference from :math:`T_L` bounds the terms
        :math:`k = 1, 2` of the finest level itself, whose error they are (DLMF 3.5(ii):
        :math:`T_h - I = \sum_{k \ne 0} \hat F(2\pi k/h)`). Costs one level's worth of
        evaluations. (Checking the coarser step :math:`h_{L-1}` instead costs half as much
        but cannot pass before :math:`T_{L-1}` itself is at the tolerance, which forces an
        extra level and both checks: 3.5 times the work of level :math:`L` alone, against
        twice here.)
        """
        level = len(self.levels) - 1
        if self.evaluations + len(shifted_nodes(level)[0]) > budget:
            return True  # no budget left for the check: the nested estimate stands
        shifted, count = shifted_sum(self.fn, level, self.square)
        self.evaluations += count
        diff = abs(shifted - self.levels[-1])
        return bool(diff <= max(tol * self.sizes[-1], 4 * self.rounding_floor()))

    def values_at_finest(self) -> dict[int, Any]:
        """``{m: F(m h_L)}`` over every node of the finest level ``L``."""
        finest = len(self._raw) - 1
        out: dict[int, Any] = {}
        for level, raw in enumerate(self._raw):
            shift = finest - level
            for m, value in raw.items():
                out[m << shift] = value
        return out


def default_tolerance() -> Any:
    """Relative tolerance at the working precision: ``10^-(dps - 2)``."""
    return mpmath.mpf(10) ** (-(mpmath.mp.dps - 2))


def expect_1d_trapezoid(f: Callable[[Any], Any], q: Any, *, budget: int = DEFAULT_BUDGET) -> Any:
    r""":math:`E[f(\sqrt{q} z)]` for analytic ``f`` by the nested trapezoidal rule.

    Raises
    ------
    ConvergenceError
        When ``budget`` evaluations do not reach the tolerance (non-analytic ``f``).
    """
    root = mpmath.sqrt(q)
    rule = NestedTrapezoid(lambda x: f(root * x))
    return rule.run(default_tolerance(), budget)
