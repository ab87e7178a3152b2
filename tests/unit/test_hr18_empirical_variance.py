"""FM2's statistic [HR18, Sec. 1]: the empirical variance of M_1..M_d across the layers of one
network. Exact expectation vs hand formulas and explicit random networks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy

from asymptote.finite_width.empirical_variance import (
    expected_empirical_variance,
    layer_empirical_variance,
    sample_layer_lengths,
)
from asymptote.finite_width.moments import layer_length_moments


def _increment_form(widths):
    """d^-2 sum_i (i - 1)(d - i + 1) s_{i-1} 5/n_i, He weights, no biases (hand-derived)."""
    d = len(widths)
    total, s_prev = sympy.Integer(0), sympy.Integer(1)
    for i, n in enumerate(widths, start=1):
        total += (i - 1) * (d - i + 1) * s_prev * sympy.Rational(5, n)
        s_prev *= 1 + sympy.Rational(5, n)
    return total / d**2


@pytest.mark.parametrize("widths", [(10, 20, 30, 40), (40, 30, 20, 10), (3, 7, 2, 9, 5), (6,)])
def test_layer_second_moments_are_products_and_means_are_preserved(widths):
    second = layer_length_moments(widths, 2, "sqrt(2)", 0, exact=True)
    first = layer_length_moments(widths, 1, "sqrt(2)", 0, exact=True)
    product = sympy.Integer(1)
    for j, n in enumerate(widths, start=1):
        product *= 1 + sympy.Rational(5, n)
        assert second[j] == product and first[j] == 1


@pytest.mark.parametrize("widths", [(10, 20, 30, 40), (40, 30, 20, 10), (3, 7, 2, 9, 5), (6,)])
def test_he_expectation_equals_the_increment_form(widths):
    assert expected_empirical_variance(widths, exact=True) == _increment_form(widths)


def test_order_matters_and_increasing_widths_are_better():
    up = expected_empirical_variance([10, 20, 30, 40], exact=True)
    down = expected_empirical_variance([40, 30, 20, 10], exact=True)
    assert (up, down) == (sympy.Rational(409, 2048), sympy.Rational(555, 2048))


def test_equal_widths_closed_form_and_large_depth_limit():
    n, d = 16, 8
    r = 1 + sympy.Rational(5, n)
    s0 = sum(r**j for j in range(1, d + 1))
    s1 = sum(j * r**j for j in range(1, d + 1))
    assert expected_empirical_variance([n] * d, exact=True) == (2 * s1 - (d + 1) * s0) / d**2
    a = 5.0  # beta = d / n = 1
    limit = (math.exp(a) * (a - 2) + a + 2) / a**2
    # the finite-d error is c/d (c ~ -8.9): 1 % at d = 1000, 0.5 % at d = 2000
    assert expected_empirical_variance([1000] * 1000) == pytest.approx(limit, rel=0.01)


def test_precision_paths_agree_and_input_length_scales_quadratically():
    widths = [5, 9, 4]
    exact = expected_empirical_variance(widths, "1.3", "0.4", exact=True)
    assert float(exact) == pytest.approx(expected_empirical_variance(widths, "1.3", "0.4"))
    assert sympy.Float(exact, 30) == pytest.approx(
        float(expected_empirical_variance(widths, "1.3", "0.4", dps=30)), rel=1e-14
    )
    assert expected_empirical_variance(widths, input_length=3, exact=True) == 9 * (
        expected_empirical_variance(widths, exact=True)
    )


@pytest.mark.parametrize(
    ("widths", "sigma_w", "sigma_b", "include_input"),
    [((3, 5), 1.3, 0.4, False), ((4, 2, 6), 1.5, 0.0, True), ((10, 20, 30, 40), 2**0.5, 0.0, False)],
)
def test_expectation_matches_explicit_networks(widths, sigma_w, sigma_b, include_input):
    exact = float(
        expected_empirical_variance(
            widths, str(sigma_w), str(sigma_b), include_input=include_input, exact=True
        )
    )
    lengths = sample_layer_lengths(
        widths, sigma_w, sigma_b, samples=60_000, seed=sum(widths), method="explicit"
    )
    values = layer_empirical_variance(lengths, include_input=include_input)
    se = values.std(ddof=1) / math.sqrt(values.size)
    assert abs(values.mean() - exact) < 4 * se, (values.mean(), exact, se)


def test_conditional_and_explicit_samplers_have_the_same_layer_moments():
    widths, sw, sb = (4, 7, 3), 1.2, 0.5
    for method in ("conditional", "explicit"):
        lengths = sample_layer_lengths(widths, sw, sb, samples=80_000, seed=5, method=method)
        for order in (1, 2):
            exact = layer_length_moments(widths, order, str(sw), str(sb), exact=True)
            values = lengths**order
            se = values.std(axis=0, ddof=1) / math.sqrt(len(values))
            for j in range(1, len(widths) + 1):
                assert abs(values[:, j].mean() - float(exact[j])) < 4 * se[j], (method, order, j)


def test_bad_input():
    with pytest.raises(ValueError, match="widths"):
        expected_empirical_variance([])
    with pytest.raises(TypeError, match="include_input"):
        expected_empirical_variance([3], include_input=1)
    with pytest.raises(ValueError, match="method"):
        sample_layer_lengths([3], method="fast")
    with pytest.raises(ValueError, match="samples"):
        sample_layer_lengths([3], samples=0)
    with pytest.raises(ValueError, match="lengths"):
        layer_empirical_variance(np.ones(3))
    assert expected_empirical_variance([7], exact=True) == 0  # one layer: nothing to vary
