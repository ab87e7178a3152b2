r"""alpha-ReLU kernels of residual networks: normalized kernel, fixed point, Bessel identities.

For :math:`\phi_\alpha(x) = x^\alpha` (:math:`x > 0`), :math:`0` otherwise, and
:math:`(u, v)` centred Gaussian with :math:`\mathrm{Var}\,u = \mathrm{Var}\,v = q`,
:math:`\mathrm{Cov}(u, v) = cq` ([YS17]_ Sec. 5.2; [CS09]_ for integer :math:`\alpha`):

.. math::

    \mathcal{V}\phi_\alpha(q) = c_\alpha q^\alpha, \quad
    c_\alpha = \frac{2^{\alpha-1}\Gamma(\alpha+\frac12)}{\sqrt\pi}, \qquad
    \mathcal{W}\phi_\alpha(q, cq) = \mathcal{V}\phi_\alpha(q)\, J_\alpha(c),

with the *normalized kernel* :math:`J_\alpha(c) = k_\alpha(c) / k_\alpha(1)`,
:math:`k_\alpha(c) = E[\phi_\alpha(X)\phi_\alpha(Y)]` for standard :math:`(X, Y)` of
correlation :math:`c` (:mod:`asymptote.numeric.arccos_kernels`), so :math:`J_\alpha(1) = 1`.

Residual cosine-distance dynamics (derived here from the reduced resnet
:math:`x^l = \phi(W x^{l-1} + b) + x^{l-1}`; the full resnet only rescales the step):
:math:`p^l = p^{l-1} + \mathcal{V}\phi(q^l)`, :math:`\lambda^l = \lambda^{l-1} +
\mathcal{W}\phi(q^l, \gamma^l)`, :math:`q^l = \sigma_w^2 p^{l-1} + \sigma_b^2`,
:math:`\gamma^l = \sigma_w^2\lambda^{l-1} + \sigma_b^2`, :math:`e^l = \lambda^l / p^l`.
For :math:`0 \le \alpha < 1`, :math:`p^l \sim ((1-\alpha) c_\alpha \sigma_w^{2\alpha} l)^{1/(1-\alpha)}`
and :math:`\gamma^l/q^l \to e^{l-1}`, so

.. math::

    e^l - e^{l-1} = \frac{\mathcal{V}\phi(q^l)}{p^l}\big(J_\alpha(c^l) - e^{l-1}\big)
    \simeq \frac{J_\alpha(e^{l-1}) - e^{l-1}}{(1-\alpha)\, l}:

:math:`e^l \to e^*`, the root in :math:`(0, 1)` of :math:`J_\alpha(e) = e`, and
:math:`|e^l - e^*| = \Theta(l^{-\mu})` with
:math:`\mu = (1 - J_\alpha'(e^*))/(1 - \alpha)`, independent of the variances
([YS17]_ Sec. 5.2 states this law; the formula for :math:`\mu` is re-derived here). For ReLU
(:math:`\alpha = 1`), :math:`e^* = 1` and :math:`1 - e^l \sim C l^{-2}` with
:math:`C = 9\pi^2 / (2 r^2)`, :math:`r = s/(1+s)`, :math:`s = \sigma_w^2/2` (reduced) or
:math:`\sigma_v^2\sigma_w^2/2` (full resnet).

Bessel identities. The appendix of [YS17]_ (Sec. C.7.1) relates these kernels to
:math:`K_0`; its text could not be recovered (our copy has the formulas stripped and no
public mirror with the appendix was found), so :func:`bessel_identities` lists identities
*derived here* from the definitions (:math:`K_0(v) = \int_0^\infty e^{-v\cosh t}dt`,
DLMF 10.32.9), each checked by two independent routes and by SymPy where it can.

References
----------
.. [YS17] G. Yang and S. S. Schoenholz, Mean field residual networks: on the edge of chaos,
   NeurIPS 2017, arXiv:1712.08969 (Sec. 5.2; App. C.7.1).
.. [CS09] Y. Cho and L. K. Saul, Kernel methods for deep learning, NeurIPS 2009, eq. (4)-(7).
.. [DLMF] NIST DLMF, 10.32.9 (integral representation of :math:`K_\nu`), 10.31.2 (series),
   10.40.2 (asymptotic expansion), 10.43.19 (Mellin moments), 15.8.4 and 15.8.27.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, overload

import mpmath
import numpy as np
import sympy

from ._precision import check_dps, round_mpf, to_float, to_mpf, workdps
from ._validate import is_number_text, to_fraction
from .errors import ConvergenceError
from .numeric.arccos_kernels import (
    arccos_kernel_mp,
    arccos_kernel_np,
    arccos_kernel_quadrature_mp,
)
from .numeric.roots import refine_root_mp

__all__ = [
    "BesselIdentity",
    "KernelExpansionAtOne",
    "bessel_identities",
    "bessel_laplace_integral",
    "cosine_convergence_exponent",
    "cosine_fixed_point",
    "kernel_expansion_at_one",
    "kernel_slope_at_one",
    "normalized_kernel",
    "normalized_kernel_slope",
    "relu_cosine_distance_constant",
    "second_moment_coefficient",
]

_FIXED_POINT_FLOAT_DPS = 20


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------


def _check_alpha_float(alpha: object, lower: float = -0.5) -> float:
    a = to_float(alpha, "alpha")
    if not a > lower:
        raise ValueError(f"alpha must be > {lower}, got alpha={alpha!r}")
    return a


def _k_at_one_mp(a: Any) -> Any:
    """:math:`k_\\alpha(1) = 2^{\\alpha-1}\\Gamma(\\alpha+1/2)/\\sqrt\\pi` at the working precision."""
    return mpmath.power(2, a - 1) * mpmath.gamma(a + mpmath.mpf(1) / 2) / mpmath.sqrt(mpmath.pi)


def _k_at_one_float(a: float) -> float:
    return math.exp((a - 1) * math.log(2) + math.lgamma(a + 0.5) - 0.5 * math.log(math.pi))


def _sympy_number(alpha: object) -> sympy.Expr:
    """Exact SymPy value of ``alpha`` (str and Fraction exact, floats as their binary value).

    Text goes through the strict number grammar of :func:`asymptote._validate.parse_number`,
    never through SymPy's parser; SymPy expressions (symbols included) are kept as given.
    """
    if isinstance(alpha, sympy.Basic):
        if not isinstance(alpha, sympy.Expr):
            raise TypeError(f"alpha must be a real number or SymPy expression, got {alpha!r}")
        return alpha
    try:
        frac = to_fraction(alpha, "alpha")
    except (TypeError, ValueError) as exc:
        text_not_number = isinstance(alpha, str) and not is_number_text(alpha)
        if isinstance(exc, ValueError) and not text_not_number:
            raise  # a number out of range (1e99999, nan, inf): the message names alpha
        raise TypeError(f"alpha must be a real number or SymPy expression, got {alpha!r}") from None
    return sympy.Rational(frac.numerator, frac.denominator)


# ----------------------------------------------------------------------------------------------
# V and W transforms, normalized kernel and its slope
# ----------------------------------------------------------------------------------------------


def second_moment_coefficient(alpha: object) -> sympy.Expr:
    r"""Exact :math:`c_\alpha` in :math:`\mathcal{V}\phi_\alpha(q) = c_\alpha q^\alpha`.

    Parameters
    ----------
    alpha : real or SymPy expression
        Exponent, :math:`\alpha > -1/2` (checked when numeric).

    Returns
    -------
    sympy.Expr
        :math:`c_\alpha = 2^{\alpha-1}\Gamma(\alpha+\tfrac12)/\sqrt\pi`.

    Raises
    ------
    ValueError
        Numeric ``alpha <= -1/2`` (the second moment diverges).

    Notes
    -----
    :math:`E[(z_+)^{2\alpha}] = \tfrac12 E|z|^{2\alpha}` (DLMF 5.9.1); [YS17]_ Sec. 5.2 and
    App. B.2 (the constant of the :math:`\alpha`-ReLU length recurrence).

    Examples
    --------
    >>> second_moment_coefficient(1)
    1/2
    """
    a = _sympy_number(alpha)
    if a.is_number and not bool(a > sympy.Rational(-1, 2)):
        raise ValueError(f"alpha must be > -1/2, got alpha={alpha!r}")
    return sympy.simplify(
        2 ** (a - 1) * sympy.gamma(a + sympy.Rational(1, 2)) / sympy.sqrt(sympy.pi)
    )


@overload
def normalized_kernel(alpha: object, c: object, *, dps: None = None) -> Any: ...
@overload
def normalized_kernel(alpha: object, c: object, *, dps: int) -> mpmath.mpf: ...


def normalized_kernel(alpha: object, c: object, *, dps: int | None = None) -> Any:
    r"""Normalized alpha-ReLU kernel :math:`J_\alpha(c) = k_\alpha(c)/k_\alpha(1)`.

    Parameters
    ----------
    alpha : real
        Exponent, :math:`\alpha > -1/2`.
    c : real or array_like (``dps=None``) / real or str (``dps=int``)
        Correlation(s) in :math:`[-1, 1]`.
    dps : int or None
        ``None``: vectorized float64; ``int``: mpmath at that many digits.

    Returns
    -------
    float or ndarray or mpf
        :math:`J_\alpha(c)`; ``J(1) = 1``, ``J(-1) = 0``.

    Raises
    ------
    ValueError
        ``alpha <= -1/2`` or ``c`` outside :math:`[-1, 1]`.

    Notes
    -----
    .. math::

        J_\alpha(c) = \frac{\sqrt\pi}{2\Gamma(\alpha+\frac12)}\Big[
          \Gamma(\tfrac{\alpha+1}{2})^2\,{}_2F_1(-\tfrac\alpha2, -\tfrac\alpha2; \tfrac12; c^2)
          + 2c\,\Gamma(\tfrac\alpha2+1)^2\,{}_2F_1(\tfrac{1-\alpha}2, \tfrac{1-\alpha}2;
          \tfrac32; c^2)\Big]

    ([YS17]_ App. C.7.1 defines :math:`J_\alpha` through :math:`\mathcal{W}\phi =
    \mathcal{V}\phi\, J_\alpha`; the hypergeometric form and its cancellation-free variants
    are in :mod:`asymptote.numeric.arccos_kernels`). For integer :math:`n`,
    :math:`J_n(c) = \mathrm{J}^{CS}_n(\theta)/(2\pi k_n(1))`, :math:`\theta = \arccos c`,
    with the angular functions of [CS09]_ eq. (4)-(5).

    Examples
    --------
    >>> round(float(normalized_kernel(1, 0.0)), 12)   # 1/pi for ReLU
    0.318309886184
    >>> import mpmath
    >>> mpmath.nstr(normalized_kernel(1, 0, dps=20), 18)  # 18 of the 20 digits
    '0.318309886183790672'
    """
    if dps is None:
        a = _check_alpha_float(alpha)
        arr = np.asarray(c, dtype=float)
        out = arccos_kernel_np(a, arr) / _k_at_one_float(a)
        return float(out) if out.ndim == 0 else out
    digits = check_dps(dps)
    with workdps(digits):
        a = to_mpf(alpha, "alpha")
        x = to_mpf(c, "c")
        value = arccos_kernel_mp(a, x) / _k_at_one_mp(a)
    return round_mpf(value, digits)


@overload
def normalized_kernel_slope(alpha: object, c: object, *, dps: None = None) -> Any: ...
@overload
def normalized_kernel_slope(alpha: object, c: object, *, dps: int) -> mpmath.mpf: ...


def normalized_kernel_slope(alpha: object, c: object, *, dps: int | None = None) -> Any:
    r"""Slope :math:`J_\alpha'(c) = \alpha^2 k_{\alpha-1}(c)/k_\alpha(1)` of the normalized kernel.

    Parameters
    ----------
    alpha : real
        Exponent, :math:`\alpha \ge 0`.
    c : real or array_like
        Correlation(s) in :math:`[-1, 1]`.
    dps : int or None
        ``None``: vectorized float64; ``int``: mpmath at that many digits.

    Returns
    -------
    float or ndarray or mpf

    Raises
    ------
    ValueError
        ``alpha < 0``, ``c`` out of range, or the slope is infinite (``c = 1`` with
        :math:`\alpha \le 1/2`; ``c = -1`` with :math:`\alpha < 1/2`).

    Notes
    -----
    Price's theorem [P58]: :math:`k_\alpha' = E[\phi_\alpha'(X)\phi_\alpha'(Y)]`. At
    :math:`c = 1`: :math:`J_\alpha'(1) = \alpha^2/(2\alpha-1)` for :math:`\alpha > 1/2`
    (:func:`kernel_slope_at_one`).

    Examples
    --------
    >>> round(float(normalized_kernel_slope(1, 0.0)), 12)   # 1/2 for ReLU
    0.5
    """
    if dps is None:
        a = _check_alpha_float(alpha, lower=-1e-300)
        arr = np.asarray(c, dtype=float)
        out = arccos_kernel_np(a, arr, derivative=True) / _k_at_one_float(a)
        return float(out) if out.ndim == 0 else out
    digits = check_dps(dps)
    with workdps(digits):
        a = to_mpf(alpha, "alpha")
        x = to_mpf(c, "c")
        value = arccos_kernel_mp(a, x, derivative=True) / _k_at_one_mp(a)
    return round_mpf(value, digits)


# ----------------------------------------------------------------------------------------------
# expansion at c = 1
# ----------------------------------------------------------------------------------------------


def kernel_slope_at_one(alpha: object) -> sympy.Expr:
    r"""Exact :math:`J_\alpha'(1) = \alpha^2/(2\alpha - 1)` (finite for :math:`\alpha > 1/2`).

    Parameters
    ----------
    alpha : real or SymPy expression
        Exponent; numeric values must satisfy :math:`\alpha > 1/2`.

    Returns
    -------
    sympy.Expr

    Raises
    ------
    ValueError
        Numeric :math:`\alpha \le 1/2`: the slope is infinite
        (:math:`1 - J_\alpha(c) \sim S_\alpha (1-c)^{\alpha+1/2}` instead).

    Notes
    -----
    :math:`J_\alpha'(1) = \alpha^2 E[z_+^{2\alpha-2}]/E[z_+^{2\alpha}] =
    \alpha^2\Gamma(\alpha-\frac12)/(2\Gamma(\alpha+\frac12))` ([YS17]_ App. C.7.1 uses it to
    show that :math:`c = 1` repels for :math:`\alpha \ne 1`: :math:`\alpha^2/(2\alpha-1) - 1
    = (\alpha-1)^2/(2\alpha-1) > 0`).

    Examples
    --------
    >>> kernel_slope_at_one(1), kernel_slope_at_one("3/4")
    (1, 9/8)
    """
    a = _sympy_number(alpha)
    if a.is_number and not bool(a > sympy.Rational(1, 2)):
        raise ValueError(
            f"alpha must be > 1/2 for a finite slope J'(1) (it is infinite for alpha <= 1/2), "
            f"got alpha={alpha!r}"
        )
    return sympy.simplify(a**2 / (2 * a - 1))


@dataclass(frozen=True)
class KernelExpansionAtOne:
    r"""Expansion of :math:`J_\alpha` at :math:`c = 1` in :math:`w = 1 - c`.

    :math:`J_\alpha(1 - w) = \sum_{n} a_n w^n + w^{\alpha+1/2}\sum_n b_n w^n` (convergent
    for :math:`0 \le w < 2`).

    Attributes
    ----------
    alpha : sympy.Expr
    exponent : sympy.Expr
        :math:`\alpha + 1/2`, the exponent of the singular part.
    regular : tuple of sympy.Expr
        :math:`a_0 = 1, a_1 = -\alpha^2/(2\alpha-1), \dots`
    singular : tuple of sympy.Expr
        :math:`b_0 = S_\alpha, b_1, \dots`
    """

    alpha: sympy.Expr
    exponent: sympy.Expr
    regular: tuple[sympy.Expr, ...]
    singular: tuple[sympy.Expr, ...]

    def evaluate(self, w: object, *, dps: int) -> mpmath.mpf:
        """Truncated expansion at ``w = 1 - c`` in mpmath (numeric ``alpha`` only)."""
        digits = check_dps(dps)
        with workdps(digits):
            x = to_mpf(w, "w")
            if x < 0:
                raise ValueError(f"w = 1 - c must be >= 0, got w={w!r}")
            reg = sum(
                (mpmath.mpf(sympy.N(t, digits + 20)) * x**n for n, t in enumerate(self.regular)),
                mpmath.mpf(0),
            )
            sing = sum(
                (mpmath.mpf(sympy.N(t, digits + 20)) * x**n for n, t in enumerate(self.singular)),
                mpmath.mpf(0),
            )
            value = reg + mpmath.power(x, mpmath.mpf(sympy.N(self.exponent, digits + 20))) * sing
        return round_mpf(value, digits)


def kernel_expansion_at_one(alpha: object, order: int = 3) -> KernelExpansionAtOne:
    r"""Exact coefficients of :math:`J_\alpha(1-w)` up to :math:`w^{\mathrm{order}}` in each part.

    Parameters
    ----------
    alpha : real or SymPy expression
        Exponent, :math:`\alpha > -1/2` with :math:`\alpha + 1/2 \notin \mathbb{Z}`
        (there the two parts merge and logarithms appear).
    order : int
        Highest power :math:`n` kept in both sums (``>= 0``).

    Returns
    -------
    KernelExpansionAtOne

    Raises
    ------
    ValueError
        ``alpha`` out of range or half-integer, ``order < 0``.

    Notes
    -----
    Derived here from the form :math:`k_\alpha(c) \propto (1-c^2)^{\alpha+1/2}
    {}_2F_1(\alpha+1, \alpha+1; \alpha+\frac32; \frac{1+c}{2})` (DLMF 15.8.27) and the
    :math:`z \to 1-z` connection formula (DLMF 15.8.4):

    .. math::

        J_\alpha(1-w) = (1-\tfrac w2)^{\alpha+\frac12}\,
            {}_2F_1(\tfrac12, \tfrac12; \tfrac12-\alpha; \tfrac w2)
          + S_\alpha\, w^{\alpha+\frac12}(1-\tfrac w2)^{\alpha+\frac12}\,
            {}_2F_1(\alpha+1, \alpha+1; \alpha+\tfrac32; \tfrac w2),

    .. math::

        S_\alpha = \frac{\Gamma(\alpha+1)^2\,\Gamma(-\alpha-\frac12)}
                        {2^{\alpha+\frac12}\,\pi\,\Gamma(\alpha+\frac12)}.

    So :math:`1 - J_\alpha(c) \sim -S_\alpha(1-c)^{\alpha+1/2}` for
    :math:`-1/2 < \alpha < 1/2` and :math:`1 - J_\alpha(c) \sim
    \frac{\alpha^2}{2\alpha-1}(1-c)` for :math:`\alpha > 1/2`; for ReLU
    :math:`J_1(c) = c + \frac{2\sqrt2}{3\pi}(1-c)^{3/2} + O((1-c)^2)`, the constant behind
    the :math:`l^{-2}` law ([YS17]_ Sec. 5.2, App. B.2.1).

    Examples
    --------
    >>> e = kernel_expansion_at_one(1, order=1)
    >>> e.regular, e.singular[0]
    ((1, -1), 2*sqrt(2)/(3*pi))
    """
    if isinstance(order, bool) or not isinstance(order, int) or order < 0:
        raise ValueError(f"order must be an int >= 0, got order={order!r}")
    a = _sympy_number(alpha)
    half = sympy.Rational(1, 2)
    if a.is_number:
        if not bool(a > -half):
            raise ValueError(f"alpha must be > -1/2, got alpha={alpha!r}")
        if (a + half).is_integer:
            raise ValueError(
                f"alpha + 1/2 must not be an integer (logarithmic case), got alpha={alpha!r}"
            )
    s = a + half

    def binom_coeff(m: int) -> sympy.Expr:
        # coefficient of w^m in (1 - w/2)^s
        return sympy.binomial(s, m) * (-half) ** m

    def hyp_coeff(p: sympy.Expr, q: sympy.Expr, k: int) -> sympy.Expr:
        return sympy.rf(p, k) ** 2 / (sympy.rf(q, k) * sympy.factorial(k)) * half**k

    regular = []
    singular = []
    big_s = (
        sympy.gamma(a + 1) ** 2
        * sympy.gamma(-a - half)
        / (2 ** (a + half) * sympy.pi * sympy.gamma(a + half))
    )
    for n in range(order + 1):
        reg = sum(binom_coeff(n - k) * hyp_coeff(half, half - a, k) for k in range(n + 1))
        sing = sum(binom_coeff(n - k) * hyp_coeff(a + 1, a + 1 + half, k) for k in range(n + 1))
        regular.append(sympy.simplify(sympy.expand_func(sympy.combsimp(reg))))
        singular.append(sympy.simplify(sympy.gammasimp(big_s * sing)))
    return KernelExpansionAtOne(a, s, tuple(regular), tuple(singular))


# ----------------------------------------------------------------------------------------------
# fixed point of the residual cosine-distance dynamics and the rates
# ----------------------------------------------------------------------------------------------


def _fixed_point_mp(a: Any, digits: int) -> Any:
    """Root of J(e) = e in (0, 1), working precision ``digits`` + guard (already set)."""
    k1 = _k_at_one_mp(a)

    def gap(e: Any) -> Any:
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


def cosine_fixed_point(alpha: object, *, dps: int | None = None) -> Any:
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
    reduced and full residual networks' cosine distance ([YS17]_ Sec. 5.2, "the nonunit
    fixed point of :math:`J_\alpha`"; module docstring for the derivation).

    Examples
    --------
    >>> round(cosine_fixed_point(0.5), 10)
    0.9705216283
    """
    if dps is None:
        a_float = _check_alpha_float(alpha)
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


