"""Tests of asymptote.alpha_relu (normalized kernel, fixed point, rates, K_0 integrals) and of
the Bessel identity catalogue proofs._bessel_identities.

Routes compared (each pair shares nothing beyond the definition):

* ``normalized_kernel``: hypergeometric closed form (asymptote.numeric.arccos_kernels);
* Cho & Saul's angular functions J_n(theta) for integer n, written out here from
  [CS09] eq. (4)-(5) and the derivative recursion of eq. (5) (SymPy), independently of the
  module;
* ``arccos_kernel_quadrature_mp``: tanh-sinh quadrature of the polar-coordinate integral;
* the K_0 representation: tanh-sinh quadrature of v^alpha e^{cv} K_0(v) with a separate
  K_0 evaluator (checked here against ``mpmath.besselk``), and of the hyperbolic form;
* iteration of the exact residual recurrences (step function and ReLU, closed-form kernels).

Tolerances. Identities: both sides are computed at 60 digits (12 guard digits, rounded
once), so they agree to about 1e-60 relative unless a route is wrong; the brief asks for
agreement at 1e-50, which leaves 10 digits of margin for quadrature error estimates (each
quadrature must certify 10^-(dps+4) relative). numpy vs mpmath: 1e-12 relative (the
float64 kernel's documented accuracy is 1e-13 relative; dividing by k_alpha(1) adds one
rounding).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy

from asymptote import alpha_relu as ar
from asymptote.alpha_relu.bessel import exp_k0
from asymptote.numeric.arccos_kernels import arccos_kernel_quadrature_mp
from proofs._bessel_identities import bessel_identities

DPS = 60
IDENTITY_TOL = mpmath.mpf(10) ** -50

IDENTITIES = bessel_identities()
POINTS = [
    pytest.param(identity, point, id=f"{identity.name}-{'-'.join(point.values())}")
    for identity in IDENTITIES
    for point in identity.sample_points
]


def _rel(x, y):
    return abs(x - y) / abs(y)


# ---------------------------------------------------------------------------------------------
# Bessel identities
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("identity,point", POINTS)
def test_identity_numerically_to_50_digits(identity, point):
    # independent routes at 60 digits; 1e-50 relative (module docstring: ~1e-60 expected)
    assert identity.relative_difference(dps=DPS, **point) < IDENTITY_TOL


@pytest.mark.parametrize(
    "identity", [i for i in IDENTITIES if i.symbolic is not None], ids=lambda i: i.name
)
def test_identity_symbolically(identity):
    assert identity.symbolic() is True


def test_every_identity_is_documented_and_cited():
    names = [i.name for i in IDENTITIES]
    assert len(names) == len(set(names)) >= 8
    for identity in IDENTITIES:
        assert identity.citation and identity.latex and identity.domain
        assert identity.citation.startswith("[YS17]") or "[YS17]" in identity.citation
        assert identity.sample_points


@pytest.mark.parametrize("v", ["1e-30", "0.01", "0.9", "7.5", "33", "95", "140", "400"])
def test_k0_evaluator_matches_mpmath_besselk(v):
    # the K_0 route of the identities: series / asymptotic expansion vs mpmath.besselk, 60 digits
    with mpmath.workdps(DPS):
        x = mpmath.mpf(v)
        ours = exp_k0(x)
        reference = mpmath.exp(x) * mpmath.besselk(0, x)
        assert _rel(ours, reference) < mpmath.mpf(10) ** -55


@pytest.mark.parametrize("method", ["quadrature", "hyperbolic"])
def test_bessel_laplace_integral_methods_agree(method):
    # three routes to I_alpha(c) at 50 digits; 1e-45 relative
    for alpha, c in [("0.4", "0.3"), ("1.25", "-0.5")]:
        closed = ar.bessel_laplace_integral(alpha, c, dps=50)
        other = ar.bessel_laplace_integral(alpha, c, dps=50, method=method)
        assert _rel(other, closed) < mpmath.mpf(10) ** -45


# ---------------------------------------------------------------------------------------------
# normalized kernel
# ---------------------------------------------------------------------------------------------


def _cho_saul(n: int):
    """[CS09] eq. (5): J_n = (-1)^n sin^{2n+1} (1/sin d/dtheta)^n ((pi - theta)/sin)."""
    theta = sympy.Symbol("theta")
    f = (sympy.pi - theta) / sympy.sin(theta)
    for _ in range(n):
        f = sympy.diff(f, theta) / sympy.sin(theta)
    expr = sympy.simplify((-1) ** n * sympy.sin(theta) ** (2 * n + 1) * f)
    return sympy.lambdify(theta, expr, "mpmath"), expr


def test_cho_saul_explicit_forms():
    theta = sympy.Symbol("theta")
    explicit = {
        0: sympy.pi - theta,
        1: sympy.sin(theta) + (sympy.pi - theta) * sympy.cos(theta),
        2: 3 * sympy.sin(theta) * sympy.cos(theta)
        + (sympy.pi - theta) * (1 + 2 * sympy.cos(theta) ** 2),
    }
    for n, expected in explicit.items():
        assert sympy.simplify(_cho_saul(n)[1] - expected) == 0


@pytest.mark.parametrize("n", [0, 1, 2, 3])
@pytest.mark.parametrize("c", ["-0.95", "-0.3", "0", "0.45", "0.999"])
def test_normalized_kernel_equals_cho_saul(n, c):
    # J_n(c) = J^CS_n(theta) / J^CS_n(0); 60 digits, 1e-50 relative
    func, _ = _cho_saul(n)
    with mpmath.workdps(DPS + 15):
        x = mpmath.mpf(c)
        expected = func(mpmath.acos(x)) / func(mpmath.mpf(0))
    assert _rel(ar.normalized_kernel(n, c, dps=DPS), expected) < IDENTITY_TOL


@pytest.mark.parametrize("alpha", ["-0.45", "-0.2", "0.3", "0.5", "0.77", "1.5", "2.6"])
@pytest.mark.parametrize("c", ["-0.8", "0.1", "0.93"])
def test_normalized_kernel_matches_polar_quadrature(alpha, c):
    # angular tanh-sinh quadrature at 60 digits; 1e-50 relative
    with mpmath.workdps(DPS):
        a = mpmath.mpf(alpha)
        k1 = mpmath.power(2, a - 1) * mpmath.gamma(a + 0.5) / mpmath.sqrt(mpmath.pi)
        expected = arccos_kernel_quadrature_mp(a, mpmath.mpf(c)) / k1
    assert _rel(ar.normalized_kernel(alpha, c, dps=DPS), expected) < IDENTITY_TOL


def test_normalized_kernel_endpoints():
    for alpha in ["-0.3", "0.5", "1", "2.5"]:
        assert ar.normalized_kernel(alpha, 1, dps=40) == 1
        assert ar.normalized_kernel(alpha, -1, dps=40) == 0


@pytest.mark.parametrize("alpha", [-0.4, 0.0, 0.3, 0.5, 0.75, 1.0, 1.5, 3.0])
def test_numpy_path_matches_mpmath(alpha):
    # 1e-12 relative (float64 kernel accuracy 1e-13 plus one division)
    c = np.array([-1.0, -0.97, -0.5, 0.0, 0.2, 0.6, 0.9, 0.999, 1.0])
    fast = np.asarray(ar.normalized_kernel(alpha, c))
    for ci, fi in zip(c, fast, strict=True):
        ref = float(ar.normalized_kernel(alpha, float(ci), dps=30))
        assert abs(fi - ref) <= 1e-12 * abs(ref) + 1e-300
    if alpha >= 0:
        inner = c[1:-1]
        slope = np.asarray(ar.normalized_kernel_slope(alpha, inner))
        for ci, si in zip(inner, slope, strict=True):
            ref = float(ar.normalized_kernel_slope(alpha, float(ci), dps=30))
            assert abs(si - ref) <= 1e-12 * abs(ref)


def test_scalar_input_returns_float():
    assert isinstance(ar.normalized_kernel(0.5, 0.3), float)
    assert np.shape(ar.normalized_kernel(0.5, [0.3, 0.4])) == (2,)


def test_second_moment_coefficient():
    # c_alpha = E[z_+^{2 alpha}]: 1/2 for ReLU, 3/2 for alpha = 2, vs mpmath quadrature
    assert ar.second_moment_coefficient(1) == sympy.Rational(1, 2)
    assert ar.second_moment_coefficient(2) == sympy.Rational(3, 2)
    with mpmath.workdps(30):
        quad = mpmath.quad(lambda z: z ** mpmath.mpf("0.6") * mpmath.npdf(z), [0, 1, mpmath.inf])
        exact = mpmath.mpf(sympy.N(ar.second_moment_coefficient("0.3"), 35))
        assert _rel(quad, exact) < mpmath.mpf(10) ** -25


# ---------------------------------------------------------------------------------------------
# expansion at c = 1
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("alpha", ["-0.2", "0.3", "0.75", "1", "2.2"])
def test_expansion_at_one_against_closed_form(alpha):
    # order 6 at w = 1e-9: neglected terms are O(w^7) = 1e-63 relative; assert 1e-50
    expansion = ar.kernel_expansion_at_one(alpha, order=6)
    w = "1e-9"
    with mpmath.workdps(80):
        c = 1 - mpmath.mpf(w)
    approx = expansion.evaluate(w, dps=DPS)
    exact = ar.normalized_kernel(alpha, c, dps=DPS)
    assert _rel(approx, exact) < IDENTITY_TOL
    # and at a larger w the truncation error is visible, i.e. the test is sensitive
    far = ar.kernel_expansion_at_one(alpha, order=1).evaluate("0.01", dps=30)
    with mpmath.workdps(40):
        c_far = 1 - mpmath.mpf("0.01")
    assert _rel(far, ar.normalized_kernel(alpha, c_far, dps=30)) > mpmath.mpf(10) ** -12


def test_expansion_symbolic_coefficients():
    a = sympy.Symbol("alpha", positive=True)
    expansion = ar.kernel_expansion_at_one(a, order=1)
    assert expansion.regular[0] == 1
    assert sympy.simplify(expansion.regular[1] + a**2 / (2 * a - 1)) == 0
    assert sympy.simplify(expansion.regular[1] + ar.kernel_slope_at_one(a)) == 0
    # S_alpha by the reflection formula: -Gamma(a+1)^2 / (2^(a+1/2) cos(pi a) G(a+1/2) G(a+3/2))
    reflected = -(sympy.gamma(a + 1) ** 2) / (
        2 ** (a + sympy.Rational(1, 2))
        * sympy.cos(sympy.pi * a)
        * sympy.gamma(a + sympy.Rational(1, 2))
        * sympy.gamma(a + sympy.Rational(3, 2))
    )
    for value in (sympy.Rational(1, 3), sympy.Rational(7, 10), sympy.Rational(9, 4)):
        diff = (expansion.singular[0] - reflected).subs(a, value)
        assert abs(sympy.N(diff, 50)) < 1e-45
    relu = ar.kernel_expansion_at_one(1, order=0)
    assert sympy.simplify(relu.singular[0] - 2 * sympy.sqrt(2) / (3 * sympy.pi)) == 0


@pytest.mark.parametrize("alpha", ["0.6", "0.75", "1.5", "3"])
def test_slope_at_one_matches_gaussian_moment_route(alpha):
    # J'(1) = alpha^2 k_{alpha-1}(1)/k_alpha(1) from the derivative-kernel endpoint, 50 digits
    with mpmath.workdps(70):  # convert the SymPy value at 70 digits, not the global 15
        exact = mpmath.mpf(sympy.N(ar.kernel_slope_at_one(alpha), 75))
    assert _rel(ar.normalized_kernel_slope(alpha, 1, dps=DPS), exact) < IDENTITY_TOL


def test_expansion_rejects_bad_input():
    with pytest.raises(ValueError, match="alpha"):
        ar.kernel_expansion_at_one("0.5")
    with pytest.raises(ValueError, match="alpha"):
        ar.kernel_expansion_at_one("-0.6")
    with pytest.raises(ValueError, match="order"):
        ar.kernel_expansion_at_one(1, order=-1)
    with pytest.raises(ValueError, match="alpha"):
        ar.kernel_slope_at_one("0.5")


# ---------------------------------------------------------------------------------------------
# fixed point and rates
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("alpha", ["-0.3", "0", "0.25", "0.5", "0.75", "0.9", "1.5"])
def test_fixed_point_solves_its_equation(alpha):
    e_star = ar.cosine_fixed_point(alpha, dps=DPS)
    assert 0 < e_star < 1
    # J evaluated independently (polar quadrature) at 70 digits; |J(e*) - e*| < 1e-50
    with mpmath.workdps(70):
        a = mpmath.mpf(alpha)
        k1 = mpmath.power(2, a - 1) * mpmath.gamma(a + 0.5) / mpmath.sqrt(mpmath.pi)
        gap = arccos_kernel_quadrature_mp(a, e_star) / k1 - e_star
    assert abs(gap) < IDENTITY_TOL
    # the float path agrees to 1e-12
    assert abs(ar.cosine_fixed_point(float(alpha)) - float(e_star)) < 1e-12


def test_step_function_fixed_point_closed_equation():
    # alpha = 0: J_0(e) = 1 - arccos(e)/pi, so e* solves arccos(e) = pi (1 - e)
    e_star = ar.cosine_fixed_point(0, dps=DPS)
    with mpmath.workdps(70):
        assert abs(mpmath.acos(e_star) - mpmath.pi * (1 - e_star)) < IDENTITY_TOL


def test_convergence_exponent_against_iterated_step_resnet():
    """Iterate the exact RRN recurrence of the step function (sigma_b = 0) to depth 1e6.

    p^l = p^{l-1} + 1/2, lambda^l = lambda^{l-1} + J_0(e^{l-1})/2, e = lambda/p. The local
    slopes s_L = -log2(d(2L)/d(L)) of d = |e - e*| approach mu with a correction ~ L^{-mu}
    (quadratic term of J_0 - e); Aitken extrapolation of three slopes removes it. Measured
    agreement 1.6e-5; asserted 1e-3 (remaining O(L^{-2 mu}) and O(log L / L) terms).
    """
    e_star = float(ar.cosine_fixed_point(0))
    mu = ar.cosine_convergence_exponent(0)
    p, lam = 1.0, -0.5
    marks = {125_000: 0.0, 250_000: 0.0, 500_000: 0.0, 1_000_000: 0.0}
    for layer in range(1, 1_000_001):
        e = lam / p
        p += 0.5
        lam += 0.5 * (1 - math.acos(e) / math.pi)
        if layer in marks:
            marks[layer] = abs(lam / p - e_star)
    depths = sorted(marks)
    slopes = [-math.log2(marks[depths[i + 1]] / marks[depths[i]]) for i in range(3)]
    ratio = (slopes[2] - slopes[1]) / (slopes[1] - slopes[0])
    extrapolated = slopes[2] + (slopes[2] - slopes[1]) * ratio / (1 - ratio)
    assert abs(extrapolated - mu) < 1e-3
    # mu in closed form for alpha = 0: 1 - J_0'(e*) = 1 - 1/(pi sqrt(1 - e*^2))
    with mpmath.workdps(50):
        e50 = ar.cosine_fixed_point(0, dps=50)
        closed = 1 - 1 / (mpmath.pi * mpmath.sqrt(1 - e50**2))
    assert _rel(ar.cosine_convergence_exponent(0, dps=50), closed) < mpmath.mpf(10) ** -45


@pytest.mark.parametrize("sigma_w,sigma_v", [(1.0, 1.0), (1.5, 0.8)])
def test_relu_constant_against_iterated_recurrence(sigma_w, sigma_v):
    """1 - e^l ~ C l^-2 for ReLU full resnets: iterate eps = 1 - e exactly (sigma_b = sigma_a = 0).

    eps^l = eps - r (J_1(1 - eps) - 1 + eps), J_1 in the CS09 closed form, computed in
    mpmath at 30 digits (no cancellation in 1 - e). l^2 eps^l = C (1 + O(log l / l));
    Richardson in 1/l over depths 2e4 and 4e4 leaves O(log l / l^2); asserted 2e-3
    relative.
    """
    constant = ar.relu_cosine_distance_constant(sigma_w, sigma_v=sigma_v)
    s = sigma_w**2 * sigma_v**2 / 2
    with mpmath.workdps(30):
        r = mpmath.mpf(s) / (1 + s)
        eps = mpmath.mpf("0.5")
        values = {}
        for layer in range(1, 40_001):
            theta = 2 * mpmath.asin(mpmath.sqrt(eps / 2))  # arccos(1 - eps)
            gap = (mpmath.sin(theta) - theta * mpmath.cos(theta)) / mpmath.pi
            eps = eps - r * gap
            if layer in (20_000, 40_000):
                values[layer] = layer**2 * eps
        extrapolated = 2 * values[40_000] - values[20_000]
    assert abs(float(extrapolated) / constant - 1) < 2e-3


def test_rate_functions_reject_bad_input():
    with pytest.raises(ValueError, match="alpha"):
        ar.cosine_fixed_point(1)
    with pytest.raises(ValueError, match="alpha"):
        ar.cosine_fixed_point(-0.5, dps=20)
    with pytest.raises(ValueError, match="alpha"):
        ar.cosine_convergence_exponent(1.2)
    with pytest.raises(ValueError, match="sigma_w"):
        ar.relu_cosine_distance_constant(0.0, sigma_v=1.0)
    with pytest.raises(ValueError, match="sigma_v"):
        ar.relu_cosine_distance_constant(1.0, sigma_v=-1)
    with pytest.raises(TypeError, match="sigma_v"):
        ar.relu_cosine_distance_constant(1.0)  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="c"):
        ar.normalized_kernel(0.5, 1.5)
    with pytest.raises(ValueError, match="method"):
        ar.bessel_laplace_integral(0.5, 0.1, dps=20, method="nope")
    with pytest.raises(ValueError, match="c"):
        ar.bessel_laplace_integral(0.5, 1, dps=20)
