"""Certified root refinement at arbitrary precision.

A float approximation is bracketed (widening geometrically until the function changes
sign) and the bracket is shrunk by the Anderson-Bjorck variant of regula falsi
(Anderson & Bjorck, BIT 12 (1972) 503-508), whose order is about 1.7 per evaluation. The
result is *certified*: it is the midpoint of a bracket over which the function changes
sign, whose width is below the requested tolerance. Runs at the caller's mpmath precision.
"""

from __future__ import annotations

from collections.abc import Callable

import mpmath

from ..errors import ConvergenceError

__all__ = ["refine_root_mp"]


def refine_root_mp(
    func: Callable[[mpmath.mpf], mpmath.mpf],
    guess: mpmath.mpf,
    *,
    tol: mpmath.mpf,
    first_step: mpmath.mpf,
    lower: mpmath.mpf | None = None,
    upper: mpmath.mpf | None = None,
    what: str = "root",
    max_iter: int = 200,
) -> mpmath.mpf:
    """Root of ``func`` near ``guess`` to absolute accuracy ``tol``, certified by a bracket.

    Parameters
    ----------
    func : callable
        Continuous function of one mpf.
    guess : mpf
        Approximate root (e.g. from the float64 fast path).
    tol : mpf
        Final bracket width.
    first_step : mpf
        Initial half-width of the bracket around ``guess``; doubled until a sign change.
    lower, upper : mpf or None
        Hard limits of the search (the bracket never leaves them).

    Returns
    -------
    mpf
        The midpoint of the final bracket (or an end point where ``func`` is exactly 0).

    Raises
    ------
    ConvergenceError
        No sign change found within the limits, or no convergence in ``max_iter`` steps.
    """
    step = first_step
    a = guess - step
    b = guess + step
    if lower is not None:
        a = max(a, lower)
    if upper is not None:
        b = min(b, upper)
    fa, fb = func(a), func(b)
    tries = 0
    while fa * fb > 0:
        tries += 1
        if tries > 80:
            raise ConvergenceError(f"{what}: no sign change found", bracket=(a, b))
        step *= 4
        if lower is None or a > lower:
            a = guess - step if lower is None else max(guess - step, lower)
            fa = func(a)
        if upper is None or b < upper:
            b = guess + step if upper is None else min(guess + step, upper)
            fb = func(b)
        if (
            (lower is not None and a <= lower)
            and (upper is not None and b >= upper)
            and fa * fb > 0
        ):
            raise ConvergenceError(f"{what}: no sign change on the allowed range", bracket=(a, b))
    if fa == 0:
        return a
    if fb == 0:
        return b
    # invariant: fa * fb < 0; b is the newest iterate, a the retained end.
    width_before = abs(b - a)
    for iteration in range(1, max_iter + 1):
        if abs(b - a) <= tol:
            return (a + b) / 2
        lo, hi = min(a, b), max(a, b)
        c = b - fb * (b - a) / (fb - fa)
        if iteration % 4 == 0:
            # every fourth step, demand that the bracket at least halved: else bisect
            if abs(b - a) > width_before / 2:
                c = (a + b) / 2
            width_before = abs(b - a)
        if not lo < c < hi:
            c = (a + b) / 2
        fc = func(c)
        if fc == 0:
            return c
        if fc * fb < 0:
            a, fa = b, fb
        else:
            m = 1 - fc / fb
            fa = fa * (m if m > 0 else mpmath.mpf(1) / 2)
        b, fb = c, fc
    raise ConvergenceError(f"{what}: bracket did not shrink", iterations=max_iter, bracket=(a, b))
