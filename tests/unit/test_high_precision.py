"""Digits at high precision: 1000 digits where a closed form exists, each against a route
that shares no code with the library's. (Every registered activation at 100 digits is
``tests/registry/test_every_activation_at_100_digits.py``, parametrized over the registry.)"""

from __future__ import annotations

import mpmath
import pytest

from asymptote.transforms import transform


def _close(got, ref, digits):
    with mpmath.workdps(digits + 10):
        assert abs(got - ref) <= mpmath.mpf(10) ** (-digits) * max(1, abs(ref)), (got, ref)


def test_relu_arccos_form_equals_alpha_relu_hypergeometric_form_at_1000_digits():
    """Two closed forms of E[u_+ v_+]: Cho & Saul's arc-cosine (ab_relu) and the
    hypergeometric alpha-ReLU kernel at alpha = 1 (independent code paths)."""
    a = transform("W", "relu", "0.7", "1.3", "-0.4", dps=1000)
    b = transform("W", "alpha_relu", "0.7", "1.3", "-0.4", dps=1000, alpha=1)
    _close(a, b, 995)


def test_step_kernel_at_1000_digits():
    got = transform("W", "step", "0.5", "2", "0.3", dps=1000)
    with mpmath.workdps(1010):
        ref = mpmath.mpf(1) / 4 + mpmath.asin(mpmath.mpf("0.3")) / (2 * mpmath.pi)
    _close(got, ref, 995)


def test_erf_and_sin_at_1000_digits():
    got = transform("V", "erf", "0.37", dps=1000)
    with mpmath.workdps(1010):
        q = mpmath.mpf("0.37")
        ref = 2 / mpmath.pi * mpmath.asin(2 * q / (1 + 2 * q))  # [W97] in arcsine form
    _close(got, ref, 995)
    got = transform("W", "sin", "0.37", "1.1", "0.5", dps=1000)
    with mpmath.workdps(1010):
        ref = mpmath.exp(-(mpmath.mpf("0.37") + mpmath.mpf("1.1")) / 2) * mpmath.sinh(
            mpmath.mpf("0.5")
        )
    _close(got, ref, 995)


@pytest.mark.slow
def test_hard_tanh_at_100_digits():
    """Closed form of E[clip(u)^2] = q P(|u| < 1) - 2 sqrt(q) phi(1/sqrt q) + P(|u| > 1)."""
    got = transform("V", "hard_tanh", "1.7", dps=100)
    with mpmath.workdps(110):
        q = mpmath.mpf("1.7")
        s = mpmath.sqrt(q)
        inside = mpmath.erf(1 / (s * mpmath.sqrt(2)))
        ref = q * inside - 2 * s * mpmath.npdf(1 / s) + (1 - inside)
    _close(got, ref, 97)


# ---------------------------------------------------------------------------------------
# issue 14: fixed points at 100 digits (Newton at rising precision, certified by a bracket)
# ---------------------------------------------------------------------------------------
def _erf_v(q):
    """E[erf(sqrt(q) z)^2] = (2/pi) arcsin(2q / (1 + 2q)) [W97, eq. (11)]."""
    return 2 / mpmath.pi * mpmath.asin(2 * q / (1 + 2 * q))


def _erf_w(q, q12):
    """E[erf(u) erf(v)] at equal variances q [W97, eq. (11)]."""
    return 2 / mpmath.pi * mpmath.asin(2 * q12 / (1 + 2 * q))


def _erf_wd(q, q12):
    """E[erf'(u) erf'(v)] = (4/pi) / sqrt((1 + 2q)^2 - 4 q12^2) (Gaussian integral of
    (4/pi) exp(-u^2 - v^2), written out independently of the registry)."""
    return 4 / mpmath.pi / mpmath.sqrt((1 + 2 * q) ** 2 - 4 * q12**2)


@pytest.mark.parametrize("sw,sb,phase", [("1.5", "0.3", "chaotic"), ("0.8", "0.3", "ordered")])
def test_erf_mean_field_at_100_digits_against_closed_forms(sw, sb, phase):
    """q*, c*, chi_1, chi_c of erf against roots of the closed forms found by mpmath's own
    secant solver at 130 digits (no library code in the reference)."""
    from asymptote.feedforward import mean_field

    got = mean_field("erf", sw, sb, dps=100)
    assert got.phase == phase
    with mpmath.workdps(130):
        s2, b2 = mpmath.mpf(sw) ** 2, mpmath.mpf(sb) ** 2
        q = mpmath.findroot(
            lambda x: s2 * _erf_v(x) + b2 - x, mpmath.mpf(1), tol=mpmath.mpf(10) ** -250
        )
        chi_1 = s2 * _erf_wd(q, q)
        if phase == "chaotic":
            c = mpmath.findroot(
                lambda y: (s2 * _erf_w(q, y * q) + b2) / q - y,
                mpmath.mpf("0.5"),
                tol=mpmath.mpf(10) ** -250,
            )
        else:
            c = mpmath.mpf(1)
        chi_c = s2 * _erf_wd(q, c * q)
    for value, ref in ((got.q_star, q), (got.c_star, c), (got.chi_1, chi_1), (got.chi_c, chi_c)):
        _close(value, ref, 99)


def test_erf_critical_point_at_100_digits_satisfies_both_equations():
    """On the critical line chi_1 = sigma_w^2 (4/pi)/sqrt(1 + 4q) = 1 and
    q = sigma_w^2 V(q) + sigma_b^2 (closed forms above, at 130 digits)."""
    from asymptote.feedforward import critical_point

    sw, q = critical_point("erf", "0.2", dps=100)
    with mpmath.workdps(130):
        assert abs(sw**2 * _erf_wd(q, q) - 1) <= mpmath.mpf(10) ** -98
        assert abs(sw**2 * _erf_v(q) + mpmath.mpf("0.04") - q) <= mpmath.mpf(10) ** -98 * q


