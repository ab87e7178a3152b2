"""Tests of asymptote.numeric.arccos_kernels (arc-cosine / alpha-ReLU kernels).

Routes compared:

* ``arccos_kernel_mp``: hypergeometric closed form (mpmath.hyp2f1; quadratic transformation
  for c < 0; DLMF 15.8.10 log case for half-integer alpha near c = 1);
* ``arccos_kernel_quadrature_mp``: tanh-sinh quadrature of the angular integral, derived
  from the Gaussian integral in polar coordinates, sharing nothing with the closed form;
* ``arccos_kernel_np``: float64 fixed-node quadrature;
* elementary closed forms for integer alpha (Cho & Saul 2009, J_0, J_1, J_2).

Tolerances. An mpmath result at ``dps`` digits (``prec`` bits) is computed with 10 guard
digits and rounded once, so it is within about one unit in the last place, a relative
``2**-prec`` (about 1e-31 at 30 digits), of the true value. The mpmath comparisons allow
``10**(2 - dps)`` (1e-28 at 30 digits), a factor of about 1000 above the rounding level, which
covers the routes' own errors (the quadrature's error estimate is required to be below
``10**(-dps - 2)``) without hiding a wrong digit. Measured agreement is at the rounding level
(< 1e-31 at 30 digits). The float64 route is required to meet 1e-13 relative (its
documented target; measured worst 7.3e-15).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from asymptote.numeric.arccos_kernels import (
    arccos_kernel_mp,
    arccos_kernel_np,
    arccos_kernel_quadrature_mp,
)

ALPHAS = [-0.4, -0.25, 0, 0.3, 0.5, 0.75, 1, 1.5, 2, 3]
CS = [-1, -0.999, -0.5, 0, 0.4, 0.999, 1]


@pytest.fixture(autouse=True)
def _global_precision_untouched():
    """Every test must leave mpmath's global precision as it found it."""
    before = (mpmath.mp.dps, mpmath.mp.prec)
    yield
    assert (mpmath.mp.dps, mpmath.mp.prec) == before


def _rel(x, y):
    """Relative difference |x - y| / |y| (absolute when y == 0)."""
    return abs(x - y) / abs(y) if y != 0 else abs(x)


def _derivative_is_infinite(alpha: float, c: float) -> bool:
    return (c == 1 and alpha <= 0.5) or (c == -1 and alpha < 0.5)


# ---------------------------------------------------------------------------------------------
# (a) closed form vs independent quadrature, 30 digits
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("alpha", ALPHAS)
def test_closed_form_matches_quadrature_dps30(alpha):
    with mpmath.workdps(30):
        for c in CS:
            closed = arccos_kernel_mp(alpha, c)
            quad = arccos_kernel_quadrature_mp(alpha, c)
            # both rounded from 40-digit computations (~1e-31 each); see module docstring
            assert _rel(closed, quad) <= mpmath.mpf("1e-28"), (alpha, c, closed, quad)
            # the absolute floor matters only at c = -1, where both are exactly 0
            if c == -1:
                assert closed == 0 and quad == 0


@pytest.mark.parametrize("alpha", [a for a in ALPHAS if a >= 0])
def test_derivative_closed_form_matches_quadrature_dps30(alpha):
    with mpmath.workdps(30):
        for c in CS:
            if _derivative_is_infinite(alpha, c):
                for f in (arccos_kernel_mp, arccos_kernel_quadrature_mp):
                    with pytest.raises(ValueError, match="c="):
                        f(alpha, c, derivative=True)
                continue
            closed = arccos_kernel_mp(alpha, c, derivative=True)
            quad = arccos_kernel_quadrature_mp(alpha, c, derivative=True)
            # same reasoning as above: rounding level ~1e-31, allowed 1e-28
            assert _rel(closed, quad) <= mpmath.mpf("1e-28"), (alpha, c, closed, quad)


