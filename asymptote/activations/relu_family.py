r"""Rectifier families: the (a, b)-ReLU and the alpha-ReLU, with their presets.

(a, b)-ReLU: :math:`\phi(x) = a x` for :math:`x > 0`, :math:`b x` otherwise (ReLU: a=1, b=0;
leaky ReLU: a=1, b=slope; absolute value: a=1, b=-1; linear: a=b=1).

alpha-ReLU: :math:`\phi(x) = x^\alpha` for :math:`x > 0`, 0 otherwise, real
:math:`\alpha > -1/2` (step at alpha = 0, ReLU at alpha = 1) [YS17].

Closed forms (u, v centered Gaussian, variances q1, q2, covariance q12,
:math:`c = q_{12}/\sqrt{q_1 q_2}`, :math:`\varepsilon_\pm = \arccos(\mp c)`):

* arc-cosine kernels [CS09, eq. (6)]: with :math:`J_1(\theta) = \sin\theta + (\pi-\theta)\cos\theta`,
  :math:`E[u_+ v_+] = \sqrt{q_1 q_2}\, J_1(\arccos c)/(2\pi)` and
  :math:`E[1_{u>0} 1_{v>0}] = (\pi - \arccos c)/(2\pi)`. Splitting
  :math:`\phi(u) = a u_+ - b (-u)_+` gives
  :math:`W = (a-b)^2 \sqrt{q_1 q_2}\, J_1(\arccos c)/(2\pi) + a b\, q_{12}` and
  :math:`W_d = [(a^2+b^2)\varepsilon_+ + 2 a b\, \varepsilon_-]/(2\pi)`.
* alpha-ReLU [YS17, appendix; CS09 for integer alpha]:
  :math:`W = (q_1 q_2)^{\alpha/2} k_\alpha(c)` with the hypergeometric kernel of
  :mod:`asymptote.numeric.arccos_kernels`, :math:`V = q^\alpha 2^{\alpha-1}\Gamma(\alpha+1/2)/\sqrt\pi`.
"""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np
import sympy

from .._floats import geometric_mean
from ._base import Q1, Q2, Q12, ActivationSpec, ClosedForm, Param, Q, X
from ._registry import Preset, register, register_preset

__all__ = ["AB_RELU", "ALPHA_RELU"]


def _ak() -> Any:
    """The arc-cosine kernel module (imported lazily: it is only needed for alpha-ReLU)."""
    from ..numeric import arccos_kernels

    return arccos_kernels


_a, _b, _alpha = sympy.symbols("a b alpha", real=True)
_c = Q12 / sympy.sqrt(Q1 * Q2)


def _correlation_np(q1: Any, q2: Any, q12: Any) -> np.ndarray:
    scale = geometric_mean(q1, q2)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.where(scale > 0, q12 / np.where(scale > 0, scale, 1.0), 0.0)
    return np.clip(c, -1.0, 1.0)


def _sin_minus_x_cos_np(eps: np.ndarray) -> np.ndarray:
    r""":math:`g(\varepsilon) = \sin\varepsilon - \varepsilon\cos\varepsilon` without cancellation.

    For :math:`\varepsilon < 1/2` the series
    :math:`\sum_{n\ge1} (-1)^{n+1} 2n\, \varepsilon^{2n+1}/(2n+1)!` (terms fall by at least
    :math:`\varepsilon^2/4 \le 1/16` each; 12 terms reach 1e-17 relative).
    """
    shape = np.shape(eps)
    eps = np.atleast_1d(np.asarray(eps, dtype=float))
    out = np.sin(eps) - eps * np.cos(eps)
    small = eps < 0.5
    if np.any(small):
        e = eps[small]
        e2 = e * e
        term = e**3 / 3.0
        series = term.copy()
        for n in range(2, 14):
            term = -term * e2 * n / ((n - 1) * (2 * n) * (2 * n + 1))
            series = series + term
        out[small] = series
    return out.reshape(shape)


def _ab_relu_w_np(q1: Any, q2: Any, q12: Any, *, a: float, b: float) -> np.ndarray:
    q1, q2, q12 = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (q1, q2, q12)))
    c = _correlation_np(q1, q2, q12)
    s = np.sqrt((1.0 - c) * (1.0 + c))
    eps_plus = np.arctan2(s, -c)  # = arccos(-c) = pi - theta
    j1 = _sin_minus_x_cos_np(eps_plus)  # J_1(theta) = sin(eps) - eps cos(eps)
    return (a - b) ** 2 * geometric_mean(q1, q2) * j1 / (2 * math.pi) + a * b * q12


