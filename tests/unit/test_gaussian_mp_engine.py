"""The fixed-rule Gaussian expectation engines (nested trapezoid, Mehler series, iterated
trapezoid) against references that share no code with them: closed forms (the erf arcsine
kernel [W97], the sine characteristic-function kernel [GAUSS], the ReLU arc-cosine kernel
[CS09] from the registry's closed forms) and mpmath's adaptive tanh-sinh/Gauss-Legendre
route for tanh.

Tolerances. The engines accept a result when their error estimate is below
``10^-(D-2)`` of the integral's size at ``D`` working digits; the tests run at ``D`` and
allow ``10^-(D-8)`` of the size: six digits for the estimate being optimistic and for
rounding in sums of up to ~10^4 terms (a failure means a wrong estimate, not noise).
"""

from __future__ import annotations

import math

import mpmath
import pytest

from asymptote.activations import activation
from asymptote.errors import ConvergenceError
from asymptote.numeric.gauss_mehler import expect_2d_mehler
from asymptote.numeric.gauss_product import expect_2d_product
from asymptote.numeric.gauss_trapezoid import NestedTrapezoid, expect_1d_trapezoid
from asymptote.numeric.gaussian_mp import _expect_2d_adaptive, expect_1d_mp, expect_2d_mp

DIGITS = 50


def _erf_w(q1, q2, q12):
    """E[erf(u) erf(v)] = (2/pi) arcsin(2 q12 / sqrt((1 + 2 q1)(1 + 2 q2))) [W97, eq. (11)]."""
    return 2 / mpmath.pi * mpmath.asin(2 * q12 / mpmath.sqrt((1 + 2 * q1) * (1 + 2 * q2)))


def _sin_w(q1, q2, q12):
    """E[sin u sin v] = exp(-(q1 + q2)/2) sinh(q12) [GAUSS]."""
    return mpmath.exp(-(q1 + q2) / 2) * mpmath.sinh(q12)


def _assert_close(got, ref, size, digits=DIGITS):
    tol = mpmath.mpf(10) ** (-(digits - 8)) * size
    assert abs(got - ref) <= tol, (mpmath.nstr(got, 20), mpmath.nstr(ref, 20))


POINTS = [
    ("1", "1", "0.5"),
    ("0.3", "2", "-0.7"),
    ("4", "4", "0.95"),
    ("0.01", "9", "0.2"),
    ("2", "2", "0"),
    # above the Mehler threshold: the iterated trapezoid, tens of seconds at 50 digits
    pytest.param(("1", "1", "0.995"), marks=pytest.mark.slow),
    pytest.param(("1", "0.5", "-0.9999"), marks=pytest.mark.slow),
]


@pytest.mark.parametrize("point", POINTS)
def test_erf_kernel_matches_arcsine_closed_form(point):
    f = activation("erf").phi_mp
    with mpmath.workdps(DIGITS):
        q1, q2, c = (mpmath.mpf(p) for p in point)
        q12 = c * mpmath.sqrt(q1 * q2)
        got = expect_2d_mp(f, f, q1, q2, q12, analytic_halfwidth=math.inf)  # erf is entire
        ref = _erf_w(q1, q2, q12)
        size = mpmath.sqrt(_erf_w(q1, q1, q1) * _erf_w(q2, q2, q2))
        _assert_close(got, ref, size)


@pytest.mark.parametrize("point", POINTS[:4])
def test_sine_kernel_matches_characteristic_function(point):
    with mpmath.workdps(DIGITS):
        q1, q2, c = (mpmath.mpf(p) for p in point)
        q12 = c * mpmath.sqrt(q1 * q2)
        got = expect_2d_mp(mpmath.sin, mpmath.sin, q1, q2, q12, analytic_halfwidth=math.inf)
        ref = _sin_w(q1, q2, q12)
        size = mpmath.sqrt(_sin_w(q1, q1, q1) * _sin_w(q2, q2, q2))
        _assert_close(got, ref, size)


@pytest.mark.parametrize("q", ["0.001", "0.37", "25"])
def test_one_dimensional_erf_second_moment(q):
    f = activation("erf").phi_mp
    with mpmath.workdps(DIGITS):
        qq = mpmath.mpf(q)
        got = expect_1d_trapezoid(lambda u: f(u) ** 2, qq)
        ref = _erf_w(qq, qq, qq)
        _assert_close(got, ref, ref)


