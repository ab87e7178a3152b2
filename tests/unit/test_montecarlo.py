"""Monte Carlo of random networks against the mean-field maps of asymptote.feedforward and
exact finite-width results (within 4 standard errors plus the stated O(1/N) bias)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from asymptote.feedforward import correlation_map, length_map
from asymptote.finite_width.montecarlo import default_inputs, mean_field_prediction, simulate


def within(mean, se, target, bias=0.0, k=4.0):
    """|MC - target| <= k SE + bias, layer by layer (k = 4, fixed seeds)."""
    mean, se, target = map(np.asarray, (mean, se, target))
    excess = np.abs(mean - target) - (k * se + bias + 1e-12 * np.abs(target))
    assert np.all(excess <= 0), (mean, se, target)


@pytest.mark.parametrize("name,sw,sb", [("relu", 1.4, 0.2), ("tanh", 1.5, 0.3)])
def test_lengths_and_correlations_follow_the_feedforward_maps(name, sw, sb):
    n, depth = 300, 4
    r = simulate("feedforward", name, sw, sb, width=n, depth=depth, samples=300, seed=1)
    q = [1.0]
    c = [0.5]
    q.append(sw**2 * 1.0 + sb**2)
    c.append((sw**2 * 0.5 + sb**2) / q[1])
    for _ in range(depth - 1):
        q_next = length_map(name, sw, sb, q[-1])
        c.append(correlation_map(name, sw, sb, c[-1], q=q[-1]) * q[-1] / q_next)
        q.append(q_next)
    q_mc, q_se = r["q"]
    c_mc, c_se = r["c"]
    # ReLU: V(q) = q/2 is linear, so E[q^l] follows the map exactly at every width.
    # tanh: E[V(q)] - V(E q) = V''/2 Var(q) = O(1/N); |V''| <= 1 and Var(q^l) <= 2 q^2 (1 + 1/N)/N
    # per layer, amplified by the slope sigma_w^2 V' < 2.3 over <= depth layers.
    bias_q = 0.0 if name == "relu" else depth * 2.3**depth * max(q) ** 2 / n
    within(q_mc, q_se, q, bias_q)
    # Sample cosine of two correlated Gaussian vectors: bias <= (1 - c^2)|c| / (2N) <= 1/(5N)
    # per layer, amplified by the correlation map's slope (< 2 here) over <= depth layers.
    within(c_mc, c_se, c, depth * 2**depth / (5 * n))


@pytest.mark.parametrize("method", ["conditional", "explicit"])
def test_relu_gradient_norms_are_exact_in_mean(method):
    # E ||J^T g||^2 = E ||J||_F^2 = n_0 E ||J e||^2, and ||J e||^2 has the exact product law
    # (asymptote.finite_width.gradients): E = (n_l / n_0) prod (sigma_w^2 / 2) at every width.
    widths = [6, 9, 4]
    r = simulate(
        "feedforward",
        "relu",
        1.3,
        0.4,
        width=widths,
        depth=3,
        samples=3000,
        seed=2,
        method=method,
        inputs=default_inputs(5),
    )
    n = [5, *widths]
    expected = [n[-1] / n[l] * (1.3**2 / 2) ** (3 - l) for l in range(4)]
    within(*r["grad_x"], expected)
    mf = mean_field_prediction(
        "feedforward", "relu", 1.3, 0.4, width=widths, depth=3, inputs=default_inputs(5)
    )
    within(*r["p"], mf["p"])


def test_methods_sample_the_same_law():
    kw = dict(sigma_v=0.8, sigma_a=0.2, eta=[0.7, 0.4, 0.3], samples=3000)
    a = simulate("scaled", "tanh", 1.4, 0.3, width=12, depth=3, seed=5, method="conditional", **kw)
    b = simulate("scaled", "tanh", 1.4, 0.3, width=12, depth=3, seed=6, method="explicit", **kw)
    se = np.sqrt(a.stderr**2 + b.stderr**2)
    z = np.abs(a.mean - b.mean) / np.where(se > 0, se, 1.0)
    assert np.all(z[1:] <= 4.0), z  # difference of two independent estimates: 4 combined SE


@pytest.mark.parametrize("arch", ["rrn", "frn", "scaled"])
def test_residual_lengths_follow_mean_field(arch):
    kw = {} if arch == "rrn" else dict(sigma_v=0.9, sigma_a=0.1)
    if arch == "scaled":
        kw["eta"] = 0.5
    n, depth = 200, 4
    r = simulate(arch, "relu", 1.0, 0.2, width=n, depth=depth, samples=400, seed=3, **kw)
    mf = mean_field_prediction(arch, "relu", 1.0, 0.2, width=n, depth=depth, **kw)
    # frn/scaled with ReLU: V is linear and <x, branch> has mean 0: exact at every width.
    # rrn: E[phi(h_i) x_i] = O(1/N) per layer (h_i shares W_ii x_i); bound 2 p / N per layer.
    bias = 0.0 if arch != "rrn" else 2 * depth * max(mf["p"]) / n
    within(*r["p"], mf["p"], bias)
    within(*r["grad_x"], mf["grad_x"], 0.0 if arch != "rrn" else 2 * depth * max(mf["grad_x"]) / n)


def test_reproducible_and_independent_of_chunking():
    a = simulate("frn", "tanh", 1.2, 0.1, width=20, depth=3, samples=7, seed=9)
    b = simulate("frn", "tanh", 1.2, 0.1, width=20, depth=3, samples=7, seed=9, chunk=2)
    np.testing.assert_allclose(a.mean, b.mean, rtol=1e-12, atol=1e-15)  # summation order only
    assert not np.allclose(
        a.mean, simulate("frn", "tanh", 1.2, 0.1, width=20, depth=3, samples=7, seed=10).mean
    )


def test_bad_arguments():
    with pytest.raises(ValueError, match="arch"):
        simulate("cnn", "relu", 1.0, 0.0, width=5, depth=2)
    with pytest.raises(ValueError, match="samples"):
        simulate("feedforward", "relu", 1.0, 0.0, width=5, depth=2, samples=1)
    with pytest.raises(ValueError, match="eta"):
        simulate("scaled", "relu", 1.0, 0.0, width=5, depth=2)
    with pytest.raises(ValueError, match="one width per layer"):
        simulate("feedforward", "relu", 1.0, 0.0, width=[5, 6], depth=3)
    with pytest.raises(ValueError, match=r"width.*>= 1"):
        simulate("feedforward", "relu", 1.0, 0.0, width=0, depth=3)
    with pytest.raises(ValueError, match="constant width"):
        simulate("rrn", "relu", 1.0, 0.0, width=[5, 6], depth=2)
    with pytest.raises(OverflowError, match="layer"):
        simulate("feedforward", "relu", 30.0, 0.0, width=50, depth=200, samples=2)


def test_cli_montecarlo_json_and_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    from asymptote.cli import main

    png = tmp_path / "mc.png"
    assert (
        main(
            [
                "montecarlo",
                "--arch",
                "feedforward",
                "--activation",
                "relu",
                "--widths",
                "30",
                "--depth",
                "3",
                "--samples",
                "20",
                "--json",
                "--plot",
                str(png),
            ]
        )
        == 0
    )
    import json

    out = json.loads(capsys.readouterr().out)
    assert set(out["p"]) == {"mean", "stderr", "mean_field", "z"} and png.stat().st_size > 0
    assert math.isclose(float(out["p"]["mean_field"][3]), 1.0)