def _ab_relu_wd_np(q1: Any, q2: Any, q12: Any, *, a: float, b: float) -> np.ndarray:
    r"""For :math:`ab \ge 0` both terms of :math:`[(a^2+b^2)\varepsilon_+ + 2ab\,\varepsilon_-]/(2\pi)`
    are >= 0; for :math:`ab < 0` they cancel (abs: :math:`(2/\pi)\arcsin c` near c = 0), so
    there the equivalent :math:`(a+b)^2/4 + (a-b)^2 \arcsin(c)/(2\pi)`."""
    c = _correlation_np(*np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (q1, q2, q12))))
    s = np.sqrt((1.0 - c) * (1.0 + c))
    if a * b < 0:
        return (a + b) ** 2 / 4 + (a - b) ** 2 * np.arctan2(c, s) / (2 * math.pi)
    return ((a * a + b * b) * np.arctan2(s, -c) + 2 * a * b * np.arctan2(s, c)) / (2 * math.pi)


def _ab_relu_w_mp(q1: Any, q2: Any, q12: Any, *, a: Any, b: Any) -> Any:
    scale = mpmath.sqrt(q1 * q2)
    if scale == 0:
        return a * b * q12
    c = max(min(q12 / scale, mpmath.mpf(1)), mpmath.mpf(-1))
    eps = mpmath.acos(-c)
    # sin(eps) - eps cos(eps) ~ eps^3/3 cancels ~ 3 log10(1/eps) digits: carry them.
    extra = 10 + (int(-3 * mpmath.log10(eps)) if eps > 0 and eps < 1 else 0)
    with mpmath.extradps(extra):
        eps = mpmath.acos(-c)
        j1 = mpmath.sin(eps) - eps * mpmath.cos(eps)
        out = (a - b) ** 2 * scale * j1 / (2 * mpmath.pi) + a * b * q12
    return +out


def _ab_relu_wd_mp(q1: Any, q2: Any, q12: Any, *, a: Any, b: Any) -> Any:
    scale = mpmath.sqrt(q1 * q2)
    c = max(min(q12 / scale, mpmath.mpf(1)), mpmath.mpf(-1)) if scale else mpmath.mpf(0)
    if a * b < 0:  # no cancellation (see _ab_relu_wd_np)
        return (a + b) ** 2 / 4 + (a - b) ** 2 * mpmath.asin(c) / (2 * mpmath.pi)
    return ((a * a + b * b) * mpmath.acos(-c) + 2 * a * b * mpmath.acos(c)) / (2 * mpmath.pi)


_J1 = sympy.sqrt(1 - _c**2) + (sympy.pi - sympy.acos(_c)) * _c

AB_RELU = register(
    ActivationSpec(
        name="ab_relu",
        phi=sympy.Piecewise((_a * X, X > 0), (_b * X, True)),
        description="(a, b)-ReLU: a x for x > 0, b x otherwise (ReLU, leaky ReLU, abs, linear)",
        references=("CS09 eq. (6)", "NT20 (stax.ABRelu)"),
        params=(
            Param("a", sympy.Reals, "slope for x > 0", 1.0),
            Param("b", sympy.Reals, "slope for x < 0", 0.0),
        ),
        closed_forms={
            "W": ClosedForm(
                sympy.sqrt(Q1 * Q2) * (_a - _b) ** 2 * _J1 / (2 * sympy.pi) + _a * _b * Q12,
                "CS09 eq. (6) with phi = a u_+ - b (-u)_+",
                numpy=_ab_relu_w_np,
                mpmath=_ab_relu_w_mp,
            ),
            "V": ClosedForm((_a**2 + _b**2) * Q / 2, "CS09 eq. (6) at c = 1"),
            "Wd": ClosedForm(
                ((_a**2 + _b**2) * (sympy.pi - sympy.acos(_c)) + 2 * _a * _b * sympy.acos(_c))
                / (2 * sympy.pi),
                "CS09 eq. (6), n = 0",
                numpy=_ab_relu_wd_np,
                mpmath=_ab_relu_wd_mp,
            ),
            "Vd": ClosedForm((_a**2 + _b**2) / 2, "CS09 eq. (6), n = 0 at c = 1"),
        },
    )
)

