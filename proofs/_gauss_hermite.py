r"""Product Gauss-Hermite rule for bivariate Gaussian expectations of entire activations: the
reference route of the closed-form claims of smooth activations (:mod:`proofs.lee2018`).

For a centred pair with variances :math:`q_1, q_2` and correlation :math:`c`, write
:math:`u = \sqrt{q_1}\,x`, :math:`v = \sqrt{q_2}\,(c x + s y)` with independent standard
normal :math:`x, y` and :math:`s = \sqrt{(1-c)(1+c)}`; then

.. math:: E[f(u)\,g(v)] \approx \sum_{i,j} w_i w_j\, f(\sqrt{q_1} x_i)\,
          g(\sqrt{q_2}(c x_i + s x_j))

with the :math:`n`-point Gauss rule of the standard normal weight (DLMF §3.5): the nodes
:math:`x_i` are the zeros of the orthonormal probabilists' Hermite polynomial
:math:`p_n = He_n/\sqrt{n!}`, computed from the three-term recurrence
:math:`\sqrt{k+1}\,p_{k+1}(x) = x\,p_k(x) - \sqrt{k}\,p_{k-1}(x)` (DLMF 18.9.1 with Table
18.9.1, rescaled to orthonormal form) by Newton's method from numpy's float64 nodes, and the
weights are the Christoffel numbers :math:`w_i = 1/\sum_{k<n} p_k(x_i)^2 = 1/(n\,p_{n-1}(x_i)^2)`
(the Christoffel-Darboux identity, DLMF §18.2(v), at a zero of :math:`p_n`, with
:math:`p_n' = \sqrt{n}\,p_{n-1}`).

Convergence: for entire :math:`f, g` whose growth off the real axis is slower than the
Gaussian weight (erf, sin and their derivatives) the error decays geometrically in
:math:`n`. The rule is applied with :math:`n` = 40, 60, 80, ... and the finer value is
returned once two successive values agree to :math:`10^{-\mathrm{dps}}\max(1, |E|)`; with
geometric decay that difference bounds the error of the coarser value, so the returned
one is at least as accurate. A function with poles near the real axis (tanh) converges
only root-exponentially: no agreement by ``max_nodes`` raises
:class:`asymptote.ConvergenceError` instead of returning an unconverged value.

This is a different discretisation from the library's tanh-sinh/Gauss-Legendre route
(:func:`asymptote.numeric.gaussian_mp.expect_2d_mp`: truncated, split, adaptive) and from
every closed form it is compared with, and it needs about :math:`10^4` evaluations where
that route needs :math:`5 \cdot 10^5` (about 0.5 s against 20-60 s at 20 digits).

Private (leading underscore): the claims registry skips it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import mpmath
import numpy as np

from asymptote.errors import ConvergenceError

__all__ = ["expect_2d_gauss_hermite", "gauss_hermite_rule"]

#: Extra digits carried by the nodes, weights and sums beyond the caller's precision.
_GUARD = 10


def _orthonormal_pair(x: Any, n: int, roots: Sequence[Any]) -> tuple[Any, Any]:
    """``(p_{n-1}(x), p_n(x))`` of the orthonormal probabilists' Hermite polynomials
    (``roots[k] = sqrt(k)``)."""
    previous, current = mpmath.mpf(0), mpmath.mpf(1)
    for k in range(n):
        previous, current = current, (x * current - roots[k] * previous) / roots[k + 1]
    return previous, current


@functools.cache
def gauss_hermite_rule(n: int, dps: int) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """Nodes and weights (summing to 1) of the ``n``-point Gauss rule for the standard normal
    weight, accurate to ``dps + 10`` digits (computed once per ``(n, dps)``).

    >>> nodes, weights = gauss_hermite_rule(3, 20)
    >>> [round(float(x), 12) for x in nodes]  # +-sqrt(3), 0
    [-1.732050807569, 0.0, 1.732050807569]
    >>> [round(float(w), 12) for w in weights]  # 1/6, 2/3, 1/6
    [0.166666666667, 0.666666666667, 0.166666666667]
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if not isinstance(dps, int) or dps < 1:
        raise ValueError(f"dps must be a positive integer, got {dps!r}")
    guesses, _ = np.polynomial.hermite_e.hermegauss(n)
    with mpmath.workdps(dps + _GUARD):
        tiny = mpmath.mpf(10) ** (-(dps + _GUARD - 2))
        roots = [mpmath.sqrt(k) for k in range(n + 1)]
        root_n = roots[n]
        half: list[tuple[Any, Any]] = []
        for guess in guesses[n // 2 :]:  # x >= 0; the rule is symmetric
            x = mpmath.mpf(float(guess))
            for _ in range(60):
                below, p_n = _orthonormal_pair(x, n, roots)
                step = p_n / (root_n * below)
                x -= step
                if abs(step) <= tiny * max(1, abs(x)):
                    break
            else:
                raise ConvergenceError(
                    f"Gauss-Hermite node near {guess:.6g} (n = {n}) did not converge"
                )
            below, _ = _orthonormal_pair(x, n, roots)
            half.append((x, 1 / (n * below**2)))
        if n % 2:
            half[0] = (mpmath.mpf(0), half[0][1])  # the middle node is exactly 0
            mirrored = [(-x, w) for x, w in reversed(half[1:])]
        else:
            mirrored = [(-x, w) for x, w in reversed(half)]
        pairs = mirrored + half
        total = mpmath.fsum(w for _, w in pairs)
        return tuple(x for x, _ in pairs), tuple(w / total for _, w in pairs)


def _product_rule(f: Callable[[Any], Any], g: Callable[[Any], Any], r1: Any, r2: Any,
                  c: Any, s: Any, n: int, dps: int) -> Any:  # fmt: skip
    nodes, weights = gauss_hermite_rule(n, dps)
    total = []
    for x, wx in zip(nodes, weights, strict=True):
        fx = f(r1 * x)
        if fx == 0:
            continue
        inner = mpmath.fsum(
            wy * g(r2 * (c * x + s * y)) for y, wy in zip(nodes, weights, strict=True)
        )
        total.append(wx * fx * inner)
    return mpmath.fsum(total)


def expect_2d_gauss_hermite(
    f: Callable[[Any], Any],
    g: Callable[[Any], Any],
    q1: Any,
    q2: Any,
    q12: Any,
    *,
    digits: int | None = None,
    start: int = 40,
    step: int = 20,
    max_nodes: int = 200,
) -> Any:
    r""":math:`E[f(u) g(v)]` for a centred Gaussian pair (variances ``q1, q2 > 0``, covariance
    ``q12`` with :math:`|q_{12}| < \sqrt{q_1 q_2}`) at the caller's working precision, by
    product Gauss-Hermite rules of ``start``, ``start + step``, ... nodes per axis until two
    agree to :math:`10^{-\mathrm{digits}}\max(1, |E|)` (``digits`` defaults to the working
    precision and may not exceed it; ``ConvergenceError`` past ``max_nodes``).

    ``f`` and ``g`` must be entire with growth below the Gaussian weight (see the module).

    >>> import mpmath
    >>> with mpmath.workdps(20):  # E[u v] = q12
    ...     print(mpmath.nstr(expect_2d_gauss_hermite(lambda t: t, lambda t: t, 1, 2, 0.5), 10))
    0.5
    """
    if not (isinstance(start, int) and isinstance(step, int) and 1 <= start and 1 <= step):
        raise ValueError(f"start and step must be positive integers, got {start!r}, {step!r}")
    if not (isinstance(max_nodes, int) and max_nodes >= start + step):
        raise ValueError(f"max_nodes must be an integer >= start + step, got {max_nodes!r}")
    dps = mpmath.mp.dps
    digits = dps if digits is None else digits
    if not (isinstance(digits, int) and 1 <= digits <= dps):
        raise ValueError(
            f"digits must be an integer in [1, {dps}] (the working precision), got {digits!r}"
        )
    with mpmath.workdps(dps + _GUARD):
        q1, q2, q12 = mpmath.mpf(q1), mpmath.mpf(q2), mpmath.mpf(q12)
        if not (q1 > 0 and q2 > 0):
            raise ValueError(f"variances q1, q2 must be > 0, got q1 = {q1}, q2 = {q2}")
        r1, r2 = mpmath.sqrt(q1), mpmath.sqrt(q2)
        c = q12 / (r1 * r2)
        if not abs(c) < 1:
            raise ValueError(f"covariance q12 must satisfy |q12| < sqrt(q1 q2), got c = {c}")
        s = mpmath.sqrt((1 - c) * (1 + c))
        tolerance = mpmath.mpf(10) ** (-digits)
        previous = _product_rule(f, g, r1, r2, c, s, start, dps)
        n = start + step
        while n <= max_nodes:
            value = _product_rule(f, g, r1, r2, c, s, n, dps)
            if abs(value - previous) <= tolerance * max(1, abs(value)):
                break
            previous, n = value, n + step
        else:
            raise ConvergenceError(
                f"product Gauss-Hermite rule did not converge to {digits} digits with up to "
                f"{max_nodes} nodes per axis (is the integrand entire?)",
                residual=mpmath.nstr(abs(value - previous), 3),
            )
    return +value
