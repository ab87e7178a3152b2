r"""alpha-ReLU residual networks: cosine fixed point, convergence exponent, ReLU constant.

Cosine-distance dynamics of the *full* resnet :math:`x^l = V\phi(W x^{l-1} + b) + a + x^{l-1}`
([YS17]_ Thm. B.1.2 / B.2; the recurrences are derived in :mod:`asymptote.recurrences`):
:math:`p^l = p^{l-1} + \sigma_v^2\mathcal{V}\phi(q^l) + \sigma_a^2`,
:math:`\gamma^l = \gamma^{l-1} + \sigma_v^2\mathcal{W}\phi(q^l, \lambda^l) + \sigma_a^2`,
:math:`q^l = \sigma_w^2 p^{l-1} + \sigma_b^2`, :math:`\lambda^l = \sigma_w^2\gamma^{l-1} +
\sigma_b^2`, :math:`e^l = \gamma^l / p^l`. For :math:`0 \le \alpha < 1` and
:math:`\sigma_a = 0`, :math:`p^l \sim ((1-\alpha)\sigma_v^2 c_\alpha \sigma_w^{2\alpha}
l)^{1/(1-\alpha)}` and :math:`\lambda^l/q^l \to e^{l-1}`, so

.. math::

    e^l - e^{l-1} = \frac{\sigma_v^2\mathcal{V}\phi(q^l)}{p^l}\big(J_\alpha(c^l) - e^{l-1}\big)
    \simeq \frac{J_\alpha(e^{l-1}) - e^{l-1}}{(1-\alpha)\, l}:

:math:`e^l \to e^*`, the root in :math:`(0, 1)` of :math:`J_\alpha(e) = e`, and
:math:`|e^l - e^*| = \Theta(l^{-\mu})` with
:math:`\mu = (1 - J_\alpha'(e^*))/(1 - \alpha)`, independent of the variances
([YS17]_ Sec. 5.2 states this law; the formula for :math:`\mu` is re-derived here; with
:math:`\sigma_a \ne 0` the forcing :math:`\sigma_a^2(1 - e)/p` makes the rate
:math:`\min(\mu, \alpha/(1-\alpha))`, see :mod:`asymptote.asymptotics.laws`). For ReLU
(:math:`\alpha = 1`), :math:`e^* = 1` and :math:`1 - e^l \sim C l^{-2}` with
:math:`C = 9\pi^2 / (2 r^2)`, :math:`r = s/(1+s)`, :math:`s = \sigma_v^2\sigma_w^2/2`.

The *reduced* resnet :math:`x^l = \phi(W x^{l-1} + b) + x^{l-1}` is not covered here:
alpha-ReLU is not antisymmetric, so its length recurrence keeps the mean term
:math:`2 m^{l-1}\mathcal{M}\phi(q^l)` that [YS17]_ Lemma B.1.1 drops for odd :math:`\phi`
(:func:`asymptote.recurrences.recurrence` ``("rrn")``). With it :math:`m^l/\sqrt{p^l}` tends
to a positive constant and :math:`e^l \to 1` (like :math:`l^{-2/(1-\alpha)}` for
:math:`\alpha < 1`, geometrically for ReLU): :func:`asymptote.leading_laws` ``("rrn", ...)``.

References
----------
.. [YS17] G. Yang and S. S. Schoenholz, Mean field residual networks: on the edge of chaos,
   NeurIPS 2017, arXiv:1712.08969 (Sec. 5.2; App. C.7.1).
.. [CS09] Y. Cho and L. K. Saul, Kernel methods for deep learning, NeurIPS 2009, eq. (4)-(7).
"""

from __future__ import annotations

from typing import overload

import mpmath

from .._precision import check_dps, round_mpf, to_mpf, workdps
from ..errors import ConvergenceError
from ..numeric.arccos_kernels import arccos_kernel_mp
from ..numeric.roots import refine_root_mp
from ._common import check_alpha_float, k_at_one_mp

__all__ = ["cosine_convergence_exponent", "cosine_fixed_point", "relu_cosine_distance_constant"]

_FIXED_POINT_FLOAT_DPS = 20


