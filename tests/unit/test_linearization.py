"""Linearization check: finite-width networks trained in numpy.

References: first-order perturbation theory (one tiny gradient step moves the outputs by
-eta * Theta_hat (f0 - y) / n, which ties the manual backpropagation to the empirical NTK, two
separately written code paths), the analytic NTK of :func:`asymptote.nngp_ntk` (the empirical
NTK fluctuates around it by O(N^{-1/2})), and the predicted width exponent -1/2 of the relative
parameter change of a one-hidden-layer network (within 4 standard errors of the pooled fit).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from asymptote.kernels import nngp_ntk
from asymptote.linearization import (
    _dataset,
    _gain_discrete,
    fit_power_law,
    linearization_check,
    plot_linearization,
    train_once,
)


def test_one_small_step_matches_first_order_prediction():
    """After one step of size eta, f_1 - f_lin_1 = O(eta^2): backprop and empirical NTK agree."""
    x, y, xt = _dataset(6, 3, 4, 1)
    k = nngp_ntk("erf", 1.5, 0.2, np.vstack([x, xt]), depth=2).ntk
    distances = []
    for eta in (1e-2, 1e-3):
        out = train_once(
            "erf", 1.5, 0.2, x, y, xt, width=64, depth=2, steps=1, learning_rate=eta,
            ntk_gram=k, rng=np.random.default_rng(3),
        )  # fmt: skip
        distances.append(out["distance_linearized"])
    # the output change itself is O(eta) ~ 1e-2 * O(1); the mismatch must scale as eta^2:
    # a factor 10 in eta gives a factor ~100 (allow 60-160 for the O(eta^3) term)
    assert distances[0] < 1e-4
    assert 60 < distances[0] / distances[1] < 160


def test_discrete_gain_series_matches_direct_formula():
    lam = np.array([0.0, 1e-12, 1e-5, 0.3, 1.5])
    got = _gain_discrete(lam, 0.5, 40)
    with np.errstate(divide="ignore", invalid="ignore"):
        direct = (1 - (1 - 0.5 * lam) ** 40) / lam
    assert got[0] == 40 * 0.5
    # direct formula is accurate where 1 - (1 - a)^S does not cancel (a >= 1e-5 here)
    assert np.allclose(got[2:], direct[2:], rtol=1e-9, atol=0)
    # lam = 1e-12: S eta (1 - (S - 1) a / 2) to first order
    assert abs(got[1] - 20 * (1 - 39 * 0.5e-12 / 2)) < 1e-13


def test_fit_power_law_recovers_exponent_and_error():
    rng = np.random.default_rng(0)
    widths = np.array([64, 128, 256, 512, 1024])
    values = 3.0 * widths[:, None] ** -0.5 * np.exp(0.05 * rng.standard_normal((5, 6)))
    fit = fit_power_law(widths, values)
    # noise 0.05 in log over 30 points spanning ln(16) = 2.8: slope SE ~ 0.05/sqrt(30 * 1.0)
    assert abs(fit.exponent + 0.5) < 4 * fit.standard_error
    assert 0.003 < fit.standard_error < 0.03
    with pytest.raises(ValueError, match="> 0"):
        fit_power_law([1, 2, 3], [1.0, -1.0, 2.0])


def test_parameter_change_shrinks_like_inverse_sqrt_width():
    res = linearization_check(
        "relu", math.sqrt(2), 0.1, depth=1, widths=(128, 256, 512, 1024, 2048), seeds=4,
        steps=30, n_train=8, n_test=4, input_dim=4, progress=False,
    )  # fmt: skip
    fit = res.fits["parameter_change"]
    # ||theta_S - theta_0|| = O(1) with O(N^{-1/2}) corrections, ||theta_0|| ~ sqrt(N (d + 2)):
    # slope -1/2 up to the seed-to-seed scatter (4 standard errors of the pooled fit)
    assert abs(fit.exponent + 0.5) < 4 * fit.standard_error, fit
    assert fit.standard_error < 0.1
    # the trained network approaches both linear predictions as the width grows
    for metric in ("distance_ntk", "distance_linearized"):
        f = res.fits[metric]
        assert f.exponent + 4 * f.standard_error < 0, (metric, f)


def test_result_summary_and_plot(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    res = linearization_check(
        widths=(32, 64), seeds=2, steps=3, n_train=4, n_test=2, input_dim=3, progress=False
    )
    mean, err = res.summary("parameter_change")
    assert mean.shape == (2,) and np.all(err >= 0)
    d = res.as_dict()
    assert set(d) >= {"config", "widths", "parameter_change", "distance_ntk"}
    fig = plot_linearization(res, tmp_path / "lin.png")
    assert (tmp_path / "lin.png").stat().st_size > 1000
    import matplotlib.pyplot as plt

    plt.close(fig)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"widths": (64,)}, "two distinct"),
        ({"seeds": 0}, "seeds must be"),
        ({"steps": 0}, "steps must be"),
        ({"depth": 0}, "depth must be"),
        ({"learning_rate": -1.0}, "learning_rate must be > 0"),
        ({"sigma_w": 0.0}, "sigma_w > 0"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        linearization_check(**kwargs)


# ----------------------------------------------------------------------------- batched training
def test_ensemble_gradients_match_finite_differences():
    """Backpropagation of _ensemble_step against central differences of the loss."""
    from asymptote.activations import as_activation
    from asymptote.linearization import _ensemble_step

    act = as_activation("tanh")
    x, y, _ = _dataset(3, 1, 2, 4)
    rng = np.random.default_rng(5)
    params = [rng.standard_normal(s) for s in [(2, 2, 5), (2, 1, 5), (2, 5, 1), (2, 1, 1)]]
    sw, sb = 1.3, 0.2

    def loss(ps):
        h = sw / math.sqrt(2) * (x @ ps[0]) + sb * ps[1]
        f = (sw / math.sqrt(5) * (np.tanh(h) @ ps[2]) + sb * ps[3])[:, :, 0]
        return 0.5 * np.mean((f - y) ** 2, axis=1)

    grads = _ensemble_step(params, x, y, act, sw, sb)
    eps = 1e-6
    for i, p in enumerate(params):
        for idx in [(0,) + (0,) * (p.ndim - 1), (1,) + tuple(s - 1 for s in p.shape[1:])]:
            plus = [q.copy() for q in params]
            minus = [q.copy() for q in params]
            plus[i][idx] += eps
            minus[i][idx] -= eps
            numeric = (loss(plus) - loss(minus))[idx[0]] / (2 * eps)
            assert grads[i][idx] == pytest.approx(numeric, rel=1e-6, abs=1e-9)


def test_linear_prediction_matches_iterated_gradient_descent():
    from asymptote.linearization import linear_prediction

    rng = np.random.default_rng(6)
    a = rng.standard_normal((5, 5))
    kernel = a @ a.T + 0.1 * np.eye(5)
    f0 = rng.standard_normal((2, 5))
    y = rng.standard_normal(3)
    rate = 3 / np.linalg.eigvalsh(kernel[:3, :3])[-1] * 0.5
    f = f0.copy()
    for _ in range(7):  # the linear model's own gradient descent, written out
        f = f - rate / 3 * (f[:, :3] - y) @ kernel[:3, :]
    assert np.allclose(linear_prediction(kernel, f0, y, rate, 7), f[:, 3:], rtol=0, atol=1e-12)


def test_train_ensemble_zero_steps_and_bad_input():
    from asymptote.linearization import train_ensemble

    x, y, xt = _dataset(3, 2, 2, 0)
    out = train_ensemble("relu", 1.4, 0.1, x, y, xt, width=8, networks=4, steps=0,
                         learning_rate=0.5)  # fmt: skip
    assert np.array_equal(out.f0, out.f_final) and np.all(out.parameter_distance == 0)
    with pytest.raises(ValueError, match="width"):
        train_ensemble("relu", 1.4, 0.1, x, y, xt, width=0, networks=4, steps=1,
                       learning_rate=0.5)  # fmt: skip
    with pytest.raises(ValueError, match="learning_rate"):
        train_ensemble("relu", 1.4, 0.1, x, y, xt, width=4, networks=4, steps=1,
                       learning_rate=-1)  # fmt: skip
