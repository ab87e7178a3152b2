"""Scaled residual networks [HR18, Sec. 3]: exact recurrences vs explicit networks and SymPy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy
from hypothesis import assume, given
from hypothesis import strategies as st

from asymptote.finite_width.montecarlo import mean_field_prediction, simulate
from asymptote.finite_width.residual_scaling import (
    eta_schedule,
    ratio_moments,
    residual_asymptotics,
    residual_length_moments,
)


def residual_lengths(eta, n, m, sw, sb, sv, sa, samples, seed):
    """M_L of explicit scaled ResNets (written here, independent of the library)."""
    rng = np.random.default_rng(seed)
    x = np.ones((samples, n))
    for e in eta:
        w = rng.standard_normal((samples, m, n)) * sw / math.sqrt(n)
        v = rng.standard_normal((samples, n, m)) * sv / math.sqrt(m)
        y = np.maximum(np.einsum("bij,bj->bi", w, x) + sb * rng.standard_normal((samples, m)), 0)
        x = x + e * (np.einsum("bij,bj->bi", v, y) + sa * rng.standard_normal((samples, n)))
    return np.einsum("bi,bi->b", x, x) / n


@given(
    eta=st.lists(st.sampled_from(["0", "1/4", "1/2", "1"]), min_size=1, max_size=3),
    n=st.integers(2, 6),
    m=st.integers(2, 6),
    biased=st.booleans(),
)
def test_exact_moments_match_explicit_resnets(eta, n, m, biased):
    sb, sa = ("1/2", "1/4") if biased else (0, 0)
    exact = residual_length_moments(
        eta, n, "sqrt(2)", sb, sigma_v=1, sigma_a=sa, hidden_width=m, exact=True
    )
    # 4 SE needs the CLT for the sample mean of M^2; narrow nets have heavy tails, so keep
    # Var(M)/E[M]^2 <= 1 (4000 networks).
    assume(exact.variance[-1] <= exact.mean[-1] ** 2)
    lengths = residual_lengths(
        [float(sympy.Rational(e)) for e in eta],
        n,
        m,
        math.sqrt(2),
        float(sympy.Rational(sb)),
        1.0,
        float(sympy.Rational(sa)),
        4000,
        seed=n * 10 + m + len(eta),
    )
    for sample, target in ((lengths, exact.mean[-1]), (lengths**2, exact.second_moment[-1])):
        se = sample.std(ddof=1) / math.sqrt(sample.size)
        assert abs(sample.mean() - float(target)) <= 4 * se + 1e-12  # 4 SE, fixed seed


def test_product_law_moments_match_the_recursion_symbolically():
    eta = [sympy.Rational(1, 3), sympy.Rational(1, 2), sympy.Integer(2)]
    rec = residual_length_moments(eta, 7, "sqrt(2)", 0, hidden_width=5, exact=True)
    mean, second = sympy.Integer(1), sympy.Integer(1)
    for e in eta:
        r1, var = ratio_moments(e, 7, hidden_width=5)
        mean *= r1
        second *= var + r1**2
    assert rec.mean[-1] == mean and rec.second_moment[-1] == second  # exact identity


def test_mean_is_width_free_and_equals_mean_field():
    eta = [0.3, 0.8, 0.5]
    exact = residual_length_moments(eta, 9, 1.1, 0.2, sigma_v=0.7, sigma_a=0.3)
    mf = mean_field_prediction(
        "scaled", "relu", 1.1, 0.2, sigma_v=0.7, sigma_a=0.3, width=9, depth=3, eta=eta
    )
    np.testing.assert_allclose(exact.mean, mf["p"], rtol=1e-13)  # float rounding only
    r = simulate(
        "scaled", "relu", 1.1, 0.2, sigma_v=0.7, sigma_a=0.3, width=9, depth=3, eta=eta,
        samples=4000, seed=4,
    )  # fmt: skip
    mean, se = r["p"]
    assert np.all(np.abs(mean - np.array(exact.mean)) <= 4 * se + 1e-12)


def test_fm1_iff_sum_of_squared_scales_bounded():
    assert residual_asymptotics("constant")["closed_form"] == 2 ** sympy.Symbol(
        "L", positive=True, integer=True
    )
    half = residual_asymptotics("power", beta="1/2")
    assert (
        not half["mean_bounded"]
        and half["closed_form"] == sympy.Symbol("L", positive=True, integer=True) + 1
    )
    means = residual_length_moments(
        eta_schedule("power", 20, beta="1/2"), 5, "sqrt(2)", 0, exact=True
    ).mean
    assert means == [sympy.Integer(l + 1) for l in range(21)]  # prod (1 + 1/l) = L + 1
    three_quarters = residual_asymptotics("power", beta="3/4")
    assert three_quarters["mean_bounded"] and not three_quarters["sum_eta_converges"]
    geometric = residual_asymptotics("geometric", ratio="9/10")
    assert geometric["mean_bounded"] and geometric["sum_eta_converges"]


def test_fm2_follows_fm1():
    # Bounded sum of eta^2 -> bounded E[M^2]/E[M]^2; constant eta -> exponential growth.
    bounded = residual_length_moments(eta_schedule("power", 400, beta=1), 4, "sqrt(2)", 0)
    ratios = [s / m**2 for m, s in zip(bounded.mean, bounded.second_moment, strict=False)]
    assert ratios[-1] - ratios[200] < 1e-2 * ratios[200]
    const = residual_length_moments(["1/2"] * 60, 4, "sqrt(2)", 0)
    ratios = [s / m**2 for m, s in zip(const.mean, const.second_moment, strict=False)]
    assert ratios[60] / ratios[30] > 10


def test_bad_input():
    with pytest.raises(ValueError, match="eta"):
        residual_length_moments([], 4, 1, 0)
    with pytest.raises(ValueError, match=r"width.*>= 1"):
        residual_length_moments([1], 0, 1, 0)
    with pytest.raises(ValueError, match="kind"):
        eta_schedule("cubic", 3)


# ---------------------------------------------------------------------------------------
# non-centred branches x + eta relu(W x) and the conditional sampler
# ---------------------------------------------------------------------------------------
def noncentred_lengths(eta, n, sw, x0, samples, seed):
    """M_L of explicit non-centred ResNets x + eta relu(W x) (independent of the library)."""
    rng = np.random.default_rng(seed)
    x = np.broadcast_to(np.asarray(x0, dtype=float), (samples, n)).copy()
    out = [np.einsum("bi,bi->b", x, x) / n]
    for e in eta:
        w = rng.standard_normal((samples, n, n)) * sw / math.sqrt(n)
        x = x + e * np.maximum(np.einsum("bij,bj->bi", w, x), 0.0)
        out.append(np.einsum("bi,bi->b", x, x) / n)
    return np.stack(out, axis=1)


@pytest.mark.parametrize("eta", ["1/4", "1/2", "1"])
def test_noncentred_block_mean_matches_explicit_networks(eta):
    from asymptote.finite_width.residual_scaling import noncentred_block_mean

    x0 = np.linspace(0.2, 1.8, 6)  # M_0 = mean(x^2), mean entry 1
    m0, mbar = float(np.mean(x0**2)), float(np.mean(x0))
    exact = float(noncentred_block_mean(eta, "sqrt(2)", input_length=m0, input_mean=mbar))
    lengths = noncentred_lengths([float(sympy.Rational(eta))], 6, math.sqrt(2), x0, 40_000, 1)
    se = lengths[:, 1].std(ddof=1) / math.sqrt(len(lengths))
    assert abs(lengths[:, 1].mean() - exact) < 4 * se


def test_noncentred_bounds_bracket_explicit_networks():
    from asymptote.finite_width.residual_scaling import noncentred_mean_bounds

    eta = [1 / l for l in range(1, 7)]
    low, high = noncentred_mean_bounds([f"1/{l}" for l in range(1, 7)], 8, "sqrt(2)")
    lengths = noncentred_lengths(eta, 8, math.sqrt(2), np.ones(8), 20_000, 2)
    mean = lengths[:, -1].mean()
    se = lengths[:, -1].std(ddof=1) / math.sqrt(len(lengths))
    assert low - 4 * se < mean < high + 4 * se
    assert high - low > 10 * se  # the bracket is informative, not trivially wide


def test_noncentred_mean_field_is_the_catalog_rrn_map():
    from asymptote.finite_width.residual_scaling import noncentred_mean_field

    # eta relu(W x) = relu(eta W x): the YS17 reduced residual net with sigma_w -> eta sigma_w
    x0 = np.linspace(0.5, 1.5, 32)
    inputs = np.stack([x0, x0[::-1]])
    for eta in (0.25, 1.0):
        mf = mean_field_prediction(
            "rrn", "relu", eta * math.sqrt(2), 0.0, width=32, depth=6, inputs=inputs
        )
        lengths, _ = noncentred_mean_field(
            [eta] * 6, "sqrt(2)", input_length=float(np.mean(x0**2)), input_mean=float(x0.mean())
        )
        assert np.allclose(mf["p"], lengths, rtol=1e-12)


def test_noncentred_growth_rate_is_first_order_in_eta():
    from asymptote.finite_width.residual_scaling import noncentred_mean_field

    etas = [l**-0.75 for l in range(1, 1001)]
    lengths, _ = noncentred_mean_field(etas, "sqrt(2)")
    partial = np.cumsum(etas)
    slope = np.polyfit(partial[299:], np.log(lengths[300:]), 1)[0]
    assert slope == pytest.approx(2 / math.sqrt(math.pi), abs=2e-3)


def test_noncentred_asymptotics_follow_sum_eta():
    power = residual_asymptotics("power", beta="3/4", branch="relu")
    assert not power["mean_bounded"] and power["sum_eta_squared_converges"]
    assert residual_asymptotics("geometric", branch="relu")["mean_bounded"]
    assert residual_asymptotics("power", beta="3/4")["mean_bounded"]  # centred: sum eta^2
    with pytest.raises(ValueError, match="branch"):
        residual_asymptotics("power", branch="tanh")


@pytest.mark.parametrize("branch", ["centred", "relu"])
def test_conditional_sampler_matches_explicit_networks(branch):
    from asymptote.finite_width.residual_scaling import sample_residual_lengths

    eta, n = [0.5, 0.25, 1.0], 5
    got = sample_residual_lengths(eta, n, math.sqrt(2), branch=branch, samples=40_000, seed=3)
    if branch == "centred":
        ref = residual_lengths(eta, n, n, math.sqrt(2), 0.0, 1.0, 0.0, 40_000, seed=4)
    else:
        ref = noncentred_lengths(eta, n, math.sqrt(2), np.ones(n), 40_000, 4)[:, -1]
    for power in (1, 2):
        a, b = got[:, -1] ** power, ref**power
        se = math.hypot(a.std() / math.sqrt(a.size), b.std() / math.sqrt(b.size))
        assert abs(a.mean() - b.mean()) < 4 * se, (branch, power)
    if branch == "centred":
        exact = residual_length_moments(eta, n, "sqrt(2)", 0)
        for power, target in ((1, exact.mean[-1]), (2, exact.second_moment[-1])):
            a = got[:, -1] ** power
            assert abs(a.mean() - target) < 4 * a.std() / math.sqrt(a.size)
