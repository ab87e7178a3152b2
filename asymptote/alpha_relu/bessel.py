r"""Bessel :math:`K_0` integrals of alpha-ReLU kernels.

The appendix of [YS17]_ (Sec. C.7.1) relates the alpha-ReLU kernels to :math:`K_0`. Here:
:math:`e^vK_0(v)` at any precision (:func:`exp_k0`), and
:math:`I_\alpha(c) = \int_0^\infty v^\alpha e^{cv}K_0(v)\,dv` by three routes
(:func:`bessel_laplace_integral`; the working-precision routes
:func:`k0_laplace_quadrature`, :func:`k0_laplace_hyperbolic`, :func:`k0_laplace_closed_form`).
The identities relating them to the kernels are claims, checked in
``proofs/_bessel_identities.py`` (claims ``YS17/bessel/*``).

References
----------
.. [YS17] G. Yang and S. S. Schoenholz, Mean field residual networks: on the edge of chaos,
   NeurIPS 2017, arXiv:1712.08969 (Sec. 5.2; App. C.7.1).
.. [CS09] Y. Cho and L. K. Saul, Kernel methods for deep learning, NeurIPS 2009, eq. (4)-(7).
.. [DLMF] NIST DLMF, 10.32.9 (integral representation of :math:`K_\nu`), 10.31.2 (series),
   10.40.2 (asymptotic expansion), 10.43.19 (Mellin moments), 15.8.4 and 15.8.27.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import mpmath

from .._precision import check_dps, round_mpf, to_mpf, workdps
from ..errors import ConvergenceError

__all__ = [
    "bessel_laplace_integral",
    "exp_k0",
    "k0_laplace_closed_form",
    "k0_laplace_hyperbolic",
    "k0_laplace_quadrature",
]


@lru_cache(maxsize=200_000)
def _exp_k0_cached(v: mpmath.mpf, prec: int) -> mpmath.mpf:
    with mpmath.workprec(prec):
        return exp_k0(v)


def exp_k0(v: mpmath.mpf) -> mpmath.mpf:
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


def k0_laplace_quadrature(a: mpmath.mpf, c: mpmath.mpf) -> mpmath.mpf:
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

    def integrand(v: mpmath.mpf) -> mpmath.mpf:
        return mpmath.power(v, a) * mpmath.exp(-rate * v) * _exp_k0_cached(v, prec)

    # [0, 1]: v = u^(1/(alpha+1)) absorbs v^alpha dv = du/(alpha+1); only the logarithm
    # of K_0 is left at u = 0, which tanh-sinh integrates at full speed.
    power = 1 / (a + 1)

    def head(u: mpmath.mpf) -> mpmath.mpf:
        if u == 0:
            return mpmath.mpf(0)
        v = mpmath.power(u, power)
        return mpmath.exp(-rate * v) * _exp_k0_cached(v, prec)

    value_head, err_head = mpmath.quad(head, [0, 1], error=True)
    _check_quadrature(value_head, err_head, "K_0 Laplace integral near 0")
    value, err = mpmath.quad(integrand, points, error=True)
    _check_quadrature(value, err, "K_0 Laplace integral")
    return value_head * power + value


def k0_laplace_hyperbolic(a: mpmath.mpf, c: mpmath.mpf) -> mpmath.mpf:
    r""":math:`\Gamma(\alpha+1)\int_0^\infty (\cosh t - c)^{-\alpha-1}dt` (working precision)."""
    gap = 1 - c

    def integrand(t: mpmath.mpf) -> mpmath.mpf:
        return mpmath.power(gap + 2 * mpmath.sinh(t / 2) ** 2, -a - 1)

    width = mpmath.sqrt(gap)
    points = [mpmath.mpf(0)]
    if width < 1:
        points.append(width)
    points += [mpmath.mpf(2), mpmath.inf]
    value, err = mpmath.quad(integrand, points, error=True)
    _check_quadrature(value, err, "hyperbolic integral")
    return mpmath.gamma(a + 1) * value


def k0_laplace_closed_form(a: mpmath.mpf, c: mpmath.mpf) -> mpmath.mpf:
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
    ``kernel_bessel_representation``, a claim checked in ``proofs/_bessel_identities.py``).

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
            value = k0_laplace_closed_form(a, x)
        elif method == "quadrature":
            value = k0_laplace_quadrature(a, x)
        else:
            value = k0_laplace_hyperbolic(a, x)
    return round_mpf(value, digits)
