r"""Gaussian expectations in double precision: vectorized composite Gauss-Legendre quadrature.

This module computes, in pure numpy and float64,

.. math::

    V_f(q) = E[f(\sqrt{q} z)] = \int_{-\infty}^{\infty} f(\sqrt{q} x)\, \varphi(x)\, dx,
    \qquad
    E[f(u) g(v)] = \int \varphi(x) f(\sqrt{q_1} x)
                   \int \varphi(y)\, g(\sqrt{q_2}\,(c x + s y))\, dy\, dx,

with :math:`\varphi` the standard normal density, :math:`c = q_{12}/\sqrt{q_1 q_2}` and
:math:`s = \sqrt{(1 - c)(1 + c)}`, to a relative error of about ``1e-14`` (measured against
40-digit mpmath references) for variances from ``1e-8`` to ``1e8`` and correlations up to
:math:`|c| = 1 - 10^{-12}` and :math:`|c| = 1` exactly.

Scheme
------
Every integral is an integral against the standard normal weight in a variable ``x``
("z space"), truncated to :math:`|x| \le L = 10` (the neglected Gaussian mass is
:math:`\operatorname{erfc}(10/\sqrt 2) \approx 1.5 \times 10^{-23}`). The interval is cut into
panels, each integrated with an ``n = 16`` point Gauss-Legendre rule. The panel edges of one
integral are the union of

* the fixed grid of unit panels on ``[-10, 10]``, which resolves the Gaussian factor;
* for every *centre* ``p`` with *scale* ``delta`` (both in ``x`` units): the points ``p`` and
  :math:`p \pm \delta^{j/K}`, ``j = 0..K``, i.e. a geometric grading from ``delta`` up to 1
  with ratio at most 2 (``K >= 14``, more when some ``delta < 2**-14``).

The centres are the points where the argument of an activation crosses 0 (where the complex
singularities of tanh, the logistic sigmoid, softplus, SiLU, ... lie: on the imaginary axis
of ``u``) and the kinks. The scale is :math:`d_\mathrm{eff} = \min(d, 1)` divided by the
factor multiplying ``x`` in that argument (e.g. :math:`1/\sqrt{q}` for tanh, whose
``d = pi/2``); the cap 1 is the scale on which entire activations such as GELU change, and
it makes the grading a little finer than needed for tanh (harmless). Panels of zero width
(edges clipped at ``+-L`` or coinciding) are dropped; the remaining panels of all elements of
the input are evaluated as one flat vectorized batch (blocks of ``_BLOCK`` values), typically
45-50 panels (~750 nodes) per element in 1-D.

Error argument
--------------
If the integrand is analytic and bounded by ``M`` inside the Bernstein ellipse
:math:`E_\rho` of a panel of half-width ``h``, the ``n``-point Gauss-Legendre error on the
panel is at most :math:`\frac{64}{15} h M \rho^{-2n}/(\rho^2 - 1)` (Trefethen,
*Approximation Theory and Approximation Practice*, SIAM 2013, Theorem 19.3). For a graded
panel :math:`[a, 2a]` at distance ``a >= delta`` from singularities on the line
:math:`\operatorname{Re} x = p`, these lie outside :math:`E_\rho` for
:math:`\rho < 3 + \sqrt 8 \approx 5.8`; for the innermost panel :math:`[p, p + \delta]`,
:math:`\rho < 4.6`; on the unit panels the growth :math:`e^{(\operatorname{Im} x)^2/2}` of the
Gaussian on :math:`E_\rho` stays below 10 for :math:`\rho \le 5`. With ``n = 16`` the bound is
therefore :math:`\lesssim 4^{-32} M \approx 5 \times 10^{-20} M` per panel. Adding edges can
only help: a sub-panel has a larger :math:`\rho` with respect to the same singularity, so the
union of the edge sets satisfies every constituent's condition. Kinks are panel edges, so each
panel integrand is analytic (one piece of ``f``). For entire functions growing like
:math:`e^{(\operatorname{Im} u)^2/2}` off the axis (the normal CDF in GELU) the same holds
with :math:`\rho \approx 3` inside the sectors :math:`|\operatorname{Im} u| < |\operatorname{Re}
u|` reached by the graded panels (error :math:`3^{-32} \approx 10^{-15}` relative to the
panel, in practice far smaller).

Because these assumptions (where the singularities are, how fast ``f`` grows off the real
axis) cannot be verified for a user-supplied callable, every panel is also checked a
posteriori with the last two Legendre coefficients of the integrand on the panel,
``tail = |a_{n-1}| + |a_{n-2}|`` (computed exactly from the Gauss values by one small matrix
product), relative to the panel maximum: ``r = tail / max``. A panel is accepted if
``r <= 1e-7`` (geometric decay at that rate means :math:`\rho \gtrsim 2.3` and a Gauss error
:math:`\lesssim \rho^{-2n} \approx 10^{-12} r`), or if its pessimistic error estimate
``width * tail * min(1, r / 1e-4)`` is below ``1e-15 * width / (2L)`` times the row's
integral of magnitudes (so the accepted estimates sum to at most ``1e-15`` of it, whatever
the number of panels; this also absorbs rounding noise of ``f`` itself); tails in the
subnormal range are ignored. Failing panels are bisected (vectorized adaptive refinement), so
e.g. :math:`E[\sin(\sqrt{q} z)^2]` at ``q = 1e8`` is still computed correctly (slowly);
when refinement would exceed ``_REFINE_BUDGET`` integrand evaluations a
:class:`~asymptote.errors.ConvergenceError` is raised instead of returning an inaccurate
value. With the layout above, resolved panels have ``r`` of order ``1e-11`` or less, so
refinement is rare for the activations of the module docstring's scope.

Two dimensions
--------------
For :math:`0 < |c| < 1` the outer integral is over :math:`x = u/\sqrt{q_1}`, the inner one over
``y``; the argument of ``g`` is :math:`\beta x + \sigma y` with
:math:`\beta = q_{12}/\sqrt{q_1}` and :math:`\sigma = \sqrt{(q_1 q_2 - q_{12}^2)/q_1}`, where
the determinant is evaluated with an error-free product (Dekker 1971) so that ``sigma`` keeps
full relative accuracy even when :math:`1 - |c| \sim 10^{-16}` (the naive
:math:`\sqrt{1 - c^2}` would lose all digits of ``s`` and, through the
:math:`1/\sqrt{1-c}` sensitivity of e.g. :math:`E[\tanh u \tanh v]` at large ``q``, up to
``1e-10`` of the result). The inner integral :math:`G(x) = E_y[g(\beta x + \sigma y)]` is a
shifted 1-D problem with centres at :math:`y = (k - \beta x)/\sigma` (``k`` = 0 and the
kinks) and scale :math:`d_\mathrm{eff}/\sigma`; it returns :math:`E_y|g|` too, and the outer
a-posteriori test measures the integrand against :math:`|f| E_y|g|`, the scale of the
inner rounding noise (otherwise a result that is tiny by cancellation, e.g.
:math:`E[\sin u \sin v]` at large ``q``, would be refined forever). The outer integrand
:math:`f(\sqrt{q_1} x) G(x)` is graded around 0 at scale
:math:`d_\mathrm{eff} / \max(\sqrt{q_1}, |\beta|)` (``G`` behaves like a smoothed
:math:`g(\beta x)`, with its near-singularities at distance :math:`d/|\beta|`), around
the kinks of ``f`` at scale :math:`d_\mathrm{eff}/\sqrt{q_1}`, and around the smoothed
kinks :math:`x = k/\beta` of ``G`` at scale
:math:`\min(d_\mathrm{eff}, \sigma)/|\beta|`: near :math:`|c| = 1` the inner Gaussian has
width ``sigma`` in the argument of ``g``, which is the width of the smoothed kink (down
to :math:`\sim 10^{-8}` for :math:`1 - |c| \sim 10^{-16}`; the number of grading levels
grows accordingly). :math:`q_{12} = 0` is computed as :math:`E[f(u)] E[g(v)]`. The pair
is degenerate exactly when the (exactly signed) determinant is :math:`\le 0`, i.e. for
:math:`|c| = 1` (or :math:`|c|` above 1 by a few ulps of rounding, clipped); then the 1-D
integral :math:`E[f(\sqrt{q_1} z) g(\pm\sqrt{q_2} z)]` is used and ``1/s`` is never formed.
A tiny positive determinant (:math:`1 - |c| \sim 10^{-17}`) is integrated as a regular
pair: :math:`E[\tanh u \tanh v]` moves by :math:`\sim\sqrt{1-|c|}` between the two.

Functions are evaluated only at :math:`|u| \le 10 \sqrt{q}`; they must be vectorized,
real-valued and finite there (use overflow-safe forms such as ``np.logaddexp(0, u)`` for
softplus) and grow at most polynomially, so that the Gaussian mass beyond :math:`|x| = 10` is
negligible.

For repeated evaluation of a fixed function of ``q`` (e.g. the variance map of an activation),
:class:`LogChebyshevTable` tabulates it by piecewise Chebyshev interpolation in ``log q`` and
evaluates more than ten million points per second.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import ConvergenceError

__all__ = ["expect_1d", "expect_2d", "LogChebyshevTable"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
Activation = Callable[[FloatArray], ArrayLike]
# values(x, rows) -> (integrand values without the Gaussian factor at nodes x, shape (P, n);
# optional magnitudes bounding their rounding noise, or None for |values|). rows (shape
# (P,)) indexes the per-row parameters of the caller.
_Values = Callable[[FloatArray, IntArray], tuple[FloatArray, "FloatArray | None"]]

# ----------------------------------------------------------------------------- constants

#: Gauss-Legendre nodes per panel.
_N_GL = 16
_T_GL, _W_GL = np.polynomial.legendre.leggauss(_N_GL)
# Columns: quadrature weights, and the maps from nodal values to the Legendre coefficients
# a_{n-1}, a_{n-2} of the degree n-1 interpolant (exact by n-point Gauss quadrature).
_LEG_TAIL = (
    _W_GL[:, None]
    * np.polynomial.legendre.legvander(_T_GL, _N_GL - 1)[:, -2:]
    * ((2.0 * np.arange(_N_GL - 2, _N_GL) + 1.0) / 2.0)
)
_QMAT = np.ascontiguousarray(np.column_stack([_W_GL, _LEG_TAIL]))

#: Truncation of the Gaussian integrals to |x| <= _L.
_L = 10.0
#: Fixed panel edges resolving the Gaussian weight.
_GRID = np.arange(-_L, _L + 0.5)
#: Largest ratio between consecutive graded edges (distances from a centre).
_RATIO = 2.0
#: Minimum number of grading levels (covers delta >= 2**-14, i.e. tanh up to q ~ 5e8).
_K_BASE = 14
#: Grading scale (in units of the activation argument) used for entire functions and kinks.
_D_ENTIRE = 1.0
#: Smallest grading scale in x units.
_DELTA_FLOOR = 1e-15
#: A posteriori test: relative size of the Legendre tail, and negligible contribution.
_TAIL_REL = 1e-7
_NEGLIGIBLE = 1e-15
_TAIL_SATURATE = 1e-4
#: Legendre tails below this are never refined (subnormal range, no relative precision).
_TINY = float(np.finfo(np.float64).tiny) * 2.0**60
#: Integrand evaluations allowed for adaptive refinement within one public call.
_REFINE_BUDGET = 200_000_000
#: Integrand values evaluated per block (bounds temporary memory to a few MB).
_BLOCK = 1 << 17
#: Relative slack allowed for |c| > 1 caused by rounding of q12.
_C_SLACK = 64 * np.finfo(np.float64).eps
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp splitting constant


# ----------------------------------------------------------------------------- helpers


class _Budget:
    """Counts integrand evaluations spent on refinement; raises when exhausted."""

    def __init__(self, limit: int) -> None:
        self.left = limit
        self.armed = False

    def spend(self, count: int) -> None:
        if not self.armed:
            return
        self.left -= count
        if self.left < 0:
            raise ConvergenceError(
                "Gaussian quadrature: adaptive refinement exceeded its budget of "
                f"{_REFINE_BUDGET} evaluations; the integrand is not resolved (an entire "
                "function oscillating on a scale much finer than the Gaussian, e.g. sin at "
                "very large q, or a wrong singularity_distance / missing kinks)"
            )


def _call(fn: Activation, u: FloatArray) -> FloatArray:
    """Evaluate a user activation on ``u`` and return float64 of the same shape."""
    out = np.asarray(fn(u), dtype=np.float64)
    if out.shape != u.shape:
        out = np.broadcast_to(out, u.shape)
    return out


def _safe_ratio(num: FloatArray, den: FloatArray, fill: float) -> FloatArray:
    """``num / den`` with ``fill`` where ``den == 0`` (no warnings)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.divide(num, den)
    return np.where(den == 0, fill, r)