def cosine_convergence_exponent(alpha: object, *, dps: int | None = None) -> Any:
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
    :math:`e^*` gives :math:`e - e^* \propto l^{-(1-J_\alpha'(e^*))/(1-\alpha)}`, for both
    resnets and every :math:`\sigma_w, \sigma_b` (and :math:`\sigma_v, \sigma_a` when
    :math:`\alpha > 0`): [YS17]_ Sec. 5.2 / App. B.2.1 state the law with a
    variance-independent exponent.

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
        slope = arccos_kernel_mp(a, e_star, derivative=True) / _k_at_one_mp(a)
        mu = (1 - slope) / (1 - a)
    return round_mpf(mu, digits)


@overload
def relu_cosine_distance_constant(
    sigma_w: object, *, sigma_v: object | None = None, dps: None = None
) -> float: ...
@overload
def relu_cosine_distance_constant(
    sigma_w: object, *, sigma_v: object | None = None, dps: int
) -> mpmath.mpf: ...


def relu_cosine_distance_constant(
    sigma_w: object, *, sigma_v: object | None = None, dps: int | None = None
) -> Any:
    r"""Constant :math:`C` of :math:`1 - e^l \sim C\,l^{-2}` for ReLU resnets.

    Parameters
    ----------
    sigma_w : real
        Weight standard deviation, :math:`> 0`.
    sigma_v : real or None
        ``None``: reduced resnet; otherwise the full resnet's output-weight standard
        deviation, :math:`> 0`. The biases :math:`\sigma_b, \sigma_a` do not enter.
    dps : int or None

    Returns
    -------
    float or mpf
        :math:`C = 9\pi^2/(2r^2)`, :math:`r = s/(1+s)`, :math:`s = \sigma_w^2/2` (reduced) or
        :math:`\sigma_v^2\sigma_w^2/2` (full).

    Raises
    ------
    ValueError
        Non-positive standard deviation.

    Notes
    -----
    With :math:`\varepsilon = 1-e`, the exact ReLU step (:math:`\sigma_b = 0`) is
    :math:`\varepsilon^l = \varepsilon^{l-1} - r\,(J_1(1-\varepsilon^{l-1}) - 1 +
    \varepsilon^{l-1})` and :math:`J_1(1-\varepsilon) - 1 + \varepsilon =
    \frac{2\sqrt2}{3\pi}\varepsilon^{3/2} + O(\varepsilon^2)` (:func:`kernel_expansion_at_one`),
    so :math:`\varepsilon^l \sim 4/(r b_0 l)^2`. Biases add :math:`O(1/p^l)`, exponentially
    small since :math:`p^l` grows like :math:`(1+s)^l` ([YS17]_ Sec. 5.2: "converges to 1 as
    :math:`l^{-2}` with a constant depending on :math:`\sigma_v, \sigma_w` only").

    Examples
    --------
    >>> round(relu_cosine_distance_constant(1.0), 6)   # s = 1/2, r = 1/3
    399.718978
    """
    digits = _FIXED_POINT_FLOAT_DPS if dps is None else check_dps(dps)
    with workdps(digits):
        w = to_mpf(sigma_w, "sigma_w")
        if not w > 0:
            raise ValueError(f"sigma_w must be > 0, got sigma_w={sigma_w!r}")
        s = w * w / 2
        if sigma_v is not None:
            v = to_mpf(sigma_v, "sigma_v")
            if not v > 0:
                raise ValueError(f"sigma_v must be > 0, got sigma_v={sigma_v!r}")
            s = s * v * v
        r = s / (1 + s)
        value = 9 * mpmath.pi**2 / (2 * r * r)
    return float(value) if dps is None else round_mpf(value, digits)