@pytest.mark.slow
def test_mehler_and_product_rules_agree_below_the_threshold():
    """Two unrelated algorithms (Hermite series vs iterated quadrature) on tanh."""
    f = activation("tanh").phi_mp
    with mpmath.workdps(40):
        q1, q2, c = mpmath.mpf("0.8"), mpmath.mpf("1.7"), mpmath.mpf("0.6")
        a = expect_2d_mehler(f, f, q1, q2, c)
        b = expect_2d_product(f, f, q1, q2, c)
        _assert_close(a, b, 1, digits=40)


def _tanh_against_adaptive(digits, derivatives):
    """E[tanh(u) tanh(v)] (and E[sech^2(u) sech^2(v)]) against mpmath's adaptive quadrature
    run at 5 more digits (its own error is far below 10^-digits)."""
    act = activation("tanh")
    for fn in (act.phi_mp, act.dphi_mp) if derivatives else (act.phi_mp,):
        with mpmath.workdps(digits):
            got = expect_2d_mp(
                fn,
                fn,
                mpmath.mpf(1),
                mpmath.mpf("0.6"),
                mpmath.mpf("0.3"),
                analytic_halfwidth=act.spec.singularity_distance,
            )
        with mpmath.workdps(digits + 5):
            r1, r2 = mpmath.mpf(1), mpmath.sqrt(mpmath.mpf("0.6"))
            ref = _expect_2d_adaptive(fn, fn, r1, r2, mpmath.mpf("0.3") / (r1 * r2), (), ())
        _assert_close(got, ref, 1, digits=digits)


@pytest.mark.slow
def test_tanh_kernel_matches_adaptive_route_at_20_digits():
    _tanh_against_adaptive(20, derivatives=False)


@pytest.mark.very_slow
def test_tanh_kernels_match_adaptive_route_at_40_digits():
    """About 5 minutes: the adaptive route is the slow path this engine replaces."""
    _tanh_against_adaptive(40, derivatives=True)


def test_tanh_second_moment_matches_adaptive_route():
    f = activation("tanh").phi_mp
    with mpmath.workdps(60):
        got = expect_1d_mp(lambda u: f(u) ** 2, mpmath.mpf("0.8"), analytic_halfwidth=math.pi / 2)
    with mpmath.workdps(70):
        ref = mpmath.quad(
            lambda x: f(mpmath.sqrt(mpmath.mpf("0.8")) * x) ** 2 * mpmath.npdf(x),
            [mpmath.ninf, -1, 0, 1, mpmath.inf],
        )
    _assert_close(got, ref, ref, digits=60)


@pytest.mark.slow
def test_relu_arccos_kernel_through_the_kinked_route():
    """Declared kinks keep the adaptive route: the registry's arc-cosine closed form [CS09]."""
    act = activation("relu")
    closed = act.closed_form_evaluator("W", "mpmath")
    assert closed is not None
    with mpmath.workdps(15):
        args = (mpmath.mpf("0.7"), mpmath.mpf("1.3"), mpmath.mpf("-0.4"))
        got = expect_2d_mp(act.phi_mp, act.phi_mp, *args, kinks_f=act.kinks, kinks_g=act.kinks)
        _assert_close(got, closed(*args), 1, digits=15)


def test_undeclared_kink_is_never_accepted_silently():
    """An integrand with a kink at 0 converges only algebraically under the trapezoidal
    rule: the estimate must refuse it (budget error), never return a wrong value."""
    with mpmath.workdps(30):
        rule = NestedTrapezoid(lambda x: abs(x) ** 3)
        with pytest.raises(ConvergenceError, match="budget"):
            rule.run(mpmath.mpf(10) ** -28, budget=5000)


def test_undeclared_kink_falls_back_to_a_correct_value():
    """Without declared kinks, expect_2d_mp on ReLU still returns the arc-cosine kernel."""
    act = activation("relu")
    closed = act.closed_form_evaluator("W", "mpmath")
    assert closed is not None
    with mpmath.workdps(20):
        args = (mpmath.mpf(1), mpmath.mpf(1), mpmath.mpf("0.5"))
        try:
            got = expect_2d_mehler(act.phi_mp, act.phi_mp, mpmath.mpf(1), mpmath.mpf(1), args[2])
        except ConvergenceError:
            return
        _assert_close(got, closed(*args), 1, digits=20)