@pytest.mark.parametrize("alpha", [-0.49, 0.5, 1.5, 2.5, 3.7])
def test_closed_form_matches_quadrature_near_one(alpha):
    """c within 1e-12 .. 1e-25 of +-1 (log case for half-integer alpha, c -> -1 cancellation)."""
    with mpmath.workdps(30):
        for e in (12, 25):
            for c in (1 - mpmath.mpf(10) ** -e, -1 + mpmath.mpf(10) ** -e):
                closed = arccos_kernel_mp(alpha, c)
                quad = arccos_kernel_quadrature_mp(alpha, c)
                # as above: both correct to ~1e-31 at 30 digits
                assert _rel(closed, quad) <= mpmath.mpf("1e-28"), (alpha, c)


# ---------------------------------------------------------------------------------------------
# (b) high precision against elementary closed forms (Cho & Saul J_n)
# ---------------------------------------------------------------------------------------------


def _j1(c):
    th = mpmath.acos(c)
    return (mpmath.sin(th) + (mpmath.pi - th) * mpmath.cos(th)) / (2 * mpmath.pi)


def _j2(c):
    th = mpmath.acos(c)
    s, co = mpmath.sin(th), mpmath.cos(th)
    return (3 * s * co + (mpmath.pi - th) * (1 + 2 * co**2)) / (2 * mpmath.pi)


def test_relu_dps100_against_cho_saul_j1():
    with mpmath.workdps(100):
        cs = [mpmath.mpf("-0.73"), mpmath.mpf("0.61"), -1 + mpmath.mpf(10) ** -40]
        got = [arccos_kernel_mp(1, c) for c in cs]
    # J_1 = sin(d) - d cos(d) ~ d^3/3 cancels as c -> -1 (d = pi - theta ~ 1e-20 here: 60
    # digits lost), so the reference is evaluated with 200 extra digits.
    for c, g in zip(cs, got, strict=True):
        with mpmath.workdps(300):
            ref = _j1(c)
        with mpmath.workdps(100):
            assert _rel(g, ref) <= mpmath.mpf("1e-98"), c  # 10**(2-dps), as in module docstring
    with mpmath.workdps(100):
        # derivative of the ReLU kernel is k_0 = 1/4 + arcsin(c) / (2 pi)
        c = mpmath.mpf("0.37")
        ref = mpmath.mpf(1) / 4 + mpmath.asin(c) / (2 * mpmath.pi)
        assert _rel(arccos_kernel_mp(1, c, derivative=True), ref) <= mpmath.mpf("1e-98")


def test_dps1000_against_elementary_forms():
    with mpmath.workdps(1000):
        c0 = -1 + mpmath.mpf(10) ** -700
        k0 = arccos_kernel_mp(0, c0)
        c2 = mpmath.mpf(3) / 10
        k2 = arccos_kernel_mp(2, c2)
        k2n = arccos_kernel_mp(2, -c2)
    # 1/4 + arcsin(c)/(2 pi) ~ 1e-350 near c = -1: the reference needs 350 extra digits
    with mpmath.workdps(1400):
        ref0 = mpmath.mpf(1) / 4 + mpmath.asin(c0) / (2 * mpmath.pi)
        ref2, ref2n = _j2(c2), _j2(-c2)
    with mpmath.workdps(1000):
        tol = mpmath.mpf(10) ** -998  # 10**(2-dps), as in module docstring
        assert _rel(k0, ref0) <= tol
        assert _rel(k2, ref2) <= tol
        assert _rel(k2n, ref2n) <= tol