def _effective_distance(d: float) -> float:
    return min(d, _D_ENTIRE)


def _edges(centres: Sequence[tuple[FloatArray, FloatArray]], n_rows: int) -> FloatArray:
    """Sorted panel edges, shape ``(n_rows, E)``, clipped to ``[-L, L]``.

    ``centres`` holds ``(position, scale)`` pairs of row arrays (x units); scales may be
    ``inf`` (no grading needed) and are clipped to ``[_DELTA_FLOOR, 1]``.
    """
    deltas = [np.clip(np.nan_to_num(s, nan=1.0, posinf=1.0), _DELTA_FLOOR, 1.0) for _, s in centres]
    dmin = min((float(d.min()) for d in deltas if d.size), default=1.0)
    levels = max(_K_BASE, math.ceil(math.log(1.0 / dmin) / math.log(_RATIO) - 1e-9))
    expo = np.arange(levels + 1, dtype=np.float64) / levels
    parts: list[FloatArray] = [np.broadcast_to(_GRID, (n_rows, _GRID.size))]
    for (pos, _), delta in zip(centres, deltas, strict=True):
        p = np.nan_to_num(pos, nan=_L, posinf=_L, neginf=-_L)[:, None]
        grade = delta[:, None] ** expo  # from 1 down to delta
        parts.extend((p, p - grade, p + grade))
    edges = np.concatenate(parts, axis=1)
    np.clip(edges, -_L, _L, out=edges)
    edges.sort(axis=1)
    return edges


