r"""Arc-cosine (alpha-ReLU) kernels at arbitrary precision and in float64.

For real :math:`\alpha > -\tfrac12` let :math:`\phi_\alpha(x) = x^\alpha` for :math:`x > 0` and
:math:`\phi_\alpha(x) = 0` for :math:`x \le 0` (:math:`\alpha = 0`: step, :math:`\alpha = 1`:
ReLU). For :math:`(X, Y)` standard bivariate normal with correlation :math:`c \in [-1, 1]`
the *normalized arc-cosine kernel* and its *derivative kernel* are

.. math::

    k_\alpha(c) = E[\phi_\alpha(X)\,\phi_\alpha(Y)], \qquad
    \dot k_\alpha(c) = E[\phi_\alpha'(X)\,\phi_\alpha'(Y)] = \alpha^2 k_{\alpha-1}(c)
                     = \frac{d k_\alpha}{d c}(c),

the last equality by Price's theorem. For integer :math:`\alpha = n`,
:math:`k_n(c) = J_n(\theta) / (2\pi)` with :math:`\theta = \arccos c` and :math:`J_n` the
angular functions of [CS09]_ (their eq. (4)-(5)); e.g.
:math:`J_1(\theta) = \sin\theta + (\pi - \theta)\cos\theta`.

Representations used
--------------------
*Hypergeometric form* ([YS17]_ for real :math:`\alpha`; derived from the Mehler/Hermite
expansion, the even and odd parts in :math:`c`):

.. math::

    k_\alpha(c) = \frac{2^\alpha}{4\pi}\Big[\Gamma(\tfrac{\alpha+1}{2})^2\,
        {}_2F_1(-\tfrac\alpha2, -\tfrac\alpha2; \tfrac12; c^2)
      + 2c\,\Gamma(\tfrac\alpha2 + 1)^2\,
        {}_2F_1(\tfrac{1-\alpha}{2}, \tfrac{1-\alpha}{2}; \tfrac32; c^2)\Big],

    \dot k_\alpha(c) = \frac{2^{\alpha-1}}{4\pi}\Big[4\,\Gamma(\tfrac\alpha2 + 1)^2\,
        {}_2F_1(\tfrac{1-\alpha}{2}, \tfrac{1-\alpha}{2}; \tfrac12; c^2)
      + 2c\,\alpha^2\,\Gamma(\tfrac{\alpha+1}{2})^2\,
        {}_2F_1(\tfrac{2-\alpha}{2}, \tfrac{2-\alpha}{2}; \tfrac32; c^2)\Big]

(the second is :math:`\alpha^2 k_{\alpha-1}` rewritten with
:math:`\alpha\,\Gamma(\alpha/2) = 2\Gamma(\alpha/2+1)`, so it has no :math:`0\cdot\infty`
at :math:`\alpha = 0`, where it equals :math:`1/(2\pi\sqrt{1-c^2})`).

*Cancellation-free form for* :math:`c < 0`. For :math:`c < 0` the two terms above have
opposite signs and cancel: :math:`k_\alpha(c) \sim (1+c)^{\alpha+1/2} \to 0` as
:math:`c \to -1` while each term stays of order one. The quadratic transformation
(DLMF 15.8.27; the coefficients follow from Gauss's second summation theorem,
DLMF 15.4.28)

.. math::

    {}_2F_1(2a, 2b; a+b+\tfrac12; \tfrac{1-x}{2})
      = \frac{\sqrt\pi\,\Gamma(a+b+\tfrac12)}{\Gamma(a+\tfrac12)\Gamma(b+\tfrac12)}
        {}_2F_1(a, b; \tfrac12; x^2)
      - \frac{2\sqrt\pi\,\Gamma(a+b+\tfrac12)}{\Gamma(a)\Gamma(b)}\,
        x\,{}_2F_1(a+\tfrac12, b+\tfrac12; \tfrac32; x^2),

applied with :math:`a = b = (\alpha+1)/2`, :math:`x = -c`, after Euler's transformation
:math:`{}_2F_1(a,b;c;z) = (1-z)^{c-a-b}{}_2F_1(c-a,c-b;c;z)` (DLMF 15.8.1) and Legendre's
duplication formula, combines the two terms into one series with positive terms:

.. math::

    k_\alpha(c) = \frac{\Gamma(\alpha+1)^2}{2^{\alpha+2}\sqrt\pi\,\Gamma(\alpha+\frac32)}
        \,(1-c^2)^{\alpha+\frac12}\,
        {}_2F_1\big(\alpha+1, \alpha+1; \alpha+\tfrac32; \tfrac{1+c}{2}\big),

    \dot k_\alpha(c) = \frac{\Gamma(\alpha+1)^2}{2^{\alpha+1}\sqrt\pi\,\Gamma(\alpha+\frac12)}
        \,(1-c^2)^{\alpha-\frac12}\,
        {}_2F_1\big(\alpha, \alpha; \alpha+\tfrac12; \tfrac{1+c}{2}\big).

For :math:`c \le 0` the argument :math:`(1+c)/2 \le 1/2`, the series converges at least like
:math:`2^{-n}`, and no digit is lost as :math:`c \to -1`.

*Angular form* (polar coordinates of the Gaussian pair, as in [CS09]_): writing
:math:`\theta = \arccos c`, :math:`\delta = \pi - \theta = \arccos(-c)`,

.. math::

    k_\alpha(c) = \frac{2^\alpha\,\Gamma(\alpha+1)}{2\pi}
        \int_{\theta-\pi/2}^{\pi/2} \cos^\alpha t\,\cos^\alpha(t-\theta)\,dt
      = \frac{2^\alpha\,\Gamma(\alpha+1)}{\pi}
        \int_0^{\delta/2} \sin^\alpha u\,\sin^\alpha(\delta - u)\,du,

(the radial integral is :math:`\int_0^\infty r^{2\alpha+1}e^{-r^2/2}dr = 2^\alpha\Gamma(\alpha+1)`;
the second form substitutes :math:`u = \pi/2 - t` and uses the symmetry
:math:`u \leftrightarrow \delta - u`). It holds for every :math:`\alpha > -1` at
:math:`|c| < 1`, which gives :math:`\dot k_\alpha = \alpha^2 k_{\alpha-1}` for
:math:`\alpha > 0`. Note :math:`\sin(\delta - u) = \sin(u + \theta)`; each is evaluated in the
form whose argument is at most :math:`\pi/2`, so it is computed from a distance to a zero of
the sine, never as :math:`\sin(\pi - \varepsilon)`.

Finiteness. :math:`k_\alpha(\pm1)` is finite for every :math:`\alpha > -1/2`:
:math:`k_\alpha(1) = E[\phi_\alpha(X)^2] = 2^\alpha\Gamma(\alpha+\frac12)/(2\sqrt\pi)` and
:math:`k_\alpha(-1) = 0`. :math:`\dot k_\alpha(1)` is finite only for :math:`\alpha > 1/2`;
:math:`\dot k_\alpha(-1)` is :math:`0` for :math:`\alpha > 1/2`, equals the limit
:math:`\sqrt{2\pi}/16` at :math:`\alpha = 1/2` and is infinite for :math:`\alpha < 1/2`.
Asking for an infinite value raises :class:`ValueError`.

References
----------
.. [CS09] Y. Cho and L. K. Saul, "Kernel methods for deep learning", NeurIPS 22 (2009),
   eqs. (4)-(5) (the arc-cosine kernels and the angular functions :math:`J_n`).
.. [YS17] G. Yang and S. S. Schoenholz, "Mean field residual networks: on the edge of
   chaos", NeurIPS 30 (2017), arXiv:1712.08969 (alpha-ReLU kernels via
   :math:`{}_2F_1`).
.. [DLMF] NIST Digital Library of Mathematical Functions, sections 15.4 (special values,
   Gauss's summation theorems) and 15.8 (transformations of variable).
"""

