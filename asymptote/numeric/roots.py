r"""Certified root refinement at arbitrary precision.

:func:`refine_root_mp`: a float approximation is bracketed (widening geometrically until the
function changes sign) and the bracket is shrunk by the Anderson-Bjorck variant of regula
falsi (Anderson & Bjorck, BIT 12 (1972) 503-508), whose order is about 1.7 per evaluation,
every evaluation at the full precision.

:func:`newton_root_mp`: Newton's method at rising precision (Brent, J. ACM 23 (1976) 242-251,
Sec. 3; Brent & Zimmermann, *Modern Computer Arithmetic* (2010), Sec. 4.2): an iterate
accurate to :math:`a` digits is improved to about :math:`2a` digits by one Newton step whose
function value is computed at :math:`2a` digits and whose slope needs only :math:`a`
digits, so only the last step pays the full precision. Its result is certified like
:func:`refine_root_mp`'s (two evaluations at the full precision on either side, a bracket
narrower than the tolerance); where the certificate fails the bracketing route finishes
the job.

Both results are *certified*: they lie in a bracket over which the function changes sign,
whose width is below the requested tolerance. Arithmetic runs at the caller's mpmath
precision, which is never changed (evaluations at other precisions are the callers'
functions, each in its own local context).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import mpmath

from ..errors import ConvergenceError

__all__ = ["full_precision_only", "newton_root_mp", "precision_ladder", "refine_root_mp"]

#: Lowest precision (decimal digits) of a Newton step: below it the float64 guess is as good.
MIN_STEP_DIGITS = 20

#: Digits added to half the next precision when the ladder is built downwards.
LADDER_GUARD = 4

#: Digits a float64 starting guess is assumed to carry (its measured accuracy takes over
#: after the first step): the float64 fixed-point solvers stop at steps below 1e-15
#: relative; a worse guess costs one more step at a low rung, never accuracy.
GUESS_DIGITS = 15

_RISING = [True]


@contextmanager
def full_precision_only() -> Iterator[None]:
    """Within the block, :func:`newton_root_mp` takes the old route (bracketing at the full
    precision, :func:`refine_root_mp`): for benchmarks that compare both. Not thread-safe."""
    _RISING.append(False)
    try:
        yield
    finally:
        _RISING.pop()


def precision_ladder(digits: int) -> list[int]:
    """Working precisions of the Newton steps, ascending, ending at ``digits``.

    Each rung is half the next plus :data:`LADDER_GUARD` digits, down to
    :data:`MIN_STEP_DIGITS` (fixed rungs, so that per-precision set-up is shared by calls).

    Examples
    --------
    >>> precision_ladder(106)
    [21, 33, 57, 106]
    >>> precision_ladder(30)
    [30]
    """
    rungs = [digits]
    while rungs[-1] // 2 + LADDER_GUARD >= MIN_STEP_DIGITS and rungs[-1] > MIN_STEP_DIGITS:
        nxt = (rungs[-1] + 1) // 2 + LADDER_GUARD
        if nxt >= rungs[-1]:
            break
        rungs.append(nxt)
    return rungs[::-1]


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


def _digits_of(err: mpmath.mpf, scale: mpmath.mpf) -> float:
    """Correct digits of an error ``err`` relative to ``scale`` (large when ``err`` is 0)."""
    if err == 0:
        return 10.0**6
    return float(-mpmath.log10(abs(err) / scale))


def newton_root_mp(
    value_at: Callable[[mpmath.mpf, int], mpmath.mpf],
    slope_at: Callable[[mpmath.mpf, int], mpmath.mpf] | None,
    guess: mpmath.mpf,
    *,
    digits: int,
    tol: mpmath.mpf,
    scale: mpmath.mpf,
    lower: mpmath.mpf | None = None,
    upper: mpmath.mpf | None = None,
    what: str = "root",
    max_steps: int = 12,
) -> mpmath.mpf:
    r"""Root of ``f`` near ``guess`` to absolute accuracy ``tol``, by Newton's method at rising
    precision, certified by a bracket of width ``tol``.

    Parameters
    ----------
    value_at : callable ``(x, d) -> f(x)``
        ``f`` computed with about ``d`` correct digits relative to ``scale`` (``d`` from
        :func:`precision_ladder`; the caller picks the backend).
    slope_at : callable ``(x, d) -> f'(x)``, or None
        The derivative, to about ``d`` digits (a few suffice: its error multiplies the
        iterate's, so a slope to :math:`a` digits keeps a step from :math:`a` to :math:`2a`).
        ``None``: the secant slope of the last two iterates (the first one by a central
        difference at the lowest rung), order :math:`(1 + \sqrt 5)/2` instead of 2.
    guess : mpf
        Approximate root (e.g. from the float64 fast path).
    digits : int
        Precision of the final evaluations (those that certify the result).
    tol : mpf
        Width of the certifying bracket (absolute); must exceed the error of ``f`` at
        ``digits`` divided by ``|f'|``, or the certificate cannot be read.
    scale : mpf
        Size of the root (``|guess|`` for a relative tolerance, 1 for a correlation), the
        unit in which accuracies are counted.
    lower, upper : mpf or None
        Limits of the search (a Newton step leaving them ends the Newton phase).

    Returns
    -------
    mpf
        A point of a bracket of width at most ``tol`` over which ``f`` (at ``digits``)
        changes sign: the secant root of its end values.

    Notes
    -----
    Each step is :math:`x \leftarrow x - f(x)/s` with :math:`s \approx f'(x)` correct to
    :math:`\sigma` digits; from an iterate correct to :math:`a` digits it gives about
    :math:`a + \min(a, \sigma)` digits, so :math:`f` is taken at the lowest rung of the
    ladder that holds them and :math:`f'` at the rung holding :math:`a`. The accuracy
    :math:`a` is measured by the step length (the previous iterate's error; the quadratic
    constant :math:`|f''/2f'|` is taken as at most 10 in units of ``scale``). These
    estimates only schedule the work: the result is accepted on the certificate (a sign
    change of ``f`` over :math:`x \pm` ``tol``/2 at ``digits``), and where that fails the
    bracketing of :func:`refine_root_mp` at ``digits`` takes over from the last iterate.
    """

    def final(x: mpmath.mpf) -> mpmath.mpf:
        return value_at(x, digits)

    def clip(x: mpmath.mpf) -> mpmath.mpf:
        if lower is not None:
            x = max(x, lower)
        if upper is not None:
            x = min(x, upper)
        return x

    last_step = tol

    def fallback(x: mpmath.mpf) -> mpmath.mpf:
        # the last Newton step measures the distance to the root: bracket from twice it
        first = max(tol, 2 * abs(last_step))
        return refine_root_mp(
            final, x, tol=tol, first_step=first, lower=lower, upper=upper, what=what
        )

    if not _RISING[-1]:
        return refine_root_mp(
            final,
            guess,
            tol=tol,
            first_step=scale * mpmath.mpf("1e-10"),
            lower=lower,
            upper=upper,
            what=what,
        )
    ladder = precision_ladder(digits)

    def rung(need: float) -> int:
        """The lowest rung holding ``need`` digits."""
        return next((d for d in ladder if d >= need), digits)

    def step_rung(need: float, have: float) -> int:
        """The highest rung up to ``need`` that still gains on ``have`` (a cheap step to it
        and a step from there beat a step at a rung above ``need`` that falls short of the
        next); else the lowest rung holding ``need``."""
        below = [d for d in ladder if have < d <= need]
        return below[-1] if below else rung(need)

    target = _digits_of(tol / 8, scale)  # the certificate needs the root within tol/2
    x = clip(guess)
    accuracy = float(GUESS_DIGITS)
    previous: tuple[mpmath.mpf, mpmath.mpf, float] | None = None  # (x, f(x), digits of x)
    for _ in range(max_steps):
        if accuracy >= target:
            break
        if slope_at is not None:
            # the slope's error multiplies the iterate's: min(a, target - a) digits do
            d_slope = rung(min(accuracy, target - accuracy) + LADDER_GUARD)
            slope_digits = float(d_slope)
        elif previous is None:
            # central difference at the lowest rung: truncation delta^2 and rounding
            # 10^-d / delta balance at delta = 10^(-d/3)
            d_slope = ladder[0]
            slope_digits = 2 * d_slope / 3 - 1
        else:
            slope_digits = previous[2] - 1
        d_f = step_rung(
            min(accuracy + min(accuracy, slope_digits), target) + LADDER_GUARD, accuracy
        )
        fx = value_at(x, d_f)
        if slope_at is not None:
            dfx = slope_at(x, d_slope)
        elif previous is None:
            delta = scale * mpmath.mpf(10) ** (-(d_slope // 3))
            lo, hi = clip(x - delta), clip(x + delta)
            dfx = (value_at(hi, d_slope) - value_at(lo, d_slope)) / (hi - lo)
        else:
            dfx = (fx - previous[1]) / (x - previous[0])
        if dfx == 0 or not mpmath.isfinite(dfx) or not mpmath.isfinite(fx):
            return fallback(x)
        step = fx / dfx
        moved = x - step
        if clip(moved) != moved:
            return fallback(x)  # Newton leaves the allowed range: bracketing instead
        last_step = step
        measured = _digits_of(step, scale)  # the error of x, measured
        previous = (x, fx, measured)
        x = moved
        gained = measured + min(measured, slope_digits) - 1
        accuracy = gained if d_f == digits else min(float(d_f), gained)
    half = tol / 2
    a_end, b_end = clip(x - half), clip(x + half)
    fa, fb = final(a_end), final(b_end)
    if fa == 0:
        return a_end
    if fb == 0:
        return b_end
    if fa * fb > 0:
        return fallback(x)
    root = b_end - fb * (b_end - a_end) / (fb - fa)
    return root if a_end <= root <= b_end else (a_end + b_end) / 2
