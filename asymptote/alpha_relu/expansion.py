r"""Expansion of the normalized alpha-ReLU kernel :math:`J_\alpha` at :math:`c = 1`.

:math:`J_\alpha(1 - w) = \sum_n a_n w^n + w^{\alpha+1/2}\sum_n b_n w^n`, derived from DLMF
15.8.27 and the connection formula 15.8.4 (:func:`kernel_expansion_at_one`); the regular
slope :math:`J_\alpha'(1) = \alpha^2/(2\alpha-1)` (:func:`kernel_slope_at_one`) and the
singular coefficient :math:`S_\alpha` decide whether :math:`c = 1` attracts.

References
----------
.. [YS17] G. Yang and S. S. Schoenholz, Mean field residual networks: on the edge of chaos,
   NeurIPS 2017, arXiv:1712.08969 (Sec. 5.2; App. C.7.1).
.. [CS09] Y. Cho and L. K. Saul, Kernel methods for deep learning, NeurIPS 2009, eq. (4)-(7).
.. [DLMF] NIST DLMF, 10.32.9 (integral representation of :math:`K_\nu`), 10.31.2 (series),
   10.40.2 (asymptotic expansion), 10.43.19 (Mellin moments), 15.8.4 and 15.8.27.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import sympy

from .._precision import check_dps, round_mpf, to_mpf, workdps
from ._common import sympy_number

__all__ = ["KernelExpansionAtOne", "kernel_expansion_at_one", "kernel_slope_at_one"]


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
    a = sympy_number(alpha)
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
    a = sympy_number(alpha)
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