from __future__ import annotations

import math
from functools import lru_cache
from numbers import Rational, Real
from typing import Any

import mpmath
import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import ConvergenceError

__all__ = [
    "arccos_kernel_mp",
    "arccos_kernel_np",
    "arccos_kernel_quadrature_mp",
]

#: Guard digits carried inside the mpmath routines beyond the caller's ``mp.dps``.
_GUARD_DPS = 10


# ----------------------------------------------------------------------------------------------
# validation
# ----------------------------------------------------------------------------------------------


def _to_mpf(x: Any, name: str = "c") -> Any:
    """mpf from a real number or string; floats exactly, fractions at the working precision.

    Text follows the strict grammar of :func:`asymptote._validate.parse_number` (decimals
    and ``p/q``, bounded exponent), so it is never evaluated and never takes long.
    """
    if isinstance(x, str):
        from .._validate import parse_number

        frac = parse_number(x, name)
        assert not isinstance(frac, float)
        return mpmath.mpf(frac.numerator) / frac.denominator
    if isinstance(x, (mpmath.mpf, int, float)):
        return mpmath.mpf(x)
    if isinstance(x, Rational):
        return mpmath.mpf(int(x.numerator)) / int(x.denominator)
    return mpmath.mpf(float(x))  # other Real types, e.g. numpy floating scalars


def _check_alpha_mp(alpha: Any, derivative: bool) -> Any:
    """Convert ``alpha`` to an mpf and check its range (floats are converted exactly)."""
    if isinstance(alpha, bool) or not isinstance(alpha, (Real, mpmath.mpf)):
        raise ValueError(f"alpha must be a real number, got {type(alpha).__name__} {alpha!r}")
    a = _to_mpf(alpha, "alpha")
    if not mpmath.isfinite(a):
        raise ValueError(f"alpha must be finite, got {alpha!r}")
    if derivative:
        if a < 0:
            raise ValueError(
                f"alpha must be >= 0 for the derivative kernel (E[phi'(X) phi'(Y)] diverges "
                f"for alpha < 0), got alpha={alpha!r}"
            )
    elif a <= -0.5:
        raise ValueError(
            f"alpha must be > -1/2 (E[phi(X)^2] diverges otherwise), got alpha={alpha!r}"
        )
    return a


def _check_c_mp(c: Any) -> Any:
    """Convert ``c`` to an mpf and check ``-1 <= c <= 1``."""
    if isinstance(c, bool) or not isinstance(c, (Real, mpmath.mpf, str)):
        raise ValueError(f"c must be a real number in [-1, 1], got {type(c).__name__} {c!r}")
    x = _to_mpf(c)
    if not (mpmath.isfinite(x) and -1 <= x <= 1):
        raise ValueError(f"c must be a real number in [-1, 1], got c={c!r}")
    return x


def _diverges(alpha: Any, c: Any) -> ValueError:
    return ValueError(
        f"the derivative kernel is infinite at c={c} for alpha={alpha} "
        f"(finite at c=1 only for alpha > 1/2 and at c=-1 only for alpha >= 1/2)"
    )


