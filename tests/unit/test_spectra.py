"""Jacobian spectra by free probability, checked against independent references.

References: Fuss-Catalan numbers (products of Gaussian matrices), Marchenko-Pastur density,
the Narayana moments of a compressed Marchenko-Pastur law (free compression of free
cumulants), exact orthogonal cases, Gauss-Legendre quadrature of the density, and random
finite networks (Monte Carlo within 4 standard errors plus the stated finite-width bias).
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy

from asymptote.cli import main
from asymptote.spectra.critical_line import critical_line_spread
from asymptote.spectra.density import spectral_atoms, spectral_density, spectral_edge
from asymptote.spectra.empirical import empirical_spectrum, haar_orthogonal
from asymptote.spectra.free_probability import (
    large_depth_edge,
    large_depth_moments,
    series_reversion,
    spectrum_moments,
    spectrum_variance,
    spread_per_layer,
)

SQRT2 = "1.4142135623730950488016887242096980785696718753769"


def fuss_catalan(depth: int, k: int) -> int:
    return math.comb((depth + 1) * k, k) // (depth * k + 1)


# ---------------------------------------------------------------------------------------
# moments
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("depth", [1, 2, 3, 5])
def test_linear_gaussian_moments_are_fuss_catalan_exactly(depth):
    sigma2 = Fraction(9, 4)  # sigma_w = 3/2 read exactly from the string
    got = spectrum_moments("linear", "1.5", 0, depth=depth, order=7, exact=True)
    want = [fuss_catalan(depth, k) * sympy.Rational(9, 4) ** (depth * k) for k in range(1, 8)]
    assert got == want  # exact rationals: equality
    floats = spectrum_moments("linear", 1.5, 0.0, depth=depth, order=7)
    for g, w, k in zip(floats, want, range(1, 8), strict=True):
        # float64 series arithmetic of O(k^2) terms with alternating signs: 1e-12 relative
        assert abs(g - float(w)) <= 1e-12 * float(w), (k, g, w)
    assert sigma2 == Fraction(9, 4)


def test_linear_gaussian_moments_high_precision():
    got = spectrum_moments("linear", "1.1", 0, depth=4, order=5, dps=40)
    with mpmath.workdps(60):
        for k, g in enumerate(got, start=1):
            want = fuss_catalan(4, k) * mpmath.mpf("1.21") ** (4 * k)
            assert abs(g - want) <= mpmath.mpf(10) ** -38 * want  # 40 digits, 2 spare


@pytest.mark.parametrize("depth", [1, 4, 30])
def test_orthogonal_linear_moments_are_powers_of_sigma(depth):
    got = spectrum_moments(
        "linear", "0.9", 0, depth=depth, weights="orthogonal", order=5, exact=True
    )
    assert got == [sympy.Rational(81, 100) ** (depth * k) for k in range(1, 6)]


def narayana(k: int, j: int) -> int:
    return math.comb(k, j) * math.comb(k, j - 1) // k


@pytest.mark.parametrize("sigma_w", ["2", "1.5"])
def test_relu_one_layer_gaussian_is_compressed_marchenko_pastur(sigma_w):
    # D W W^T D with D a projection of trace 1/2 free from MP(1): in the compressed algebra
    # the free cumulants are (1/2)^(k-1), so m_k = (1/2) sum_j N(k, j) (1/2)^(k-j) sigma^(2k)
    # (moment-cumulant formula over non-crossing partitions, Narayana counts by blocks)
    s2 = sympy.nsimplify(sigma_w) ** 2
    got = spectrum_moments("relu", sigma_w, 0, depth=1, order=6, exact=True)
    for k in range(1, 7):
        half = sympy.Rational(1, 2)
        want = half * sum(narayana(k, j) * half ** (k - j) for j in range(1, k + 1)) * s2**k
        assert got[k - 1] == want


def test_relu_orthogonal_one_layer_is_two_atoms():
    got = spectrum_moments("relu", SQRT2, 0, depth=1, weights="orthogonal", order=4, dps=30)
    for k, g in enumerate(got, start=1):  # law (delta_0 + delta_2)/2: m_k = 2^k / 2
        assert abs(g - mpmath.mpf(2) ** (k - 1)) <= mpmath.mpf(10) ** -28 * 2**k


def test_exact_sympy_sigma():
    got = spectrum_moments("relu", sympy.sqrt(2), 0, depth=3, order=3, exact=True)
    assert got[0] == 1 and got[1] == 7  # m_2 = 1 + L c with c = 2 (Gaussian ReLU)


def test_exact_rejects_q_dependent_law():
    with pytest.raises(ValueError, match="exact"):
        spectrum_moments("hard_tanh", "1.1", "0.1", depth=2, exact=True)


@pytest.mark.slow
@pytest.mark.parametrize(
    "name,sw,sb,weights",
    [("tanh", "1.2", "0.1", "orthogonal"), ("hard_tanh", "1.1", "0.2", "gaussian")],
)
def test_variance_closed_form_matches_lagrange_series(name, sw, sb, weights):
    # two routes: sigma^2 = m_1^2 L (mu_2/mu_1^2 - 1 + g) vs m_2 - m_1^2 from series reversion
    depth = 7
    m = spectrum_moments(name, sw, sb, depth=depth, weights=weights, order=2, dps=20)
    var = spectrum_variance(name, sw, sb, depth=depth, weights=weights, dps=20)
    with mpmath.workdps(20):
        # 20 digits, both routes rounded once and m_2 - m_1^2 loses log10(m_2/var) digits
        assert abs((m[1] - m[0] ** 2) - var) <= mpmath.mpf(10) ** -17 * m[1]


def test_fast_path_matches_mpmath_for_smooth_activation():
    fast = spectrum_moments("tanh", 1.2, 0.1, depth=5, weights="orthogonal", order=4)
    slow = spectrum_moments("tanh", 1.2, 0.1, depth=5, weights="orthogonal", order=4, dps=30)
    for f, s in zip(fast, slow, strict=True):
        # quadrature 1e-13 relative per mu_k, amplified by the O(k L) terms of the series
        assert abs(f - float(s)) <= 1e-11 * abs(float(s))


def test_series_reversion_of_exponential_series():
    # inverse of exp(w) - 1 is log(1 + z) = z - z^2/2 + z^3/3 - ...
    coeffs = [sympy.Rational(1, math.factorial(k)) for k in range(1, 7)]
    assert series_reversion(coeffs) == [sympy.Rational((-1) ** (k + 1), k) for k in range(1, 7)]


def test_large_depth_limits():
    # (L+1)^(L+1)/L^L = e L + e/2 + O(1/L): the leading form is within e/2 + 1/L
    for depth in (100, 1000):
        exact = spectral_edge("linear", 1.0, 0.0, depth=depth)
        assert abs(exact - large_depth_edge(1.0, 1.0, depth) - math.e / 2) < 2.0 / depth * 10
    got = spectrum_moments("relu", 2**0.5, 0.0, depth=400, weights="orthogonal", order=4)
    lead = large_depth_moments(got[0], 1.0, 400, 4)
    for k in range(2, 5):  # relative correction O(k^2 / L)
        assert abs(got[k - 1] / lead[k - 1] - 1) <= k * k / 400


def test_spread_on_critical_line():
    assert spread_per_layer("relu", 2**0.5, 0.0, weights="orthogonal") == pytest.approx(
        1, abs=1e-14
    )
    assert spread_per_layer("relu", 2**0.5, 0.0, weights="gaussian") == pytest.approx(2, abs=1e-14)
    line = critical_line_spread("tanh", [0.0, 0.05, 0.3, 1.0])
    spreads = [p.spread_per_layer for p in line]
    assert spreads[0] == pytest.approx(0.0, abs=1e-14)  # q* = 0: phi'^2 = 1 exactly
    assert all(a < b for a, b in zip(spreads, spreads[1:], strict=False))
    relu = critical_line_spread("relu", [0.0, 0.7], weights="gaussian")
    assert [p.relative_variance[10] for p in relu] == pytest.approx([20.0, 20.0], abs=1e-12)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"depth": 0}, "depth"),
        ({"depth": 2, "weights": "unitary"}, "weights"),
        ({"depth": 2, "order": 0}, "order"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, match):
    with pytest.raises(ValueError, match=match):
        spectrum_moments("relu", 1.0, 0.0, **kwargs)


def test_bad_sigma():
    with pytest.raises(ValueError, match="sigma_w"):
        spectrum_moments("relu", -1.0, 0.0, depth=2)


# ---------------------------------------------------------------------------------------
# edge, atoms, density
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("depth", [1, 2, 3, 6])
def test_edge_of_gaussian_product(depth):
    sw = 1.3
    want = (depth + 1) ** (depth + 1) / depth**depth * sw ** (2 * depth)
    # float64 root of d log chi/dt: chi is stationary there, lambda_max exact to ~1e-14
    assert spectral_edge("linear", sw, 0.0, depth=depth) == pytest.approx(want, rel=1e-12)


def test_edge_high_precision():
    got = spectral_edge("linear", 1, 0, depth=2, dps=30)
    assert abs(got - mpmath.mpf(27) / 4) <= mpmath.mpf(10) ** -28


def test_marchenko_pastur_density():
    lam = np.linspace(0.05, 3.95, 40)
    want = np.sqrt(lam * (4 - lam)) / (2 * np.pi * lam)
    # Newton converged to 1e-13 in log chi; the density loses accuracy only at the edge
    assert np.allclose(spectral_density("linear", 1.0, 0.0, lam, depth=1), want, rtol=1e-9)
    got = spectral_density("linear", 1, 0, ["1", "2"], depth=1, dps=30)
    with mpmath.workdps(30):
        assert abs(got[0] - mpmath.sqrt(3) / (2 * mpmath.pi)) < mpmath.mpf(10) ** -28
        assert abs(got[1] - 1 / (2 * mpmath.pi)) < mpmath.mpf(10) ** -28


@pytest.mark.slow
def test_atoms():
    assert spectral_atoms("relu", 2**0.5, 0.0, depth=7) == [(0.0, 0.5)]
    atoms = spectral_atoms("relu", 2**0.5, 0.0, depth=1, weights="orthogonal")
    assert atoms == [(0.0, 0.5), (pytest.approx(2.0, rel=1e-15), 0.5)]
    assert spectral_atoms("tanh", 1.1, 0.1, depth=3) == []
    # hard tanh, orthogonal: p = P(|h| < 1); atom at sigma^(2L) of mass 1 - L (1 - p)
    sw, sb = 1.05, 0.05
    atoms = spectral_atoms("hard_tanh", sw, sb, depth=2, weights="orthogonal", dps=25)
    from asymptote.feedforward import fixed_point_length

    q = fixed_point_length("hard_tanh", sw, sb, dps=25)
    with mpmath.workdps(25):
        p = mpmath.erf(1 / mpmath.sqrt(2 * q))
        assert abs(atoms[0][1] - (1 - p)) < mpmath.mpf(10) ** -22
        assert abs(atoms[1][1] - (1 - 2 * (1 - p))) < mpmath.mpf(10) ** -22
        assert abs(atoms[1][0] - mpmath.mpf(sw) ** 4) < mpmath.mpf(10) ** -22


def _integrals(name, sw, sb, depth, weights, nodes):
    """Mass, m_1, m_2 of the continuous part by Gauss-Legendre: lambda = E s^6 on [0, E/2]
    (removes an integrable lambda^(-a) singularity at 0, a < 5/6) and lambda = E(1 - s^2)
    on [E/2, E] (removes the square-root edge)."""
    edge = spectral_edge(name, sw, sb, depth=depth, weights=weights)
    x, w = np.polynomial.legendre.leggauss(nodes)
    s1 = (x + 1) / 2 * 0.5 ** (1 / 6)
    lam1 = edge * s1**6
    jac1 = edge * 6 * s1**5 * 0.5 ** (1 / 6) / 2
    s2 = (x + 1) / 2 * 0.5**0.5
    lam2 = edge * (1 - s2**2)
    jac2 = edge * 2 * s2 * 0.5**0.5 / 2
    lam = np.concatenate([lam1, lam2])
    wt = np.concatenate([w * jac1, w * jac2])
    rho = spectral_density(name, sw, sb, lam, depth=depth, weights=weights)
    return [float(np.sum(wt * rho * lam**k)) for k in range(3)]


@pytest.mark.parametrize(
    "name,sw,sb,depth,weights",
    [
        ("relu", 2**0.5, 0.0, 2, "gaussian"),
        ("relu", 2**0.5, 0.0, 4, "orthogonal"),
        ("linear", 1.2, 0.0, 3, "gaussian"),
        ("hard_tanh", 1.05, 0.05, 3, "orthogonal"),
        ("leaky_relu", 1.3, 0.0, 2, "orthogonal"),
    ],
)
def test_density_integrates_to_one_minus_atoms_and_reproduces_moments(name, sw, sb, depth, weights):
    coarse = _integrals(name, sw, sb, depth, weights, 60)
    fine = _integrals(name, sw, sb, depth, weights, 120)
    atoms = spectral_atoms(name, sw, sb, depth=depth, weights=weights)
    moments = spectrum_moments(name, sw, sb, depth=depth, weights=weights, order=2)
    want = [1.0, *moments]
    for k in range(3):
        atom_part = sum(m * a**k for a, m in atoms)
        # quadrature error estimated by the 60 vs 120 node difference, plus 1e-9 (Newton)
        tol = 10 * abs(fine[k] - coarse[k]) + 1e-9 * max(1.0, want[k])
        assert abs(fine[k] + atom_part - want[k]) <= max(tol, 1e-7 * want[k]), (k, fine, want)


@pytest.mark.slow
def test_density_smooth_activation_moments():
    sw, sb = 1.1225390047695756, 0.05  # tanh near its critical point at sigma_b = 0.05
    fine = _integrals("tanh", sw, sb, 3, "gaussian", 80)
    moments = spectrum_moments("tanh", sw, sb, depth=3, weights="gaussian", order=2)
    assert fine[0] == pytest.approx(1.0, abs=1e-5)  # 80-node quadrature; see the test above
    assert fine[1] == pytest.approx(moments[0], rel=1e-5)
    assert fine[2] == pytest.approx(moments[1], rel=1e-5)


def test_density_rejects_zero_and_kinked_continuous_law():
    with pytest.raises(ValueError, match="lambdas"):
        spectral_density("relu", 1.0, 0.0, [0.0, 1.0], depth=2)
    with pytest.raises(ValueError, match="kinks"):
        spectral_density("alpha_relu", 1.0, 0.1, [0.5], depth=2, alpha=2)


# ---------------------------------------------------------------------------------------
# finite random networks
# ---------------------------------------------------------------------------------------
def test_haar_sign_correction_gives_centred_entries():
    rng = np.random.default_rng(11)
    first = np.array([haar_orthogonal(4, rng)[0, 0] for _ in range(2000)])
    # Haar: Q_11 has mean 0 and variance 1/n; without the sign fix numpy's QR biases it
    assert abs(first.mean()) <= 4 * math.sqrt(0.25 / 2000)


def _bias(k: int, depth: int, width: int) -> float:
    # stated finite-width bias of m_k relative to the limit: k L / N (the O(1/N) terms of
    # tr (J J^T)^k grow linearly in the number of factors; measured sizes in docs/spectra.md)
    return k * depth / width


@pytest.mark.parametrize(
    "name,sw,sb,weights",
    [("relu", 2**0.5, 0.0, "gaussian"), ("tanh", 1.1225390047695756, 0.05, "gaussian")],
)
def test_empirical_moments_agree_with_theory(name, sw, sb, weights):
    depth, width = 3, 1000
    emp = empirical_spectrum(
        name, sw, sb, depth=depth, width=width, weights=weights, draws=6, seed=5
    )
    theory = spectrum_moments(name, sw, sb, depth=depth, weights=weights, order=2)
    for k in range(2):
        allowed = 4 * emp.standard_errors[k] + _bias(k + 1, depth, width) * theory[k]
        assert abs(emp.moments[k] - theory[k]) <= allowed, (k, emp.moments, theory)


@pytest.mark.slow
def test_empirical_orthogonal_moments_and_zero_atom():
    depth, width = 2, 1000
    emp = empirical_spectrum(
        "relu",
        2**0.5,
        0.0,
        depth=depth,
        width=width,
        weights="orthogonal",
        draws=4,
        seed=7,
        eigenvalues=True,
    )
    theory = spectrum_moments("relu", 2**0.5, 0.0, depth=depth, weights="orthogonal", order=2)
    for k in range(2):
        allowed = 4 * emp.standard_errors[k] + _bias(k + 1, depth, width) * theory[k]
        assert abs(emp.moments[k] - theory[k]) <= allowed
    assert emp.eigenvalues is not None
    zero = np.mean(emp.eigenvalues < 1e-8)
    # zero eigenvalues = N - rank = number of dead units of the last layer: Binomial(N, 1/2)
    assert abs(zero - 0.5) <= 4 * math.sqrt(0.25 / (width * 4))


def test_histogram_interval_masses():
    depth, width, draws = 2, 1000, 2
    emp = empirical_spectrum(
        "relu", 2**0.5, 0.0, depth=depth, width=width, draws=draws, seed=3, eigenvalues=True
    )
    assert emp.eigenvalues is not None
    eigs = emp.eigenvalues.ravel()
    x, w = np.polynomial.legendre.leggauss(80)
    for a, b in [(0.5, 1.5), (1.5, 3.0), (3.0, 6.0)]:
        lam = a + (b - a) * (x + 1) / 2
        mass = float(np.sum(w * (b - a) / 2 * spectral_density("relu", 2**0.5, 0.0, lam, depth=2)))
        frac = float(np.mean((eigs > a) & (eigs <= b)))
        # binomial standard error (conservative: eigenvalues repel) + 1/N edge/bias allowance
        se = math.sqrt(mass * (1 - mass) / (width * draws))
        assert abs(frac - mass) <= 4 * se + 2 / width, (a, b, frac, mass)


# ---------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------
def test_cli_spectrum_json(capsys):
    code = main(
        [
            "spectrum",
            "--activation",
            "linear",
            "--sigma-w",
            "1",
            "--sigma-b",
            "0",
            "--depth",
            "2",
            "--moments",
            "3",
            "--density",
            "1,2",
            "--dps",
            "20",
            "--json",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["moments"] == ["1.0", "3.0", "12.0"] or [float(v) for v in out["moments"]] == [
        1,
        3,
        12,
    ]
    assert float(out["lambda_max"]) == pytest.approx(6.75, rel=1e-18)
    assert out["atoms"] == []
    assert len(out["density"]) == 2 and set(out) >= {"q_star", "chi_1", "variance"}


@pytest.mark.parametrize(
    "args,match",
    [
        (["--depth", "0"], "--depth"),
        (["--depth", "2", "--weights", "unitary"], "--weights"),
        (["--depth", "2", "--density", "1,x"], "--density"),
    ],
)
def test_cli_bad_input(capsys, args, match):
    code = main(["spectrum", "--activation", "relu", "--sigma-w", "1.4", "--sigma-b", "0", *args])
    assert code == 2
    assert match in capsys.readouterr().err


def test_cli_plot(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "s.png"
    code = main(
        [
            "spectrum",
            "--activation",
            "relu",
            "--sigma-w",
            "1.4142135623730951",
            "--sigma-b",
            "0",
            "--depth",
            "2",
            "--plot",
            str(path),
            "--empirical-width",
            "200",
        ]
    )
    assert code == 0 and path.stat().st_size > 1000