register_preset("relu", Preset("ab_relu", {"a": 1, "b": 0}, "ReLU max(x, 0)"))
register_preset(
    "leaky_relu",
    Preset("ab_relu", {"a": 1}, "leaky ReLU: x for x > 0, b x otherwise", {"b": 0.01}),
)
register_preset("abs", Preset("ab_relu", {"a": 1, "b": -1}, "absolute value |x|"))
register_preset("linear", Preset("ab_relu", {"a": 1, "b": 1}, "identity x"))


# ----------------------------------------------------------------------------------------
# alpha-ReLU
# ----------------------------------------------------------------------------------------
# A zero variance (q1 = 0 or q2 = 0) makes u or v identically 0. The transforms are then
# taken as their limits where these exist: W -> 0 for alpha > 0 (phi is continuous with
# phi(0) = 0 and |W| <= sqrt(V(q1) V(q2)) -> 0), W_d -> 0 for alpha > 1; at alpha = 1 (ReLU)
# W_d = (pi - arccos c)/(2 pi) depends on the correlation only, and is evaluated at c = 0 as
# for the (a, b)-ReLU. Otherwise the limit depends on the correlation or is infinite (the
# step, alpha = 0, jumps at 0), and the transform is refused with a ValueError.
def _zero_variance_w(alpha: Any) -> ValueError:
    return ValueError(
        f"q1 and q2 must be > 0 for the cross moment of alpha-ReLU with alpha = {alpha} <= 0 "
        f"(the step at alpha = 0): phi is discontinuous at 0, so W(q1, q2, q12) has no limit "
        f"as a variance tends to 0 (it depends on the correlation, or is infinite)"
    )


def _zero_variance_wd(alpha: Any) -> ValueError:
    return ValueError(
        f"q1 and q2 must be > 0 for the derivative cross moment of alpha-ReLU with "
        f"alpha = {alpha} < 1: phi' is unbounded or discontinuous at 0, so E[phi'(u) phi'(v)] "
        f"has no finite limit as a variance tends to 0"
    )


def _alpha_relu_w_np(q1: Any, q2: Any, q12: Any, *, alpha: float) -> np.ndarray:
    q1, q2, q12 = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (q1, q2, q12)))
    zero = (q1 == 0) | (q2 == 0)
    if alpha <= 0 and np.any(zero):
        raise _zero_variance_w(alpha)
    c = _correlation_np(q1, q2, q12)
    out = geometric_mean(q1, q2) ** alpha * _ak().arccos_kernel_np(alpha, c)
    return np.where(zero, 0.0, out)


def _alpha_relu_wd_np(q1: Any, q2: Any, q12: Any, *, alpha: float) -> np.ndarray:
    q1, q2, q12 = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (q1, q2, q12)))
    zero = (q1 == 0) | (q2 == 0)
    if alpha < 1 and np.any(zero):
        raise _zero_variance_wd(alpha)
    c = _correlation_np(q1, q2, q12)  # c = 0 where a variance is 0
    scale = np.where(zero, 1.0, geometric_mean(q1, q2)) ** (alpha - 1)
    out = scale * _ak().arccos_kernel_np(alpha, c, derivative=True)
    return np.where(zero & (alpha > 1), 0.0, out)


def _mp_correlation(q1: Any, q2: Any, q12: Any) -> Any:
    scale = mpmath.sqrt(q1 * q2)
    if scale == 0:
        return mpmath.mpf(0)
    c = q12 / scale
    return max(min(c, mpmath.mpf(1)), mpmath.mpf(-1))


def _alpha_relu_w_mp(q1: Any, q2: Any, q12: Any, *, alpha: Any) -> Any:
    if q1 == 0 or q2 == 0:
        if alpha <= 0:
            raise _zero_variance_w(alpha)
        return mpmath.mpf(0)
    c = _mp_correlation(q1, q2, q12)
    return (q1 * q2) ** (alpha / 2) * _ak().arccos_kernel_mp(alpha, c)