def _derivative_endpoint_mp(a: Any, x: Any) -> Any | None:
    """Value of the derivative kernel at ``c = +-1`` (None when ``|c| < 1``); raises if infinite.

    Runs at the working precision.
    """
    half = mpmath.mpf(1) / 2
    if x == 1:
        if a <= half:
            raise _diverges(a, x)
        # alpha^2 k_{alpha-1}(1) = alpha^2 E[X_+^{2 alpha - 2}]
        return (
            a
            * a
            * mpmath.ldexp(mpmath.gamma(a - half), -1)
            * mpmath.power(2, a - 1)
            / (mpmath.sqrt(mpmath.pi))
        )
    if x == -1:
        if a < half:
            raise _diverges(a, x)
        if a == half:
            return mpmath.sqrt(2 * mpmath.pi) / 16
        return mpmath.mpf(0)
    return None


# ----------------------------------------------------------------------------------------------
# mpmath: hypergeometric closed form
# ----------------------------------------------------------------------------------------------


def arccos_kernel_mp(alpha: object, c: object, *, derivative: bool = False) -> mpmath.mpf:
    r"""Arc-cosine kernel :math:`k_\alpha(c)` or :math:`\dot k_\alpha(c)` at the caller's precision.

    Evaluates the hypergeometric closed form of [YS17]_ with :func:`mpmath.hyp2f1` at the
    current ``mpmath.mp.dps`` (wrap the call in ``mpmath.workdps(n)``); the global precision is
    never changed.

    .. math::

        k_\alpha(c) = \frac{2^\alpha}{4\pi}\Big[\Gamma(\tfrac{\alpha+1}{2})^2\,
            {}_2F_1(-\tfrac\alpha2, -\tfrac\alpha2; \tfrac12; c^2)
          + 2c\,\Gamma(\tfrac\alpha2 + 1)^2\,
            {}_2F_1(\tfrac{1-\alpha}{2}, \tfrac{1-\alpha}{2}; \tfrac32; c^2)\Big]
        \quad (c \ge 0),

    .. math::

        k_\alpha(c) = \frac{\Gamma(\alpha+1)^2}{2^{\alpha+2}\sqrt\pi\,\Gamma(\alpha+\frac32)}
            (1-c^2)^{\alpha+\frac12}\,
            {}_2F_1\big(\alpha+1, \alpha+1; \alpha+\tfrac32; \tfrac{1+c}{2}\big)
        \quad (c < 0),

    and the corresponding forms of :math:`\dot k_\alpha = \alpha^2 k_{\alpha-1}` (see the module
    docstring; the :math:`c < 0` form is the quadratic transformation DLMF 15.8.27 of the first).

    Parameters
    ----------
    alpha : real (int, float, Fraction, mpf)
        Exponent, :math:`\alpha > -1/2` (:math:`\alpha \ge 0` when ``derivative``). Floats
        and mpf values are taken exactly; fractions are converted with the guard digits.
    c : real or str
        Correlation, :math:`-1 \le c \le 1`; floats and mpf values are taken exactly,
        fractions and strings are converted with the guard digits.
    derivative : bool
        Return :math:`\dot k_\alpha(c) = E[\phi_\alpha'(X)\phi_\alpha'(Y)]` instead.

    Returns
    -------
    mpf
        The kernel rounded to the caller's precision.

    Raises
    ------
    ValueError
        ``alpha`` or ``c`` out of range, or the derivative kernel is infinite at ``c``
        (``c = 1`` with :math:`\alpha \le 1/2`, ``c = -1`` with :math:`\alpha < 1/2`).

    Notes
    -----
    Accuracy. Every term of every series used is positive, so there is no cancellation:

    * for :math:`c \ge 0` both terms of the first form are non-negative (the series
      coefficients are :math:`(a)_n^2 / ((b)_n n!) \ge 0`);
    * for :math:`c < 0` the transformed series has positive terms and argument
      :math:`(1+c)/2 \le 1/2`; :math:`1 \pm c` are formed with one correctly rounded
      operation, so :math:`k_\alpha(c) \propto (1-c^2)^{\alpha+1/2}` keeps its full relative
      accuracy as :math:`c \to -1`.

    Near :math:`c = 1` the value depends on :math:`1 - c^2` through the term
    :math:`(1-c^2)^{\alpha+1/2}` of the :math:`z \to 1-z` connection formula (DLMF 15.8.4) that
    :func:`mpmath.hyp2f1` applies internally; :math:`z = c^2` is therefore formed *exactly*
    (``mpmath.fmul(c, c, exact=True)``) so that ``hyp2f1``'s :math:`1 - z` is correctly rounded
    relative to itself. In the degenerate cases :math:`\alpha + 1/2 \in \mathbb{Z}` the
    connection formula has logarithms; for :math:`c^2 > 0.8` they are summed directly from
    DLMF 15.8.10 in :math:`1 - c^2 = (1-c)(1+c)` (``hyp2f1``'s generic perturbation of the
    parameters is correct but takes seconds at a few hundred digits). Everything runs with
    10 guard digits and is rounded once at the end.

    Examples
    --------
    >>> import mpmath
    >>> with mpmath.workdps(30):
    ...     print(arccos_kernel_mp(1, 1))
    0.5
    >>> with mpmath.workdps(20):
    ...     print(arccos_kernel_mp(0, 0, derivative=True) * 2 * mpmath.pi)
    1.0
    """
    with mpmath.workdps(mpmath.mp.dps + _GUARD_DPS):
        a = _check_alpha_mp(alpha, derivative)
        x = _check_c_mp(c)
        value = _closed_form_mp(a, x, derivative)
    return +value


