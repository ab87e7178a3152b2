"""The product Gauss-Hermite reference of the closed-form claims (proofs._gauss_hermite),
against exact Gaussian moments and the Gaussian moment generating function."""

from __future__ import annotations

import math

import mpmath
import pytest

from asymptote.errors import ConvergenceError
from proofs._gauss_hermite import expect_2d_gauss_hermite, gauss_hermite_rule


@pytest.mark.parametrize("n", [1, 2, 7, 20])
def test_rule_integrates_gaussian_moments_exactly(n):
    # the n-point Gauss rule is exact for polynomials of degree <= 2n - 1:
    # E[z^(2k)] = (2k - 1)!! and odd moments vanish, for 2k <= 2n - 1
    nodes, weights = gauss_hermite_rule(n, 30)
    assert len(nodes) == n and nodes == tuple(sorted(nodes))
    with mpmath.workdps(30):
        for power in range(2 * n):
            value = mpmath.fsum(w * x**power for x, w in zip(nodes, weights, strict=True))
            exact = 0 if power % 2 else math.prod(range(1, power, 2))
            assert abs(value - exact) <= mpmath.mpf(10) ** -27 * max(1, exact), (n, power)


def test_exponential_pair_matches_the_moment_generating_function():
    # E[exp(a u + b v)] = exp((a^2 q1 + 2 a b q12 + b^2 q2) / 2) for the centred pair
    a, b, q1, q2, q12 = (mpmath.mpf(t) for t in ("0.7", "-0.4", "0.8", "1.7", "0.55"))
    with mpmath.workdps(30):
        value = expect_2d_gauss_hermite(lambda u: mpmath.exp(a * u), lambda v: mpmath.exp(b * v),
                                        q1, q2, q12, digits=28)  # fmt: skip
        exact = mpmath.exp((a * a * q1 + 2 * a * b * q12 + b * b * q2) / 2)
        assert abs(value - exact) <= mpmath.mpf(10) ** -27 * exact


def test_sine_pair_matches_the_characteristic_function():
    # E[sin(u) sin(v)] = exp(-(q1 + q2) / 2) sinh(q12) [GAUSS]
    q1, q2, q12 = (mpmath.mpf(t) for t in ("0.8", "1.7", "-0.9"))
    with mpmath.workdps(25):
        value = expect_2d_gauss_hermite(mpmath.sin, mpmath.sin, q1, q2, q12, digits=22)
        exact = mpmath.exp(-(q1 + q2) / 2) * mpmath.sinh(q12)
        assert abs(value - exact) <= mpmath.mpf(10) ** -21


def test_a_function_with_poles_is_refused_not_returned():
    # 1/(1 + x^2) has poles at +-i: the rule converges only root-exponentially, so it cannot
    # reach 20 digits with 100 nodes per axis and must say so
    with mpmath.workdps(20):
        with pytest.raises(ConvergenceError, match="did not converge to 20 digits"):
            expect_2d_gauss_hermite(
                lambda t: 1 / (1 + t * t), mpmath.cos, 1, 1, "0.3", max_nodes=100
            )


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((0, 1, 0), {}, "variances q1, q2 must be > 0"),
        ((1, 1, 1), {}, r"\|q12\| < sqrt\(q1 q2\)"),
        ((1, 1, "0.5"), {"digits": 40}, "digits must be an integer in"),
        ((1, 1, "0.5"), {"start": 0}, "start and step must be positive"),
        ((1, 1, "0.5"), {"max_nodes": 50}, "max_nodes must be an integer >= start"),
    ],
)
def test_bad_input_names_the_parameter(args, kwargs, message):
    with mpmath.workdps(20), pytest.raises(ValueError, match=message):
        expect_2d_gauss_hermite(mpmath.sin, mpmath.sin, *args, **kwargs)


def test_rule_arguments_are_checked():
    with pytest.raises(ValueError, match="n must be a positive integer"):
        gauss_hermite_rule(0, 20)
    with pytest.raises(ValueError, match="dps must be a positive integer"):
        gauss_hermite_rule(5, 0)
