r"""The normalized kernel of the tail activation in the gap variable, and its fixed point.

For the tail activation :math:`\phi_\infty` of :mod:`asymptote.asymptotics.constants` the
normalized kernel is :math:`J(c) = \mathcal{W}\phi_\infty(1, 1, c)/\mathcal{V}\phi_\infty(1)`
(the large-variance limit of :math:`\mathcal{W}\phi(q, cq)/\mathcal{V}\phi(q)` [YS17,
Sec. 5]). Near :math:`c = 1` the dynamics are driven by the *gap*
:math:`G(\varepsilon) = 1 - J(1 - \varepsilon)`, which is computed directly, never as a
difference of numbers close to 1:

* bounded tails :math:`\phi_\infty = A + B\,\mathrm{sign}(x)`: :math:`J(c) = (A^2 +
  B^2\tfrac{2}{\pi}\arcsin c)/(A^2 + B^2)` ([YS17, Sec. 5.1]: the sign kernel), so
  :math:`G(\varepsilon) = w\,\tfrac{4}{\pi}\arcsin\sqrt{\varepsilon/2}` (since
  :math:`\arccos(1-\varepsilon) = 2\arcsin\sqrt{\varepsilon/2}`), :math:`w = B^2/(A^2+B^2)`,
  and :math:`J'(1-\varepsilon) = w\tfrac{2}{\pi}(\varepsilon(2-\varepsilon))^{-1/2}`;
* positively homogeneous :math:`\phi` (alpha-ReLU): :math:`G` from the transforms at
  ``dps`` plus the digits the subtraction loses (:math:`\log_{10}(1/\varepsilon)`),
  :math:`J' = \mathcal{W}\phi'/\mathcal{V}\phi` (Price [P58]).

:func:`fixed_point_gap` solves :math:`\varepsilon = \rho\,G(\varepsilon)` for the non-zero
root (the fixed point :math:`e_* = 1 - \varepsilon_*` of :math:`\rho J(e) + 1 - \rho = e`
[YS17, Thm. B.1.2, B.2.1]) by bisection in :math:`\log\varepsilon`, so
:math:`\varepsilon_* = 8.1\cdot 10^{-9}` (tanh, :math:`\sigma_a/\sigma_v = 100`) or far
smaller keeps all its digits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import sympy

from .._precision import workdps
from ..activations import BoundActivation
from ..transforms import transform
from .constants import ActivationClass

__all__ = ["TailKernel", "fixed_point_gap", "tail_kernel"]


@dataclass(frozen=True)
class TailKernel:
    """``gap(eps)`` = :math:`1 - J(1-\\varepsilon)` and ``slope(eps)`` = :math:`J'(1-\\varepsilon)`
    (mpmath functions of an mpf, evaluated at the caller's working precision)."""

    gap: Callable[[mpmath.mpf], mpmath.mpf]
    slope: Callable[[mpmath.mpf], mpmath.mpf]


def tail_kernel(act: BoundActivation, cls: ActivationClass, dps: int) -> TailKernel | None:
    """The gap form of the tail kernel, or ``None`` when it is not available (``'other'``)."""
    if cls.kind == "bounded":
        lp = cls.subs(cls.tail_pos)
        ln = cls.subs(cls.tail_neg)
        A2 = ((lp + ln) / 2) ** 2
        B2 = ((lp - ln) / 2) ** 2
        w_exact = sympy.simplify(B2 / (A2 + B2))

        def gap_b(eps: mpmath.mpf) -> mpmath.mpf:
            w = mpmath.mpf(sympy.N(w_exact, mpmath.mp.dps + 5))
            return w * 4 / mpmath.pi * mpmath.asin(mpmath.sqrt(eps / 2))

        def slope_b(eps: mpmath.mpf) -> mpmath.mpf:
            w = mpmath.mpf(sympy.N(w_exact, mpmath.mp.dps + 5))
            return w * 2 / mpmath.pi / mpmath.sqrt(eps * (2 - eps))

        return TailKernel(gap_b, slope_b)
    if cls.kind == "power" and cls.exact:

        def gap_h(eps: mpmath.mpf) -> mpmath.mpf:
            lost = max(0, int(-mpmath.log10(eps))) if eps > 0 else 0
            digits = mpmath.mp.dps + lost + 5
            with workdps(digits):
                v = transform("V", act, 1, dps=digits)
                w = transform("W", act, 1, 1, 1 - eps, dps=digits)
                return (v - w) / v

        def slope_h(eps: mpmath.mpf) -> mpmath.mpf:
            digits = mpmath.mp.dps + 5
            with workdps(digits):
                v = transform("V", act, 1, dps=digits)
                return transform("Wd", act, 1, 1, 1 - eps, dps=digits) / v

        return TailKernel(gap_h, slope_h)
    return None


def fixed_point_gap(kernel: TailKernel, rho: mpmath.mpf, dps: int) -> mpmath.mpf | None:
    r"""The root :math:`\varepsilon_* \in (0, 2)` of :math:`\varepsilon = \rho G(\varepsilon)`
    (``None`` if :math:`\varepsilon - \rho G(\varepsilon)` has no sign change there, i.e.
    :math:`e = 1` is the only fixed point in reach). Bisection in :math:`\log\varepsilon`
    to a relative bracket of :math:`10^{-dps-3}`."""
    with workdps(dps + 10):
        rho = mpmath.mpf(rho)

        def f(eps: mpmath.mpf) -> mpmath.mpf:
            return eps - rho * kernel.gap(eps)

        one = mpmath.mpf(1)
        f1 = f(one)
        if f1 == 0:
            return one
        if f1 < 0:
            lo, hi = one, mpmath.mpf(2)
            if f(hi) < 0:
                return None
        else:
            hi = one
            lo = None
            for j in range(1, 4000):
                cand = mpmath.mpf(10) ** (-j)
                if f(cand) < 0:
                    lo = cand
                    break
                hi = cand
            if lo is None:
                return None
        tol = mpmath.mpf(10) ** (-(dps + 3))
        for _ in range(20 * (dps + 10)):
            mid = mpmath.sqrt(lo * hi) if lo < hi / 2 else (lo + hi) / 2
            if f(mid) < 0:
                lo = mid
            else:
                hi = mid
            if hi - lo <= tol * hi:
                break
        return +((lo + hi) / 2)
