"""Exact finite-width moments of ReLU nets [HR18] against independent routes.

References: Monte Carlo of explicit networks written here (within 4 standard errors, fixed
seeds), direct binomial sums for the layer-factor moments, the mean-field length map of
:mod:`asymptote.feedforward` (the infinite-width limit), and exact SymPy identities.
"""

from __future__ import annotations

import itertools
import math

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import assume, given
from hypothesis import strategies as st

from asymptote.feedforward import length_map
from asymptote.finite_width.gradients import jacobian_vector_moments, sample_jacobian_vector_norm
from asymptote.finite_width.moments import (
    check_widths,
    failure_modes,
    layer_factor_moment,
    layer_factor_moment_expr,
    output_length_mellin,
    output_length_moment,
    output_length_moments,
    probability_dead,
    sample_output_length,
)

width_lists = st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=4)


def network_lengths(widths, sw, sb, x0, samples, seed, weights="gaussian"):
    """M_d of explicit ReLU nets (independent of the library): rows of (samples,)."""
    rng = np.random.default_rng(seed)
    x = np.broadcast_to(x0, (samples, x0.size)).copy()
    for n in widths:
        n_in = x.shape[1]
        if weights == "gaussian":
            w = rng.standard_normal((samples, n, n_in))
        elif weights == "rademacher":
            w = rng.choice([-1.0, 1.0], size=(samples, n, n_in))
        else:  # uniform on [-sqrt 3, sqrt 3]: unit variance, kurtosis 9/5
            w = rng.uniform(-math.sqrt(3), math.sqrt(3), size=(samples, n, n_in))
        h = sw / math.sqrt(n_in) * np.einsum("bij,bj->bi", w, x) + sb * rng.standard_normal(
            (samples, n)
        )
        x = np.maximum(h, 0.0)
    return np.einsum("bi,bi->b", x, x) / widths[-1]


def assert_within(sample, exact, k=4.0):
    """|mean - exact| <= k standard errors (k = 4: two-sided p ~ 6e-5 per assertion)."""
    se = sample.std(ddof=1) / math.sqrt(sample.size)
    assert abs(sample.mean() - float(exact)) <= k * se + 1e-12, (sample.mean(), float(exact), se)


@given(widths=width_lists, with_bias=st.booleans())
def test_exact_mean_and_second_moment_match_explicit_networks(widths, with_bias):
    sb = 0.5 if with_bias else 0.0
    # The 4-standard-error rule needs the CLT for the sample mean of M^2: keep the exact
    # relative variance of M^2 (from the exact fourth moment) below 30, so that with 4000
    # networks its relative standard error is below 9% (narrow widths have huge tails).
    second = output_length_moment(widths, 2, "sqrt(2)", "1/2" if with_bias else 0)
    fourth = output_length_moment(widths, 4, "sqrt(2)", "1/2" if with_bias else 0)
    assume(fourth / second**2 - 1 <= 30)
    x0 = np.array([1.0, -2.0, 0.5])
    m0 = float(x0 @ x0 / 3)
    exact = output_length_moments(
        widths, "sqrt(2)", "1/2" if with_bias else 0, input_length=sympy.Rational(7, 4), exact=True
    )
    assert m0 == 1.75
    lengths = network_lengths(
        widths, math.sqrt(2), sb, x0, 4000, seed=sum(widths) + 7 * len(widths)
    )
    assert_within(lengths, exact.mean)
    assert_within(lengths**2, exact.second_moment)


@pytest.mark.parametrize("weights,kurtosis", [("rademacher", 1), ("uniform", "9/5")])
def test_non_gaussian_weights_second_moment_needs_the_input_fourth_power(weights, kurtosis):
    x0 = np.array([3.0, 0.0, 0.0, 1.0])  # far from flat: Q_0 = 82/4, M_0 = 10/4
    widths = [3, 2, 4]
    exact = output_length_moments(
        widths,
        1.5,
        0,
        input_length="2.5",
        input_width=4,
        input_fourth_moment="20.5",
        weight_kurtosis=kurtosis,
        exact=True,
    )
    lengths = network_lengths(widths, 1.5, 0.0, x0, 60000, seed=11, weights=weights)
    assert_within(lengths, exact.mean)
    assert_within(lengths**2, exact.second_moment)
    flat = output_length_moments(
        widths, 1.5, 0, input_length="2.5", input_width=4, weight_kurtosis=kurtosis, exact=True
    )
    assert flat.second_moment != exact.second_moment  # depends on more than M_0


