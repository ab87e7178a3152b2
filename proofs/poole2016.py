"""Poole et al. 2016 [PLRSG16], as presented in the talk [P19]: length map, correlation map,
chi_1, order and chaos, the critical line (edge of chaos), and the kernel-map eigenvalue.

Independent routes: the defining equations evaluated again at higher precision, closed forms
written out here from [W97] and [CS09] (not the registry's), direct ``mpmath.quad``
integrals, finite differences of the maps, and iteration of the two-input kernel map.
"""

from __future__ import annotations

import functools
from typing import Any

import mpmath
import numpy as np
import sympy

from asymptote.activations import activation
from asymptote.claims import Claim, Expected, ExponentFit, HighPrecision, SymbolicIdentity
from asymptote.feedforward import (
    correlation_map,
    critical_point,
    fixed_point_length,
    length_map,
    mean_field,
)
from asymptote.transforms import transform

from ._common import chi_1, gaussian_average, phi, q, q_star, sigma_b, sigma_w, z

SOURCE = "PLRSG16"


# ---------------------------------------------------------------------------------------
# closed forms written out again from the literature (independent of the registry)
# ---------------------------------------------------------------------------------------
def erf_V(qq: Any) -> Any:
    """[W97, eq. (11)] at q1 = q2 = q12: V(q) = (2/pi) asin(2q/(1+2q))."""
    return 2 / mpmath.pi * mpmath.asin(2 * qq / (1 + 2 * qq))


def erf_W(qa: Any, qb: Any, qab: Any) -> Any:
    """[W97, eq. (11)]: W = (2/pi) asin(2 q12 / sqrt((1+2 q1)(1+2 q2)))."""
    return 2 / mpmath.pi * mpmath.asin(2 * qab / mpmath.sqrt((1 + 2 * qa) * (1 + 2 * qb)))


def erf_Vd(qq: Any) -> Any:
    """E[erf'(sqrt(q) z)^2] = (4/pi)/sqrt(1+4q) (Gaussian integral of exp(-2 u^2))."""
    return 4 / mpmath.pi / mpmath.sqrt(1 + 4 * qq)


def _gauss_quad(f: Any) -> Any:
    return mpmath.quad(lambda t: f(t) * mpmath.exp(-(t**2) / 2), [-mpmath.inf, 0, mpmath.inf]) / (
        mpmath.sqrt(2 * mpmath.pi)
    )


# ---------------------------------------------------------------------------------------
# migrated from asymptote/verify.py: q* solves its own equation
# ---------------------------------------------------------------------------------------
def _fixed_point_claim(name: str, sw: str, sb: str) -> Claim:
    @functools.cache
    def q_star_at(dps: int) -> Any:
        return mean_field(name, sw, sb, dps=dps).q_star

    def reference(dps: int) -> Any:
        qs = q_star_at(dps)
        with mpmath.workdps(dps + 10):
            return (
                mpmath.mpf(sw) ** 2 * transform("V", name, qs, dps=dps + 10) + mpmath.mpf(sb) ** 2
            )

    return Claim(
        id=f"PLRSG16/length-map/fixed-point/{name}",
        source=SOURCE,
        location="eq. (4)",
        statement=(
            f"For {name} at sigma_w = {sw}, sigma_b = {sb} the length map has a fixed point q* "
            "that is mapped to itself."
        ),
        expected=Expected(reference, "length map sigma_w^2 V(q*) + sigma_b^2 evaluated at dps+10"),
        check=HighPrecision(q_star_at, digits=27, dps=30),
        tolerance_why=(
            "q* is certified to 30 digits and the map is a contraction there (chi_q < 1), so "
            "image and point agree to 30 digits; 3 digits are left for rounding of q* and V"
        ),
        derivation=_fixed_point_derivation(name, sw, sb),
    )


