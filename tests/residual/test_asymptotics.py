"""Symbolic depth laws vs closed forms typed from [YS17], vs the independent alpha-ReLU module,
and vs exponents fitted from long-depth iteration (digits of agreement asserted)."""

from __future__ import annotations

import math

import mpmath
import pytest
import sympy

from asymptote.activations import activation
from asymptote.asymptotics import leading_laws
from asymptote.recurrences.exponents import fit_law
from asymptote.recurrences.iterate import iterate

ALPHA = sympy.Symbol("alpha", positive=True)


def test_alpha_relu_frn_exponents_are_the_paper_formulas() -> None:
    laws = leading_laws("frn", activation("alpha_relu", alpha="0.7"), 1.0, 0.0,
                        sigma_v=1.0, sigma_a=0.0)
    # p ~ l^{1/(1-alpha)}, chi^0/chi^l ~ l^{alpha^2/((1-alpha)(2 alpha - 1))} [YS17 Sec. 5.2]
    assert sympy.simplify(laws["p"].exponent - 1 / (1 - ALPHA)) == 0
    R = ALPHA**2 / ((1 - ALPHA) * (2 * ALPHA - 1))
    assert sympy.simplify(laws["chi"].exponent - R) == 0
    assert float(laws["chi"].value()) == pytest.approx(0.49 / (0.3 * 0.4), rel=1e-15)


def test_alpha_relu_fixed_point_matches_independent_module() -> None:
    from asymptote.alpha_relu import cosine_convergence_exponent, cosine_fixed_point

    laws = leading_laws("frn", activation("alpha_relu", alpha="0.7"), 1.0, 0.0,
                        sigma_v=1.0, sigma_a=0.0, dps=30)
    e_star = laws["e"].value(laws["e"].limit, dps=25)
    mu = laws["e"].value(dps=25)
    # two implementations: transforms (2F1 closed form) vs the Bessel/hypergeometric module;
    # both at 30 digits, the law's value is rounded to 25
    with mpmath.workdps(30):
        assert abs(e_star - cosine_fixed_point("0.7", dps=30)) < mpmath.mpf(10) ** -20
        assert abs(mu - cosine_convergence_exponent("0.7", dps=30)) < mpmath.mpf(10) ** -18


def test_relu_frn_cosine_constant_matches_independent_module() -> None:
    from asymptote.alpha_relu import relu_cosine_distance_constant

    laws = leading_laws("frn", "relu", 1.3, 0.0, sigma_v=0.8, sigma_a=0.0, dps=30)
    assert laws["e"].law == "fixed_point_power" and float(laws["e"].value()) == 2.0
    ours = laws["e"].value(laws["e"].coefficient, dps=20)
    theirs = relu_cosine_distance_constant("1.3", sigma_v="0.8", dps=30)
    with mpmath.workdps(30):
        assert abs(ours / theirs - 1) < mpmath.mpf(10) ** -14  # A extracted numerically to ~1e-16


def test_tanh_rrn_laws() -> None:
    laws = leading_laws("rrn", "tanh", 1.5, 0.0)
    assert laws["e"].law == "fixed_point_power"
    assert sympy.simplify(laws["e"].exponent - (1 - 2 / sympy.pi)) == 0
    # log(chi^0/chi^l) ~ (4/3) sqrt(2/pi) sigma_w sqrt(l) [YS17 Sec. 5.1]
    expected = sympy.Rational(4, 3) * sympy.sqrt(2 / sympy.pi) * sympy.Symbol("sigma_w", nonnegative=True)
    assert sympy.simplify(laws["chi"].exponent - expected) == 0
    assert laws["chi"].law == "stretched_exponential"


def test_relu_frn_weight_gradients_are_constant() -> None:
    laws = leading_laws("frn", "relu", 1.0, 0.0, sigma_v=1.0, sigma_a=0.0)
    assert laws["chi_w"].law == laws["chi_v"].law == "constant"
    assert laws["chi"].law == "exponential"


def test_bad_sigma_rejected() -> None:
    with pytest.raises(ValueError, match="sigma_v"):
        leading_laws("frn", "relu", 1.0, 0.0)
    with pytest.raises(ValueError, match="sigma_a"):
        leading_laws("rrn", "relu", 1.0, 0.0, sigma_a=1.0)


def _digits(law, traj) -> float:
    fit = fit_law(law, traj)
    assert fit.digits is not None
    return fit.digits


@pytest.mark.slow
def test_alpha_relu_frn_power_exponents_to_six_digits_at_depth_one_million() -> None:
    act = activation("alpha_relu", alpha="0.7")
    laws = leading_laws("frn", act, 1.0, 0.0, sigma_v=1.0, sigma_a=0.0)
    traj = iterate("frn", act, 1.0, 0.0, sigma_v=1.0, sigma_a=0.0, depth=1_000_000, e0=0.3)
    # fits include the l^-1 log l discretization correction; measured ~9 digits
    assert _digits(laws["p"], traj) >= 6
    assert _digits(laws["chi"], traj) >= 6
    assert _digits(laws["chi_w"], traj) >= 6
    # fixed-point exponents converge slowly (corrections l^-mu): two digits measured
    assert _digits(laws["e"], traj) >= 1.5


def test_rrn_alpha_relu_mean_dominated_growth_fitted() -> None:
    act = activation("alpha_relu", alpha="0.7")
    laws = leading_laws("rrn", act, 1.0, 0.2)
    assert float(laws["p"].value()) == pytest.approx(2 / 0.3, rel=1e-15)
    traj = iterate("rrn", act, 1.0, 0.2, depth=100_000, e0=0.3)
    assert _digits(laws["p"], traj) >= 5  # measured 5.9
    assert _digits(laws["e"], traj) >= 4  # 1 - e ~ l^{-2/(1-alpha)}, measured 5.4
    assert fit_law(laws["s"], traj).fitted == pytest.approx(0.0, abs=1e-3)


def test_relu_frn_cosine_rate_fitted() -> None:
    laws = leading_laws("frn", "relu", 1.0, 0.2, sigma_v=1.0, sigma_a=0.5)
    traj = iterate("frn", "relu", 1.0, 0.2, sigma_v=1.0, sigma_a=0.5, depth=100_000, e0=0.3)
    assert _digits(laws["p"], traj) >= 10
    assert _digits(laws["e"], traj) >= 3.5  # measured 4.1 (l^-2 with log corrections)
    assert _digits(laws["chi"], traj) >= 10


def test_tanh_like_frn_stretched_gradient_fitted() -> None:
    laws = leading_laws("frn", "erf", 1.0, 0.2, sigma_v=1.0, sigma_a=0.5)
    traj = iterate("frn", "erf", 1.0, 0.2, sigma_v=1.0, sigma_a=0.5, depth=3000, e0=0.3)
    assert _digits(laws["chi"], traj) >= 3  # measured 3.4 at depth 3000 (O(log l / sqrt l))
    assert _digits(laws["p"], traj) >= 3
    assert math.isfinite(fit_law(laws["e"], traj).fitted)