def _fixed_point_mp(a: mpmath.mpf, digits: int) -> mpmath.mpf:
    """Root of J(e) = e in (0, 1), working precision ``digits`` + guard (already set)."""
    k1 = k_at_one_mp(a)

    def gap(e: mpmath.mpf) -> mpmath.mpf:
        return arccos_kernel_mp(a, e) / k1 - e

    lo = mpmath.mpf(0)
    if not gap(lo) > 0:
        raise ConvergenceError("J(0) - 0 is not positive", residual=gap(lo))
    hi = None
    for k in range(1, 4 * mpmath.mp.prec // 5):
        b = 1 - mpmath.ldexp(mpmath.mpf(1), -k)
        if gap(b) < 0:
            hi = b
            break
        lo = b
    if hi is None:
        raise ConvergenceError(
            f"no sign change of J(e) - e below e = 1 for alpha={a} at {digits} digits "
            "(alpha too close to 1: use more digits)",
            bracket=(lo, mpmath.mpf(1)),
        )
    for _ in range(30):  # bisection to a tight bracket, then certified regula falsi
        mid = (lo + hi) / 2
        if gap(mid) > 0:
            lo = mid
        else:
            hi = mid
    return refine_root_mp(
        gap,
        (lo + hi) / 2,
        tol=mpmath.mpf(10) ** (-(digits + 3)),
        first_step=(hi - lo),
        lower=lo,
        upper=hi,
        what="fixed point e* of J_alpha",
    )


@overload
def cosine_fixed_point(alpha: object, *, dps: None = None) -> float: ...
@overload
def cosine_fixed_point(alpha: object, *, dps: int) -> mpmath.mpf: ...


def cosine_fixed_point(alpha: object, *, dps: int | None = None) -> float | mpmath.mpf:
    r"""Limit :math:`e^*` of the cosine distance of alpha-ReLU resnets: :math:`J_\alpha(e^*) = e^*`.

    Parameters
    ----------
    alpha : real
        Exponent, :math:`-1/2 < \alpha`, :math:`\alpha \ne 1` (for ReLU :math:`e^* = 1`).
    dps : int or None
        ``None``: float (computed at 20 digits and rounded); ``int``: mpmath at that many
        digits, certified by a sign-change bracket of width :math:`10^{-(dps+3)}`.

    Returns
    -------
    float or mpf
        The unique root of :math:`J_\alpha(e) = e` in :math:`(0, 1)`.

    Raises
    ------
    ValueError
        ``alpha`` out of range or equal to 1.
    ConvergenceError
        The root could not be bracketed at the precision asked (``alpha`` extremely close
        to 1).

    Notes
    -----
    :math:`J_\alpha` has non-negative Taylor coefficients (dual activation), so
    :math:`g(e) = J_\alpha(e) - e` is convex with :math:`g(0) = J_\alpha(0) > 0`,
    :math:`g(1) = 0` and :math:`g'(1) = (\alpha-1)^2/(2\alpha-1) > 0` (infinite for
    :math:`\alpha \le 1/2`): exactly one root in :math:`(0,1)`, stable
    (:math:`J_\alpha'(e^*) < 1`). For :math:`0 \le \alpha < 1` it is the limit of the
    full residual network's cosine distance ([YS17]_ Sec. 5.2, "the nonunit fixed point of
    :math:`J_\alpha`"; module docstring for the derivation). The reduced resnet's cosine
    distance tends to 1 instead (its mean term; module docstring).

    Examples
    --------
    >>> round(cosine_fixed_point(0.5), 10)
    0.9705216283
    """
    if dps is None:
        a_float = check_alpha_float(alpha)
        if a_float == 1:
            raise ValueError("alpha must differ from 1 (for ReLU the limit is e* = 1), got 1")
        return float(cosine_fixed_point(alpha, dps=_FIXED_POINT_FLOAT_DPS))
    digits = check_dps(dps)
    with workdps(digits):
        a = to_mpf(alpha, "alpha")
        if not a > -mpmath.mpf(1) / 2:
            raise ValueError(f"alpha must be > -1/2, got alpha={alpha!r}")
        if a == 1:
            raise ValueError("alpha must differ from 1 (for ReLU the limit is e* = 1), got 1")
        root = _fixed_point_mp(a, digits)
    return round_mpf(root, digits)


@overload
def cosine_convergence_exponent(alpha: object, *, dps: None = None) -> float: ...
@overload
def cosine_convergence_exponent(alpha: object, *, dps: int) -> mpmath.mpf: ...


def cosine_convergence_exponent(alpha: object, *, dps: int | None = None) -> float | mpmath.mpf:
    r"""Exponent :math:`\mu = (1 - J_\alpha'(e^*))/(1-\alpha)` of :math:`|e^l - e^*| = \Theta(l^{-\mu})`.

    Parameters
    ----------
    alpha : real
        Exponent, :math:`0 \le \alpha < 1`.
    dps : int or None
        ``None``: float; ``int``: mpmath at that many digits.

    Returns
    -------
    float or mpf

    Raises
    ------
    ValueError
        ``alpha`` outside :math:`[0, 1)`.

    Notes
    -----
    Linearizing :math:`de/dl = (J_\alpha(e) - e)/((1-\alpha) l)` (module docstring) at
    :math:`e^*` gives :math:`e - e^* \propto l^{-(1-J_\alpha'(e^*))/(1-\alpha)}` for the
    full resnet with :math:`\sigma_a = 0` and every :math:`\sigma_w, \sigma_b, \sigma_v`:
    [YS17]_ Sec. 5.2 / App. B.2.1 state the law with a variance-independent exponent. With
    :math:`\sigma_a \ne 0` the observed rate is :math:`\min(\mu, \alpha/(1-\alpha))`
    (claim ``YS17/alpha-relu-frn/rate-with-sigma-a``).

    Examples
    --------
    >>> round(cosine_convergence_exponent(0.5), 8)
    0.24790886
    """
    if dps is None:
        return float(cosine_convergence_exponent(alpha, dps=_FIXED_POINT_FLOAT_DPS))
    digits = check_dps(dps)
    with workdps(digits):
        a = to_mpf(alpha, "alpha")
        if not 0 <= a < 1:
            raise ValueError(f"alpha must satisfy 0 <= alpha < 1, got alpha={alpha!r}")
        e_star = _fixed_point_mp(a, digits)
        slope = arccos_kernel_mp(a, e_star, derivative=True) / k_at_one_mp(a)
        mu = (1 - slope) / (1 - a)
    return round_mpf(mu, digits)


@overload
def relu_cosine_distance_constant(
    sigma_w: object, *, sigma_v: object, dps: None = None
) -> float: ...
@overload
def relu_cosine_distance_constant(sigma_w: object, *, sigma_v: object, dps: int) -> mpmath.mpf: ...


def relu_cosine_distance_constant(
    sigma_w: object, *, sigma_v: object, dps: int | None = None
) -> float | mpmath.mpf:
    r"""Constant :math:`C` of :math:`1 - e^l \sim C\,l^{-2}` for ReLU full resnets.

    Parameters
    ----------
    sigma_w : real
        Weight standard deviation of the residual branch, :math:`> 0`.
    sigma_v : real
        Output-weight standard deviation of the branch, :math:`> 0` (keyword, required). The
        biases :math:`\sigma_b, \sigma_a` do not enter.
    dps : int or None

    Returns
    -------
    float or mpf
        :math:`C = 9\pi^2/(2r^2) = \tfrac{9\pi^2}{2}\big(1 + 2/(\sigma_v^2\sigma_w^2)\big)^2`,
        :math:`r = s/(1+s)`, :math:`s = \sigma_v^2\sigma_w^2/2`.

    Raises
    ------
    ValueError
        Non-positive standard deviation.
    TypeError
        ``sigma_v`` missing.

    Notes
    -----
    Full resnet only: in the reduced ReLU resnet the mean term :math:`2m\mathcal{M}\phi(q)`
    of the length recurrence makes :math:`1 - e^l` decay geometrically, not like
    :math:`l^{-2}` (module docstring; :func:`asymptote.leading_laws`). With
    :math:`\varepsilon = 1-e`, the exact full-resnet step (:math:`\sigma_b = \sigma_a = 0`)
    is :math:`\varepsilon^l = \varepsilon^{l-1} - r\,(J_1(1-\varepsilon^{l-1}) - 1 +
    \varepsilon^{l-1})` and :math:`J_1(1-\varepsilon) - 1 + \varepsilon =
    \frac{2\sqrt2}{3\pi}\varepsilon^{3/2} + O(\varepsilon^2)` (:func:`kernel_expansion_at_one`),
    so :math:`\varepsilon^l \sim 4/(r b_0 l)^2`, :math:`b_0 = \frac{2\sqrt2}{3\pi}`. Biases add
    :math:`O(1/p^l)`, exponentially small since :math:`p^l` grows like :math:`(1+s)^l`
    ([YS17]_ Sec. 5.2: "converges to 1 as :math:`l^{-2}` with a constant depending on
    :math:`\sigma_v, \sigma_w` only").

    Examples
    --------
    >>> round(relu_cosine_distance_constant(1.0, sigma_v=1.0), 6)   # s = 1/2, r = 1/3
    399.718978
    """
    digits = _FIXED_POINT_FLOAT_DPS if dps is None else check_dps(dps)
    with workdps(digits):
        w = to_mpf(sigma_w, "sigma_w")
        if not w > 0:
            raise ValueError(f"sigma_w must be > 0, got sigma_w={sigma_w!r}")
        v = to_mpf(sigma_v, "sigma_v")
        if not v > 0:
            raise ValueError(f"sigma_v must be > 0, got sigma_v={sigma_v!r}")
        s = w * w * v * v / 2
        r = s / (1 + s)
        value = 9 * mpmath.pi**2 / (2 * r * r)
    return float(value) if dps is None else round_mpf(value, digits)