def _alpha_relu_wd_mp(q1: Any, q2: Any, q12: Any, *, alpha: Any) -> Any:
    if q1 == 0 or q2 == 0:
        if alpha < 1:
            raise _zero_variance_wd(alpha)
        if alpha > 1:
            return mpmath.mpf(0)
        return _ak().arccos_kernel_mp(alpha, mpmath.mpf(0), derivative=True)
    c = _mp_correlation(q1, q2, q12)
    return (q1 * q2) ** ((alpha - 1) / 2) * _ak().arccos_kernel_mp(alpha, c, derivative=True)


def _hyp(a: sympy.Expr, b: sympy.Expr, z: sympy.Expr) -> sympy.Expr:
    return sympy.hyper([a, a], [b], z)


_K_ALPHA = (
    2**_alpha
    / (4 * sympy.pi)
    * (
        sympy.gamma((_alpha + 1) / 2) ** 2 * _hyp(-_alpha / 2, sympy.Rational(1, 2), _c**2)
        + 2
        * _c
        * sympy.gamma(_alpha / 2 + 1) ** 2
        * _hyp((1 - _alpha) / 2, sympy.Rational(3, 2), _c**2)
    )
)
_KDOT_ALPHA = (
    2 ** (_alpha - 1)
    / (4 * sympy.pi)
    * (
        4 * sympy.gamma(_alpha / 2 + 1) ** 2 * _hyp((1 - _alpha) / 2, sympy.Rational(1, 2), _c**2)
        + 2
        * _c
        * _alpha**2
        * sympy.gamma((_alpha + 1) / 2) ** 2
        * _hyp((2 - _alpha) / 2, sympy.Rational(3, 2), _c**2)
    )
)

ALPHA_RELU = register(
    ActivationSpec(
        name="alpha_relu",
        phi=sympy.Piecewise((X**_alpha, X > 0), (0, True)),
        description="alpha-ReLU: x^alpha for x > 0, 0 otherwise (step at 0, ReLU at 1)",
        references=("YS17 Sec. 2 and appendix", "CS09 eq. (1)-(7)"),
        params=(
            Param(
                "alpha",
                sympy.Interval.open(sympy.Rational(-1, 2), sympy.oo),
                "exponent, alpha > -1/2 (finite second moment)",
                None,
            ),
        ),
        closed_forms={
            "W": ClosedForm(
                (Q1 * Q2) ** (_alpha / 2) * _K_ALPHA,
                "YS17 appendix (hypergeometric alpha-ReLU kernel); CS09 for integer alpha",
                numpy=_alpha_relu_w_np,
                mpmath=_alpha_relu_w_mp,
            ),
            "V": ClosedForm(
                Q**_alpha
                * 2 ** (_alpha - 1)
                * sympy.gamma(_alpha + sympy.Rational(1, 2))
                / sympy.sqrt(sympy.pi),
                "Gaussian moment E[z_+^{2 alpha}] (DLMF 5.9.1 / YS17 appendix)",
            ),
            "Wd": ClosedForm(
                (Q1 * Q2) ** ((_alpha - 1) / 2) * _KDOT_ALPHA,
                "Price [P58] applied to YS17 appendix kernel (alpha^2 k_{alpha-1})",
                valid_when=lambda p: p["alpha"] >= 0,
                numpy=_alpha_relu_wd_np,
                mpmath=_alpha_relu_wd_mp,
            ),
            "Vd": ClosedForm(
                _alpha**2
                * Q ** (_alpha - 1)
                * 2 ** (_alpha - 2)
                * sympy.gamma(_alpha - sympy.Rational(1, 2))
                / sympy.sqrt(sympy.pi),
                "Gaussian moment alpha^2 E[z_+^{2 alpha - 2}] (DLMF 5.9.1), finite for alpha > 1/2",
                valid_when=lambda p: p["alpha"] > 0.5,
            ),
        },
        undefined={
            "Vd": lambda p: (
                None if p["alpha"] > 0.5 else "E[phi'(u)^2] of alpha-ReLU diverges for alpha <= 1/2"
            ),
            "Wd": lambda p: (
                None
                if p["alpha"] >= 0
                else "E[phi'(u) phi'(v)] of alpha-ReLU diverges for alpha < 0"
            ),
        },
    )
)

register_preset("step", Preset("alpha_relu", {"alpha": 0}, "Heaviside step 1[x > 0]"))