# ----------------------------------------------------------------------------------------------
# Bessel K_0 integrals
# ----------------------------------------------------------------------------------------------


@lru_cache(maxsize=200_000)
def _exp_k0_cached(v: mpmath.mpf, prec: int) -> mpmath.mpf:
    with mpmath.workprec(prec):
        return _exp_k0(v)


def _exp_k0(v: Any) -> Any:
    r""":math:`e^v K_0(v)` for :math:`v > 0` at the working precision.

    Large :math:`v` (:math:`e^{-2v}` below the working precision): the asymptotic series
    DLMF 10.40.2, truncated at its smallest term. Otherwise the convergent series DLMF
    10.31.2, :math:`K_0 = -(\ln\frac v2 + \gamma)I_0(v) + \sum_{k\ge1} H_k
    \frac{(v^2/4)^k}{(k!)^2}`, at :math:`0.87 v` extra digits (its terms reach
    :math:`e^{v}` while the sum is :math:`e^{-v}`), summed in fixed-point integers (every
    term is positive; each truncation costs at most one unit of :math:`2^{-\mathrm{bits}}`
    per term, far below the guard bits). ``mpmath.besselk`` agrees but is much slower at
    60+ digits for :math:`10 < v < 100`.
    """
    digits = mpmath.mp.dps
    if v > mpmath.mpf(1.2) * (digits + 5):
        with mpmath.workdps(digits + 5):
            z = 1 / (8 * v)
            term = mpmath.mpf(1)
            total = term
            eps = mpmath.mpf(10) ** (-(digits + 5))
            k = 0
            while abs(term) >= eps * abs(total):
                k += 1
                term = -term * (2 * k - 1) ** 2 * z / k
                total += term
            return mpmath.sqrt(mpmath.pi / (2 * v)) * total
    extra = int(float(v) * 0.8686) + 10
    with mpmath.workdps(digits + extra):
        bits = mpmath.mp.prec + 8
        x = +v
        # fixed-point (integer) summation of I_0 and of sum H_k t_k, t_k = (x^2/4)^k/(k!)^2
        one = 1 << bits
        y = int(mpmath.floor(mpmath.ldexp(x * x / 4, bits)))
        term = one
        i0 = one
        tail = 0
        harmonic = 0
        k = 0
        while term:
            k += 1
            term = ((term * y) >> bits) // (k * k)
            harmonic += one // k
            i0 += term
            tail += (harmonic * term) >> bits
        i0_value = mpmath.ldexp(mpmath.mpf(i0), -bits)
        tail_value = mpmath.ldexp(mpmath.mpf(tail), -bits)
        return mpmath.exp(x) * (tail_value - (mpmath.log(x / 2) + mpmath.euler) * i0_value)


