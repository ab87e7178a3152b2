r"""Gaussian expectations at arbitrary precision (mpmath tanh-sinh quadrature).

:math:`E[f(\sqrt{q} z)] = \int f(\sqrt q x)\, \varphi(x)\, dx` with :math:`\varphi` the standard
normal density, and for a centred pair with variances :math:`q_1, q_2` and correlation
:math:`c`, writing :math:`u = \sqrt{q_1} x`, :math:`v = \sqrt{q_2}(c x + s y)`,
:math:`s = \sqrt{(1-c)(1+c)}`:

.. math:: E[f(u) g(v)] = \int \varphi(x) f(\sqrt{q_1} x)
          \int \varphi(y)\, g(\sqrt{q_2}(c x + s y))\, dy\, dx .

Intervals are split where the integrand changes character: at the peak of the Gaussian
factor, where the activation's argument crosses 0 (its transition region) and at its kinks,
mapped into the integration variable. 1-D: tanh-sinh on the split real line, which
converges double-exponentially on each piece and resolves features concentrated near an
endpoint at any scale (Takahashi & Mori 1974; mpmath's ``quad``). 2-D: the Gaussian is
truncated at :math:`|x|, |y| \le R` with :math:`e^{-R^2/2} < 10^{-(\mathrm{dps}+10)}` and
each piece is integrated by Gauss-Legendre with cached nodes (analytic pieces; about 3x
fewer evaluations than tanh-sinh there) or tanh-sinh (pieces ending at a kink). At :math:`|c| = 1` the pair is degenerate and
the 1-D integral :math:`E[f(\sqrt{q_1} z) g(\pm\sqrt{q_2} z)]` is used: the limit is taken
analytically, never by substitution into :math:`1/s`.

Analytic integrands (no kinks declared) go first through the fixed-rule engines, which are
much faster at high precision: the nested Gaussian trapezoidal rule in 1-D
(:mod:`asymptote.numeric.gauss_trapezoid`) and, in 2-D, Mehler's Hermite series on its nodes
(:mod:`asymptote.numeric.gauss_mehler`; :math:`|c| \le 0.99`) or the iterated trapezoidal rule
(:mod:`asymptote.numeric.gauss_product`), each with an error estimate and a work budget.
When a fixed-rule engine exhausts its budget (an integrand that is not analytic near the
real axis), the adaptive route above is taken, and functions with declared kinks take it
directly.

Every function here runs at the caller's working precision (``mpmath.mp.dps``); callers
wrap them in :func:`asymptote._precision.workdps`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import mpmath

from ..errors import ConvergenceError
from .gauss_mehler import expect_2d_mehler
from .gauss_product import expect_2d_product
from .gauss_trapezoid import default_tolerance, expect_1d_trapezoid

__all__ = ["expect_1d_mp", "expect_2d_mp"]

#: Above this correlation magnitude Mehler's series (terms ~ |c|^k) gives way to the
#: iterated trapezoidal rule.
MEHLER_MAX_CORRELATION = mpmath.mpf("0.99")

#: The fixed rules serve integrands whose feature width in z is at least 1/32 of the
#: Gaussian's (see :func:`_fixed_rule_applies`).
FIXED_RULE_MIN_WIDTH_INVERSE = 32

_FIXED_RULES = [True]


@contextmanager
def adaptive_only() -> Iterator[None]:
    """Within the block, skip the fixed-rule engines (the adaptive route only): for
    benchmarks that measure both routes through the public API. Not thread-safe."""
    _FIXED_RULES.append(False)
    try:
        yield
    finally:
        _FIXED_RULES.pop()


#: A real function of one ``mpf`` (an activation or its derivative at the working precision).
Fn = Callable[[mpmath.mpf], mpmath.mpf]


def _error_ok(value: Any, err: Any, size: Any = None) -> bool:
    digits = (3 * mpmath.mp.dps) // 4
    scale = abs(value) if size is None else max(abs(value), abs(size))
    return bool(err <= mpmath.mpf(10) ** (-digits) * max(scale, mpmath.mpf(10) ** (-mpmath.mp.dps)))


def _check(value: Any, err: Any, what: str, size: Any = None) -> Any:
    """Reject a result whose error estimate exceeds 3/4 of the working digits.

    mpmath's estimate is the change between the last two quadrature levels, which
    over-states the error of the final level by many orders (convergence is double
    exponential), so this is a guard against gross failure (non-convergence, a missed
    singularity); the accuracy itself is established by the test suite against closed
    forms and independent routes.
    """
    digits = (3 * mpmath.mp.dps) // 4
    if not _error_ok(value, err, size):
        raise ConvergenceError(
            f"{what}: quadrature did not reach {digits} digits",
            residual=mpmath.nstr(err, 3),
        )
    return value


def _piece(fn: Fn, a: Any, b: Any, a_kink: bool, b_kink: bool, method: str) -> tuple[Any, Any]:
    """Integral over one piece; an end at a kink is moved to infinity by
    :math:`x = a + (b - a) e^{-s}`, which turns an algebraic singularity
    :math:`|x - a|^\beta` (alpha-ReLU, beta > -1) into the exponential decay
    :math:`e^{-(1+\beta)s}` that tanh-sinh/exp-sinh integrates to full precision (plain
    tanh-sinh would lose the part of the integral closer to the kink than its last node)."""
    if a_kink and b_kink:
        mid = (a + b) / 2
        left = _piece(fn, a, mid, True, False, method)
        right = _piece(fn, mid, b, False, True, method)
        return left[0] + right[0], left[1] + right[1]
    if a_kink:
        width = b - a
        return mpmath.quad(
            lambda t: fn(a + width * mpmath.exp(-t)) * width * mpmath.exp(-t),
            [0, mpmath.inf],
            error=True,
        )
    if b_kink:
        width = b - a
        return mpmath.quad(
            lambda t: fn(b - width * mpmath.exp(-t)) * width * mpmath.exp(-t),
            [0, mpmath.inf],
            error=True,
        )
    return mpmath.quad(fn, [a, b], method=method, error=True, maxdegree=10)


def _integrate(
    fn: Fn, points: Sequence[Any], kinks: Sequence[Any], lo: Any, hi: Any, method: str
) -> tuple[Any, Any]:
    """Integral of ``fn`` over [lo, hi] split at ``points`` and ``kinks`` (kinks are kept
    away from infinite ends by breakpoints at distance 1)."""
    kink_set = {k for k in kinks if lo < k < hi}
    pts = set(p for p in points if lo < p < hi) | kink_set
    for k in kink_set:
        pts.update(p for p in (k - 1, k + 1) if lo < p < hi)
    edges = [lo, *sorted(pts), hi]
    total, error = mpmath.mpf(0), mpmath.mpf(0)
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        value, err = _piece(fn, a, b, a in kink_set, b in kink_set, method)
        total += value
        error += err
    return total, error


def _graded(center: Any, scale: Any, radius: Any) -> list[Any]:
    """Breakpoints center +- scale * 2^k (k >= 0) inside [-radius, radius]: pieces graded
    geometrically away from a feature of width ``scale`` at ``center``, so that each piece
    sees the feature at a distance comparable to its own length (where Gauss-Legendre
    converges geometrically; a feature much narrower than its piece can fool the
    level-to-level error estimate)."""
    points = []
    step = scale
    while step < 2 * radius:
        for p in (center - step, center + step):
            if -radius < p < radius:
                points.append(p)
        step *= 2
    return points


def _gaussian_radius() -> Any:
    """Truncation radius R with exp(-R^2/2) below 10^-(dps+10)."""
    return mpmath.sqrt(2 * mpmath.log(10) * (mpmath.mp.dps + 10))


def _fixed_rule_applies(q: mpmath.mpf, analytic_halfwidth: float | None) -> bool:
    r"""Whether the fixed-rule engines may be tried for :math:`f(\sqrt{q} z)`.

    Their error estimates compare successive levels of one rule; an integrand whose features
    are much narrower than the rule's first step (``tanh(1000 z)'`` at ``q = 10^6``: width
    :math:`10^{-3}`) is zero or constant on every level, so the levels agree on a wrong
    value. With :math:`f` analytic in the strip :math:`|\mathrm{Im}\,u| <` ``analytic_halfwidth``
    (the activation's ``singularity_distance``; ``None``: unknown), the features of the
    integrand in :math:`z` have width about :math:`\min(1, d)/\sqrt{q}`; the fixed rules
    are used only where that is at least :math:`1/32` (measured: tanh, sigmoid, softplus,
    SiLU and GELU agree with the adaptive route to 30 digits up to ``q = 10^4``; tanh's
    ``dV`` at ``q = 10^6`` does not), the adaptive route (graded at the scale
    :math:`1/\sqrt{q}`) elsewhere.
    """
    if analytic_halfwidth is None or not _FIXED_RULES[-1]:
        return False
    width = min(mpmath.mpf(1), mpmath.mpf(analytic_halfwidth)) / mpmath.sqrt(q)
    return bool(width >= mpmath.mpf(1) / FIXED_RULE_MIN_WIDTH_INVERSE)


def expect_1d_mp(
    f: Fn,
    q: mpmath.mpf,
    *,
    kinks: Sequence[float] = (),
    analytic_halfwidth: float | None = None,
) -> mpmath.mpf:
    r""":math:`E[f(\sqrt{q} z)]`, :math:`z \sim N(0, 1)`, at the working precision.

    Parameters
    ----------
    f : callable
        mpmath function of the pre-activation ``u``.
    q : mpf
        Variance, ``q >= 0``.
    kinks : sequence of float
        Points (in ``u``) where ``f`` is not smooth.
    analytic_halfwidth : float or None
        Half-width of a strip about the real axis in which ``f`` (in ``u``) is analytic
        (``inf`` for entire functions); given, and with no kinks, the fixed-rule engines
        are tried first (:func:`_fixed_rule_applies`). ``None``: the adaptive route only.

    Returns
    -------
    mpf
        The expectation at the working precision.
    """
    if q == 0:
        return f(mpmath.mpf(0))
    if not kinks and _fixed_rule_applies(q, analytic_halfwidth):
        try:
            return expect_1d_trapezoid(f, q)
        except ConvergenceError:
            pass  # not analytic near the real axis: the adaptive route below
    root = mpmath.sqrt(q)
    inv = 1 / root
    # 0, the kinks, and +-1 (the Gaussian's own scale, so that a kink's algebraic
    # singularity sits at the end of a finite piece, where tanh-sinh is at its best)
    kink_x = [mpmath.mpf(k) * inv for k in kinks]
    pts = [mpmath.mpf(0), mpmath.mpf(-1), mpmath.mpf(1)]
    norm = 1 / mpmath.sqrt(2 * mpmath.pi)

    def integrand(x: mpmath.mpf) -> mpmath.mpf:
        return f(root * x) * mpmath.exp(-x * x / 2)

    value, err = _integrate(integrand, pts, kink_x, mpmath.ninf, mpmath.inf, "tanh-sinh")
    if _error_ok(value, err):
        return norm * value
    # An oscillatory integrand (sin at large q) cancels to far below its size: judge the
    # error against the integral of |f| instead, estimated at low precision.
    with mpmath.workdps(15):
        size = _integrate(
            lambda x: abs(integrand(x)), pts, kink_x, mpmath.ninf, mpmath.inf, "tanh-sinh"
        )[0]
    return norm * _check(value, err, "E[f(sqrt(q) z)]", size=size)


def expect_2d_mp(
    f: Fn,
    g: Fn,
    q1: mpmath.mpf,
    q2: mpmath.mpf,
    q12: mpmath.mpf,
    *,
    kinks_f: Sequence[float] = (),
    kinks_g: Sequence[float] = (),
    analytic_halfwidth: float | None = None,
) -> mpmath.mpf:
    r""":math:`E[f(u) g(v)]` for a centred Gaussian pair (variances ``q1, q2``, covariance ``q12``).

    ``analytic_halfwidth``: as in :func:`expect_1d_mp`, for both ``f`` and ``g``."""
    strip = analytic_halfwidth
    if q1 == 0:
        return f(mpmath.mpf(0)) * expect_1d_mp(g, q2, kinks=kinks_g, analytic_halfwidth=strip)
    if q2 == 0:
        return g(mpmath.mpf(0)) * expect_1d_mp(f, q1, kinks=kinks_f, analytic_halfwidth=strip)
    r1, r2 = mpmath.sqrt(q1), mpmath.sqrt(q2)
    c = q12 / (r1 * r2)
    if abs(c) > 1:
        if abs(c) - 1 > mpmath.mpf(10) ** (-mpmath.mp.dps // 2):
            raise ValueError(f"covariance q12 must satisfy |q12| <= sqrt(q1 q2), got c = {c}")
        c = mpmath.sign(c)
    # Nearly degenerate pairs: v = c (r2/r1) u + eps y with eps^2 = q2 (1 - c^2) tiny (a
    # covariance +-sqrt(q1 q2) computed to the working precision, as in a deep kernel of
    # parallel inputs). The 2-D rules would resolve a Gaussian of width eps (GELU at 20
    # digits: a minute a call); instead the y-average is the 3-point Gauss-Hermite rule
    # (nodes 0, +-sqrt 3; exact to degree 5), whose error is (E y^6 - 9) eps^6 |g^(6)| / 6! =
    # eps^6 |g^(6)| / 120 <= 6 (eps/d)^6 max|g| (Cauchy's estimate on discs of radius
    # d = min(analytic half-width, 1)): below 0.4 tol max|g| when eps <= d (tol / 15)^(1/6).
    eps2 = q2 * (1 - c * c)
    nearly = False
    if strip is not None and not kinks_f and not kinks_g and 0 < eps2:
        d = min(mpmath.mpf(strip), mpmath.mpf(1))
        nearly = eps2 <= (d * (default_tolerance() / 15) ** (mpmath.mpf(1) / 6)) ** 2
    if abs(c) == 1 or nearly:
        slope = c
        step = mpmath.sqrt(3 * eps2) if nearly else mpmath.mpf(0)

        def pair(u: mpmath.mpf) -> mpmath.mpf:
            v = slope * r2 / r1 * u
            if not nearly:
                return f(u) * g(v)
            return f(u) * (4 * g(v) + g(v + step) + g(v - step)) / 6

        kinks = [*kinks_f, *(k * r1 / r2 * slope for k in kinks_g)]
        pair_strip = None if strip is None else strip * min(1, float(r1 / r2))
        return expect_1d_mp(pair, q1, kinks=kinks, analytic_halfwidth=pair_strip)
    if not kinks_f and not kinks_g and _fixed_rule_applies(max(q1, q2), strip):
        try:
            if abs(c) <= MEHLER_MAX_CORRELATION:
                return expect_2d_mehler(f, g, q1, q2, c)
            return expect_2d_product(f, g, q1, q2, c)
        except ConvergenceError:
            pass  # not analytic near the real axis: the adaptive route below
    return _expect_2d_adaptive(f, g, r1, r2, c, kinks_f, kinks_g)


def _expect_2d_adaptive(
    f: Fn,
    g: Fn,
    r1: mpmath.mpf,
    r2: mpmath.mpf,
    c: mpmath.mpf,
    kinks_f: Sequence[float],
    kinks_g: Sequence[float],
) -> mpmath.mpf:
    """Adaptive route of :func:`expect_2d_mp` (Gauss-Legendre/tanh-sinh split at kinks)."""
    q1, q2 = r1 * r1, r2 * r2
    norm = 1 / mpmath.sqrt(2 * mpmath.pi)
    s = mpmath.sqrt((1 - c) * (1 + c))
    kinks_g_mp = [mpmath.mpf(k) for k in kinks_g]
    radius = _gaussian_radius()
    smooth_f, smooth_g = not kinks_f, not kinks_g

    def inner(x: mpmath.mpf) -> mpmath.mpf:
        # y where the argument of g crosses 0 (its transition) and each kink of g; the
        # Gaussian factor peaks at y = 0.
        shift = -c * x / s
        kinks_y = [k / (r2 * s) + shift for k in kinks_g_mp]

        def integrand(y: mpmath.mpf) -> mpmath.mpf:
            return g(r2 * (c * x + s * y)) * mpmath.exp(-y * y / 2)

        method = "gauss-legendre" if smooth_g else "tanh-sinh"
        pts = [mpmath.mpf(0), shift, *_graded(shift, 1 / (r2 * s), radius)]
        value = _integrate(integrand, pts, kinks_y, -radius, radius, method)[0]
        return norm * value

    kinks_x = [mpmath.mpf(k) / r1 for k in kinks_f]

    def outer(x: mpmath.mpf) -> mpmath.mpf:
        fx = f(r1 * x)
        if fx == 0:
            return fx
        return fx * inner(x) * mpmath.exp(-x * x / 2)

    method = "gauss-legendre" if smooth_f and smooth_g else "tanh-sinh"
    outer_pts = [mpmath.mpf(0), *_graded(mpmath.mpf(0), 1 / r1, radius)]
    value, err = _integrate(outer, outer_pts, kinks_x, -radius, radius, method)
    if _error_ok(value, err):
        return norm * value
    # The value may cancel (odd phi at q12 = 0): judge the error against the
    # Cauchy-Schwarz size sqrt(E[f(u)^2] E[g(v)^2]), computed at low precision.
    with mpmath.workdps(15):
        size = mpmath.sqrt(
            expect_1d_mp(lambda u: f(u) ** 2, q1, kinks=kinks_f)
            * expect_1d_mp(lambda v: g(v) ** 2, q2, kinks=kinks_g)
        ) * mpmath.sqrt(2 * mpmath.pi)
    return norm * _check(value, err, "E[f(u) g(v)]", size=size)


def expect_2d_homogeneous_mp(
    f: Fn, g: Fn, degree: object, q1: mpmath.mpf, q2: mpmath.mpf, q12: mpmath.mpf
) -> mpmath.mpf:
    r""":math:`E[f(u) g(v)]` for positively homogeneous ``f, g`` of degree ``k`` (1-D route).

    In polar coordinates of the standard pair, :math:`u = r\sqrt{q_1}\cos t`,
    :math:`v = r\sqrt{q_2}\cos(t - \theta)` with :math:`\theta = \arccos c`, and the radial
    integral is :math:`\int_0^\infty r^{2k+1} e^{-r^2/2} dr = 2^k\Gamma(k+1)`, so

    .. math:: E[f(u)g(v)] = \frac{2^k \Gamma(k+1)}{2\pi}
              \int_0^{2\pi} f(\sqrt{q_1}\cos t)\, g(\sqrt{q_2}\cos(t-\theta))\, dt

    (the angular representation of Cho & Saul [CS09, eq. (3)-(6)]). The angular integrand is
    split where either cosine vanishes (the kinks at 0 of rectifiers); tanh-sinh handles
    the algebraic end-point behaviour of :math:`\cos^{k}`.
    """
    caller_dps = mpmath.mp.dps
    # Doubled precision: near a cut, cos(t) is computed with an absolute error of one unit
    # in the working precision, which |cos|^k (k < 0 for singular derivative kernels)
    # would amplify; the cuts are end points mapped to infinity (see _piece).
    with mpmath.workdps(2 * caller_dps):
        k = mpmath.mpf(degree)
        c = q12 / mpmath.sqrt(q1 * q2)
        c = max(min(c, mpmath.mpf(1)), mpmath.mpf(-1))
        theta = mpmath.acos(c)
        r1, r2 = mpmath.sqrt(q1), mpmath.sqrt(q2)
        half = mpmath.pi / 2
        two_pi = 2 * mpmath.pi
        cuts = sorted(
            {p % two_pi for p in (half, 3 * half, theta + half, theta + 3 * half)} - {mpmath.mpf(0)}
        )

        def integrand(t: mpmath.mpf) -> mpmath.mpf:
            return f(r1 * mpmath.cos(t)) * g(r2 * mpmath.cos(t - theta))

        total, error = _integrate(integrand, [], cuts, mpmath.mpf(0), two_pi, "tanh-sinh")
        scale = 2**k * mpmath.gamma(k + 1) / two_pi
        with mpmath.workdps(caller_dps):
            checked = _check(total, error, "angular integral of E[f(u) g(v)]")
        return scale * checked