def _fixed_point_derivation(name: str, sw: str, sb: str) -> Any:
    def steps() -> list[tuple[str, Any]]:
        point = mean_field(name, sw, sb, dps=30)
        return [
            (
                "Network: h^l = W^l phi(h^(l-1)) + b^l with weights of variance sigma_w^2/N and "
                "biases of variance sigma_b^2; the pre-activations of a layer are i.i.d. "
                "centred Gaussians of variance q^l in the wide limit.",
                None,
            ),
            (
                "Length map (the variance of the next layer):",
                sympy.Eq(
                    sympy.Symbol("q^{l}"),
                    sigma_w**2 * gaussian_average(phi(sympy.sqrt(sympy.Symbol("q^{l-1}")) * z) ** 2)
                    + sigma_b**2,
                ),
            ),
            (
                "A fixed point solves the same equation with q^l = q^(l-1) = q*:",
                sympy.Eq(
                    q_star,
                    sigma_w**2 * gaussian_average(phi(sympy.sqrt(q_star) * z) ** 2) + sigma_b**2,
                ),
            ),
            (
                f"For phi = {name}, sigma_w = {sw}, sigma_b = {sb} the root (certified bracket, "
                "30 digits) is",
                sympy.Eq(q_star, sympy.Float(mpmath.nstr(point.q_star, 30), 30)),
            ),
            (
                "It is attracting: the slope of the map there is chi_q = sigma_w^2 dV/dq(q*) =",
                sympy.Float(mpmath.nstr(point.chi_q, 20), 20),
            ),
        ]

    return steps


# ---------------------------------------------------------------------------------------
# ReLU: closed-form fixed point and the critical line sigma_w = sqrt(2)
# ---------------------------------------------------------------------------------------
def _relu_q_star(dps: int) -> Any:
    return fixed_point_length("relu", "1.2", "0.5", dps=dps)


def _relu_chi_symbolic() -> sympy.Expr:
    """sigma_w^2 E[phi'^2] for ReLU, from the registry's declared SymPy closed form."""
    relu = activation("relu")
    form = relu.spec.symbolic_forms["Vd"][0].subs(relu.sympy_subs)
    return sympy.simplify(sigma_w**2 * form.subs({s: q for s in form.free_symbols}))


def _relu_critical_sigma_w() -> sympy.Expr:
    roots = sympy.solve(sympy.Eq(_relu_chi_symbolic(), 1), sigma_w)
    return roots[0]


def _relu_critical_derivation() -> list[tuple[str, Any]]:
    return [
        (
            "For ReLU, phi'(u) = 1 for u > 0 and 0 otherwise, so E[phi'(sqrt(q) z)^2] = 1/2 "
            "for every q > 0 (half the Gaussian mass).",
            None,
        ),
        ("chi_1 from the registry's declared closed form:", sympy.Eq(chi_1, _relu_chi_symbolic())),
        (
            "It does not depend on q*, so the critical line chi_1 = 1 is vertical:",
            sympy.Eq(sigma_w, _relu_critical_sigma_w()),
        ),
        (
            "On it the length map q -> q + sigma_b^2 has no finite fixed point for sigma_b > 0 "
            "(the variance grows linearly in depth).",
            None,
        ),
    ]


# ---------------------------------------------------------------------------------------
# correlation map
# ---------------------------------------------------------------------------------------
def _erf_c_one_image(dps: int) -> Any:
    return correlation_map("erf", "2", "0.1", 1, dps=dps)


def _tanh_c_one_image(dps: int) -> Any:
    return mpmath.mpf(correlation_map("tanh", 1.3, 0.3, 1.0))