def _bessel_integral_k0_quadrature(a: Any, c: Any) -> Any:
    r""":math:`\int_0^\infty v^\alpha e^{cv}K_0(v)\,dv` by tanh-sinh in :math:`v` (working precision).

    Breakpoints depend on ``c`` only through how far the geometric grid extends, so the
    nodes, and the cached :math:`e^vK_0(v)` values, are shared between calls.
    """
    rate = 1 - c
    prec = mpmath.mp.prec
    points = [mpmath.mpf(1), mpmath.mpf(4)]
    while points[-1] * rate < 4:
        points.append(points[-1] * 4)
    points.append(mpmath.inf)

    def integrand(v: Any) -> Any:
        return mpmath.power(v, a) * mpmath.exp(-rate * v) * _exp_k0_cached(v, prec)

    # [0, 1]: v = u^(1/(alpha+1)) absorbs v^alpha dv = du/(alpha+1); only the logarithm
    # of K_0 is left at u = 0, which tanh-sinh integrates at full speed.
    power = 1 / (a + 1)

    def head(u: Any) -> Any:
        if u == 0:
            return mpmath.mpf(0)
        v = mpmath.power(u, power)
        return mpmath.exp(-rate * v) * _exp_k0_cached(v, prec)

    value_head, err_head = mpmath.quad(head, [0, 1], error=True)
    _check_quadrature(value_head, err_head, "K_0 Laplace integral near 0")
    value, err = mpmath.quad(integrand, points, error=True)
    _check_quadrature(value, err, "K_0 Laplace integral")
    return value_head * power + value


