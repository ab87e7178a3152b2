r"""alpha-ReLU transforms: second-moment constant, normalized kernel and its slope.

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

References
----------
.. [YS17] G. Yang and S. S. Schoenholz, Mean field residual networks: on the edge of chaos,
   NeurIPS 2017, arXiv:1712.08969 (Sec. 5.2; App. C.7.1).
.. [CS09] Y. Cho and L. K. Saul, Kernel methods for deep learning, NeurIPS 2009, eq. (4)-(7).
"""

from __future__ import annotations

from typing import overload

import mpmath
import numpy as np
import sympy

from .._precision import check_dps, round_mpf, to_mpf, workdps
from .._types import FloatOrArray
from ..numeric.arccos_kernels import arccos_kernel_mp, arccos_kernel_np
from ._common import check_alpha_float, k_at_one_float, k_at_one_mp, sympy_number

__all__ = ["normalized_kernel", "normalized_kernel_slope", "second_moment_coefficient"]


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
    a = sympy_number(alpha)
    if a.is_number and not bool(a > sympy.Rational(-1, 2)):
        raise ValueError(f"alpha must be > -1/2, got alpha={alpha!r}")
    return sympy.simplify(
        2 ** (a - 1) * sympy.gamma(a + sympy.Rational(1, 2)) / sympy.sqrt(sympy.pi)
    )


@overload
def normalized_kernel(alpha: object, c: float, *, dps: None = None) -> float: ...
@overload
def normalized_kernel(alpha: object, c: object, *, dps: None = None) -> FloatOrArray: ...
@overload
def normalized_kernel(alpha: object, c: object, *, dps: int) -> mpmath.mpf: ...


def normalized_kernel(
    alpha: object, c: object, *, dps: int | None = None
) -> FloatOrArray | mpmath.mpf:
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
        :math:`J_\alpha(c)`; ``J(1) = 1``, ``J(-1) = 0``: a ``float`` for scalar ``c``, a
        float64 array for array ``c`` (``dps=None``), an ``mpf`` for ``dps=int``.

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
        a = check_alpha_float(alpha)
        arr = np.asarray(c, dtype=float)
        out = arccos_kernel_np(a, arr) / k_at_one_float(a)
        return float(out) if out.ndim == 0 else out
    digits = check_dps(dps)
    with workdps(digits):
        a = to_mpf(alpha, "alpha")
        x = to_mpf(c, "c")
        value = arccos_kernel_mp(a, x) / k_at_one_mp(a)
    return round_mpf(value, digits)


@overload
def normalized_kernel_slope(alpha: object, c: float, *, dps: None = None) -> float: ...
@overload
def normalized_kernel_slope(alpha: object, c: object, *, dps: None = None) -> FloatOrArray: ...
@overload
def normalized_kernel_slope(alpha: object, c: object, *, dps: int) -> mpmath.mpf: ...


def normalized_kernel_slope(
    alpha: object, c: object, *, dps: int | None = None
) -> FloatOrArray | mpmath.mpf:
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
        :math:`J_\alpha'(c)`: a ``float`` for scalar ``c``, a float64 array for array ``c``
        (``dps=None``), an ``mpf`` for ``dps=int``.

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
        a = check_alpha_float(alpha, lower=-1e-300)
        arr = np.asarray(c, dtype=float)
        out = arccos_kernel_np(a, arr, derivative=True) / k_at_one_float(a)
        return float(out) if out.ndim == 0 else out
    digits = check_dps(dps)
    with workdps(digits):
        a = to_mpf(alpha, "alpha")
        x = to_mpf(c, "c")
        value = arccos_kernel_mp(a, x, derivative=True) / k_at_one_mp(a)
    return round_mpf(value, digits)
