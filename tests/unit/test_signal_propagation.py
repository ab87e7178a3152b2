"""Two inputs through finite random networks (asymptote.finite_width.signal_propagation).

References: the exact ReLU length recursion (E[phi(h)^2] = K/2 for ReLU, so the mean diagonal
kernel obeys q -> sigma_w^2 q/2 + sigma_b^2 at every width), the exact first-layer law
(empirical Gram of N i.i.d. Gaussian pairs is unbiased for their covariance), the graph-walking
Monte Carlo of asymptote.finite_width.montecarlo (a separately written sampler of the same law),
and exponential curves with known rate and crossing.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from asymptote.finite_width.montecarlo import default_inputs, simulate
from asymptote.finite_width.signal_propagation import (
    correlation,
    crossing_depth,
    decay_rate,
    first_layer_covariance,
    sample_two_input_networks,
)


def _z(values: np.ndarray, expected: float) -> float:
    return float((values.mean() - expected) / (values.std(ddof=1) / math.sqrt(len(values))))


def test_relu_diagonal_kernel_is_exact_at_every_width():
    sw, sb, depth = 1.3, 0.4, 4
    cov = np.array([[0.8, 0.3], [0.3, 1.1]])
    s = sample_two_input_networks(
        "relu", sw, sb, width=16, depth=depth, networks=4000, covariance=cov, seed=1
    )
    qa, qb = 0.8, 1.1
    for layer in range(1, depth + 1):
        qa, qb = sw**2 * qa / 2 + sb**2, sw**2 * qb / 2 + sb**2
        assert abs(_z(s.kernel[:, layer, 0], qa)) < 4
        assert abs(_z(s.kernel[:, layer, 1], qb)) < 4


def test_first_layer_gram_is_unbiased():
    cov = np.array([[0.7, -0.2], [-0.2, 0.5]])
    s = sample_two_input_networks(
        "tanh", 1.0, 0.1, width=8, depth=1, networks=5000, covariance=cov, seed=2
    )
    for k, want in enumerate((0.7, 0.5, -0.2)):
        assert abs(_z(s.pre[:, 0, k], want)) < 4
    assert np.array_equal(s.kernel[:, 0], np.broadcast_to([0.7, 0.5, -0.2], (5000, 3)))


def test_agrees_with_graph_walking_monte_carlo():
    """Same law as montecarlo.simulate (separate code): mean q_ab per layer, z of the difference."""
    width, depth, sw, sb = 24, 3, 1.4, 0.3
    x = default_inputs(width, correlation=0.4)
    ours = sample_two_input_networks(
        "tanh", sw, sb, width=width, depth=depth, networks=3000, inputs=x, seed=3
    )
    ref = simulate("feedforward", "tanh", sw, sb, width=width, depth=depth, inputs=x,
                   samples=1500, seed=4)  # fmt: skip
    ref_mean, ref_err = ref["q_ab"]
    for layer in range(1, depth + 1):
        v = ours.pre[:, layer - 1, 2]
        err = math.hypot(v.std(ddof=1) / math.sqrt(len(v)), ref_err[layer])
        assert abs(v.mean() - ref_mean[layer]) < 4 * err


def test_first_layer_covariance_from_inputs():
    x = np.array([[1.0, 2.0, 2.0], [0.0, 3.0, 0.0]])
    k = first_layer_covariance(x, 2.0, 0.5)
    assert np.allclose(k, 4.0 * (x @ x.T) / 3 + 0.25, rtol=0, atol=1e-15)


def test_seed_reproducible_and_batches_independent_of_count():
    cov = [[1.0, 0.5], [0.5, 1.0]]
    a = sample_two_input_networks("erf", 1.2, 0.1, width=8, depth=2, networks=6, covariance=cov,
                                  seed=9)  # fmt: skip
    b = sample_two_input_networks("erf", 1.2, 0.1, width=8, depth=2, networks=6, covariance=cov,
                                  seed=9)  # fmt: skip
    assert np.array_equal(a.pre, b.pre) and a.networks == 6


def test_exponential_rate_and_crossing_are_exact():
    d = np.arange(30.0)
    curve = np.exp(-0.25 * d) * np.linspace(0.5, 2.0, 8)[:, None]  # per-network factor
    rate, se = decay_rate(curve, d, (3, 29), groups=4)
    assert rate == pytest.approx(-0.25, abs=1e-12) and se < 1e-12
    depth, se = crossing_depth(curve / curve[:, :1], d, math.exp(-6.0), groups=4)
    assert depth == pytest.approx(24.0, abs=1e-9) and se < 1e-9


def test_jackknife_error_matches_spread_of_repeats():
    """The jackknife error of the fitted rate matches the scatter over independent repeats."""
    d = np.arange(20.0)
    rng = np.random.default_rng(0)
    fits, ses = [], []
    for _ in range(60):
        steps = np.exp(-0.2 + 0.1 * rng.standard_normal((200, 20)))
        curve = np.cumprod(steps, axis=1)
        rate, se = decay_rate(curve, d, (0, 19))
        fits.append(rate)
        ses.append(se)
    spread = float(np.std(fits, ddof=1))
    assert 0.7 < float(np.mean(ses)) / spread < 1.4


def test_correlation():
    assert correlation(np.array([[1.0, 4.0, 1.0]]))[0] == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"width": 0}, "width"),
        ({"depth": 0}, "depth"),
        ({"networks": 0}, "networks"),
        ({"covariance": [[1.0, 2.0], [2.0, 1.0]]}, "semi-definite"),
        ({"covariance": [[1.0, 0.1], [0.2, 1.0]]}, "symmetric"),
        ({"covariance": None}, "exactly one"),
        ({"inputs": [[1.0, 0.0]]}, "exactly one"),
        ({"sigma_w": -1.0}, "sigma_w"),
    ],
)
def test_bad_arguments(kwargs, match):
    args = {"width": 4, "depth": 1, "networks": 2, "covariance": [[1.0, 0.0], [0.0, 1.0]]}
    sw = kwargs.pop("sigma_w", 1.0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        sample_two_input_networks("tanh", sw, 0.1, **args)


def test_crossing_not_reached_is_an_error():
    with pytest.raises(ValueError, match="threshold"):
        crossing_depth(np.ones((4, 5)), np.arange(5.0), 0.5, groups=2)
    with pytest.raises(ValueError, match="threshold"):
        crossing_depth(np.ones((4, 5)), np.arange(5.0), -1.0, groups=2)