def _closed_form_mp(a: Any, x: Any, derivative: bool) -> Any:
    """Hypergeometric closed form at the working precision (arguments already checked)."""
    half = mpmath.mpf(1) / 2
    sqrt_pi = mpmath.sqrt(mpmath.pi)
    if derivative:
        end = _derivative_endpoint_mp(a, x)
        if end is not None:
            return end
    if x < 0:
        y = (1 + x) / 2
        w = (1 - x) * (1 + x)
        if derivative:
            pref = mpmath.gamma(a + 1) ** 2 / (
                mpmath.power(2, a + 1) * sqrt_pi * mpmath.gamma(a + half)
            )
            return pref * mpmath.power(w, a - half) * mpmath.hyp2f1(a, a, a + half, y)
        if x == -1:
            return mpmath.mpf(0)
        pref = mpmath.gamma(a + 1) ** 2 / (
            mpmath.power(2, a + 2) * sqrt_pi * mpmath.gamma(a + 1 + half)
        )
        return pref * mpmath.power(w, a + half) * mpmath.hyp2f1(a + 1, a + 1, a + 1 + half, y)
    z = mpmath.fmul(x, x, exact=True)
    if derivative:
        p = (1 - a) / 2
        q = (2 - a) / 2
        t1 = 4 * mpmath.gamma(a / 2 + 1) ** 2 * _hyp2f1_equal(p, half, x, z)
        t2 = 2 * x * a * a * mpmath.gamma((a + 1) / 2) ** 2 * _hyp2f1_equal(q, 1 + half, x, z)
        return mpmath.power(2, a - 1) / (4 * mpmath.pi) * (t1 + t2)
    p = -a / 2
    q = (1 - a) / 2
    t1 = mpmath.gamma((a + 1) / 2) ** 2 * _hyp2f1_equal(p, half, x, z)
    t2 = 2 * x * mpmath.gamma(a / 2 + 1) ** 2 * _hyp2f1_equal(q, 1 + half, x, z)
    return mpmath.power(2, a) / (4 * mpmath.pi) * (t1 + t2)


def _hyp2f1_equal(a: Any, c: Any, x: Any, z: Any) -> Any:
    r""":math:`{}_2F_1(a, a; c; z)` at :math:`z = x^2` (``z`` exact, :math:`0 \le x \le 1`).

    :func:`mpmath.hyp2f1`, except when :math:`0.8 < z < 1` and :math:`m = c - 2a` is a
    non-negative integer (:math:`\alpha + 1/2 \in \mathbb{Z}`): there the connection
    formula has logarithms and ``hyp2f1``'s generic treatment (perturbing the parameters and
    evaluating Gamma functions near their poles at several times the precision) costs
    seconds to minutes at hundreds of digits, so the logarithmic case is summed directly
    (:func:`_hyp2f1_log_case`) with :math:`1 - z = (1-x)(1+x)`.
    """
    if 0.8 < z < 1 and not mpmath.isint(a):
        m = c - 2 * a
        if mpmath.isint(m) and m >= 0:
            return _hyp2f1_log_case(a, int(m), (1 - x) * (1 + x))
    return mpmath.hyp2f1(a, a, c, z)


def _hyp2f1_log_case(a: Any, m: int, w: Any) -> Any:
    r""":math:`{}_2F_1(a, a; 2a + m; 1 - w)`, integer :math:`m \ge 0`, :math:`0 < w < 1`.

    DLMF 15.8.10 (Abramowitz & Stegun 15.3.10-11) with :math:`b = a`:

    .. math::

        {}_2F_1(a, a; 2a+m; 1-w) = \frac{\Gamma(m)\Gamma(2a+m)}{\Gamma(a+m)^2}
            \sum_{n=0}^{m-1} \frac{(a)_n^2}{n!\,(1-m)_n} w^n
          - \frac{(-w)^m\,\Gamma(2a+m)}{\Gamma(a)^2}
            \sum_{n=0}^\infty \frac{(a+m)_n^2}{n!\,(n+m)!} w^n
            \big[\ln w - \psi(n+1) - \psi(n+m+1) + 2\psi(a+n+m)\big]

    (the first sum is absent for :math:`m = 0`). :math:`a` must not be an integer.
    Runs at the working precision (the caller carries the guard digits). Cancellation is
    mild: for the parameters used here (:math:`a = -\alpha/2, (1-\alpha)/2, (2-\alpha)/2`
    with half-integer :math:`\alpha`) and :math:`w \le 0.2`, the sum of the absolute values of
    all terms is at most :math:`1.7\,|F|` for :math:`\alpha \le 4.5` (measured; it grows
    slowly, to :math:`7.5\,|F|` at :math:`\alpha = 19.5`).
    """
    g2am = mpmath.gamma(2 * a + m)
    finite = mpmath.mpf(0)
    if m > 0:
        term = mpmath.mpf(1)  # (a)_n^2 w^n / (n! (1-m)_n)
        finite = term
        for n in range(m - 1):
            term = term * (a + n) ** 2 * w / ((n + 1) * (n + 1 - m))
            finite += term
        finite *= mpmath.factorial(m - 1) * g2am / mpmath.gamma(a + m) ** 2
    log_w = mpmath.log(w)
    psi_n1 = -mpmath.euler  # psi(n + 1) at n = 0
    psi_nm1 = mpmath.digamma(m + 1)  # psi(n + m + 1)
    psi_anm = mpmath.digamma(a + m)  # psi(a + n + m)
    coef = 1 / mpmath.factorial(m)  # (a+m)_n^2 w^n / (n! (n+m)!)
    tol = mpmath.eps
    series = mpmath.mpf(0)
    n = 0
    while True:
        term = coef * (log_w - psi_n1 - psi_nm1 + 2 * psi_anm)
        series += term
        if abs(term) <= tol * abs(series) and abs(coef) <= tol * abs(series) and n > 2:
            break
        coef = coef * (a + m + n) ** 2 * w / ((n + 1) * (n + m + 1))
        psi_n1 += mpmath.mpf(1) / (n + 1)
        psi_nm1 += mpmath.mpf(1) / (n + m + 1)
        psi_anm += 1 / (a + n + m)
        n += 1
    return finite - (-w) ** m * g2am / mpmath.gamma(a) ** 2 * series