def _bessel_integral_hyperbolic(a: Any, c: Any) -> Any:
    r""":math:`\Gamma(\alpha+1)\int_0^\infty (\cosh t - c)^{-\alpha-1}dt` (working precision)."""
    gap = 1 - c

    def integrand(t: Any) -> Any:
        return mpmath.power(gap + 2 * mpmath.sinh(t / 2) ** 2, -a - 1)

    width = mpmath.sqrt(gap)
    points = [mpmath.mpf(0)]
    if width < 1:
        points.append(width)
    points += [mpmath.mpf(2), mpmath.inf]
    value, err = mpmath.quad(integrand, points, error=True)
    _check_quadrature(value, err, "hyperbolic integral")
    return mpmath.gamma(a + 1) * value


def _bessel_integral_closed_form(a: Any, c: Any) -> Any:
    r"""Gradshteyn-Ryzhik 6.621.3 at :math:`\nu = 0`, :math:`\beta = 1`, exponent :math:`-c`."""
    return (
        mpmath.sqrt(mpmath.pi)
        * mpmath.gamma(a + 1) ** 2
        / (mpmath.gamma(a + mpmath.mpf(3) / 2) * mpmath.power(1 - c, a + 1))
        * mpmath.hyp2f1(a + 1, mpmath.mpf(1) / 2, a + mpmath.mpf(3) / 2, -(1 + c) / (1 - c))
    )


def _check_quadrature(value: Any, err: Any, what: str) -> None:
    tol = mpmath.mpf(10) ** (-(mpmath.mp.dps - 8)) * max(abs(value), mpmath.mpf(1))
    if not err <= tol:
        raise ConvergenceError(f"{what} did not converge", residual=err)


def _check_bessel_args(a: Any, c: Any, alpha_lower: Any = -1) -> None:
    if not a > alpha_lower:
        raise ValueError(f"alpha must be > {alpha_lower}, got alpha={a}")
    if not -1 < c < 1:
        raise ValueError(f"c must satisfy -1 < c < 1, got c={c}")


def bessel_laplace_integral(
    alpha: object, c: object, *, dps: int, method: str = "hypergeometric"
) -> mpmath.mpf:
    r"""The integral :math:`I_\alpha(c) = \int_0^\infty v^\alpha e^{cv} K_0(v)\,dv`.

    Parameters
    ----------
    alpha : real
        :math:`\alpha > -1`.
    c : real or str
        :math:`-1 < c < 1`.
    dps : int
        Digits (mpmath).
    method : {"hypergeometric", "quadrature", "hyperbolic"}
        Closed form (Gradshteyn-Ryzhik 6.621.3), tanh-sinh quadrature of the Bessel
        integrand, or quadrature of :math:`\Gamma(\alpha+1)\int_0^\infty(\cosh t - c)^{-\alpha-1}dt`.

    Returns
    -------
    mpf

    Raises
    ------
    ValueError
        Arguments out of range or unknown ``method``.
    ConvergenceError
        A quadrature's error estimate exceeds the precision asked.

    Notes
    -----
    .. math::

        I_\alpha(c) = \frac{\sqrt\pi\,\Gamma(\alpha+1)^2}{\Gamma(\alpha+\frac32)(1-c)^{\alpha+1}}
          {}_2F_1\big(\alpha+1, \tfrac12; \alpha+\tfrac32; -\tfrac{1+c}{1-c}\big)
          = \Gamma(\alpha+1)\int_0^\infty \frac{dt}{(\cosh t - c)^{\alpha+1}},

    and :math:`k_\alpha(c) = (1-c^2)^{\alpha+1/2} I_\alpha(c)/(2\pi)` (identity
    ``kernel_bessel_representation`` of :func:`bessel_identities`).

    Examples
    --------
    >>> import mpmath
    >>> x = bessel_laplace_integral(0, 0, dps=20)    # int K_0 = pi/2 (DLMF 10.43.19)
    >>> mpmath.nstr(x, 18)  # 18 of the 20 digits
    '1.57079632679489662'
    """
    digits = check_dps(dps)
    if method not in ("hypergeometric", "quadrature", "hyperbolic"):
        raise ValueError(
            f"method must be 'hypergeometric', 'quadrature' or 'hyperbolic', got {method!r}"
        )
    with workdps(digits):
        a = to_mpf(alpha, "alpha")
        x = to_mpf(c, "c")
        _check_bessel_args(a, x)
        if method == "hypergeometric":
            value = _bessel_integral_closed_form(a, x)
        elif method == "quadrature":
            value = _bessel_integral_k0_quadrature(a, x)
        else:
            value = _bessel_integral_hyperbolic(a, x)
    return round_mpf(value, digits)


# ----------------------------------------------------------------------------------------------
# identities
# ----------------------------------------------------------------------------------------------

Side = Callable[..., Any]


