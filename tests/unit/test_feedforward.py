"""Feedforward mean-field theory: fixed points, slopes, depth scales, critical line.

References are independent routes: the defining equations of the fixed points evaluated
at higher precision, closed forms (ReLU, erf), finite differences of the maps, and the
measured convergence rate of the iterated correlation map.
"""

from __future__ import annotations

import functools
import math

import mpmath
import numpy as np
import pytest

from asymptote import ConvergenceError
from asymptote.feedforward import (
    correlation_map,
    critical_point,
    fixed_point_length,
    gradient_norm_ratio,
    length_map,
    mean_field,
    trainable_depth,
)
from asymptote.transforms import transform


@pytest.mark.parametrize(
    "name,sw,sb",
    [
        ("tanh", "1.3", "0.3"),
        ("erf", "2", "0.1"),
        ("softplus", "0.9", "0.2"),
        ("sigmoid", "2.5", "0.5"),
        ("hard_tanh", "1.2", "0.4"),
    ],
)
@pytest.mark.parametrize("dps", [30, 50])
def test_q_star_satisfies_its_equation_to_requested_digits(name, sw, sb, dps):
    q = fixed_point_length(name, sw, sb, dps=dps)
    with mpmath.workdps(dps + 20):
        image = mpmath.mpf(sw) ** 2 * transform("V", name, q, dps=dps + 20) + mpmath.mpf(sb) ** 2
        # q rounded to dps digits: |image - q| <= |1 - chi_q| * ulp(q) + rounding, chi_q < 1
        assert abs(image - q) <= mpmath.mpf(10) ** (1 - dps) * q


def test_relu_fixed_point_and_slopes_closed_form():
    # V(q) = q/2: q* = sb^2 / (1 - sw^2/2), chi_1 = sw^2/2 [PLRSG16]
    point = mean_field("relu", "1.2", "0.5", dps=40)
    with mpmath.workdps(40):
        sw2 = mpmath.mpf("1.2") ** 2
        assert abs(point.q_star - mpmath.mpf("0.25") / (1 - sw2 / 2)) < mpmath.mpf("1e-38")
        assert abs(point.chi_1 - sw2 / 2) < mpmath.mpf("1e-39")
        assert abs(point.xi_c + 1 / mpmath.log(sw2 / 2)) < mpmath.mpf("1e-37")
    assert point.phase == "ordered" and point.c_star == 1


@functools.cache
def _mean_field_dps20(name, sw, sb):
    """mean_field at 20 digits, shared by the tests below (tanh in the chaotic phase needs
    2-D mpmath quadrature: minutes)."""
    return mean_field(name, sw, sb, dps=20)


@pytest.mark.parametrize(
    "name,sw,sb",
    [
        ("tanh", 1.3, 0.3),
        ("erf", 2.0, 0.1),
        ("gelu", 1.0, 0.1),
        ("sin", 1.2, 0.1),
        pytest.param("tanh", 2.5, 0.3, marks=pytest.mark.very_slow),  # chaotic: 2-D mp quadrature, ~4 min
    ],
)
def test_fast_path_agrees_with_mpmath_path(name, sw, sb):
    fast = mean_field(name, sw, sb)
    slow = _mean_field_dps20(name, str(sw), str(sb))
    for key in ("q_star", "c_star", "chi_1", "chi_c", "chi_q", "xi_q", "xi_c"):
        # float64 fixed points: Newton-polished to ~1e-15; chi's inherit that
        assert getattr(fast, key) == pytest.approx(float(getattr(slow, key)), rel=1e-11, abs=1e-13)
    assert fast.phase == slow.phase


@pytest.mark.parametrize(
    "name,sw,sb",
    [("erf", "2.5", "0.3"), pytest.param("tanh", "2.5", "0.3", marks=pytest.mark.very_slow)],
)
def test_chaotic_c_star_is_a_stable_fixed_point_and_chi_c_is_the_slope(name, sw, sb):
    point = _mean_field_dps20(name, sw, sb)
    assert point.phase == "chaotic" and 0 < point.c_star < 1 and point.chi_c < 1
    with mpmath.workdps(20):
        image = correlation_map(name, sw, sb, point.c_star, q=point.q_star, dps=20)
        assert abs(image - point.c_star) < mpmath.mpf("1e-17")
    # chi_c = d(corr map)/dc at c*, by a central difference on the float path:
    # truncation ~h^2 |third derivative| ~ 1e-10, rounding ~1e-16/h ~ 1e-11
    h = 1e-5
    c = float(point.c_star)
    up = correlation_map(name, float(sw), float(sb), c + h)
    down = correlation_map(name, float(sw), float(sb), c - h)
    assert (up - down) / (2 * h) == pytest.approx(float(point.chi_c), rel=1e-8)