# ----------------------------------------------------------------------------------------------
# mpmath: independent route (angular integral, tanh-sinh)
# ----------------------------------------------------------------------------------------------


def arccos_kernel_quadrature_mp(
    alpha: object, c: object, *, derivative: bool = False
) -> mpmath.mpf:
    r"""Arc-cosine kernel by quadrature of the angular integral (independent check route).

    Computes, at the caller's ``mpmath.mp.dps``, with :math:`\beta = \alpha`
    (:math:`\beta = \alpha - 1` and a factor :math:`\alpha^2` for the derivative kernel),

    .. math::

        k_\beta(c) = \frac{2^\beta\,\Gamma(\beta+1)}{\pi}
            \int_0^{\delta/2} \sin^\beta u\,\sin^\beta(\delta - u)\,du, \qquad
            \delta = \arccos(-c),

    derived directly from the Gaussian integral in polar coordinates (module docstring), so
    it shares nothing with the hypergeometric closed form of :func:`arccos_kernel_mp`
    beyond the definition. The substitution :math:`u = (\delta/2)e^{-x}` maps
    :math:`[0, \delta/2]` to :math:`[0, \infty)` and turns both the endpoint singularity
    :math:`u^\beta` and the nearby singularity of :math:`\sin^\beta(u + \theta)` at
    :math:`u = -\theta` (which approaches the endpoint as :math:`c \to 1`) into an integrand
    analytic in the strip :math:`|\mathrm{Im}\,x| < \pi` that decays like
    :math:`e^{-(\beta+1)x}` (like :math:`e^{-(2\beta+1)x}` at :math:`c = 1`). It is integrated
    with :func:`mpmath.quad` (tanh-sinh), splitting at :math:`x = \log(\delta/(2\theta))`
    where the integrand changes its decay rate. The derivative kernel at :math:`\alpha = 0`
    is the closed form :math:`1/(2\pi\sqrt{1-c^2})` (a point mass of :math:`\phi_0'`; there is
    nothing to integrate).

    Parameters
    ----------
    alpha, c, derivative
        As in :func:`arccos_kernel_mp`.

    Returns
    -------
    mpf
        The kernel rounded to the caller's precision.

    Raises
    ------
    ValueError
        As :func:`arccos_kernel_mp`.
    asymptote.errors.ConvergenceError
        If the quadrature's error estimate exceeds the requested precision.

    Notes
    -----
    Slow (it is meant for tests): about :math:`10^3` integrand evaluations per call at 30
    digits.
    """
    dps = mpmath.mp.dps
    with mpmath.workdps(dps + _GUARD_DPS):
        a = _check_alpha_mp(alpha, derivative)
        x = _check_c_mp(c)
        if derivative:
            end = None if x == 1 else _derivative_endpoint_mp(a, x)
            if end is not None:
                value = end
            elif x == 1 and a <= 0.5:
                raise _diverges(a, x)
            elif a == 0:
                value = 1 / (2 * mpmath.pi * mpmath.sqrt((1 - x) * (1 + x)))
            else:
                # alpha^2 * 2^(alpha-1) Gamma(alpha) / pi = alpha Gamma(alpha+1) 2^(alpha-1) / pi
                const = a * mpmath.gamma(a + 1) * mpmath.power(2, a - 1) / mpmath.pi
                value = const * _angular_integral_mp(a - 1, x, dps)
        elif x == -1:
            value = mpmath.mpf(0)
        else:
            const = mpmath.power(2, a) * mpmath.gamma(a + 1) / mpmath.pi
            value = const * _angular_integral_mp(a, x, dps)
    return +value


def _angular_integral_mp(beta: Any, x: Any, dps: int) -> Any:
    r""":math:`\int_0^{\delta/2} \sin^\beta u \sin^\beta(\delta-u) du` for ``-1 < x <= 1``."""
    s = mpmath.sqrt((1 - x) * (1 + x))
    theta = mpmath.atan2(s, x)
    delta = mpmath.atan2(s, -x)
    half_delta = delta / 2
    quarter_pi = mpmath.pi / 4

    def raw(t: mpmath.mpf) -> mpmath.mpf:
        u = half_delta * mpmath.exp(-t)
        # second sine with argument <= pi/2: sin(u + theta) = sin(delta - u)
        arg = u + theta if u + theta <= 2 * quarter_pi else delta - u
        return mpmath.power(mpmath.sin(u) * mpmath.sin(arg), beta) * u

    # scale to an O(1) integrand so that mpmath's absolute error floor is a relative one
    scale = raw(mpmath.mpf(0))

    def integrand(t: mpmath.mpf) -> mpmath.mpf:
        return raw(t) / scale

    points = [mpmath.mpf(0)]
    if 0 < theta < half_delta:
        points.append(mpmath.log(half_delta / theta))
    points.append(mpmath.inf)
    value, err = mpmath.quad(integrand, points, error=True, maxdegree=12)
    if not err <= mpmath.mpf(10) ** (-dps - 2) * abs(value):
        raise ConvergenceError(
            f"angular integral (beta={mpmath.nstr(beta, 8)}, c={mpmath.nstr(x, 8)}) did not "
            f"reach {dps} digits",
            residual=mpmath.nstr(err, 3),
        )
    return value * scale