def _panel_stats(
    values: _Values, a: FloatArray, b: FloatArray, rows: IntArray, offset: int
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Per panel: integral, integral of the magnitude, Legendre tail, max magnitude.

    The Gaussian factor is included. The magnitude is ``|value|`` unless ``values`` returns
    a separate magnitude (the outer 2-D integrand returns :math:`|f| E_y|g|`, the scale of
    the rounding noise of the inner integral).
    """
    n_p = a.size
    contrib = np.empty(n_p)
    absint = np.empty(n_p)
    tail = np.empty(n_p)
    amax = np.empty(n_p)
    step = max(1, _BLOCK // _N_GL)
    for lo in range(0, n_p, step):
        hi = min(n_p, lo + step)
        half = 0.5 * (b[lo:hi] - a[lo:hi])
        mid = 0.5 * (b[lo:hi] + a[lo:hi])
        x = mid[:, None] + half[:, None] * _T_GL
        gauss = np.exp(-0.5 * x * x)
        vals, mags = values(x, rows[lo:hi] + offset)
        vals = vals * gauss
        mags = np.abs(vals) if mags is None else mags * gauss
        proj = vals @ _QMAT
        contrib[lo:hi] = half * proj[:, 0]
        absint[lo:hi] = half * (mags @ _W_GL)
        tail[lo:hi] = np.abs(proj[:, 1]) + np.abs(proj[:, 2])
        amax[lo:hi] = mags.max(axis=1)
    return contrib, absint, tail, amax


def _row_sum(rows: IntArray, weights: FloatArray, n_rows: int) -> FloatArray:
    """Per-row sums of ``weights`` (float64 even when empty)."""
    return np.bincount(rows, weights=weights, minlength=n_rows).astype(np.float64, copy=False)


def _unresolved(tail: FloatArray, amax: FloatArray, scale: FloatArray) -> NDArray[np.bool_]:
    """Panels failing the a-posteriori test of the module docstring.

    ``r = tail / amax`` is the relative Legendre tail. A panel passes if ``r <= 1e-7``
    (geometric decay at that rate makes the Gauss error ~ ``r**2``); otherwise its error is
    estimated, pessimistically, as ``width * tail * min(1, r / 1e-4)``, and it passes if
    that is below ``_NEGLIGIBLE * scale * width / (2 L)``, so the accepted estimates of a
    row sum to at most ``_NEGLIGIBLE`` times its integral of magnitudes. Tails in the
    subnormal range (no relative precision) are ignored.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = tail / amax
    est = tail * np.minimum(1.0, rel / _TAIL_SATURATE)
    return (rel > _TAIL_REL) & (est > _NEGLIGIBLE / (2.0 * _L) * scale) & (tail > _TINY)


def _quad(
    values: _Values,
    a: FloatArray,
    b: FloatArray,
    rows: IntArray,
    n_rows: int,
    offset: int,
    budget: _Budget,
) -> tuple[FloatArray, FloatArray]:
    r"""Per row, :math:`\int values(x) e^{-x^2/2} dx` over its panels ``[a, b]``, and the
    same integral of the magnitude.

    ``rows`` are local row numbers ``0..n_rows-1``; ``values`` receives ``rows + offset``.
    Panels failing the Legendre-tail test are bisected until they pass (module docstring).
    """
    budget.spend(a.size * _N_GL)
    contrib, absint, tail, amax = _panel_stats(values, a, b, rows, offset)
    scale = _row_sum(rows, absint, n_rows)
    bad = _unresolved(tail, amax, scale[rows])
    if not bad.any():
        return _row_sum(rows, contrib, n_rows), scale
    good = ~bad
    total = _row_sum(rows[good], contrib[good], n_rows)
    total_abs = _row_sum(rows[good], absint[good], n_rows)
    was_armed = budget.armed
    budget.armed = True
    try:
        while bad.any():
            a, b, rows = a[bad], b[bad], rows[bad]
            mid = 0.5 * (a + b)
            a, b, rows = np.concatenate([a, mid]), np.concatenate([mid, b]), np.tile(rows, 2)
            budget.spend(a.size * _N_GL)
            contrib, absint, tail, amax = _panel_stats(values, a, b, rows, offset)
            bad = _unresolved(tail, amax, scale[rows])
            # Panels that cannot be split further in floating point are accepted as they are.
            bad &= (b - a) > 8 * np.finfo(np.float64).eps * np.maximum(np.abs(a), np.abs(b))
            good = ~bad
            total += _row_sum(rows[good], contrib[good], n_rows)
            total_abs += _row_sum(rows[good], absint[good], n_rows)
    finally:
        budget.armed = was_armed
    return total, total_abs


def _gauss_integral(
    values: _Values,
    centres: Callable[[slice], list[tuple[FloatArray, FloatArray]]],
    n_rows: int,
    budget: _Budget,
) -> tuple[FloatArray, FloatArray]:
    r""":math:`E[values(Z)]` and :math:`E|values(Z)|`, :math:`Z \sim N(0,1)`, per row.

    ``centres(rows_slice)`` returns the grading centres of those rows; rows are processed in
    blocks so that temporaries stay small.
    """
    out = np.empty(n_rows)
    out_abs = np.empty(n_rows)
    if n_rows == 0:
        return out, out_abs
    probe = _edges(centres(slice(0, 1)), 1)
    per_row = max(1, _BLOCK // (_N_GL * probe.shape[1]))
    for lo in range(0, n_rows, per_row):
        hi = min(n_rows, lo + per_row)
        edges = _edges(centres(slice(lo, hi)), hi - lo)
        left, right = edges[:, :-1], edges[:, 1:]
        keep = right > left
        rows = np.broadcast_to(np.arange(hi - lo)[:, None], left.shape)[keep]
        a = np.ascontiguousarray(left[keep])
        b = np.ascontiguousarray(right[keep])
        out[lo:hi], out_abs[lo:hi] = _quad(values, a, b, rows, hi - lo, lo, budget)
    out *= _INV_SQRT_2PI
    out_abs *= _INV_SQRT_2PI
    return out, out_abs


def _shifted(
    fn: Activation,
    shift: FloatArray,
    width: FloatArray,
    kinks: FloatArray,
    dist: float,
    budget: _Budget,
) -> tuple[FloatArray, FloatArray]:
    r""":math:`E[fn(m + \sigma Z)]` and :math:`E|fn(m + \sigma Z)|` for 1-D arrays
    ``m = shift`` and ``sigma = width > 0``."""
    d_eff = _effective_distance(dist)

    def values(x: FloatArray, rows: IntArray) -> tuple[FloatArray, None]:
        return _call(fn, shift[rows, None] + width[rows, None] * x), None

    def centres(sl: slice) -> list[tuple[FloatArray, FloatArray]]:
        m, sig = shift[sl], width[sl]
        out = [(-m / sig, d_eff / sig)]
        out.extend(((k - m) / sig, d_eff / sig) for k in kinks)
        return out

    return _gauss_integral(values, centres, shift.size, budget)


# ----------------------------------------------------------------------------- validation


def _as_float_array(x: ArrayLike, name: str) -> FloatArray:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be real numbers, got {x!r}") from exc
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got non-finite values in {name}")
    return arr


def _check_variance(arr: FloatArray, name: str) -> None:
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0, got min({name}) = {float(arr.min())!r}")


def _check_kinks(kinks: Sequence[float], name: str) -> FloatArray:
    arr = _as_float_array(list(kinks), name).ravel()
    return arr


def _check_distance(d: float) -> float:
    d = float(d)
    if not d > 0:  # also rejects nan
        raise ValueError(f"singularity_distance must be > 0 (inf for entire functions), got {d!r}")
    return d


# ----------------------------------------------------------------------------- public API


def expect_1d(
    f: Activation,
    q: ArrayLike,
    *,
    kinks: Sequence[float] = (),
    singularity_distance: float = math.inf,
) -> FloatArray:
    r""":math:`E[f(\sqrt{q} z)]`, :math:`z \sim N(0, 1)`, elementwise over ``q``.

    Parameters
    ----------
    f : callable
        Vectorized numpy function of the pre-activation ``u`` (real, finite for
        :math:`|u| \le 10\sqrt{q}`).
    q : array_like
        Variances, ``q >= 0``, any shape. ``q = 0`` gives ``f(0)``.
    kinks : sequence of float
        Points ``u`` where ``f`` or ``f'`` is not smooth (hard-tanh: ``(-1.0, 1.0)``, ReLU:
        ``(0.0,)``); they become panel edges. Real parts of complex singularities off the
        imaginary axis (e.g. ``a`` for ``tanh(u - a)``) may be listed here as well.
    singularity_distance : float
        Half-width ``d`` of the strip :math:`|\operatorname{Im} u| < d` in which ``f`` (each
        smooth piece of it) is analytic: ``pi/2`` for tanh and sech, ``pi`` for the logistic
        sigmoid, softplus and SiLU, ``inf`` for entire functions (GELU, sin, polynomials).

    Returns
    -------
    numpy.ndarray
        float64 array of the shape of ``q``.

    Raises
    ------
    ValueError
        If ``q`` is negative or not finite, or ``singularity_distance <= 0``.
    ConvergenceError
        If ``f`` cannot be resolved within the refinement budget (see module docstring).

    Notes
    -----
    Relative error about ``1e-14`` (absolute, relative to :math:`E|f|`, when ``E[f]`` is
    small by cancellation) for :math:`10^{-8} \le q \le 10^{8}`; see the module docstring for
    the quadrature scheme and its error bound.

    Examples
    --------
    >>> import math, numpy as np
    >>> v = expect_1d(lambda u: np.tanh(u) ** 2, [0.0, 1.0], singularity_distance=math.pi / 2)
    >>> [round(float(x), 12) for x in v]
    [0.0, 0.394294490398]
    """
    if not callable(f):
        raise ValueError(f"f must be callable, got {f!r}")
    q_arr = _as_float_array(q, "q")
    _check_variance(q_arr, "q")
    kinks_arr = _check_kinks(kinks, "kinks")
    dist = _check_distance(singularity_distance)
    flat = q_arr.ravel()
    out = np.empty(flat.size)
    zero = flat == 0
    if zero.any():
        out[zero] = _call(f, np.zeros(int(zero.sum())))
    pos = ~zero
    if pos.any():
        root = np.sqrt(flat[pos])
        budget = _Budget(_REFINE_BUDGET)
        out[pos] = _shifted(f, np.zeros_like(root), root, kinks_arr, dist, budget)[0]
    return out.reshape(q_arr.shape)


def _two_product(a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Dekker's error-free product: ``a * b == hi + lo`` exactly (no overflow assumed)."""
    hi = a * b
    ca = _SPLIT * a
    a_hi = ca - (ca - a)
    a_lo = a - a_hi
    cb = _SPLIT * b
    b_hi = cb - (cb - b)
    b_lo = b - b_hi
    lo = ((a_hi * b_hi - hi) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    return hi, lo


def _determinant(q1: FloatArray, q2: FloatArray, q12: FloatArray) -> FloatArray:
    r""":math:`q_1 q_2 - q_{12}^2` to nearly full relative accuracy (error-free products).

    The inputs are scaled by a power of two (exactly) so that the splitting cannot overflow;
    the sign of the result is exact up to a relative ``1e-32`` of :math:`q_1 q_2`.
    """
    expo = np.frexp(np.maximum(q1, q2))[1]
    a, b, c = np.ldexp(q1, -expo), np.ldexp(q2, -expo), np.ldexp(q12, -expo)
    p_hi, p_lo = _two_product(a, b)
    c_hi, c_lo = _two_product(c, c)
    return np.ldexp((p_hi - c_hi) + (p_lo - c_lo), 2 * expo)


def expect_2d(
    f: Activation,
    g: Activation,
    q1: ArrayLike,
    q2: ArrayLike,
    q12: ArrayLike,
    *,
    kinks_f: Sequence[float] = (),
    kinks_g: Sequence[float] = (),
    singularity_distance: float = math.inf,
) -> FloatArray:
    r""":math:`E[f(u) g(v)]` for a centred Gaussian pair, elementwise over broadcast arrays.

    Parameters
    ----------
    f, g : callable
        Vectorized numpy functions (see :func:`expect_1d`).
    q1, q2 : array_like
        Variances of ``u`` and ``v`` (``>= 0``).
    q12 : array_like
        Covariance, :math:`|q_{12}| \le \sqrt{q_1 q_2}` (an excess of a few ulps from
        rounding is clipped).
    kinks_f, kinks_g : sequence of float
        Kinks of ``f`` and ``g`` (see :func:`expect_1d`).
    singularity_distance : float
        Analyticity strip half-width shared by ``f`` and ``g`` (the smaller of the two).

    Returns
    -------
    numpy.ndarray
        float64 array of the broadcast shape of ``q1, q2, q12``.

    Raises
    ------
    ValueError
        On negative or non-finite variances, non-finite ``q12`` or
        :math:`|q_{12}| > \sqrt{q_1 q_2}` beyond rounding.
    ConvergenceError
        If the integrand cannot be resolved within the refinement budget.

    Notes
    -----
    :math:`|c| = 1` (exact determinant :math:`q_1 q_2 - q_{12}^2 \le 0` for the given floats;
    an excess of a few ulps is clipped) is evaluated as the 1-D integral
    :math:`E[f(\sqrt{q_1} z) g(\pm\sqrt{q_2} z)]`; ``q1 = 0`` (``q2 = 0``) as
    ``f(0) E[g(v)]`` (``g(0) E[f(u)]``). The scheme is described in the module docstring.

    Examples
    --------
    >>> import numpy as np
    >>> r = expect_2d(np.sin, np.sin, 1.0, 1.0, 0.5)  # exp(-1) sinh(0.5)
    >>> bool(abs(float(r) - np.exp(-1.0) * np.sinh(0.5)) < 1e-15)
    True
    """
    if not callable(f):
        raise ValueError(f"f must be callable, got {f!r}")
    if not callable(g):
        raise ValueError(f"g must be callable, got {g!r}")
    a1 = _as_float_array(q1, "q1")
    a2 = _as_float_array(q2, "q2")
    a12 = _as_float_array(q12, "q12")
    _check_variance(a1, "q1")
    _check_variance(a2, "q2")
    kf = _check_kinks(kinks_f, "kinks_f")
    kg = _check_kinks(kinks_g, "kinks_g")
    dist = _check_distance(singularity_distance)
    b1, b2, b12 = np.broadcast_arrays(a1, a2, a12)
    shape = b1.shape
    v1 = np.ascontiguousarray(b1, dtype=np.float64).ravel()
    v2 = np.ascontiguousarray(b2, dtype=np.float64).ravel()
    v12 = np.ascontiguousarray(b12, dtype=np.float64).ravel()
    root12 = np.sqrt(v1) * np.sqrt(v2)
    excess = np.abs(v12) > root12 * (1.0 + _C_SLACK)
    if excess.any():
        i = int(np.flatnonzero(excess)[0])
        raise ValueError(
            "q12 must satisfy |q12| <= sqrt(q1*q2); got "
            f"q12 = {v12[i]!r} with q1 = {v1[i]!r}, q2 = {v2[i]!r}"
        )
    out = np.empty(v1.size)
    budget = _Budget(_REFINE_BUDGET)
    d_eff = _effective_distance(dist)

    # q1 == 0 or q2 == 0: one factor is a constant.
    z1, z2 = v1 == 0, v2 == 0
    both = z1 & z2
    if both.any():
        zeros = np.zeros(int(both.sum()))
        out[both] = _call(f, zeros) * _call(g, zeros)
    only1 = z1 & ~z2
    if only1.any():
        r = np.sqrt(v2[only1])
        out[only1] = (
            _call(f, np.zeros(r.size)) * _shifted(g, np.zeros_like(r), r, kg, dist, budget)[0]
        )
    only2 = z2 & ~z1
    if only2.any():
        r = np.sqrt(v1[only2])
        out[only2] = (
            _call(g, np.zeros(r.size)) * _shifted(f, np.zeros_like(r), r, kf, dist, budget)[0]
        )

    live = ~(z1 | z2)
    # c == 0: independent factors.
    indep = live & (v12 == 0)
    if indep.any():
        r1 = np.sqrt(v1[indep])
        r2 = np.sqrt(v2[indep])
        out[indep] = (
            _shifted(f, np.zeros_like(r1), r1, kf, dist, budget)[0]
            * _shifted(g, np.zeros_like(r2), r2, kg, dist, budget)[0]
        )
    live &= ~indep
    # |c| == 1 exactly (for the given floats) iff the exact determinant is <= 0; a tiny
    # positive determinant (|c| = 1 - 1e-17, say) is integrated as the regular case, since
    # e.g. E[tanh u tanh v] moves by ~sqrt(1 - |c|) ~ 3e-9 between the two at large q.
    det = _determinant(v1, v2, v12)
    degenerate = live & (det <= 0.0)
    regular = live & ~degenerate

    if degenerate.any():
        r1 = np.sqrt(v1[degenerate])
        r2 = np.copysign(np.sqrt(v2[degenerate]), v12[degenerate])

        def pair(x: FloatArray, rows: IntArray) -> tuple[FloatArray, None]:
            return _call(f, r1[rows, None] * x) * _call(g, r2[rows, None] * x), None

        def pair_centres(sl: slice) -> list[tuple[FloatArray, FloatArray]]:
            s1, s2 = r1[sl], np.abs(r2[sl])
            out_c = [(np.zeros_like(s1), d_eff / np.maximum(s1, s2))]
            out_c.extend((k / s1, d_eff / s1) for k in kf)
            out_c.extend((k / r2[sl], d_eff / s2) for k in kg)
            return out_c

        out[degenerate] = _gauss_integral(pair, pair_centres, int(degenerate.sum()), budget)[0]

    if regular.any():
        r1 = np.sqrt(v1[regular])
        beta = v12[regular] / r1
        sigma = np.sqrt(det[regular] / v1[regular])
        abs_beta = np.abs(beta)

        def outer(x: FloatArray, rows: IntArray) -> tuple[FloatArray, FloatArray]:
            fx = _call(f, r1[rows, None] * x)
            res = np.zeros(x.shape)
            mag = np.zeros(x.shape)
            need = fx != 0
            if need.any():
                rr = np.broadcast_to(rows[:, None], x.shape)[need]
                inner, inner_abs = _shifted(g, beta[rr] * x[need], sigma[rr], kg, dist, budget)
                fneed = fx[need]
                res[need] = fneed * inner
                mag[need] = np.abs(fneed) * inner_abs
            return res, mag

        def outer_centres(sl: slice) -> list[tuple[FloatArray, FloatArray]]:
            s1, bb, ab, sg = r1[sl], beta[sl], abs_beta[sl], sigma[sl]
            g_scale = _safe_ratio(np.full(s1.shape, d_eff), ab, math.inf)
            out_c = [(np.zeros_like(s1), np.minimum(d_eff / s1, g_scale))]
            out_c.extend((k / s1, d_eff / s1) for k in kf)
            kink_scale = _safe_ratio(np.minimum(d_eff, sg), ab, math.inf)
            out_c.extend((_safe_ratio(np.full(s1.shape, k), bb, _L), kink_scale) for k in kg)
            return out_c

        out[regular] = _gauss_integral(outer, outer_centres, int(regular.sum()), budget)[0]
    return out.reshape(shape)


# ----------------------------------------------------------------------------- tables


class LogChebyshevTable:
    r"""Piecewise Chebyshev interpolant of a function of ``q`` in the variable ``log q``.

    Every octave :math:`[2^{e-1}, 2^e)` meeting ``[q_min, q_max]`` is split into
    ``pieces_per_octave`` pieces of equal width in ``log q``; on each piece the function is
    sampled at the ``degree + 1`` Chebyshev points of the second kind (adjacent pieces share
    their end points) and evaluated by Clenshaw's recurrence. Outside ``[q_min, q_max]``
    (including ``q = 0``) ``func`` itself is called, so the table is correct everywhere.

    The local coordinate is computed from the binary mantissa, ``log2(m)`` with
    :math:`q = m 2^e`, ``0.5 <= m < 1``, which is accurate to about ``1e-16`` *absolutely*;
    the obvious ``log(q) - s_piece`` would carry the absolute rounding error
    :math:`\epsilon |\log q| \approx 4 \times 10^{-15}` of ``log(q)`` at ``q = 1e8`` into a
    relative error of the same size for functions like :math:`V(q) \propto q`.

    Accuracy: for :math:`V(q) = E[\tanh(\sqrt q z)^2]` the map :math:`s \mapsto V(e^s)` is
    analytic in the strip :math:`|\operatorname{Im} s| < \pi` (the argument
    :math:`\sqrt q z` reaches the poles of tanh on the imaginary axis only when
    :math:`\arg q = \pm\pi`), so on a piece of width :math:`w = \ln 2 / 2` the Bernstein
    ellipse parameter is :math:`\rho \approx 4\pi/w \approx 36` and the interpolation error
    decays like :math:`\rho^{-\mathrm{degree}}` (Trefethen, *Approximation Theory and
    Approximation Practice*, Thm 8.2): ``degree = 12`` gives about ``1e-16`` relative to the
    maximum on the piece. ``error_estimate`` reports the largest Chebyshev tail
    :math:`|c_{D-1}| + |c_D|` relative to that maximum (a relative statement about the
    function values only where the function does not change sign within a piece).

    Parameters
    ----------
    func : callable
        Vectorized function of a float64 array of ``q``, e.g.
        ``lambda q: expect_1d(lambda u: np.tanh(u)**2, q, singularity_distance=math.pi/2)``.
        Called once on ``n_pieces * degree + 1`` points at construction, and on the points
        outside ``[q_min, q_max]`` at evaluation.
    q_min, q_max : float
        Tabulated range, ``0 < q_min < q_max < inf``.
    pieces_per_octave : int
        Pieces per factor 2 in ``q``.
    degree : int
        Polynomial degree on each piece (``>= 2``).

    Attributes
    ----------
    q_min, q_max : float
        Tabulated range.
    n_pieces, degree : int
        Layout of the table.
    error_estimate : float
        Largest relative Chebyshev tail over the pieces.
    build_seconds : float
        Wall-clock construction time.

    Examples
    --------
    >>> import math, numpy as np
    >>> tab = LogChebyshevTable(
    ...     lambda q: expect_1d(lambda u: np.tanh(u) ** 2, q, singularity_distance=math.pi / 2)
    ... )
    >>> round(float(tab(1.0)), 12)
    0.394294490398
    """

    def __init__(
        self,
        func: Callable[[FloatArray], ArrayLike],
        q_min: float = 1e-8,
        q_max: float = 1e8,
        *,
        pieces_per_octave: int = 2,
        degree: int = 12,
    ) -> None:
        start = time.perf_counter()
        if not callable(func):
            raise ValueError(f"func must be callable, got {func!r}")
        q_min, q_max = float(q_min), float(q_max)
        if not (0.0 < q_min < q_max < math.inf):
            raise ValueError(f"need 0 < q_min < q_max < inf, got q_min={q_min!r}, q_max={q_max!r}")
        for name, value, low in (
            ("pieces_per_octave", pieces_per_octave, 1),
            ("degree", degree, 2),
        ):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        self._func = func
        self.q_min, self.q_max = q_min, q_max
        self.degree = deg = int(degree)
        self._per_octave = per_oct = int(pieces_per_octave)
        self._e0 = math.frexp(q_min)[1]
        n_oct = math.frexp(q_max)[1] - self._e0 + 1
        self.n_pieces = n_pc = n_oct * per_oct
        # Chebyshev points of the second kind, ascending; local coordinate x in [0, 1].
        theta = np.pi * np.arange(deg, -1, -1) / deg
        x_loc = (np.cos(theta) + 1.0) / 2.0
        x_loc[0], x_loc[-1] = 0.0, 1.0
        # Node j of piece p = o * per_oct + i lies at q = 2**(e0 - 1 + o + (i + x_j) / per_oct);
        # the local part is formed without adding the (large) piece number to x_j.
        piece = np.arange(n_pc)
        octave, sub = np.divmod(piece, per_oct)
        frac = (sub[:, None] + x_loc[None, :-1]) / per_oct
        mant = np.append(np.exp2(frac).ravel(), 2.0)  # last: top end of the last octave
        oct_all = np.append(np.repeat(octave, deg), octave[-1])
        q_nodes = np.ldexp(mant, (oct_all + (self._e0 - 1)).astype(np.intc))
        vals_all = np.asarray(func(q_nodes), dtype=np.float64).reshape(q_nodes.shape)
        if not np.all(np.isfinite(vals_all)):
            raise ValueError("func returned non-finite values on the tabulation grid")
        vals = vals_all[np.arange(n_pc)[:, None] * deg + np.arange(deg + 1)[None, :]]
        # c_k = (2/D) sum'' f_j T_k(t_j), halved at k = 0 and k = D; T_k(t_j) = cos(k theta_j).
        # Summed in extended precision where the platform has it (x86: 64-bit mantissa): in
        # float64 the rounding of this sum alone costs ~1e-15 relative at evaluation.
        ext = np.longdouble
        theta_x = np.pi * np.arange(deg, -1, -1, dtype=ext) / ext(deg)
        trig = np.cos(np.outer(theta_x, np.arange(deg + 1, dtype=ext)))
        wts = np.full(deg + 1, ext(2) / ext(deg), dtype=ext)
        wts[0] = wts[-1] = ext(1) / ext(deg)
        coef_x = (vals.astype(ext) * wts) @ trig
        coef_x[:, 0] /= 2
        coef_x[:, -1] /= 2
        coef = coef_x.astype(np.float64)
        self._coef = np.ascontiguousarray(coef.T)  # (degree + 1, n_pieces)
        peak = np.max(np.abs(vals), axis=1)
        tail = np.abs(coef[:, -1]) + np.abs(coef[:, -2])
        self.error_estimate = float(np.max(_safe_ratio(tail, peak, 0.0)))
        self.build_seconds = time.perf_counter() - start

    def __call__(self, q: ArrayLike) -> FloatArray:
        """Evaluate at ``q`` (any shape): interpolant inside the range, ``func`` outside."""
        q_arr = np.asarray(q, dtype=np.float64)
        flat = q_arr.ravel()
        out = np.empty(flat.size)
        inside = (flat >= self.q_min) & (flat <= self.q_max)
        if inside.all():
            self._clenshaw(flat, out)
        else:
            if inside.any():
                sub = np.empty(int(inside.sum()))
                self._clenshaw(flat[inside], sub)
                out[inside] = sub
            outside = ~inside
            out[outside] = np.asarray(self._func(flat[outside]), dtype=np.float64).ravel()
        return out.reshape(q_arr.shape)

    def _clenshaw(self, q: FloatArray, out: FloatArray) -> None:
        """Clenshaw evaluation for ``q`` inside the range, in cache-sized blocks."""
        coef = self._coef
        deg = self.degree
        per_oct = float(self._per_octave)
        last = self.n_pieces - 1
        block = 8192
        mant = np.empty(block)
        expo = np.empty(block, dtype=np.intc)
        idx = np.empty(block, dtype=np.intp)
        t2 = np.empty(block)
        b1 = np.empty(block)
        b2 = np.empty(block)
        tmp = np.empty(block)
        for lo in range(0, q.size, block):
            hi = min(q.size, lo + block)
            m = hi - lo
            mv, ev, iv, tv, tmpv = mant[:m], expo[:m], idx[:m], t2[:m], tmp[:m]
            b1v, b2v = b1[:m], b2[:m]
            np.frexp(q[lo:hi], mv, ev)
            np.log2(mv, out=mv)  # in [-1, 0), absolute error ~ 1e-16
            mv += 1.0
            mv *= per_oct  # position within the octave, in pieces: [0, per_oct)
            np.floor(mv, out=tv)
            mv -= tv  # local coordinate in [0, 1)
            np.subtract(ev, self._e0, out=iv)
            iv *= self._per_octave
            iv += tv.astype(np.intp)
            np.clip(iv, 0, last, out=iv)
            np.multiply(mv, 4.0, out=tv)
            tv -= 2.0  # 2t, t in [-1, 1]
            # Clenshaw: b_k = c_k + 2t b_{k+1} - b_{k+2};  f = c_0 + t b_1 - b_2.
            np.take(coef[deg], iv, out=b1v)
            np.take(coef[deg - 1], iv, out=tmpv)
            np.multiply(tv, b1v, out=b2v)
            b2v += tmpv
            b1v, b2v = b2v, b1v
            for k in range(deg - 2, 0, -1):
                np.take(coef[k], iv, out=tmpv)
                tmpv -= b2v
                np.multiply(tv, b1v, out=b2v)
                b2v += tmpv
                b1v, b2v = b2v, b1v
            np.take(coef[0], iv, out=tmpv)
            tmpv -= b2v
            np.multiply(tv, b1v, out=b2v)
            b2v *= 0.5
            np.add(b2v, tmpv, out=out[lo:hi])

    def __repr__(self) -> str:
        return (
            f"LogChebyshevTable(q_min={self.q_min!r}, q_max={self.q_max!r}, "
            f"n_pieces={self.n_pieces}, degree={self.degree}, "
            f"error_estimate={self.error_estimate:.1e})"
        )