@pytest.mark.slow
def test_half_integer_log_case_dps200_against_generic_hyp2f1():
    """DLMF 15.8.10 summation vs mpmath's generic (perturbation) treatment, c^2 > 0.8."""
    for alpha in (mpmath.mpf("0.5"), mpmath.mpf("1.5")):
        with mpmath.workdps(200):
            c = mpmath.mpf("0.97")
            got = arccos_kernel_mp(alpha, c)
            gotd = arccos_kernel_mp(alpha + 1, c, derivative=True)
        with mpmath.workdps(220):
            a = alpha
            z = c * c
            ref = (
                mpmath.power(2, a)
                / (4 * mpmath.pi)
                * (
                    mpmath.gamma((a + 1) / 2) ** 2 * mpmath.hyp2f1(-a / 2, -a / 2, 0.5, z)
                    + 2
                    * c
                    * mpmath.gamma(a / 2 + 1) ** 2
                    * mpmath.hyp2f1((1 - a) / 2, (1 - a) / 2, 1.5, z)
                )
            )
            # Price: kdot_{alpha+1} = (alpha+1)^2 k_alpha
            refd = (a + 1) ** 2 * ref
        with mpmath.workdps(200):
            assert _rel(got, ref) <= mpmath.mpf("1e-198")  # 10**(2-dps), as in module docstring
            assert _rel(gotd, refd) <= mpmath.mpf("1e-198")


# ---------------------------------------------------------------------------------------------
# identities and special values
# ---------------------------------------------------------------------------------------------


def test_special_values():
    with mpmath.workdps(40):
        tol = mpmath.mpf("1e-38")  # 10**(2-dps), as in module docstring
        for c in ("-0.9", "-0.2", "0", "0.5", "0.99"):
            x = mpmath.mpf(c)
            step = mpmath.mpf(1) / 4 + mpmath.asin(x) / (2 * mpmath.pi)
            assert _rel(arccos_kernel_mp(0, x), step) <= tol
            dstep = 1 / (2 * mpmath.pi * mpmath.sqrt(1 - x * x))
            assert _rel(arccos_kernel_mp(0, x, derivative=True), dstep) <= tol
        assert arccos_kernel_mp(1, 1) == mpmath.mpf(1) / 2
        for a in ("-0.3", "0.7", "2.2"):
            al = mpmath.mpf(a)
            # k_alpha(1) = E[X_+^(2 alpha)] = 2^alpha Gamma(alpha + 1/2) / (2 sqrt(pi))
            ref = mpmath.power(2, al) * mpmath.gamma(al + 0.5) / (2 * mpmath.sqrt(mpmath.pi))
            assert _rel(arccos_kernel_mp(al, 1), ref) <= tol
            assert arccos_kernel_mp(al, -1) == 0
        # derivative at c = -1 for alpha = 1/2 is the limit sqrt(2 pi)/16; the kernel there is
        # (sqrt(2 pi)/16) (1 + (1+c)/8 + O((1+c)^2)), so at 1+c = 1e-30 the gap is ~1e-31
        lim = arccos_kernel_mp(0.5, -1, derivative=True)
        assert _rel(lim, mpmath.sqrt(2 * mpmath.pi) / 16) <= tol
        near = arccos_kernel_mp(0.5, -1 + mpmath.mpf(10) ** -30, derivative=True)
        assert _rel(near, lim) <= mpmath.mpf("1e-30")
        assert arccos_kernel_mp(0.7, -1, derivative=True) == 0


@pytest.mark.parametrize("alpha", [0.6, 1, 1.25, 2, 3.5])
def test_derivative_equals_alpha_squared_k_alpha_minus_one(alpha):
    with mpmath.workdps(30):
        for c in (-0.8, -0.1, 0.3, 0.9, 1):
            lhs = arccos_kernel_mp(alpha, c, derivative=True)
            a = mpmath.mpf(alpha)  # alpha - 1 and alpha**2 exactly (float 0.6 - 1 rounds)
            rhs = a**2 * arccos_kernel_mp(a - 1, c)
            # independent formulas (different 2F1 parameters), ~1e-31 each; allowed 1e-28
            assert _rel(lhs, rhs) <= mpmath.mpf("1e-28"), c


def test_precision_is_the_callers():
    with mpmath.workdps(30):
        r30 = arccos_kernel_mp(0.3, 0.2)
        assert r30 == +r30  # already rounded to 30 digits
    with mpmath.workdps(60):
        r60 = arccos_kernel_mp(0.3, 0.2)
        assert r60 != r30
        assert _rel(r30, r60) <= mpmath.mpf("1e-29")  # r30 is r60 rounded to 30 digits