def test_xi_c_is_the_measured_convergence_depth_of_the_correlation_map():
    """Iterate c_l in the ordered phase: 1 - c_l ~ exp(-l / xi_c) [SGGS17, eq. (8)]."""
    sw, sb = 1.3, 0.3
    point = mean_field("tanh", sw, sb)
    c = 0.5
    gaps = []
    for _ in range(200):  # deep enough that 1 - c ~ 1e-6: the linear regime
        c = float(correlation_map("tanh", sw, sb, c, q=point.q_star))
        gaps.append(1 - c)
    rate = gaps[-1] / gaps[-2]
    assert -1 / math.log(rate) == pytest.approx(point.xi_c, rel=1e-4)


def test_q_star_zero_in_the_ordered_phase_without_bias():
    assert fixed_point_length("tanh", 0.9, 0.0) == 0.0
    assert fixed_point_length("tanh", "0.9", "0", dps=30) == 0
    point = mean_field("tanh", 0.9, 0.0)
    assert point.chi_1 == pytest.approx(0.81, rel=1e-14)


def test_grid_evaluation_broadcasts():
    sw = np.linspace(0.8, 2.5, 7)[:, None]
    sb = np.array([0.05, 0.3])[None, :]
    grid = mean_field("erf", sw, sb)
    assert grid.q_star.shape == (7, 2) and grid.phase.shape == (7, 2)
    for i in (0, 3, 6):
        for j in (0, 1):
            single = mean_field("erf", float(sw[i, 0]), float(sb[0, j]))
            assert grid.chi_1[i, j] == pytest.approx(single.chi_1, rel=1e-13)


@pytest.mark.parametrize("name,sb", [("tanh", "0.3"), ("erf", "0.05"), ("tanh", "1.0")])
def test_critical_point_has_chi_1_equal_one(name, sb):
    sw, q = critical_point(name, sb, dps=30)
    point = mean_field(name, sw, sb, dps=30)
    assert abs(point.chi_1 - 1) < mpmath.mpf("1e-26")
    assert abs(point.q_star - q) < mpmath.mpf("1e-26") * q
    assert point.phase == "critical"


def test_erf_critical_line_closed_form():
    """For erf, E[phi'^2] = 4/(pi sqrt(1 + 4q)) [W97]: sigma_w^2 = pi sqrt(1 + 4 q*)/4."""
    sw, q = critical_point("erf", np.array([0.0, 0.1, 0.5]))
    assert np.allclose(sw**2, math.pi * np.sqrt(1 + 4 * q) / 4, rtol=1e-14)


def test_tanh_critical_point_at_zero_bias_is_sigma_w_one():
    sw, q = critical_point("tanh", "0", dps=25)
    assert sw == 1 and q == 0


def test_homogeneous_activation_critical_point_is_explained():
    with pytest.raises(ValueError, match=r"1\.414"):
        critical_point("relu", 0.1)


def test_no_finite_fixed_point_raises_convergence_error():
    with pytest.raises(ConvergenceError, match="no finite fixed point"):
        fixed_point_length("relu", 1.5, 0.1)
    with pytest.raises(ConvergenceError):
        fixed_point_length("softplus", 3.0, 0.1)  # V(q) ~ q/2 for large q: sw^2/2 > 1


def test_gradient_ratio_and_trainable_depth():
    assert gradient_norm_ratio("relu", 1.0, 0.0, depth=10) == pytest.approx(2.0**-10, rel=1e-15)
    chi_1 = mean_field("erf", 4.0, 0.0).chi_1
    log_ratio = gradient_norm_ratio("erf", 4.0, 0.0, depth=2000, log=True)
    assert chi_1 > 1.5 and log_ratio == pytest.approx(2000 * math.log(chi_1), rel=1e-15)
    with pytest.raises(OverflowError, match="depth = 2000"):
        gradient_norm_ratio("erf", 4.0, 0.0, depth=2000)
    point = mean_field("tanh", 1.3, 0.3)
    assert trainable_depth("tanh", 1.3, 0.3) == pytest.approx(6 * point.xi_c)


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="sigma_w"):
        mean_field("tanh", -1.0, 0.1)
    with pytest.raises(TypeError, match="sigma_b"):
        mean_field("tanh", 1.0, "abc", dps=20)
    with pytest.raises(ValueError, match="dps"):
        mean_field("tanh", 1.0, 0.1, dps=0)
    with pytest.raises(ValueError, match="depth"):
        gradient_norm_ratio("tanh", 1.0, 0.1, depth=-1)


def test_length_map_values():
    assert length_map("linear", 2.0, 1.0, 3.0) == pytest.approx(13.0, rel=1e-15)
    with mpmath.workdps(30):
        got = length_map("erf", "1", "0", "0.5", dps=30)
        ref = 2 / mpmath.pi * mpmath.asin(mpmath.mpf(1) / 2)  # W97 at q = 1/2
        assert abs(got - ref) < mpmath.mpf("1e-29")