@dataclass(frozen=True)
class BesselIdentity:
    r"""One identity between alpha-ReLU kernels and :math:`K_0`, checkable at any precision.

    Attributes
    ----------
    name : str
    citation : str
        Where it comes from (``[YS17] App. C.7.1`` topic; derivation and DLMF entries).
    latex : str
        The identity.
    parameters : tuple of str
        Names of the keyword arguments of ``lhs`` / ``rhs`` (besides ``dps``).
    domain : str
        Where it holds.
    lhs, rhs : callable
        ``lhs(dps=..., **params) -> mpf``, computed by independent routes.
    sample_points : tuple of dict
        Parameter values (strings, exact) used by the tests.
    symbolic : callable or None
        Returns ``True`` when SymPy proves the identity (on the stated special cases).
    """

    name: str
    citation: str
    latex: str
    parameters: tuple[str, ...]
    domain: str
    lhs: Side
    rhs: Side
    sample_points: tuple[dict[str, str], ...]
    symbolic: Callable[[], bool] | None = field(default=None)

    def relative_difference(self, *, dps: int, **params: object) -> mpmath.mpf:
        """:math:`|\\mathrm{lhs} - \\mathrm{rhs}| / |\\mathrm{rhs}|` with both sides at ``dps`` digits."""
        left = self.lhs(dps=dps, **params)
        right = self.rhs(dps=dps, **params)
        with workdps(dps):
            return abs(left - right) / abs(right)


def _side(body: Callable[..., Any], names: tuple[str, ...]) -> Side:
    def side(*, dps: int, **params: object) -> Any:
        digits = check_dps(dps)
        with workdps(digits):
            values = [to_mpf(params[n], n) for n in names]
            out = body(*values)
        return round_mpf(out, digits)

    return side


def _kernel_closed(a: Any, c: Any) -> Any:
    return arccos_kernel_mp(a, c)


def _sympy_laplace_transform_k0() -> bool:
    r"""SymPy: :math:`\int_0^\infty e^{-pv}K_0(v)dv = \arccos(p)/\sqrt{1-p^2}`, :math:`0<p<1`."""
    v = sympy.Symbol("v", positive=True)
    p = sympy.Symbol("p", positive=True)
    found = sympy.integrate(sympy.exp(-p * v) * sympy.besselk(0, v), (v, 0, sympy.oo))
    found = found.subs(p, sympy.Rational(1, 3))  # Piecewise branch p^2 < 1
    target = sympy.acos(sympy.Rational(1, 3)) / sympy.sqrt(1 - sympy.Rational(1, 9))
    return bool(sympy.simplify(sympy.nsimplify(found) - target) == 0) or bool(
        abs(sympy.N(found - target, 60)) < sympy.Float("1e-55")
    )


def _sympy_mellin_k0() -> bool:
    r"""SymPy: :math:`\int_0^\infty v^\alpha K_0(v)dv = 2^{\alpha-1}\Gamma(\frac{\alpha+1}2)^2`."""
    v = sympy.Symbol("v", positive=True)
    a = sympy.Symbol("alpha", positive=True)
    found = sympy.integrate(v**a * sympy.besselk(0, v), (v, 0, sympy.oo))
    target = 2 ** (a - 1) * sympy.gamma((a + 1) / 2) ** 2
    return bool(sympy.simplify(sympy.powsimp(found / target, force=True)) == 1)


def _cho_saul_angular(n: int, theta: sympy.Symbol) -> sympy.Expr:
    r"""[CS09] eq. (5): :math:`J_n(\theta) = (-1)^n\sin^{2n+1}\theta\,(\frac{1}{\sin\theta}
    \partial_\theta)^n\frac{\pi-\theta}{\sin\theta}`."""
    f: sympy.Expr = (sympy.pi - theta) / sympy.sin(theta)
    for _ in range(n):
        f = sympy.diff(f, theta) / sympy.sin(theta)
    return sympy.simplify((-1) ** n * sympy.sin(theta) ** (2 * n + 1) * f)


def _sympy_cho_saul_ladder() -> bool:
    r"""SymPy: :math:`\partial_c^n[\arccos(-c)/\sqrt{1-c^2}] = J_n(\theta)/\sin^{2n+1}\theta`,
    :math:`c = \cos\theta`, for :math:`n = 1, 2, 3` (explicit CS09 forms for n = 1, 2)."""
    c = sympy.Symbol("c")
    theta = sympy.Symbol("theta", positive=True)
    base = sympy.acos(-c) / sympy.sqrt(1 - c**2)
    explicit = {
        1: sympy.sin(theta) + (sympy.pi - theta) * sympy.cos(theta),
        2: 3 * sympy.sin(theta) * sympy.cos(theta)
        + (sympy.pi - theta) * (1 + 2 * sympy.cos(theta) ** 2),
    }
    for n in (1, 2, 3):
        derived = sympy.diff(base, c, n).subs(c, sympy.cos(theta))
        derived = derived.subs(sympy.acos(-sympy.cos(theta)), sympy.pi - theta)
        target = _cho_saul_angular(n, theta) / sympy.sin(theta) ** (2 * n + 1)
        if n in explicit and sympy.simplify(_cho_saul_angular(n, theta) - explicit[n]) != 0:
            return False
        diff = sympy.simplify(
            (derived - target).subs(sympy.sqrt(1 - sympy.cos(theta) ** 2), sympy.sin(theta))
        )
        if diff != 0:
            # theta in (0, pi): sqrt(sin^2) = sin; check at exact rational angles as fallback
            for t in (sympy.pi / 3, sympy.pi / 5, 2 * sympy.pi / 3):
                if abs(sympy.N((derived - target).subs(theta, t), 50)) > sympy.Float("1e-45"):
                    return False
    return True


def _sympy_three_term() -> bool:
    r"""SymPy: :math:`k_{n+1} = (2n+1)c\,k_n + n^2(1-c^2)k_{n-1}` for n = 1, 2 ([CS09] forms)."""
    theta = sympy.Symbol("theta", positive=True)
    c = sympy.cos(theta)
    k = [_cho_saul_angular(n, theta) / (2 * sympy.pi) for n in range(4)]
    for n in (1, 2):
        diff = k[n + 1] - (2 * n + 1) * c * k[n] - n**2 * (1 - c**2) * k[n - 1]
        if sympy.simplify(sympy.expand_trig(diff)) != 0:
            return False
    return True


def _sympy_ladder() -> bool:
    r"""SymPy: :math:`k_{n+1} = (1-c^2)k_n' + (2n+1)c\,k_n` for n = 0, 1, 2 ([CS09] forms)."""
    c = sympy.Symbol("c")
    theta = sympy.Symbol("theta", positive=True)
    for n in (0, 1, 2):
        k_n = (_cho_saul_angular(n, theta) / (2 * sympy.pi)).subs(theta, sympy.acos(c))
        k_next = (_cho_saul_angular(n + 1, theta) / (2 * sympy.pi)).subs(theta, sympy.acos(c))
        diff = k_next - (1 - c**2) * sympy.diff(k_n, c) - (2 * n + 1) * c * k_n
        if sympy.simplify(diff) != 0:
            for point in (sympy.Rational(1, 3), sympy.Rational(-2, 5)):
                if abs(sympy.N(diff.subs(c, point), 50)) > sympy.Float("1e-45"):
                    return False
    return True