# ---------------------------------------------------------------------------------------------
# (c) float64 route vs mpmath closed form
# ---------------------------------------------------------------------------------------------

NP_TOL = 1e-13  # documented float64 target; measured worst ~7e-15 (alpha ~ 3.4, c ~ -1)

_near_pm_one = st.builds(
    lambda sign, e: sign * (1.0 - 10.0**-e),
    st.sampled_from([-1.0, 1.0]),
    st.floats(0.0, 12.0),
)
_correlations = st.one_of(
    st.floats(-1.0, 1.0),
    _near_pm_one,
    st.sampled_from([-1.0, 1.0, 0.0, 0.5, -0.5, math.nextafter(1.0, 0.0)]),
)


def _check_np_against_mp(alpha: float, cs: list[float], derivative: bool) -> None:
    got = arccos_kernel_np(alpha, np.array(cs), derivative=derivative)
    with mpmath.workdps(25):
        for c, g in zip(cs, got, strict=True):
            ref = arccos_kernel_mp(alpha, c, derivative=derivative)
            if ref == 0:
                assert g == 0.0, (alpha, c)
            else:
                assert abs(g - float(ref)) <= NP_TOL * float(abs(ref)), (alpha, c, g, ref)


@settings(max_examples=120, deadline=None)
@given(
    alpha=st.floats(-0.5, 4.0, exclude_min=True),
    cs=st.lists(_correlations, min_size=1, max_size=6),
)
def test_numpy_matches_mp(alpha, cs):
    _check_np_against_mp(alpha, cs, derivative=False)


@settings(max_examples=120, deadline=None)
@given(alpha=st.floats(0.0, 4.0), cs=st.lists(_correlations, min_size=1, max_size=6))
def test_numpy_derivative_matches_mp(alpha, cs):
    cs = [c for c in cs if not _derivative_is_infinite(alpha, c)]
    assume(cs)
    _check_np_against_mp(alpha, cs, derivative=True)


@pytest.mark.parametrize("alpha", [-0.49, -0.25, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0])
@pytest.mark.parametrize("derivative", [False, True])
def test_numpy_grid_near_endpoints(alpha, derivative):
    if derivative and alpha < 0:
        pytest.skip("derivative kernel needs alpha >= 0")
    e = 10.0 ** -np.arange(1, 17)
    cs = np.concatenate([1 - e, -1 + e, [-1.0, 0.0, 1.0]])
    cs = [c for c in cs.tolist() if not (derivative and _derivative_is_infinite(alpha, c))]
    _check_np_against_mp(alpha, cs, derivative)


def test_numpy_vectorized_shapes_and_chunks():
    rng = np.random.default_rng(7)
    cs = np.concatenate([rng.uniform(-1, 1, 4000), 1 - 10 ** rng.uniform(-15, 0, 1000)])
    out = arccos_kernel_np(0.7, cs.reshape(100, 50))
    assert out.shape == (100, 50) and out.dtype == np.float64
    flat = out.reshape(-1)
    _check_np_against_mp(0.7, cs[::173].tolist(), derivative=False)  # spans several chunks
    with mpmath.workdps(25):
        for i in range(0, cs.size, 173):
            ref = float(arccos_kernel_mp(0.7, float(cs[i])))
            assert abs(flat[i] - ref) <= NP_TOL * ref  # batch result == per-element quality
    assert arccos_kernel_np(1.0, 0.25).shape == ()
    assert arccos_kernel_np(1.0, []).shape == (0,)


@pytest.mark.parametrize("alpha", [5e-324, 1e-300, 1e-17, 1e-8, 0.4999999, 0.5])
def test_numpy_derivative_small_alpha(alpha):
    """beta = alpha - 1 rounds to -1 for tiny alpha; the endpoint term must use gamma = alpha."""
    cs = [-1 + 1e-15, -0.5, 0.0, 0.9, 1 - 1e-12, math.nextafter(1.0, 0.0)]
    _check_np_against_mp(alpha, cs, derivative=True)