@pytest.mark.parametrize("order", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("n", [1, 2, 7, 30])
def test_layer_factor_moment_equals_direct_binomial_sum(order, n):
    direct = (
        sum(
            sympy.binomial(n, k)
            / sympy.Integer(2) ** n
            * sympy.prod([k + 2 * i for i in range(order)])
            for k in range(n + 1)
        )
        / sympy.Integer(n) ** order
    )
    assert layer_factor_moment(n, order) == direct  # exact rational identity
    assert (
        layer_factor_moment(n, order, readout="linear")
        == sympy.prod([sympy.Integer(n + 2 * i) for i in range(order)]) / sympy.Integer(n) ** order
    )


def test_fm2_constant_is_exactly_five_symbolically():
    n = sympy.Symbol("n", positive=True)
    assert (
        sympy.simplify(layer_factor_moment_expr(2) / layer_factor_moment_expr(1) ** 2 - (1 + 5 / n))
        == 0
    )
    assert sympy.simplify(layer_factor_moment_expr(2, False) - (1 + 2 / n)) == 0
    widths = [10, 20, 30, 40]
    ratio = output_length_moments(widths, "sqrt(2)", 0, exact=True).ratio
    assert (
        ratio == sympy.prod([1 + sympy.Rational(5, w) for w in widths]) == sympy.Rational(315, 128)
    )
    linear = output_length_moments(widths, "sqrt(2)", 0, readout="linear", exact=True).ratio
    assert linear == sympy.prod([1 + sympy.Rational(5, w) for w in widths[:-1]]) * (
        1 + sympy.Rational(2, 40)
    )
    fm = failure_modes(widths, "sqrt(2)")
    assert fm.lower_bound <= fm.second_moment_ratio <= fm.upper_bound


@given(widths=width_lists)
def test_law_is_invariant_under_reordering_of_widths(widths):
    # The Mellin transform (which determines the law) is a product over layers.
    reference = [output_length_mellin(widths, s, "sqrt(2)", dps=30) for s in ("0.5", "1.5")]
    for perm in itertools.islice(itertools.permutations(widths), 6):
        got = [output_length_mellin(list(perm), s, "sqrt(2)", dps=30) for s in ("0.5", "1.5")]
        for a, b in zip(got, reference, strict=False):
            with mpmath.workdps(30):
                assert abs(a - b) <= mpmath.mpf(10) ** -27 * abs(b)  # same product, rounding only
        assert output_length_moment(
            list(perm), 3, "sqrt(2)", 0, exact=True
        ) == output_length_moment(widths, 3, "sqrt(2)", 0, exact=True)
    assert probability_dead(widths) == probability_dead(sorted(widths))


def test_order_matters_with_biases_or_non_gaussian_weights():
    up, down = [10, 20, 30, 40], [40, 30, 20, 10]
    biased = [output_length_moments(w, "sqrt(2)", "1/2", exact=True) for w in (up, down)]
    assert biased[0].mean == biased[1].mean  # the mean never depends on the widths
    assert biased[0].second_moment == sympy.Rational(36345, 8192)
    assert biased[1].second_moment == sympy.Rational(40291, 8192)
    rad = [
        output_length_moments(w, "sqrt(2)", 0, weight_kurtosis=1, input_width=10, exact=True)
        for w in (up, down)
    ]
    assert rad[0].second_moment != rad[1].second_moment


def test_mellin_and_integer_moments_agree():
    widths = [3, 5, 2]
    for k in (1, 2, 3):
        exact = output_length_moment(widths, k, "sqrt(2)", 0, exact=True)
        with mpmath.workdps(40):
            assert (
                abs(
                    output_length_mellin(widths, k, "sqrt(2)", dps=40)
                    - mpmath.mpf(sympy.Float(exact, 50)._mpf_)
                )
                < mpmath.mpf(10) ** -37
            )


def test_infinite_width_limit_is_the_mean_field_length_map():
    sw, sb, m0 = "1.3", "0.4", "0.7"
    q = 1.3**2 * 0.7 + 0.4**2
    for _ in range(4):
        p = q / 2  # V(q) = q / 2 for ReLU
        q = length_map("relu", 1.3, 0.4, q)
    huge = [10**12] * 5
    moments = output_length_moments(huge, sw, sb, input_length=m0)
    assert abs(moments.mean - q / 2) <= 1e-12 * q  # exact at every width; float rounding
    assert abs(moments.second_moment / moments.mean**2 - 1) < 1e-9  # variance ~ 1/n -> 0
    assert p > 0
    n = sympy.Symbol("n", positive=True)
    assert (
        sympy.limit(layer_factor_moment_expr(2) / layer_factor_moment_expr(1) ** 2, n, sympy.oo)
        == 1
    )


def test_precision_paths_agree():
    exact = output_length_moments([3, 4, 5], "sqrt(3)", "1/3", exact=True)
    mp = output_length_moments([3, 4, 5], "sqrt(3)", "1/3", dps=40)
    fl = output_length_moments([3, 4, 5], 3**0.5, 1 / 3)
    with mpmath.workdps(40):
        assert (
            abs(mp.variance - mpmath.mpf(sympy.Float(exact.variance, 50)._mpf_))
            < mpmath.mpf(10) ** -38
        )
    assert abs(fl.variance - float(exact.variance)) < 1e-13 * float(exact.variance)


def test_dead_probability_and_sampler():
    samples = sample_output_length([1, 2], "sqrt(2)", samples=40000, seed=3)
    dead = (samples == 0).astype(float)
    assert_within(dead, probability_dead([1, 2]))
    assert_within(samples**2, output_length_moment([1, 2], 2, "sqrt(2)", 0, exact=True))


@given(widths=width_lists)
def test_jacobian_vector_norm_has_the_product_law_moments(widths):
    # CLT regime for the sample mean of T^2 (see the first test): exact relative variance <= 30.
    assume(
        output_length_moment(widths, 4, "sqrt(2)", 0)
        / output_length_moment(widths, 2, "sqrt(2)", 0) ** 2
        - 1
        <= 30
    )
    x0 = np.array([0.3, -1.0, 2.0])
    u = np.array([1.0, 0.0, -0.5])
    t = sample_jacobian_vector_norm(
        widths,
        2**0.5,
        0.8,
        input_vector=x0,
        direction=u,
        samples=3000,
        seed=len(widths) * 100 + sum(widths),
    )
    exact = jacobian_vector_moments(widths, "sqrt(2)", exact=True)
    assert_within(t, exact.mean)
    assert_within(t**2, exact.second_moment)


@pytest.mark.parametrize(
    "bad,error,match",
    [
        ([], ValueError, "non-empty"),
        ([10, 0], ValueError, r"widths\[1\].*>= 1.*got 0"),
        ([-3], ValueError, "got -3"),
        ([10, 2.5], TypeError, r"widths\[1\].*non-integer"),
        ([10.0], TypeError, "non-integer"),
        ([True], TypeError, "positive integer"),
        ("10,20", TypeError, "sequence"),
    ],
)
def test_bad_widths_rejected_with_clear_messages(bad, error, match):
    with pytest.raises(error, match=match):
        check_widths(bad)
    with pytest.raises(error, match=match):
        output_length_moments(bad, "sqrt(2)", 0)


def test_bad_parameters_rejected():
    with pytest.raises(ValueError, match="sigma_w"):
        output_length_moments([3], -1, 0)
    with pytest.raises(ValueError, match="input_width"):
        output_length_moments([3], 1, 0, weight_kurtosis=1)
    with pytest.raises(ValueError, match="weight_kurtosis"):
        output_length_moments([3], 1, 0, weight_kurtosis="0.5", input_width=3)
    with pytest.raises(OverflowError, match="dps"):
        output_length_moments([5] * 2000, 10, 0)


def test_cli_finite_width_json(capsys):
    import json

    from asymptote.cli import main

    assert main(["finite-width", "--widths", "10,20,30,40", "--json", "--dps", "25"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["second_moment"]["exact"] == "315/128" and out["variance"]["exact"] == "187/128"
    assert out["mean"] == {"exact": "1", "decimal": "1.0"}
    assert out["failure_modes"]["second_moment_ratio"].startswith("2.4609375")
    assert main(["finite-width", "--widths", "10,0"]) == 2
    assert "--widths[1]" in capsys.readouterr().err