def _sympy_slope_at_zero() -> bool:
    r"""SymPy: :math:`\alpha^2 k_{\alpha-1}(0) = 2^{\alpha-1}\Gamma(\alpha/2+1)^2/\pi`."""
    a = sympy.Symbol("alpha", positive=True)
    k_zero = 2 ** (a - 1) * sympy.gamma(a / 2) ** 2 / (4 * sympy.pi)  # k_{alpha-1}(0)
    return bool(
        sympy.simplify(
            sympy.gammasimp(a**2 * k_zero - 2 ** (a - 1) * sympy.gamma(a / 2 + 1) ** 2 / sympy.pi)
        )
        == 0
    )


def bessel_identities() -> list[BesselIdentity]:
    r"""The identities relating alpha-ReLU kernels to :math:`K_0`, each with two routes.

    Returns
    -------
    list of BesselIdentity
        ``kernel_bessel_representation``, ``bessel_hyperbolic_form``,
        ``bessel_laplace_closed_form``, ``bessel_moment``, ``normalized_kernel_at_zero``,
        ``kernel_slope_at_zero``, ``bessel_laplace_transform_alpha_zero``,
        ``cho_saul_via_bessel``, ``kernel_derivative_ladder``, ``kernel_three_term_recurrence``.

    Notes
    -----
    The appendix of [YS17]_ (Sec. C.7.1) derives "several new identities" for these
    kernels through :math:`K_0`; its statements could not be recovered, so each identity
    here is derived from the definitions and cited to its mathematical source. The basic
    one: in hyperbolic coordinates :math:`x = \sqrt{u}e^{t}, y = \sqrt{u}e^{-t}` of the
    quadrant :math:`x, y > 0` (:math:`dx\,dy = du\,dt`, :math:`x^2+y^2 = 2u\cosh 2t`,
    :math:`xy = u`), the :math:`t`-integral of the bivariate normal density is
    :math:`K_0` (DLMF 10.32.9), giving

    .. math::

        k_\alpha(c) = \frac{(1-c^2)^{\alpha+\frac12}}{2\pi}
            \int_0^\infty v^\alpha e^{cv}K_0(v)\,dv, \qquad |c| < 1.

    The rest follow from it with DLMF 10.43.19 (moments), the Laplace transform of
    :math:`K_0`, :math:`\partial_c I_\alpha = I_{\alpha+1}` and the Bessel equation
    :math:`vK_0'' + K_0' - vK_0 = 0` integrated against :math:`v^\alpha e^{cv}`.

    Examples
    --------
    >>> [i.name for i in bessel_identities()][:2]
    ['kernel_bessel_representation', 'bessel_hyperbolic_form']
    """
    ac = ("alpha", "c")

    def rep_rhs(a: Any, c: Any) -> Any:
        return (
            mpmath.power(1 - c * c, a + mpmath.mpf(1) / 2)
            / (2 * mpmath.pi)
            * _bessel_integral_k0_quadrature(a, c)
        )

    def moment_lhs(a: Any) -> Any:
        return _bessel_integral_k0_quadrature(a, mpmath.mpf(0))

    def moment_rhs(a: Any) -> Any:
        return mpmath.power(2, a - 1) * mpmath.gamma((a + 1) / 2) ** 2

    def j_zero_lhs(a: Any) -> Any:
        return arccos_kernel_quadrature_mp(a, 0) / _k_at_one_mp(a)

    def j_zero_rhs(a: Any) -> Any:
        return mpmath.gamma((a + 1) / 2) ** 2 / (
            2 * mpmath.sqrt(mpmath.pi) * mpmath.gamma(a + mpmath.mpf(1) / 2)
        )

    def slope_zero_lhs(a: Any) -> Any:
        return arccos_kernel_quadrature_mp(a, 0, derivative=True)

    def slope_zero_rhs(a: Any) -> Any:
        return mpmath.power(2, a - 1) * mpmath.gamma(a / 2 + 1) ** 2 / mpmath.pi

    def laplace0_lhs(c: Any) -> Any:
        return _bessel_integral_k0_quadrature(mpmath.mpf(0), c)

    def laplace0_rhs(c: Any) -> Any:
        return mpmath.acos(-c) / mpmath.sqrt((1 - c) * (1 + c))

    def cho_saul_lhs(n: Any, c: Any) -> Any:
        return _bessel_integral_k0_quadrature(n, c)

    def cho_saul_rhs(n: Any, c: Any) -> Any:
        theta = mpmath.acos(c)
        s = mpmath.sin(theta)
        rest = mpmath.pi - theta
        if n == 0:
            angular = rest
        elif n == 1:
            angular = s + rest * c
        elif n == 2:
            angular = 3 * s * c + rest * (1 + 2 * c * c)
        else:
            raise ValueError(f"n must be 0, 1 or 2 for the explicit [CS09] forms, got n={n}")
        return angular / s ** (2 * n + 1)

    def ladder_lhs(a: Any, c: Any) -> Any:
        return arccos_kernel_mp(a + 1, c)

    def ladder_rhs(a: Any, c: Any) -> Any:
        slope = mpmath.diff(lambda x: arccos_kernel_mp(a, x), c)
        return (1 - c * c) * slope + (2 * a + 1) * c * arccos_kernel_mp(a, c)

    def three_lhs(a: Any, c: Any) -> Any:
        return arccos_kernel_quadrature_mp(a + 1, c)

    def three_rhs(a: Any, c: Any) -> Any:
        return (2 * a + 1) * c * arccos_kernel_mp(a, c) + a * a * (1 - c * c) * arccos_kernel_mp(
            a - 1, c
        )

    def hyperbolic_lhs(a: Any, c: Any) -> Any:
        return _bessel_integral_k0_quadrature(a, c)

    def hyperbolic_rhs(a: Any, c: Any) -> Any:
        return _bessel_integral_hyperbolic(a, c)

    def closed_lhs(a: Any, c: Any) -> Any:
        return _bessel_integral_hyperbolic(a, c)

    def closed_rhs(a: Any, c: Any) -> Any:
        return _bessel_integral_closed_form(a, c)

    derived = "derived here; the [YS17] App. C.7.1 statement was not recovered"
    return [
        BesselIdentity(
            name="kernel_bessel_representation",
            citation=f"[YS17] App. C.7.1 (kernel via K_0); {derived}; DLMF 10.32.9",
            latex=r"k_\alpha(c) = \frac{(1-c^2)^{\alpha+1/2}}{2\pi}\int_0^\infty v^\alpha e^{cv}K_0(v)\,dv",
            parameters=ac,
            domain="alpha > -1/2, -1 < c < 1",
            lhs=_side(_kernel_closed, ac),
            rhs=_side(rep_rhs, ac),
            sample_points=(
                {"alpha": "0.3", "c": "0.4"},
                {"alpha": "1.7", "c": "-0.6"},
                {"alpha": "-0.35", "c": "0.9"},
                {"alpha": "0.75", "c": "0.95"},
            ),
        ),
        BesselIdentity(
            name="bessel_hyperbolic_form",
            citation=f"[YS17] App. C.7.1 topic; {derived}; DLMF 10.32.9 and Fubini",
            latex=r"\int_0^\infty v^\alpha e^{cv}K_0(v)\,dv = \Gamma(\alpha+1)\int_0^\infty \frac{dt}{(\cosh t - c)^{\alpha+1}}",
            parameters=ac,
            domain="alpha > -1, -1 < c < 1",
            lhs=_side(hyperbolic_lhs, ac),
            rhs=_side(hyperbolic_rhs, ac),
            sample_points=({"alpha": "0.5", "c": "0.2"}, {"alpha": "2.25", "c": "-0.8"}),
        ),
        BesselIdentity(
            name="bessel_laplace_closed_form",
            citation=(
                "[YS17] App. C.7.1 topic; Gradshteyn-Ryzhik 6.621.3 (nu = 0); equals the "
                "DLMF 15.8.27 form of k_alpha used in asymptote.numeric.arccos_kernels"
            ),
            latex=r"\int_0^\infty v^\alpha e^{cv}K_0(v)\,dv = \frac{\sqrt\pi\,\Gamma(\alpha+1)^2}{\Gamma(\alpha+\frac32)(1-c)^{\alpha+1}}\,{}_2F_1\!\big(\alpha+1,\tfrac12;\alpha+\tfrac32;-\tfrac{1+c}{1-c}\big)",
            parameters=ac,
            domain="alpha > -1, -1 < c < 1",
            lhs=_side(closed_lhs, ac),
            rhs=_side(closed_rhs, ac),
            sample_points=(
                {"alpha": "0.3", "c": "0.7"},
                {"alpha": "-0.6", "c": "-0.3"},
                {"alpha": "3.5", "c": "0.1"},
            ),
        ),
        BesselIdentity(
            name="bessel_moment",
            citation="[YS17] App. C.7.1 topic; DLMF 10.43.19 with nu = 0",
            latex=r"\int_0^\infty v^\alpha K_0(v)\,dv = 2^{\alpha-1}\Gamma\big(\tfrac{\alpha+1}{2}\big)^2",
            parameters=("alpha",),
            domain="alpha > -1",
            lhs=_side(moment_lhs, ("alpha",)),
            rhs=_side(moment_rhs, ("alpha",)),
            sample_points=({"alpha": "0.5"}, {"alpha": "-0.7"}, {"alpha": "2.3"}),
            symbolic=_sympy_mellin_k0,
        ),
        BesselIdentity(
            name="normalized_kernel_at_zero",
            citation=f"[YS17] App. C.7.1 topic; {derived}; representation at c = 0 + DLMF 10.43.19",
            latex=r"J_\alpha(0) = \frac{\Gamma(\frac{\alpha+1}{2})^2}{2\sqrt\pi\,\Gamma(\alpha+\frac12)}",
            parameters=("alpha",),
            domain="alpha > -1/2",
            lhs=_side(j_zero_lhs, ("alpha",)),
            rhs=_side(j_zero_rhs, ("alpha",)),
            sample_points=({"alpha": "0.5"}, {"alpha": "-0.25"}, {"alpha": "1.5"}),
        ),
        BesselIdentity(
            name="kernel_slope_at_zero",
            citation=f"[YS17] App. C.7.1 topic; {derived}; d/dc of the representation at c = 0",
            latex=r"k_\alpha'(0) = \alpha^2 k_{\alpha-1}(0) = \frac{2^{\alpha-1}\Gamma(\frac\alpha2+1)^2}{\pi}",
            parameters=("alpha",),
            domain="alpha >= 0",
            lhs=_side(slope_zero_lhs, ("alpha",)),
            rhs=_side(slope_zero_rhs, ("alpha",)),
            sample_points=({"alpha": "0.4"}, {"alpha": "1.3"}),
            symbolic=_sympy_slope_at_zero,
        ),
        BesselIdentity(
            name="bessel_laplace_transform_alpha_zero",
            citation="[YS17] App. C.7.1 topic; Laplace transform of K_0 (Gradshteyn-Ryzhik 6.611.3)",
            latex=r"\int_0^\infty e^{cv}K_0(v)\,dv = \frac{\arccos(-c)}{\sqrt{1-c^2}}, \text{ so } k_0(c) = \frac{\pi - \arccos c}{2\pi}",
            parameters=("c",),
            domain="-1 < c < 1",
            lhs=_side(laplace0_lhs, ("c",)),
            rhs=_side(laplace0_rhs, ("c",)),
            sample_points=({"c": "0.3"}, {"c": "-0.9"}),
            symbolic=_sympy_laplace_transform_k0,
        ),
        BesselIdentity(
            name="cho_saul_via_bessel",
            citation=f"[YS17] App. C.7.1 topic; {derived}; [CS09] eq. (4)-(5)",
            latex=r"\int_0^\infty v^n e^{v\cos\theta}K_0(v)\,dv = \frac{J_n(\theta)}{\sin^{2n+1}\theta} = \partial_c^n\frac{\arccos(-c)}{\sqrt{1-c^2}}\Big|_{c=\cos\theta}",
            parameters=("n", "c"),
            domain="integer n >= 0, -1 < c = cos(theta) < 1 (explicit check n <= 2)",
            lhs=_side(cho_saul_lhs, ("n", "c")),
            rhs=_side(cho_saul_rhs, ("n", "c")),
            sample_points=({"n": "1", "c": "0.5"}, {"n": "2", "c": "-0.4"}, {"n": "0", "c": "0.8"}),
            symbolic=_sympy_cho_saul_ladder,
        ),
        BesselIdentity(
            name="kernel_derivative_ladder",
            citation=f"[YS17] App. C.7.1 topic; {derived}; from d/dc I_alpha = I_(alpha+1)",
            latex=r"k_{\alpha+1}(c) = (1-c^2)\,k_\alpha'(c) + (2\alpha+1)\,c\,k_\alpha(c)",
            parameters=ac,
            domain="alpha > -1/2, -1 < c < 1",
            lhs=_side(ladder_lhs, ac),
            rhs=_side(ladder_rhs, ac),
            sample_points=({"alpha": "0.3", "c": "0.45"}, {"alpha": "-0.2", "c": "-0.5"}),
            symbolic=_sympy_ladder,
        ),
        BesselIdentity(
            name="kernel_three_term_recurrence",
            citation=f"[YS17] App. C.7.1 topic; {derived}; Bessel equation v K_0'' + K_0' = v K_0",
            latex=r"k_{\alpha+1}(c) = (2\alpha+1)\,c\,k_\alpha(c) + \alpha^2(1-c^2)\,k_{\alpha-1}(c)",
            parameters=ac,
            domain="holds for alpha > 0, -1 < c < 1; checked for alpha > 1/2 (k_(alpha-1) by the closed form)",
            lhs=_side(three_lhs, ac),
            rhs=_side(three_rhs, ac),
            sample_points=({"alpha": "0.8", "c": "0.3"}, {"alpha": "1.6", "c": "-0.7"}),
            symbolic=_sympy_three_term,
        ),
    ]