def _erf_slope_at_one(dps: int) -> Any:
    """Backward 5-point difference of the correlation map at c = 1 (order h^4), from the
    closed form written out here, at q* of the library's root finder."""
    with mpmath.workdps(2 * dps + 10):
        qs = fixed_point_length("erf", "1.1", "0.3", dps=2 * dps + 10)
        sw2, sb2 = mpmath.mpf("1.1") ** 2, mpmath.mpf("0.3") ** 2

        def cmap(cc: Any) -> Any:
            return (sw2 * erf_W(qs, qs, cc * qs) + sb2) / qs

        h = mpmath.mpf(10) ** (-(dps // 4 + 3))
        f = [cmap(1 - k * h) for k in range(5)]
        return (25 * f[0] - 48 * f[1] + 36 * f[2] - 16 * f[3] + 3 * f[4]) / (12 * h)


def _erf_chi_1(dps: int) -> Any:
    return mean_field("erf", "1.1", "0.3", dps=dps).chi_1


def _erf_chaotic_c_star_reference(dps: int) -> Any:
    with mpmath.workdps(dps + 10):
        sw2, sb2 = mpmath.mpf(2) ** 2, mpmath.mpf("0.1") ** 2
        qs = mpmath.findroot(lambda x: sw2 * erf_V(x) + sb2 - x, mpmath.mpf(1))
        return mpmath.findroot(
            lambda cc: (sw2 * erf_W(qs, qs, cc * qs) + sb2) / qs - cc, mpmath.mpf("0.02")
        )


def _erf_chaotic_c_star(dps: int) -> Any:
    return mean_field("erf", "2", "0.1", dps=dps).c_star


# ---------------------------------------------------------------------------------------
# critical line
# ---------------------------------------------------------------------------------------
def _erf_critical_reference(dps: int) -> Any:
    """Solve chi_1 = 1 and q = sigma_w^2 V(q) + sigma_b^2 with the [W97] forms written here."""
    with mpmath.workdps(dps + 10):
        sb2 = mpmath.mpf("0.1") ** 2

        def excess(x: Any) -> Any:  # on chi_1 = 1, sigma_w^2 = 1/Vd(q)
            return x - erf_V(x) / erf_Vd(x) - sb2

        qq = mpmath.findroot(excess, mpmath.mpf("0.25"))
        return 1 / mpmath.sqrt(erf_Vd(qq))


def _tanh_critical_reference(dps: int) -> Any:
    """The same two equations for tanh by direct mpmath.quad Gaussian integrals."""
    with mpmath.workdps(dps + 5):
        sb2 = mpmath.mpf("0.3") ** 2

        def excess(x: Any) -> Any:
            s = mpmath.sqrt(x)
            v = _gauss_quad(lambda t: mpmath.tanh(s * t) ** 2)
            vd = _gauss_quad(lambda t: mpmath.sech(s * t) ** 4)
            return x - v / vd - sb2

        qq = mpmath.findroot(excess, mpmath.mpf("0.7635"))
        s = mpmath.sqrt(qq)
        return 1 / mpmath.sqrt(_gauss_quad(lambda t: mpmath.sech(s * t) ** 4))


# ---------------------------------------------------------------------------------------
# the talk: largest eigenvalue of the kernel map's Jacobian at Sigma* = q* [[1,1],[1,1]]
# ---------------------------------------------------------------------------------------
def _kernel_map_trajectory(name: str, sw: float, sb: float, depth: int) -> Any:
    """Iterate the two-input kernel map (q11, q22, q12) from a perturbed Sigma* and return
    the max-norm distance to Sigma* per layer (float64)."""

    def trajectory() -> tuple[np.ndarray, np.ndarray]:
        qs = float(fixed_point_length(name, sw, sb))
        sw2, sb2 = sw * sw, sb * sb
        k11, k22, k12 = qs * 1.05, qs * 0.97, qs * 0.96
        depths, devs = [], []
        for layer in range(1, depth + 1):
            k11, k22, k12 = (
                sw2 * float(transform("V", name, k11)) + sb2,
                sw2 * float(transform("V", name, k22)) + sb2,
                sw2 * float(transform("W", name, k11, k22, k12)) + sb2,
            )
            depths.append(layer)
            devs.append(max(abs(k11 - qs), abs(k22 - qs), abs(k12 - qs)) / qs)
        return np.asarray(depths, float), np.asarray(devs)

    return trajectory


def _log_chi_1(name: str, sw: float, sb: float) -> Any:
    return lambda dps: mpmath.log(mpmath.mpf(mean_field(name, sw, sb).chi_1))


_LAMBDA_WHY = (
    "the map's Jacobian in (q11, q22, q12) is triangular with eigenvalues chi_q (twice) and "
    "chi_1, so the distance decays as lambda_max^l up to relative corrections O(epsilon) "
    "< 1e-4 inside the fitted window and a subdominant mode below 1e-6 after 30 layers; "
    "float64 rounding of 1e-16 on deviations >= 1e-10 adds < 1e-5"
)

CLAIMS: list[Claim] = [
    *(
        _fixed_point_claim(*args)
        for args in (("tanh", "1.3", "0.3"), ("erf", "2", "0.1"), ("gelu", "1.5", "0.2"))
    ),
    Claim(
        id="PLRSG16/length-map/relu-closed-form",
        source=SOURCE,
        location="eq. (3)-(4)",
        statement=(
            "For ReLU the length map is linear, q -> sigma_w^2 q/2 + sigma_b^2, so "
            "q* = sigma_b^2/(1 - sigma_w^2/2) when sigma_w^2 < 2 (here 1.2 and 0.5)."
        ),
        expected=Expected(
            (sigma_b**2 / (1 - sigma_w**2 / 2)).subs(
                {sigma_w: sympy.Rational(6, 5), sigma_b: sympy.Rational(1, 2)}
            ),
            "closed form sigma_b^2/(1 - sigma_w^2/2) at sigma_w = 6/5, sigma_b = 1/2",
        ),
        check=HighPrecision(_relu_q_star, digits=38, dps=40),
        tolerance_why="both sides are exact to 40 digits; 2 digits for the final rounding",
    ),
    Claim(
        id="PLRSG16/length-map/independent-of-input",
        source=SOURCE,
        location="Sec. 2, Fig. 1",
        statement=(
            "The length map forgets the input norm: iterating it from q^0 = 25 reaches the "
            "same fixed point as the root finder (erf, sigma_w = 2, sigma_b = 0.1)."
        ),
        expected=Expected(
            lambda dps: fixed_point_length("erf", "2", "0.1", dps=dps),
            "root of q = sigma_w^2 V(q) + sigma_b^2 (certified bracket)",
        ),
        check=HighPrecision(
            lambda dps: _iterate_length_map_erf(dps, mpmath.mpf(25)), digits=25, dps=30
        ),
        tolerance_why=(
            "the iteration stops when a step changes q by < 1e-32 relative; with contraction "
            "chi_q < 0.8 the remaining distance is < 4e-32 relative"
        ),
    ),
    Claim(
        id="PLRSG16/correlation-map/c-one-fixed-point/erf",
        source=SOURCE,
        location="eq. (5), Sec. 3",
        statement="Perfect correlation c = 1 is a fixed point of the correlation map (erf, 2, 0.1).",
        expected=Expected(sympy.Integer(1), "c = 1 exactly"),
        check=HighPrecision(_erf_c_one_image, digits=25, dps=30),
        tolerance_why=(
            "W(q*, q*, q*) = V(q*) and q* solves its equation to 30 digits, so the image is 1 "
            "to about 29 digits"
        ),
    ),
    Claim(
        id="PLRSG16/correlation-map/c-one-fixed-point/tanh",
        source=SOURCE,
        location="eq. (5), Sec. 3",
        statement="Perfect correlation c = 1 is a fixed point of the correlation map (tanh, 1.3, 0.3).",
        expected=Expected(sympy.Integer(1), "c = 1 exactly"),
        check=HighPrecision(_tanh_c_one_image, digits=12, dps=20),
        tolerance_why="float64 fast path: q* and W at c = 1 each carry ~1e-13 relative error",
    ),
    Claim(
        id="PLRSG16/chi1/slope-of-correlation-map",
        source=SOURCE,
        location="eq. (7)",
        statement=(
            "chi_1 = sigma_w^2 E[phi'(sqrt(q*) z)^2] is the slope of the correlation map at "
            "c = 1 (erf, sigma_w = 1.1, sigma_b = 0.3)."
        ),
        expected=Expected(_erf_chi_1, "chi_1 formula of eq. (7) (library, 30 digits)"),
        check=HighPrecision(_erf_slope_at_one, digits=25, dps=30),
        tolerance_why=(
            "5-point backward difference with h = 1e-10 at 70 digits: truncation ~h^4 = 1e-40, "
            "rounding ~1e-70/h = 1e-60"
        ),
    ),
    Claim(
        id="PLRSG16/order-chaos/chaotic-fixed-point/erf",
        source=SOURCE,
        location="Sec. 3, Fig. 2",
        statement=(
            "In the chaotic phase (chi_1 > 1) the correlation map has a stable fixed point "
            "c* < 1; for erf at sigma_w = 2, sigma_b = 0.1 its value is found by a second route."
        ),
        expected=Expected(
            _erf_chaotic_c_star_reference, "findroot on the [W97] closed form written in proofs/"
        ),
        check=HighPrecision(_erf_chaotic_c_star, digits=25, dps=30),
        tolerance_why="both roots are converged to > 30 digits; the map's slope at c* is < 1",
    ),
    Claim(
        id="PLRSG16/order-chaos/odd-unbiased-c-star-zero",
        source=SOURCE,
        location="Sec. 3",
        statement=(
            "For an odd activation without bias in the chaotic phase, inputs decorrelate "
            "completely: c* = 0 (erf, sigma_w = 2, sigma_b = 0)."
        ),
        expected=Expected(sympy.Integer(0), "W(q, q, 0) = 0 for odd phi"),
        check=HighPrecision(
            lambda dps: mean_field("erf", "2", "0", dps=dps).c_star,
            digits=25,
            dps=30,
            scale="absolute",
        ),
        tolerance_why="c* is certified to 33 digits absolute",
    ),
    Claim(
        id="PLRSG16/critical-line/relu",
        source=SOURCE,
        location="Fig. 2; [P19] slide 'critical initialization'",
        statement=(
            "For ReLU chi_1 = sigma_w^2/2 does not depend on q*, so the edge of chaos is "
            "sigma_w = sqrt(2) for every bias."
        ),
        expected=Expected(sympy.sqrt(2), "He initialization, sigma_w^2 = 2"),
        check=SymbolicIdentity(_relu_critical_sigma_w),
        tolerance_why="exact symbolic solution of chi_1 = 1",
        derivation=_relu_critical_derivation,
    ),
    Claim(
        id="PLRSG16/critical-line/tanh-zero-bias",
        source=SOURCE,
        location="Fig. 2",
        statement="Without bias the tanh edge of chaos is at sigma_w = 1 (phi'(0) = 1, q* = 0).",
        expected=Expected(sympy.Integer(1), "1/phi'(0) for tanh"),
        check=HighPrecision(lambda dps: critical_point("tanh", 0, dps=dps)[0], digits=28, dps=30),
        tolerance_why="q* = 0 exactly, so sigma_w = 1/sqrt(E[phi'(0)^2]) is exact to rounding",
    ),
    Claim(
        id="PLRSG16/critical-line/erf-zero-bias",
        source=SOURCE,
        location="Fig. 2",
        statement="Without bias the erf edge of chaos is at sigma_w = sqrt(pi)/2 (erf'(0) = 2/sqrt(pi)).",
        expected=Expected(sympy.sqrt(sympy.pi) / 2, "1/erf'(0)"),
        check=HighPrecision(lambda dps: critical_point("erf", 0, dps=dps)[0], digits=28, dps=30),
        tolerance_why="q* = 0 exactly, so sigma_w = 1/erf'(0) is exact to rounding",
    ),
    Claim(
        id="PLRSG16/critical-line/erf",
        source=SOURCE,
        location="Fig. 2",
        statement=(
            "At sigma_b = 0.1 the erf edge of chaos (chi_1 = 1 with q* on the length map) is at "
            "the sigma_w found from the closed forms of [W97] by a separate root finder."
        ),
        expected=Expected(
            _erf_critical_reference, "findroot on [W97] closed forms written in proofs/"
        ),
        check=HighPrecision(
            lambda dps: critical_point("erf", "0.1", dps=dps)[0], digits=27, dps=30
        ),
        tolerance_why="both roots converge quadratically to > 30 digits",
    ),
    Claim(
        id="PLRSG16/critical-line/tanh",
        source=SOURCE,
        location="Fig. 2",
        statement=(
            "At sigma_b = 0.3 the tanh edge of chaos is where chi_1 = 1 on the length map's "
            "fixed point; a second route with direct Gaussian quadrature finds the same sigma_w."
        ),
        expected=Expected(
            _tanh_critical_reference, "findroot with mpmath.quad integrals (proofs/)"
        ),
        check=HighPrecision(
            lambda dps: critical_point("tanh", "0.3", dps=dps)[0], digits=20, dps=25
        ),
        tolerance_why="tanh-sinh quadrature of analytic integrands converges to the working 30 digits",
        quick=False,
    ),
    Claim(
        id="P19/kernel-map/lambda-max-is-chi/tanh",
        source="P19",
        location="slides 'fixed point analysis', 'the edge of chaos'",
        statement=(
            "Near Sigma* = q* [[1, 1], [1, 1]] the two-input kernel map contracts at the rate of "
            "its largest Jacobian eigenvalue, and that eigenvalue is chi (= chi_1): tanh, 1.3, 0.3."
        ),
        expected=Expected(_log_chi_1("tanh", 1.3, 0.3), "ln chi_1 (library formula)"),
        check=ExponentFit(
            _kernel_map_trajectory("tanh", 1.3, 0.3, 420), abs_tol=1e-4, window=(1e-10, 1e-4)
        ),
        tolerance_why=_LAMBDA_WHY,
        quick=False,
    ),
    Claim(
        id="P19/kernel-map/lambda-max-is-chi/softplus",
        source="P19",
        location="slides 'fixed point analysis', 'the edge of chaos'",
        statement=(
            "The largest Jacobian eigenvalue of the kernel map at Sigma* equals chi (= chi_1): "
            "softplus, sigma_w = 0.9, sigma_b = 0.2."
        ),
        expected=Expected(_log_chi_1("softplus", 0.9, 0.2), "ln chi_1 (library formula)"),
        check=ExponentFit(
            _kernel_map_trajectory("softplus", 0.9, 0.2, 60), abs_tol=1e-4, window=(1e-10, 1e-4)
        ),
        tolerance_why=_LAMBDA_WHY,
        status="discrepancy",
        note=(
            "The Jacobian of the kernel map at Sigma* is triangular in (q11, q22, q12) with "
            "eigenvalues chi_q (length direction, twice) and chi_1 (correlation direction), so "
            "lambda_max = max(chi_1, chi_q). For activations with E[phi phi''] > 0 such as "
            "softplus (and GELU at e.g. 1.5, 0.2) chi_q > chi_1 and lambda_max = chi_q, not "
            "chi. Order/chaos is still decided by chi_1; only the identification fails."
        ),
        evidence=(
            "softplus at (0.9, 0.2): chi_1 = 0.22831, chi_q = 0.36145; the measured decay rate "
            "of the iterated kernel map is ln 0.3614 = -1.0177, not ln chi_1 = -1.4770"
        ),
    ),
]


def _iterate_length_map_erf(dps: int, start: Any) -> Any:
    with mpmath.workdps(dps + 10):
        x = start
        for _ in range(2000):
            new = length_map("erf", "2", "0.1", x, dps=dps + 10)
            if abs(new - x) <= mpmath.mpf(10) ** (-(dps + 2)) * abs(new):
                return new
            x = new
    raise RuntimeError("length map did not converge in 2000 steps")


__all__ = ["CLAIMS"]
