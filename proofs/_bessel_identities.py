r"""The identities relating alpha-ReLU kernels to Bessel :math:`K_0` ([YS17] App. C.7.1), as
claims: each with two independent numerical routes and, where it can, a SymPy proof.

The appendix of [YS17] (Sec. C.7.1) relates the kernels
:math:`k_\alpha(c) = E[\phi_\alpha(X)\phi_\alpha(Y)]` to :math:`K_0`; its text could not be
recovered (our copy has the formulas stripped and no public mirror with the appendix was
found), so :func:`bessel_identities` lists identities *derived* from the definitions
(:math:`K_0(v) = \int_0^\infty e^{-v\cosh t}dt`, DLMF 10.32.9), each cited to its
mathematical source. The routes come from :mod:`asymptote.alpha_relu.bessel` (three
evaluations of :math:`\int_0^\infty v^\alpha e^{cv}K_0(v)\,dv`) and
:mod:`asymptote.numeric.arccos_kernels` (closed form and polar quadrature of
:math:`k_\alpha`). :mod:`proofs.yang_schoenholz2017` turns each identity into a claim
``YS17/bessel/<name>``; ``tests/unit/test_alpha_relu_identities.py`` checks every sample
point to 50 digits and every SymPy proof.

Private (leading underscore): the claims registry skips it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import mpmath
import sympy

from asymptote._precision import check_dps, round_mpf, to_mpf, workdps
from asymptote.alpha_relu.bessel import (
    k0_laplace_closed_form,
    k0_laplace_hyperbolic,
    k0_laplace_quadrature,
)
from asymptote.numeric.arccos_kernels import arccos_kernel_mp, arccos_kernel_quadrature_mp

__all__ = ["BesselIdentity", "bessel_identities"]


def _k_at_one(a: Any) -> Any:
    """:math:`k_\\alpha(1) = 2^{\\alpha-1}\\Gamma(\\alpha+1/2)/\\sqrt\\pi` at the working precision."""
    return mpmath.power(2, a - 1) * mpmath.gamma(a + mpmath.mpf(1) / 2) / mpmath.sqrt(mpmath.pi)


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
            * k0_laplace_quadrature(a, c)
        )

    def moment_lhs(a: Any) -> Any:
        return k0_laplace_quadrature(a, mpmath.mpf(0))

    def moment_rhs(a: Any) -> Any:
        return mpmath.power(2, a - 1) * mpmath.gamma((a + 1) / 2) ** 2

    def j_zero_lhs(a: Any) -> Any:
        return arccos_kernel_quadrature_mp(a, 0) / _k_at_one(a)

    def j_zero_rhs(a: Any) -> Any:
        return mpmath.gamma((a + 1) / 2) ** 2 / (
            2 * mpmath.sqrt(mpmath.pi) * mpmath.gamma(a + mpmath.mpf(1) / 2)
        )

    def slope_zero_lhs(a: Any) -> Any:
        return arccos_kernel_quadrature_mp(a, 0, derivative=True)

    def slope_zero_rhs(a: Any) -> Any:
        return mpmath.power(2, a - 1) * mpmath.gamma(a / 2 + 1) ** 2 / mpmath.pi

    def laplace0_lhs(c: Any) -> Any:
        return k0_laplace_quadrature(mpmath.mpf(0), c)

    def laplace0_rhs(c: Any) -> Any:
        return mpmath.acos(-c) / mpmath.sqrt((1 - c) * (1 + c))

    def cho_saul_lhs(n: Any, c: Any) -> Any:
        return k0_laplace_quadrature(n, c)

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
        return k0_laplace_quadrature(a, c)

    def hyperbolic_rhs(a: Any, c: Any) -> Any:
        return k0_laplace_hyperbolic(a, c)

    def closed_lhs(a: Any, c: Any) -> Any:
        return k0_laplace_hyperbolic(a, c)

    def closed_rhs(a: Any, c: Any) -> Any:
        return k0_laplace_closed_form(a, c)

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