def test_budget_error_names_the_budget():
    f = activation("tanh").phi_mp
    with mpmath.workdps(30):
        with pytest.raises(ConvergenceError, match="budget of 10 node-terms"):
            expect_2d_mehler(f, f, mpmath.mpf(1), mpmath.mpf(1), mpmath.mpf("0.9"), term_budget=10)


def test_global_precision_untouched():
    before = mpmath.mp.prec
    f = activation("tanh").phi_mp
    with mpmath.workdps(35):
        expect_2d_mp(f, f, mpmath.mpf(1), mpmath.mpf(2), mpmath.mpf("0.4"), analytic_halfwidth=1.5)
    assert mpmath.mp.prec == before


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
def test_narrow_features_take_the_adaptive_route(name):
    """At q = 10^6, phi'(sqrt(q) z) has width 10^-3 in z: a fixed rule sees it on no node
    and its levels agree on 0. The scale guard sends it to the adaptive route; reference:
    dV/dq = E[phi'^2] + E[phi phi''] equals (V(q + h) - V(q - h)) / (2 h) to O(h^2)."""
    from asymptote.transforms import transform

    act = activation(name)
    q, h = mpmath.mpf(10) ** 6, mpmath.mpf(10) ** 3
    got = transform("dV", act, q, dps=20)
    with mpmath.workdps(40):
        central = (transform("V", act, q + h, dps=35) - transform("V", act, q - h, dps=35)) / (2 * h)
        # V ~ a - b / sqrt(q): the central difference's relative error is ~ (h/q)^2 = 1e-6
        assert got > 0
        assert abs(got - central) <= mpmath.mpf("1e-5") * abs(central), (got, central)


def test_mehler_series_with_cached_coefficients_is_not_truncated_early():
    """Regression: the truncation order of a Mehler sum was judged from the remainder after
    *every cached* order, so a second call at one variance (coefficients already extended by
    a first call) stopped at order 0. Here sigmoid' at c = -0.9185: the first call extends
    the cached coefficients, W in between, and the repeat must agree with the product rule,
    an independent 2-D quadrature: within 1e-18 relative (each rule's tolerance at 22 digits
    is near 1e-20 of the Cauchy-Schwarz size, measured 3e-19 apart; the bug gave 5e-3)."""
    act = activation("sigmoid")
    with mpmath.workdps(22):
        q1, q2 = mpmath.mpf("0.5851063144321105709982"), mpmath.mpf("0.1352453751429929437054")
        c = mpmath.mpf("-0.9185128636100052348134")
        ref = expect_2d_product(act.dphi_mp, act.dphi_mp, q1, q2, c)
        for f in (act.dphi_mp, act.phi_mp, act.dphi_mp, act.dphi_mp):
            value = expect_2d_mehler(f, f, q1, q2, c)
            if f is act.dphi_mp:
                assert abs(value - ref) <= mpmath.mpf(10) ** -18 * abs(ref)


def test_nearly_degenerate_pairs_take_the_one_dimensional_rule():
    """c = 1 - 1e-12 at 22 digits: v = c (r2/r1) u + eps y with eps^2 = q2 (1 - c^2) ~ 6e-12
    below the 3-point Gauss-Hermite threshold, so the y-average is that rule inside the 1-D
    quadrature (GELU's 2-D product rule took a minute for such pairs). Against the adaptive
    2-D route (independent: mpmath.quad in both variables): 1e-20 relative (measured 4e-23)."""
    act = activation("tanh")
    with mpmath.workdps(22):
        q1, q2 = mpmath.mpf("0.8"), mpmath.mpf("3.1")
        c = 1 - mpmath.mpf("1e-12")
        for f in (act.phi_mp, act.dphi_mp):
            value = expect_2d_mp(f, f, q1, q2, c * mpmath.sqrt(q1 * q2),
                                 analytic_halfwidth=act.spec.singularity_distance)
            ref = _expect_2d_adaptive(f, f, mpmath.sqrt(q1), mpmath.sqrt(q2), c, (), ())
            assert abs(value - ref) <= mpmath.mpf("1e-20") * abs(ref)
