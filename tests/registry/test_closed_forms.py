"""Every closed form of every registered activation against independent quadrature.

The closed forms are claims (DESIGN.md, principle 2): each is compared with the mpmath
tanh-sinh / Gauss-Legendre quadrature of its defining Gaussian integral, which shares no
code with it. Tolerance: the quadrature runs at d digits and is good to a few units in the
last place, so ~10^(5-d) relative leaves room for rounding in both routes.
"""

from __future__ import annotations

import mpmath
import pytest
import sympy

from asymptote.activations import activation
from asymptote.numeric.gaussian_mp import (
    expect_1d_mp,
    expect_2d_homogeneous_mp,
    expect_2d_mp,
)
from asymptote.transforms import transform
from tests.strategies import case_id, registry_cases

#: Every registered family and preset with a closed form, read from the registry (each
#: preset, each parametric family at representative values of its declared domains).
CASES = registry_cases(lambda spec: bool(spec.closed_forms))

ONE_D_POINTS = ["1e-6", "0.3", "2.5", "400"]
TWO_D_POINTS = [("0.7", "1.9", "0.4"), ("2", "2", "-1.999"), ("0.5", "3", "1.2247")]
_ids = case_id


@pytest.mark.parametrize("case", CASES, ids=_ids)
@pytest.mark.parametrize("key", ["V", "Vd", "dV"])
@pytest.mark.parametrize("q", ONE_D_POINTS)
def test_one_d_closed_forms_match_quadrature(case, key, q):
    name, params = case
    act = activation(name, **params)
    if act.undefined_reason(key) or not act.closed_form_valid(key):
        pytest.skip("no finite closed form for this key")
    dps = 30
    got = transform(key, act, q, dps=dps)
    f, df = act.phi_mp, act.dphi_mp
    with mpmath.workdps(dps + 5):
        qq = mpmath.mpf(q)
        integrand = {
            "V": lambda u: f(u) ** 2,
            "Vd": lambda u: df(u) ** 2,
            "dV": lambda u: u * f(u) * df(u),
        }[key]
        ref = expect_1d_mp(integrand, qq, kinks=act.kinks)
        # quadrature error is relative to the integral of |integrand| (oscillatory
        # integrands such as u sin(u) cos(u) cancel to ~e^{-2q})
        with mpmath.workdps(10):  # a rough scale is enough (|.| has kinks: no error check)
            root = mpmath.sqrt(qq)
            scale = mpmath.quad(
                lambda x: abs(integrand(root * x)) * mpmath.npdf(x), [mpmath.ninf, 0, mpmath.inf]
            )
        if key == "dV":
            ref /= qq
            scale /= qq
        # 1e-25 of the scale (quadrature at 35 digits, result rounded to 30)
        assert abs(got - ref) <= mpmath.mpf("1e-25") * scale, (got, ref)


@pytest.mark.parametrize("case", CASES, ids=_ids)
@pytest.mark.parametrize("key", ["W", "Wd"])
@pytest.mark.parametrize("point", TWO_D_POINTS)
def test_two_d_closed_forms_match_quadrature(case, key, point):
    name, params = case
    act = activation(name, **params)
    if act.undefined_reason(key) or not act.closed_form_valid(key):
        pytest.skip("no finite closed form for this key")
    f = act.phi_mp if key == "W" else act.dphi_mp
    degree = act.homogeneity_degree
    if degree is not None:
        if key == "Wd" and degree == 0:
            pytest.skip("phi' of the step is a delta: see test_step_derivative_kernel")
        # homogeneous (rectifier families): the 1-D angular route, at 30 digits
        dps = 30
        got = transform(key, act, *point, dps=dps)
        with mpmath.workdps(dps + 5):
            exact = mpmath.mpf(sympy.N(act.homogeneity_degree_exact, dps + 10))
            k = exact if key == "W" else exact - 1
            ref = expect_2d_homogeneous_mp(f, f, k, *(mpmath.mpf(p) for p in point))
            # quadrature at 35 digits: 1e-25 relative (of max(|ref|, 1e-3)) is ample
            tol = mpmath.mpf("1e-25") * max(abs(ref), mpmath.mpf("1e-3"))
            assert abs(got - ref) <= tol, (got, ref)
        return
    dps = 16
    got = transform(key, act, *point, dps=dps)
    with mpmath.workdps(dps + 2):
        # the defining integral by the fixed-rule engines (Mehler series / iterated
        # trapezoid; the registered strip of analyticity lets them run), sharing no code
        # with the closed form
        ref = expect_2d_mp(
            f,
            f,
            *(mpmath.mpf(p) for p in point),
            analytic_halfwidth=act.spec.singularity_distance,
        )
        scale = max(abs(ref), mpmath.mpf("1e-3"))
        # relative 1e-13 of max(|ref|, 1e-3): quadrature at 18 digits is good to ~1e-16
        assert abs(got - ref) <= mpmath.mpf("1e-13") * scale, (got, ref)