# ----------------------------------------------------------------------------------------------
# numpy: fixed-node quadrature of the angular integral
# ----------------------------------------------------------------------------------------------

#: tanh-sinh step (in the variable t of v = 1 / (1 + exp(pi sinh t))).
_TS_STEP = 1.0 / 8.0
#: tanh-sinh truncation: the neglected tails are below exp(-_TS_TAIL) relative.
_TS_TAIL = 40.0
#: Gauss-Legendre nodes per geometric piece.
_GL_NODES = 24
#: Largest ratio right/left end of a geometric piece.
_GL_RATIO = 4.0
#: Elements of c processed together (bounds the temporary (chunk, nodes) arrays).
_CHUNK = 2048

_GL_X, _GL_W = np.polynomial.legendre.leggauss(_GL_NODES)


#: Below this exponent gamma = beta + 1 the endpoint term of piece 0 is subtracted.
_SUBTRACT_BELOW = 0.5


@lru_cache(maxsize=64)
def _tanh_sinh_rule(gamma: float, decay: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Nodes ``v``, weights ``w``: :math:`\int_0^1 v^{\gamma-1} f(v)\,dv \approx \sum w\,f(v)`.

    The map :math:`v = 1/(1 + e^{\pi\sinh t})` (so :math:`1 - v = 1/(1 + e^{-\pi\sinh t})`,
    both formed without cancellation) gives :math:`dv = -\pi\cosh t\, v (1-v)\, dt`; the
    weight :math:`h\pi\cosh t\,(1-v)\,v^{\gamma}` is formed as an exponential of logarithms
    so that nodes with :math:`v` below the float64 range get weight 0, not ``0 * inf``.
    ``decay`` is the exponent :math:`\rho` with :math:`v^{\gamma-1} f(v) = O(v^{\rho-1})` at
    :math:`v \to 0`; the rule is truncated at :math:`|t| \le T` with
    :math:`\min(\rho, 1)\,\pi\sinh T = 40`, so both neglected tails are below
    :math:`e^{-40}` relative.
    """
    t_max = math.asinh(_TS_TAIL / (math.pi * min(decay, 1.0)))
    n = math.ceil(t_max / _TS_STEP)
    t = _TS_STEP * np.arange(-n, n + 1, dtype=np.float64)
    e = math.pi * np.sinh(t)
    log_v = -np.logaddexp(0.0, e)
    log_1mv = -np.logaddexp(0.0, -e)
    v = np.exp(log_v)
    w = _TS_STEP * math.pi * np.cosh(t) * np.exp(gamma * log_v + log_1mv)
    keep = w > 0.0
    v, w = v[keep], w[keep]
    v.setflags(write=False)
    w.setflags(write=False)
    return v, w


def _second_sine(
    u: NDArray[np.float64], theta: NDArray[np.float64], delta: NDArray[np.float64]
) -> NDArray[np.float64]:
    r""":math:`\sin(u + \theta) = \sin(\delta - u)`, from whichever argument is :math:`\le\pi/2`."""
    plus = u + theta
    return np.where(plus <= 0.5 * math.pi, np.sin(plus), np.sin(delta - u))


def _scaled_angular_integral_np(
    beta: float, gamma: float, c: NDArray[np.float64]
) -> NDArray[np.float64]:
    r""":math:`2\gamma\int_0^{\delta/2}\sin^\beta u\,\sin^\beta(\delta-u)\,du`, ``-1 < c < 1``.

    ``gamma`` is :math:`\beta + 1`, passed separately so that it is exact when it is tiny
    (derivative kernel at small :math:`\alpha`, where :math:`\beta = \alpha - 1` rounds
    to :math:`-1`); the factor :math:`\gamma` cancels the :math:`1/\gamma` of the endpoint
    singularity so nothing overflows as :math:`\gamma \to 0`. ``c`` is one-dimensional.
    See :func:`arccos_kernel_np` for the rule and its error.
    """
    s = np.sqrt((1.0 - c) * (1.0 + c))
    theta = np.arctan2(s, c)
    delta = np.arctan2(s, -c)
    b = 0.5 * delta
    a0 = np.minimum(theta, b)

    # piece 0: [0, a0], u = a0 v, sin^beta(u) = a0^beta v^beta sinc^beta(u), so the piece is
    # a0^gamma * int_0^1 v^(gamma-1) G(v) dv with G(v) = (sinc(a0 v) * second(a0 v))^beta.
    subtract = gamma < _SUBTRACT_BELOW
    v, w = _tanh_sinh_rule(gamma, gamma + 1.0 if subtract else gamma)
    u = a0[:, None] * v[None, :]
    safe = np.where(u > 0.0, u, 1.0)
    sinc = np.where(u > 0.0, np.sin(safe) / safe, 1.0)
    g = (sinc * _second_sine(u, theta[:, None], delta[:, None])) ** beta
    if subtract:
        # gamma * int v^(gamma-1) G = G(0) + gamma * int v^(gamma-1) (G - G(0)); for
        # beta < -1/2, G increases with v, so both parts are positive (no cancellation)
        g0 = _second_sine(np.zeros_like(a0), theta, delta) ** beta
        piece0 = g0 + gamma * ((g - g0[:, None]) @ w)
    else:
        piece0 = gamma * (g @ w)
    total = a0**gamma * piece0

    # geometric pieces tiling [a0, b] (only where theta < delta/2, i.e. c > 1/2)
    log_ratio = np.log(b / a0)
    if np.any(log_ratio > 0.0):
        pieces = max(1, math.ceil(float(np.max(log_ratio)) / math.log(_GL_RATIO)))
        frac = np.arange(pieces + 1, dtype=np.float64) / pieces
        edges = a0[:, None] * np.exp(np.maximum(log_ratio, 0.0)[:, None] * frac[None, :])
        edges[:, 0] = a0
        edges[:, -1] = np.maximum(a0, b)
        half = 0.5 * (edges[:, 1:] - edges[:, :-1])  # (n, pieces)
        mid = 0.5 * (edges[:, 1:] + edges[:, :-1])
        ug = mid[:, :, None] + half[:, :, None] * _GL_X[None, None, :]
        h = (np.sin(ug) * _second_sine(ug, theta[:, None, None], delta[:, None, None])) ** beta
        total = total + gamma * np.einsum("npk,k,np->n", h, _GL_W, half)
    return 2.0 * total


def _kernel_integral_np(beta: float, gamma: float, c: NDArray[np.float64]) -> NDArray[np.float64]:
    r""":math:`2\gamma\int_0^{\delta/2}\sin^\beta u\sin^\beta(\delta - u)du` in chunks."""
    if beta == 0.0:
        s = np.sqrt((1.0 - c) * (1.0 + c))
        return gamma * np.arctan2(s, -c)
    out = np.empty_like(c)
    for start in range(0, c.size, _CHUNK):
        stop = start + _CHUNK
        out[start:stop] = _scaled_angular_integral_np(beta, gamma, c[start:stop])
    return out


def _constant_float(derivative: bool, alpha: float) -> float:
    r"""Constant multiplying :math:`2\gamma\int_0^{\delta/2}`, correctly rounded (mpmath).

    Kernel: :math:`2^\alpha\Gamma(\alpha+1) / (2\pi(\alpha+1))`. Derivative kernel:
    :math:`\alpha^2\,2^{\alpha-1}\Gamma(\alpha) / (2\pi\alpha)
    = 2^{\alpha-1}\Gamma(\alpha+1) / (2\pi)`.
    """
    with mpmath.workdps(30):
        a = mpmath.mpf(alpha)
        if derivative:
            val = mpmath.power(2, a - 1) * mpmath.gamma(a + 1) / (2 * mpmath.pi)
        else:
            val = mpmath.power(2, a) * mpmath.gamma(a + 1) / (2 * mpmath.pi * (a + 1))
        return float(val)


def arccos_kernel_np(
    alpha: float, c: ArrayLike, *, derivative: bool = False
) -> NDArray[np.float64]:
    r"""Arc-cosine kernel :math:`k_\alpha(c)` or :math:`\dot k_\alpha(c)` in float64, vectorized.

    Parameters
    ----------
    alpha : float
        Exponent, :math:`\alpha > -1/2` (:math:`\alpha \ge 0` when ``derivative``).
    c : array_like of float
        Correlations in :math:`[-1, 1]`.
    derivative : bool
        Return :math:`\dot k_\alpha(c) = \alpha^2 k_{\alpha-1}(c)` instead.

    Returns
    -------
    ndarray of float64
        Same shape as ``c``.

    Raises
    ------
    ValueError
        ``alpha`` out of range or not finite, an element of ``c`` outside :math:`[-1, 1]` or
        NaN, or the derivative kernel is infinite at an element of ``c`` (``c = 1`` with
        :math:`\alpha \le 1/2`, ``c = -1`` with :math:`\alpha < 1/2`).

    Notes
    -----
    Method. :math:`\alpha = 0` uses the exact forms :math:`k_0 = \delta/(2\pi)` and
    :math:`\dot k_0 = 1/(2\pi\sqrt{(1-c)(1+c)})`, :math:`\delta = \operatorname{atan2}(
    \sqrt{(1-c)(1+c)}, -c)`; :math:`c = \pm 1` use the closed forms in the module docstring.
    Otherwise, with :math:`\beta = \alpha` (:math:`\beta = \alpha - 1 \in (-1, 3]` for the
    derivative kernel), the angular integral

    .. math::

        \int_0^{\delta/2} \sin^\beta u\,\sin^\beta(u + \theta)\,du, \qquad
        \theta = \operatorname{atan2}(\sqrt{(1-c)(1+c)}, c), \quad \delta = \pi - \theta

    (:math:`\theta` and :math:`\delta` are both formed by ``atan2``, neither as
    :math:`\pi` minus the other) is split into

    * :math:`[0, a_0]`, :math:`a_0 = \min(\theta, \delta/2)`: with :math:`u = a_0 v` the
      piece is :math:`a_0^{\gamma}\int_0^1 v^{\gamma-1} G(v)\,dv`, :math:`\gamma = \beta + 1`,
      :math:`G(v) = (\operatorname{sinc}(a_0 v)\sin(a_0 v + \theta))^\beta`: the endpoint
      power is taken out exactly and :math:`G` is analytic with its nearest singularities
      (at :math:`u = -\theta` and :math:`u = \delta`) at least one interval length away. It
      is integrated with a fixed tanh-sinh (double-exponential) rule in
      :math:`v = 1/(1 + e^{\pi\sinh t})`, step :math:`h = 1/8`, truncated where the
      neglected tails are below :math:`e^{-40}` relative (:math:`|t| \lesssim 4`); the
      distances to both endpoints, :math:`v` and :math:`1 - v`, come from separate formulas.
      A singularity one interval length outside maps to :math:`|\mathrm{Im}\,t| \approx 1.1`,
      so the discretization error is about :math:`e^{-2\pi \cdot 1.1/h} \approx 10^{-24}`.
      For :math:`\gamma < 1/2` (derivative kernel with :math:`\alpha < 1/2`, where
      :math:`v^{\gamma-1}` is nearly non-integrable) the endpoint term is subtracted,
      :math:`\gamma\int_0^1 v^{\gamma-1}G = G(0) + \gamma\int_0^1 v^{\gamma-1}(G - G(0))`,
      with :math:`G` increasing (so no cancellation) and the remaining integrand
      :math:`O(v^{\gamma})`. The whole integral is carried multiplied by :math:`\gamma`
      (exact: :math:`\gamma = \alpha` for the derivative kernel) so that nothing overflows as
      :math:`\alpha \to 0`.
    * :math:`[a_0, \delta/2]` (non-empty only when :math:`c > 1/2`): geometric pieces with end
      ratio at most 4, each with 24-point Gauss-Legendre. On a piece :math:`[a, ra]` the
      nearest singularities are at :math:`u = 0` and :math:`u = -\theta`, so the Bernstein
      ellipse parameter is :math:`\rho \ge 3` and the error is about
      :math:`\rho^{-48} \approx 10^{-23}` relative. This resolves the two scales
      :math:`\theta` and :math:`\delta/2` as :math:`c \to 1` (up to 14 pieces for
      :math:`c = 1 - 2^{-53}`).

    All quadrature weights and integrand values are positive, so rounding errors do not
    cancel; the integrand is formed from :math:`\sin u` and the :math:`\sin` of the argument
    (:math:`u + \theta` or :math:`\delta - u`) that is at most :math:`\pi/2`, each with
    relative error of a few ulps, and the constant (:math:`2^\alpha\Gamma(\alpha+1)/\pi` or
    :math:`\alpha^2 2^{\alpha-1}\Gamma(\alpha)/\pi`) is correctly rounded (mpmath). The
    dominant remaining error is the conditioning of :math:`k_\alpha \propto
    \delta^{2\alpha+1}` near :math:`c = -1`, :math:`(2\alpha+1)` times the few-ulp error of
    :math:`\delta`. Measured against :func:`arccos_kernel_mp`: relative error below
    :math:`7.3\times10^{-15}` for :math:`\alpha \in (-1/2, 4]` (derivative kernel:
    :math:`1.7\times10^{-15}` for :math:`\alpha \in [0, 4]`), :math:`c \in [-1, 1]` including
    :math:`1 - |c|` from :math:`10^{-16}` to 1 and :math:`|c| = 1`; the tests require
    :math:`10^{-13}`.

    Cost: about :math:`70 + 24 P` evaluations of :math:`\sin` and a power per element
    (:math:`P \le 14` geometric pieces, :math:`P = 0` for :math:`c \le 1/2`), processed in
    chunks of 2048 elements: about 3 us per element for :math:`c \le 1/2`, 13 us near
    :math:`c = 1`.

    Examples
    --------
    >>> [round(k, 12) for k in arccos_kernel_np(1.0, [-1.0, 0.0, 1.0]).tolist()]  # 0, 1/(2 pi), 1/2
    [0.0, 0.159154943092, 0.5]
    >>> round(float(arccos_kernel_np(0.0, 0.5)), 12)  # 1/4 + arcsin(1/2)/(2 pi) = 1/3
    0.333333333333
    """
    if isinstance(alpha, bool) or not isinstance(alpha, Real):
        raise ValueError(f"alpha must be a real number, got {type(alpha).__name__} {alpha!r}")
    a = float(alpha)
    if not math.isfinite(a):
        raise ValueError(f"alpha must be finite, got alpha={alpha!r}")
    if derivative and a < 0.0:
        raise ValueError(f"alpha must be >= 0 for the derivative kernel, got alpha={alpha!r}")
    if not derivative and a <= -0.5:
        raise ValueError(f"alpha must be > -1/2, got alpha={alpha!r}")
    x = np.asarray(c, dtype=np.float64)
    flat = x.reshape(-1)
    if not np.all((flat >= -1.0) & (flat <= 1.0)):  # also rejects NaN
        bad = flat[~((flat >= -1.0) & (flat <= 1.0))][0]
        raise ValueError(f"c must lie in [-1, 1], got c={bad!r}")
    upper = flat == 1.0
    lower = flat == -1.0
    inner = ~(upper | lower)
    out = np.empty_like(flat)

    if derivative:
        if a <= 0.5 and np.any(upper):
            raise ValueError(f"the derivative kernel is infinite at c=1.0 for alpha={a!r}")
        if a < 0.5 and np.any(lower):
            raise ValueError(f"the derivative kernel is infinite at c=-1.0 for alpha={a!r}")
        for mask, end in ((upper, 1), (lower, -1)):
            if np.any(mask):
                with mpmath.workdps(30):
                    out[mask] = float(_derivative_endpoint_mp(mpmath.mpf(a), mpmath.mpf(end)))
        xi = flat[inner]
        if a == 0.0:
            out[inner] = 1.0 / (2.0 * math.pi * np.sqrt((1.0 - xi) * (1.0 + xi)))
        else:
            out[inner] = _constant_float(True, a) * _kernel_integral_np(a - 1.0, a, xi)
    else:
        if np.any(upper):
            with mpmath.workdps(30):
                am = mpmath.mpf(a)
                k1 = mpmath.power(2, am) * mpmath.gamma(am + 0.5) / (2 * mpmath.sqrt(mpmath.pi))
                out[upper] = float(k1)
        out[lower] = 0.0
        xi = flat[inner]
        if a == 0.0:
            s = np.sqrt((1.0 - xi) * (1.0 + xi))
            out[inner] = np.arctan2(s, -xi) / (2.0 * math.pi)
        else:
            out[inner] = _constant_float(False, a) * _kernel_integral_np(a, a + 1.0, xi)
    return out.reshape(x.shape)