def test_input_types():
    from fractions import Fraction

    with mpmath.workdps(30):
        ref = arccos_kernel_mp(mpmath.mpf(1) / 2, mpmath.mpf(-1) / 3)
        # a Fraction is converted with the guard digits, so it matches the 30-digit mpf
        # arguments to rounding level
        assert _rel(arccos_kernel_mp(Fraction(1, 2), Fraction(-1, 3)), ref) <= mpmath.mpf("1e-29")
        assert arccos_kernel_mp(np.float64(0.5), np.float32(0.25)) == arccos_kernel_mp(0.5, 0.25)
        assert arccos_kernel_mp(1, "0.5") == arccos_kernel_mp(1, mpmath.mpf("0.5"))
    assert arccos_kernel_np(np.float32(0.5), np.float32(0.25)) == arccos_kernel_np(0.5, 0.25)
    assert arccos_kernel_np(1, 0) == arccos_kernel_np(1.0, 0.0)


# ---------------------------------------------------------------------------------------------
# (d) derivative kernel vs numerical derivative (Price's theorem)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [0, 0.3, 0.5, 0.75, 1, 1.5, 2, 3])
def test_derivative_is_d_dc_of_kernel(alpha):
    with mpmath.workdps(30):
        for c in ("-0.9", "-0.3", "0", "0.2", "0.7", "0.95"):
            x = mpmath.mpf(c)
            # mpmath.diff works at raised precision and the kernel follows it, so the
            # difference quotient is accurate to the working precision (measured: 0 difference)
            num = mpmath.diff(lambda t: arccos_kernel_mp(alpha, t), x)
            assert _rel(num, arccos_kernel_mp(alpha, x, derivative=True)) <= mpmath.mpf("1e-28")
    # float64 route too: kdot = alpha^2 k_(alpha-1) is the same integral with beta = alpha-1
    cs = [-0.9, -0.3, 0.2, 0.7, 0.95]
    _check_np_against_mp(float(alpha), cs, derivative=True)


# ---------------------------------------------------------------------------------------------
# (e) bad input
# ---------------------------------------------------------------------------------------------

ALL = [arccos_kernel_mp, arccos_kernel_quadrature_mp, arccos_kernel_np]


@pytest.mark.parametrize("f", ALL)
@pytest.mark.parametrize("alpha", [-0.5, -1, float("nan"), float("inf"), "1", True, 1j])
def test_bad_alpha(f, alpha):
    with pytest.raises(ValueError, match="alpha"):
        f(alpha, 0.3)


@pytest.mark.parametrize("f", ALL)
def test_derivative_needs_nonnegative_alpha(f):
    with pytest.raises(ValueError, match="alpha"):
        f(-0.25, 0.3, derivative=True)
    f(-0.25, 0.3)  # the kernel itself is fine


@pytest.mark.parametrize("f", ALL)
@pytest.mark.parametrize("c", [1.5, -1.0000001, float("nan"), float("inf")])
def test_bad_c(f, c):
    with pytest.raises(ValueError, match="c="):
        f(0.5, c)


@pytest.mark.parametrize("f", ALL)
@pytest.mark.parametrize(("alpha", "c"), [(0, 1), (0, -1), (0.5, 1), (0.3, 1), (0.3, -1)])
def test_infinite_derivative_raises(f, alpha, c):
    with pytest.raises(ValueError, match="c="):
        f(alpha, c, derivative=True)


def test_numpy_rejects_any_bad_element():
    with pytest.raises(ValueError, match="c="):
        arccos_kernel_np(1.0, [0.1, 0.2, 1.0 + 1e-15])
    with pytest.raises(ValueError, match="c="):
        arccos_kernel_np(0.25, np.array([0.0, 1.0]), derivative=True)
    # finite there for alpha > 1/2
    assert np.isfinite(arccos_kernel_np(0.75, np.array([-1.0, 1.0]), derivative=True)).all()