@pytest.mark.parametrize("point", TWO_D_POINTS)
def test_step_derivative_kernel(point):
    """Price's theorem for the step: E[delta(u) delta(v)] = 1/(2 pi sqrt(q1 q2 - q12^2)),
    the bivariate normal density at the origin."""
    got = transform("Wd", "step", *point, dps=30)
    with mpmath.workdps(35):
        q1, q2, q12 = (mpmath.mpf(p) for p in point)
        ref = 1 / (2 * mpmath.pi * mpmath.sqrt(q1 * q2 - q12**2))
        assert abs(got - ref) <= mpmath.mpf("1e-28") * ref


def _skip_without_closed_w(act) -> None:
    # these tests need W at 40-60 digits: without a closed form that is 2-D quadrature
    # (minutes; with kinks, e.g. hard_tanh whose 1-D transforms are closed, it does not converge)
    if "W" not in act.spec.symbolic_forms or not act.closed_form_valid("W"):
        pytest.skip(f"{act!r} has no closed-form W (2-D quadrature at 40-60 digits)")


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_derived_second_moment_is_the_c_to_1_limit_of_the_cross_moment(case):
    """V(q) = lim_{c->1} W(q, q, c q): approach the limit numerically at high precision."""
    name, params = case
    act = activation(name, **params)
    _skip_without_closed_w(act)
    dps = 40
    q = "0.9"
    v = transform("V", act, q, dps=dps)
    gap = mpmath.mpf("1e-30")
    with mpmath.workdps(dps):
        w = transform("W", act, q, q, mpmath.mpf(q) * (1 - gap), dps=dps)
        # W(c) - V = O((1 - c)^p) with p = min(1, k + 1/2) for phi positively homogeneous of
        # degree k (alpha-ReLU: the (1 - c^2)^(alpha + 1/2) term of the hypergeometric
        # connection formula, DLMF 15.8.10; a log factor at p = 1; the step, k = 0, jumps:
        # p = 1/2) and p = 1 for smooth kernels; 100 covers the constants
        degree = act.homogeneity_degree
        power = 1 if degree is None else min(1, degree + 0.5)
        bound = 100 * gap ** (mpmath.mpf(power) - mpmath.mpf("0.01")) * max(1, abs(v))
        assert abs(v - w) <= bound, (v, w)


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_price_theorem_derivative_kernel(case):
    """E[phi'(u)phi'(v)] = dW/dq12 [P58], by a 4th-order central difference at 60 digits."""
    name, params = case
    act = activation(name, **params)
    if act.undefined_reason("Wd"):
        pytest.skip("derivative kernel diverges")
    _skip_without_closed_w(act)
    q1, q2, q12 = "0.8", "1.3", "0.35"
    got = transform("Wd", act, q1, q2, q12, dps=25)
    with mpmath.workdps(60):
        h = mpmath.mpf("1e-9")

        def w(t):
            return transform("W", act, q1, q2, t, dps=60)

        x = mpmath.mpf(q12)
        ref = (8 * (w(x + h) - w(x - h)) - (w(x + 2 * h) - w(x - 2 * h))) / (12 * h)
        # truncation ~h^4 * |W^(5)| ~ 1e-36, rounding ~1e-60/1e-9: 1e-22 is ample
        assert abs(got - ref) <= mpmath.mpf("1e-22") * max(1, abs(ref))


def test_homogeneity_is_derived():
    assert activation("relu").homogeneity_degree == 1.0
    assert activation("alpha_relu", alpha="2.5").homogeneity_degree == pytest.approx(2.5)
    assert activation("tanh").homogeneity_degree is None
    assert activation("tanh").parity == "odd"
    assert activation("abs").parity == "even"


def test_kinks_are_derived_from_piecewise():
    assert activation("hard_tanh").kinks == (-1.0, 1.0)
    assert activation("relu").kinks == (0.0,)
    assert activation("gelu").kinks == ()


@pytest.mark.parametrize("alpha", ["0.75", "2", "3.5"])
def test_alpha_relu_homogeneity_of_second_moment(alpha):
    """V(t q) = t^alpha V(q) for the homogeneous alpha-ReLU (a derived identity)."""
    with mpmath.workdps(40):
        a = mpmath.mpf(alpha)
        v1 = transform("V", "alpha_relu", "0.7", dps=40, alpha=alpha)
        v2 = transform("V", "alpha_relu", "2.1", dps=40, alpha=alpha)
        assert abs(v2 - 3**a * v1) <= mpmath.mpf("1e-36") * v2