def _tanh_second_moment_reference(q, digits):
    """E[tanh(sqrt(q) z)^2] by mpmath's Gauss-Legendre on [-R, R] in 8 pieces at ``digits``."""
    with mpmath.workdps(digits):
        r = mpmath.sqrt(2 * mpmath.log(10) * (digits + 20))
        root = mpmath.sqrt(q)
        value = mpmath.quad(
            lambda x: mpmath.tanh(root * x) ** 2 * mpmath.exp(-x * x / 2),
            mpmath.linspace(-r, r, 9),
            method="gauss-legendre",
        )
        return value / mpmath.sqrt(2 * mpmath.pi)


def test_tanh_q_star_at_100_digits_against_quadrature_at_130():
    """The fixed point's residual under an independent 130-digit V (mpmath.quad): with
    chi_q = 0.42 at this point, |q - q*| = |residual| / (1 - chi_q), so a residual below
    10^-99 q pins 99 digits (the result is rounded to 100)."""
    from asymptote.feedforward import fixed_point_length

    q = fixed_point_length("tanh", "1.5", "0.3", dps=100)
    with mpmath.workdps(130):
        image = mpmath.mpf("2.25") * _tanh_second_moment_reference(q, 130) + mpmath.mpf("0.09")
        assert abs(image - q) <= mpmath.mpf(10) ** -99 * q, mpmath.nstr(image - q, 5)


@pytest.mark.slow
def test_tanh_q_star_at_100_digits_equals_the_130_digit_root():
    """The root itself, found by mpmath.findroot on the 130-digit quadrature (~20 s)."""
    from asymptote.feedforward import fixed_point_length

    got = fixed_point_length("tanh", "1.5", "0.3", dps=100)
    with mpmath.workdps(130):
        ref = mpmath.findroot(
            lambda x: (
                mpmath.mpf("2.25") * _tanh_second_moment_reference(x, 130) + mpmath.mpf("0.09") - x
            ),
            mpmath.mpf("0.96"),
            tol=mpmath.mpf(10) ** -250,
        )
    _close(got, ref, 99)


def test_rising_precision_newton_counts_full_precision_work():
    """sqrt(2) to 1000 digits: ``f`` at each requested precision really is computed there
    (an error of 10^-d), the root is certified, and only three evaluations run at the full
    precision (the last Newton step and the two ends of the certificate)."""
    from asymptote.numeric.roots import newton_root_mp

    calls: list[int] = []

    def value_at(x, digits):
        calls.append(digits)
        with mpmath.workdps(digits):
            return +x * x - 2  # rounded to the requested digits

    with mpmath.workdps(1010):
        tol = mpmath.mpf(10) ** -1000
        root = newton_root_mp(
            value_at,
            lambda x, d: 2 * x,
            mpmath.mpf(1.4142135623730951),
            digits=1008,
            tol=tol,
            scale=mpmath.mpf(1),
            lower=mpmath.mpf(0),
            what="sqrt 2",
        )
        assert abs(root - mpmath.sqrt(2)) <= tol
    assert calls.count(1008) == 3, calls
    assert max(c for c in calls if c != 1008) <= 520


def test_rising_precision_newton_survives_a_wrong_slope_and_secant_mode():
    """A slope off by a factor 3 (linear convergence) or no slope at all (secant steps)
    still ends in a certified root: the bracket decides, not the step estimates."""
    from asymptote.numeric.roots import newton_root_mp

    def value_at(x, digits):
        with mpmath.workdps(digits):
            return mpmath.cos(x) - x

    with mpmath.workdps(210):
        ref = mpmath.findroot(lambda x: mpmath.cos(x) - x, mpmath.mpf("0.74"))
        tol = mpmath.mpf(10) ** -200
        for slope in (lambda x, d: 3 * (-mpmath.sin(x) - 1), None):
            got = newton_root_mp(
                value_at, slope, mpmath.mpf(0.739), digits=205, tol=tol, scale=mpmath.mpf(1)
            )
            assert abs(got - ref) <= tol


def test_newton_root_leaves_global_precision_alone():
    from asymptote.feedforward import mean_field

    before = mpmath.mp.prec
    mean_field("erf", "1.5", "0.3", dps=60)
    assert mpmath.mp.prec == before


def test_trapezoid_guard_catches_an_error_every_nested_level_shares():
    """E[cos(a z)] = exp(-a^2/2) with a = 16 pi: every level of step 2^-l, l <= 3, samples
    cos(a x) = 1 on all its nodes, so the nested levels agree on 1; the shifted-grid check
    at the finest step must refuse that and refine to the true value (about 10^-549)."""
    from asymptote.numeric.gauss_trapezoid import expect_1d_trapezoid

    with mpmath.workdps(50):
        a = 16 * mpmath.pi
        got = expect_1d_trapezoid(mpmath.cos, a * a)
        assert abs(got - mpmath.exp(-a * a / 2)) <= mpmath.mpf(10) ** -45


def test_trapezoid_tanh_second_moment_at_124_digits():
    """The 1-D rule at the working precision of a 100-digit fixed point, against mpmath's
    Gauss-Legendre at 140 digits."""
    from asymptote.numeric.gauss_trapezoid import expect_1d_trapezoid

    q = mpmath.mpf("0.79")
    with mpmath.workdps(124):
        got = expect_1d_trapezoid(lambda u: mpmath.tanh(u) ** 2, q)
    ref = _tanh_second_moment_reference(q, 140)
    _close(got, ref, 121)
