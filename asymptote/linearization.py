r"""The linearization check: finite-width networks trained by gradient descent in numpy.

Wide networks in the NTK parameterization move their parameters less and less as the width
``N`` grows, so training follows the first-order Taylor expansion around initialization
[LXSBNSP19, Sec. 2 and Thm. 2.1; JGH18]. This module trains real networks
``[Dense(sigma_w, sigma_b), phi] * depth + Dense(sigma_w, sigma_b)`` (the architecture of
:func:`asymptote.nngp_ntk`: ``h = sigma_w W x / sqrt(N_in) + sigma_b b`` with standard normal
``W``, ``b``) by full-batch gradient descent on :math:`\frac{1}{2n}\sum_i (f(X_i) - Y_i)^2`
with manual, vectorized backpropagation, and measures over widths and seeds:

- ``parameter_change``: :math:`\|\theta_S - \theta_0\| / \|\theta_0\|` (all parameters), and
  the same per layer for the weight matrices (Frobenius norms);
- ``distance_linearized``: root-mean-square over test points of
  :math:`f_S(x) - f^{\rm lin}_S(x)`, the linearized network (empirical NTK
  :math:`\hat\Theta_0` at the same initialization) trained by the same discrete gradient
  descent;
- ``distance_ntk``: the same against the infinite-width NTK prediction
  :math:`f_0(x) + \Theta_{xX}\Theta_{XX}^{-1}(I - (I - \eta\Theta_{XX}/n)^S)(Y - f_0(X))`
  with the analytic :math:`\Theta` (:func:`asymptote.nngp_ntk`) and the network's own
  :math:`f_0` (the per-network version of the NTK-ensemble prediction).

Expected exponents in the width (leading order; every gradient of the output is
:math:`O(1)` in norm, so :math:`\|\theta_S - \theta_0\| = O(1)`): ``parameter_change``
:math:`N^{-1/2}` for one hidden layer (:math:`\|\theta_0\| \sim \sqrt{N}`), while an
:math:`N \times N` hidden matrix changes by :math:`O(1)` against :math:`\|W_0\|_F \sim N`
(:math:`N^{-1}`); ``distance_ntk`` :math:`N^{-1/2}` (fluctuation of :math:`\hat\Theta_0` around
:math:`\Theta` [JGH18]); ``distance_linearized`` bounded by :math:`N^{-1/2}` [LXSBNSP19,
Thm. 2.1] and observed to fall faster (the kernel moves by :math:`O(1/N)` during training).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ._precision import to_float
from ._validate import integer
from .activations import as_activation
from .kernels import nngp_ntk

if TYPE_CHECKING:
    from matplotlib.figure import Figure, SubFigure

__all__ = [
    "LinearizationResult",
    "PowerLawFit",
    "TrainedEnsemble",
    "fit_power_law",
    "linear_prediction",
    "linearization_check",
    "plot_linearization",
    "train_ensemble",
    "train_once",
]

METRICS = ("parameter_change", "distance_ntk", "distance_linearized")
SQRT2 = math.sqrt(2.0)


@dataclass(frozen=True)
class PowerLawFit:
    """``value ~ prefactor * width ** exponent`` with the standard error of the exponent."""

    exponent: float
    standard_error: float
    prefactor: float

    def as_dict(self) -> dict[str, float]:
        return {
            "exponent": self.exponent,
            "standard_error": self.standard_error,
            "prefactor": self.prefactor,
        }


@dataclass(frozen=True)
class LinearizationResult:
    """Measurements of :func:`linearization_check`.

    ``values[metric]`` has shape ``(len(widths), seeds)``; ``layer_change`` shape
    ``(len(widths), seeds, depth + 1)``; ``fits[metric]`` the pooled log-log fit.
    """

    widths: tuple[int, ...]
    seeds: int
    values: dict[str, np.ndarray]
    layer_change: np.ndarray
    fits: dict[str, PowerLawFit]
    layer_fits: tuple[PowerLawFit, ...]
    config: dict[str, Any] = field(default_factory=dict)

    def summary(self, metric: str) -> tuple[np.ndarray, np.ndarray]:
        """Mean over seeds and its standard error, per width."""
        vals = self.values[metric]
        seeds = vals.shape[1]
        err = vals.std(axis=1, ddof=1) / math.sqrt(seeds) if seeds > 1 else np.zeros(len(vals))
        return vals.mean(axis=1), err

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"config": dict(self.config), "widths": list(self.widths)}
        for metric in METRICS:
            mean, err = self.summary(metric)
            out[metric] = {
                "mean": mean.tolist(),
                "standard_error": err.tolist(),
                "fit": self.fits[metric].as_dict(),
            }
        out["layer_change_fits"] = [f.as_dict() for f in self.layer_fits]
        return out


# ----------------------------------------------------------------------------- fitting


def fit_power_law(widths: Any, values: Any) -> PowerLawFit:
    r"""Least-squares fit of :math:`\log v = \log a + p \log N` over all (width, seed) pairs.

    Parameters
    ----------
    widths : array_like, shape (w,)
    values : array_like, shape (w,) or (w, seeds)
        Positive measurements; each column one seed.

    Returns
    -------
    PowerLawFit
        Exponent ``p`` with its standard error from the residual scatter
        (:math:`s^2 / \sum (x - \bar x)^2`, ordinary least squares), and prefactor ``a``.

    Raises
    ------
    ValueError
        Non-positive values or fewer than three points.

    Examples
    --------
    >>> fit = fit_power_law([256, 512, 1024], [[0.1, 0.1], [0.0707, 0.0708], [0.05, 0.05]])
    >>> round(fit.exponent, 2)
    -0.5
    """
    w = np.asarray(widths, dtype=float)
    v = np.asarray(values, dtype=float)
    if v.ndim == 1:
        v = v[:, None]
    if v.shape[0] != w.size:
        raise ValueError(f"values need one row per width, got {v.shape} for {w.size} widths")
    if np.any(~np.isfinite(v)) or np.any(v <= 0):
        raise ValueError("values must be finite and > 0 for a log-log fit")
    x = np.repeat(np.log(w), v.shape[1])
    y = np.log(v).ravel()
    if x.size < 3 or np.ptp(x) == 0:
        raise ValueError("need at least three points over at least two widths to fit")
    xm = x.mean()
    sxx = float(np.sum((x - xm) ** 2))
    slope = float(np.sum((x - xm) * (y - y.mean())) / sxx)
    intercept = float(y.mean() - slope * xm)
    resid = y - intercept - slope * x
    se = math.sqrt(float(np.sum(resid**2)) / (x.size - 2) / sxx)
    return PowerLawFit(slope, se, math.exp(intercept))


# ----------------------------------------------------------------------------- network


def _dataset(
    n_train: int, n_test: int, input_dim: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inputs on the sphere ||x||^2 = d (so q^0 = 1); a smooth target of one projection."""
    rng = np.random.default_rng([seed, 7])
    x = rng.normal(size=(n_train + n_test, input_dim))
    x *= math.sqrt(input_dim) / np.linalg.norm(x, axis=1, keepdims=True)
    direction = rng.normal(size=input_dim)
    direction /= np.linalg.norm(direction)
    y = np.sin(2.0 * x[:n_train] @ direction)
    return x[:n_train], y, x[n_train:]


def _gain_discrete(lam: np.ndarray, rate: float, steps: int) -> np.ndarray:
    """(1 - (1 - rate lam)^steps) / lam, the discrete-time gain (steps * rate at lam = 0)."""
    a = rate * lam
    out = np.empty_like(lam)
    small = np.abs(a) < 1e-3
    big = ~small
    out[big] = (1.0 - (1.0 - a[big]) ** steps) / lam[big]
    # series in a: steps * rate * (1 - (steps - 1) a / 2 + ...) is inaccurate for large
    # steps; use expm1 / log1p, exact for |a| < 1
    asmall = a[small]
    z = steps * np.log1p(-asmall)
    ratio = np.where(asmall == 0, 1.0, -np.expm1(z) / np.where(asmall == 0, 1.0, -z))
    factor = np.where(asmall == 0, 1.0, -np.log1p(-asmall) / np.where(asmall == 0, 1.0, asmall))
    out[small] = steps * rate * ratio * factor
    return out


def _linear_prediction(
    kernel: np.ndarray, f0: np.ndarray, y: np.ndarray, n: int, rate: float, steps: int
) -> np.ndarray:
    """Test outputs of the linear model with kernel ``kernel`` after ``steps`` GD steps."""
    lam, vec = np.linalg.eigh(kernel[:n, :n])
    gain = _gain_discrete(lam, rate / n, steps)
    b = ((kernel[n:, :n] @ vec) * gain) @ vec.T
    return f0[n:] + b @ (y - f0[:n])


def linear_prediction(
    kernel: Any, f0: Any, train_y: Any, learning_rate: float, steps: int
) -> np.ndarray:
    r"""Test outputs of the linear model :math:`f_0 + J_0\omega` after ``steps`` GD steps.

    With kernel :math:`\Theta` over ``[train; test]`` (the first ``n = len(train_y)`` rows
    training points) and the loss :math:`\frac{1}{2n}\sum_i (f(X_i) - Y_i)^2`, discrete
    gradient descent of the linearized model gives [LXSBNSP19, eq. (9)-(11), discrete time]

    .. math::

        f_S(x) = f_0(x) + \Theta_{xX}\Theta_{XX}^{-1}
        \big(I - (I - \tfrac{\eta}{n}\Theta_{XX})^S\big)(Y - f_0(X)).

    ``f0`` may carry leading batch axes (one row per network).

    Examples
    --------
    >>> k = np.array([[2.0, 1.0], [1.0, 2.0]])
    >>> round(float(linear_prediction(k, np.zeros(2), [1.0], 0.5, 100)[0]), 12)
    0.5
    """
    kern = np.asarray(kernel, dtype=float)
    y = np.asarray(train_y, dtype=float)
    f = np.asarray(f0, dtype=float)
    n = y.shape[0]
    if kern.ndim != 2 or kern.shape[0] != kern.shape[1] or kern.shape[0] <= n:
        raise ValueError(f"kernel must be square over train + test points, got {kern.shape}")
    if f.shape[-1] != kern.shape[0]:
        raise ValueError(f"f0 must end in an axis of length {kern.shape[0]}, got {f.shape}")
    lam, vec = np.linalg.eigh(kern[:n, :n])
    gain = _gain_discrete(lam, to_float(learning_rate, "learning_rate") / n, int(steps))
    b = ((kern[n:, :n] @ vec) * gain) @ vec.T
    return f[..., n:] + (y - f[..., :n]) @ b.T


@dataclass(frozen=True)
class TrainedEnsemble:
    r"""Outputs of :func:`train_ensemble`, one row per network.

    ``f0`` and ``f_final``: outputs over ``[train; test]`` at initialization and after
    training, shape ``(networks, n + m)``; ``parameter_distance``
    :math:`\|\theta_S - \theta_0\|` and ``parameter_norm`` :math:`\|\theta_0\|`, shape
    ``(networks,)`` (all parameters).
    """

    f0: np.ndarray
    f_final: np.ndarray
    parameter_distance: np.ndarray
    parameter_norm: np.ndarray

    @property
    def parameter_change(self) -> np.ndarray:
        r""":math:`\|\theta_S - \theta_0\|/\|\theta_0\|` per network."""
        return np.asarray(self.parameter_distance / self.parameter_norm)


def _ensemble_step(
    params: list[np.ndarray], x: np.ndarray, y: np.ndarray, act: Any, sw: float, sb: float
) -> list[np.ndarray]:
    """Gradients of (1/2n) sum (f(x_i) - y_i)^2 for a batch of one-hidden-layer networks.

    ``params = [W (B, d, N), b1 (B, 1, N), v (B, N, 1), b2 (B, 1, 1)]``, standard normal at
    initialization; f(x) = sigma_w/sqrt(N) phi(sigma_w/sqrt(d) x W + sigma_b b1) v
    + sigma_b b2.
    """
    w, b1, v, _ = params
    d, width = w.shape[1], w.shape[2]
    n = x.shape[0]
    cw, cv = sw / math.sqrt(d), sw / math.sqrt(width)
    h = cw * (x @ w) + sb * b1  # (B, n, N)
    f = (cv * (act.phi_np(h) @ v) + sb * params[3])[:, :, 0]
    r = (f - y) / n  # dL/df, (B, n)
    grad_v = cv * np.swapaxes(act.phi_np(h), 1, 2) @ r[:, :, None]
    grad_b2 = sb * r.sum(axis=1)[:, None, None]
    grad_h = cv * act.dphi_np(h) * r[:, :, None] * np.swapaxes(v, 1, 2)  # (B, n, N)
    grad_w = cw * (x.T @ grad_h)
    grad_b1 = sb * grad_h.sum(axis=1, keepdims=True)
    return [grad_w, grad_b1, grad_v, grad_b2]


def train_ensemble(
    activation: Any,
    sigma_w: Any,
    sigma_b: Any,
    train_x: Any,
    train_y: Any,
    test_x: Any,
    *,
    width: int,
    networks: int,
    steps: int,
    learning_rate: Any,
    seed: int = 0,
) -> TrainedEnsemble:
    r"""Train ``networks`` independent one-hidden-layer networks at once by full-batch GD.

    The network is ``[Dense(sigma_w, sigma_b), phi, Dense(sigma_w, sigma_b)]`` in the NTK
    parameterization (standard normal parameters, scales in the forward pass; the
    architecture of :func:`asymptote.nngp_ntk` at depth 1) and the loss
    :math:`rac{1}{2n}\sum_i (f(X_i) - Y_i)^2`, as in :func:`train_once`; here every array
    carries a leading axis over networks, so many small networks train in one numpy pass.

    Parameters
    ----------
    activation : str or BoundActivation
    sigma_w, sigma_b : float
    train_x, train_y, test_x : array_like
        ``(n, d)``, ``(n,)``, ``(m, d)``.
    width : int
        Hidden width ``N`` (``>= 1``).
    networks : int
        Independent initializations (``>= 1``), from ``numpy.random.default_rng(seed)``.
    steps : int
        Gradient-descent steps (``>= 0``).
    learning_rate : float
        Step size :math:`\eta > 0`.
    seed : int

    Returns
    -------
    TrainedEnsemble

    Examples
    --------
    >>> x, y, xt = _dataset(4, 2, 3, 0)
    >>> out = train_ensemble("tanh", 1.3, 0.1, x, y, xt, width=32, networks=3, steps=2,
    ...                      learning_rate=0.5)
    >>> out.f_final.shape, bool(np.all(out.parameter_change > 0))
    ((3, 6), True)
    """
    act = as_activation(activation)
    sw, sb = to_float(sigma_w, "sigma_w"), to_float(sigma_b, "sigma_b")
    rate = to_float(learning_rate, "learning_rate")
    if sw <= 0 or sb < 0 or rate <= 0:
        raise ValueError(
            f"need sigma_w > 0, sigma_b >= 0 and learning_rate > 0, got {sigma_w!r}, "
            f"{sigma_b!r}, {learning_rate!r}"
        )
    for value, name, low in ((width, "width", 1), (networks, "networks", 1), (steps, "steps", 0),
                             (seed, "seed", 0)):  # fmt: skip
        integer(value, name, minimum=low)
    x = np.asarray(train_x, dtype=float)
    y = np.asarray(train_y, dtype=float)
    xt = np.asarray(test_x, dtype=float)
    if x.ndim != 2 or xt.ndim != 2 or xt.shape[1] != x.shape[1] or y.shape != (x.shape[0],):
        raise ValueError(
            f"need train_x (n, d), train_y (n,), test_x (m, d); got {x.shape}, {y.shape}, "
            f"{xt.shape}"
        )
    points = np.vstack([x, xt])
    d = x.shape[1]
    rng = np.random.default_rng(seed)
    shapes = [(networks, d, width), (networks, 1, width), (networks, width, 1), (networks, 1, 1)]
    params = [rng.standard_normal(s) for s in shapes]
    start = [p.copy() for p in params]
    cw, cv = sw / math.sqrt(d), sw / math.sqrt(width)

    def outputs(pts: np.ndarray) -> np.ndarray:
        h = cw * (pts @ params[0]) + sb * params[1]
        return np.asarray((cv * (act.phi_np(h) @ params[2]) + sb * params[3])[:, :, 0])

    f0 = outputs(points)
    for _ in range(int(steps)):
        grads = _ensemble_step(params, x, y, act, sw, sb)
        for p, g in zip(params, grads, strict=True):
            p -= rate * g
    moved = sum(
        ((p - q) ** 2).reshape(networks, -1).sum(axis=1) for p, q in zip(params, start, strict=True)
    )
    size = sum((q**2).reshape(networks, -1).sum(axis=1) for q in start)
    return TrainedEnsemble(f0, outputs(points), np.sqrt(moved), np.sqrt(size))


def train_once(
    activation: Any,
    sigma_w: float,
    sigma_b: float,
    train_x: np.ndarray,
    train_y: np.ndarray,
    test_x: np.ndarray,
    *,
    width: int,
    depth: int,
    steps: int,
    learning_rate: float,
    ntk_gram: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, Any]:
    r"""Train one network and return the three measurements (see the module docstring).

    Parameters
    ----------
    activation : str or BoundActivation
    sigma_w, sigma_b : float
    train_x, train_y, test_x : numpy.ndarray
        ``(n, d)``, ``(n,)``, ``(m, d)``.
    width : int
        Hidden width ``N`` of every hidden layer.
    depth : int
        Number of hidden layers (nonlinearities), ``>= 1``.
    steps : int
        Full-batch gradient-descent steps.
    learning_rate : float
        Step size :math:`\eta` on the loss :math:`\frac{1}{2n}\sum_i (f(X_i)-Y_i)^2`.
    ntk_gram : numpy.ndarray
        Analytic NTK over ``[train_x; test_x]``.
    rng : numpy.random.Generator

    Returns
    -------
    dict
        ``parameter_change``, ``layer_change`` (list), ``distance_ntk``,
        ``distance_linearized``, ``train_loss`` (initial and final).

    Notes
    -----
    Backpropagation: with :math:`g_l = \partial f / \partial h_l`,
    :math:`\partial f/\partial W_l = \sigma_w g_l x_{l-1}^T/\sqrt{N_{l-1}}`,
    :math:`\partial f/\partial b_l = \sigma_b g_l`, and the empirical NTK
    :math:`\hat\Theta(x, x') = \sum_l g_l\cdot g_l' (\sigma_w^2 x_{l-1}\cdot x_{l-1}'/N_{l-1}
    + \sigma_b^2)` [JGH18, eq. (2)].

    Examples
    --------
    >>> x, y, xt = _dataset(4, 2, 3, 0)
    >>> k = nngp_ntk("relu", 1.4, 0.1, np.vstack([x, xt]), depth=1).ntk
    >>> out = train_once("relu", 1.4, 0.1, x, y, xt, width=64, depth=1, steps=5,
    ...                  learning_rate=0.5, ntk_gram=k, rng=np.random.default_rng(0))
    >>> 0 < out["parameter_change"] < 1
    True
    """
    act = as_activation(activation)
    phi, dphi = act.phi_np, act.dphi_np
    n = train_x.shape[0]
    points = np.vstack([train_x, test_x])
    sizes = [train_x.shape[1]] + [width] * depth + [1]
    weights = [rng.standard_normal((sizes[i + 1], sizes[i])) for i in range(depth + 1)]
    biases: list[np.ndarray] = [
        np.asarray(rng.standard_normal(sizes[i + 1])) for i in range(depth + 1)
    ]
    w0 = [w.copy() for w in weights]
    b0 = [b.copy() for b in biases]
    scales = [sigma_w / math.sqrt(s) for s in sizes[:-1]]

    def forward(x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        acts, pre = [x], []
        for layer in range(depth + 1):
            h = scales[layer] * acts[-1] @ weights[layer].T + sigma_b * biases[layer]
            pre.append(h)
            if layer < depth:
                acts.append(phi(h))
        return acts, pre

    # initial outputs and empirical NTK at initialization over train + test points
    acts, pre = forward(points)
    f0 = pre[-1][:, 0]
    grad_h = np.ones((points.shape[0], 1))
    emp_ntk = np.zeros((points.shape[0], points.shape[0]))
    for layer in range(depth, -1, -1):
        x_prev = acts[layer]
        emp_ntk += (grad_h @ grad_h.T) * (
            sigma_w**2 * (x_prev @ x_prev.T) / sizes[layer] + sigma_b**2
        )
        if layer > 0:
            grad_h = (scales[layer] * grad_h @ weights[layer]) * dphi(pre[layer - 1])

    loss0 = 0.5 * float(np.mean((f0[:n] - train_y) ** 2))
    for _ in range(steps):
        acts, pre = forward(train_x)
        delta = (pre[-1][:, 0] - train_y)[:, None] / n  # dL/df
        for layer in range(depth, -1, -1):
            grad_w = scales[layer] * delta.T @ acts[layer]
            grad_b = sigma_b * delta.sum(axis=0)
            if layer > 0:
                delta = (scales[layer] * delta @ weights[layer]) * dphi(pre[layer - 1])
            weights[layer] -= learning_rate * grad_w
            biases[layer] -= learning_rate * grad_b
    acts, pre = forward(points)
    f_final = pre[-1][:, 0]
    loss_final = 0.5 * float(np.mean((f_final[:n] - train_y) ** 2))

    dtheta2 = sum(float(np.sum((w - v) ** 2)) for w, v in zip(weights, w0, strict=True))
    dtheta2 += sum(float(np.sum((b - c) ** 2)) for b, c in zip(biases, b0, strict=True))
    theta2 = sum(float(np.sum(w**2)) for w in w0) + sum(float(np.sum(b**2)) for b in b0)
    layer_change = [
        float(np.linalg.norm(w - v) / np.linalg.norm(v)) for w, v in zip(weights, w0, strict=True)
    ]
    lin = _linear_prediction(emp_ntk, f0, train_y, n, learning_rate, steps)
    ntk = _linear_prediction(ntk_gram, f0, train_y, n, learning_rate, steps)
    test = f_final[n:]
    return {
        "parameter_change": math.sqrt(dtheta2 / theta2),
        "layer_change": layer_change,
        "distance_linearized": float(np.sqrt(np.mean((test - lin) ** 2))),
        "distance_ntk": float(np.sqrt(np.mean((test - ntk) ** 2))),
        "train_loss": (loss0, loss_final),
    }


def _progress(enabled: bool, done: int, total: int) -> None:
    if not enabled:
        return
    filled = int(30 * done / total)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} networks")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def linearization_check(
    activation: Any = "relu",
    sigma_w: Any = SQRT2,
    sigma_b: Any = 0.1,
    *,
    depth: int = 1,
    widths: Any = (256, 512, 1024, 2048, 4096),
    seeds: int = 8,
    steps: int = 200,
    learning_rate: Any = None,
    n_train: int = 16,
    n_test: int = 8,
    input_dim: int = 8,
    data_seed: int = 0,
    progress: bool | None = None,
) -> LinearizationResult:
    r"""Train networks of several widths and fit how far they stay from their linearization.

    Parameters
    ----------
    activation : str or BoundActivation, default "relu"
    sigma_w, sigma_b : float, default sqrt(2), 0.1
    depth : int, default 1
        Hidden layers (nonlinearities), ``>= 1``.
    widths : sequence of int, default (256, 512, 1024, 2048, 4096)
        At least two distinct widths, each ``>= 2``.
    seeds : int, default 8
        Independent initializations per width (``>= 2`` for error bars).
    steps : int, default 200
        Full-batch gradient-descent steps (``>= 1``).
    learning_rate : float or None
        Step size :math:`\eta`; ``None`` picks :math:`\eta = n/\lambda_{\max}(\Theta_{XX})`
        (half the largest stable step of the infinite-width model).
    n_train, n_test, input_dim : int, default 16, 8, 8
        Size of the synthetic data set (inputs on the sphere of radius ``sqrt(input_dim)``,
        targets ``sin(2 u . x)`` for a random unit ``u``).
    data_seed : int, default 0
    progress : bool or None
        Progress bar on stderr; ``None``: only when stderr is a terminal.

    Returns
    -------
    LinearizationResult

    Raises
    ------
    ValueError
        Bad sizes or parameters.

    Notes
    -----
    Fits are ordinary least squares of the logarithms over all (width, seed) pairs
    (:func:`fit_power_law`); the standard errors come from the scatter between seeds and
    widths. The time of the continuous-time theory is ``t = steps * learning_rate``.

    Examples
    --------
    >>> res = linearization_check(widths=(32, 64, 128), seeds=2, steps=3, n_train=4,
    ...                           n_test=2, input_dim=3, progress=False)
    >>> res.fits["parameter_change"].exponent < 0
    True
    """
    act = as_activation(activation)
    sw = to_float(sigma_w, "sigma_w")
    sb = to_float(sigma_b, "sigma_b")
    if sw <= 0 or sb < 0:
        raise ValueError(f"need sigma_w > 0 and sigma_b >= 0, got {sigma_w!r}, {sigma_b!r}")
    for value, name, low in (
        (depth, "depth", 1),
        (seeds, "seeds", 1),
        (steps, "steps", 1),
        (n_train, "n_train", 1),
        (n_test, "n_test", 1),
        (input_dim, "input_dim", 1),
    ):
        integer(value, name, minimum=low)
    width_list = tuple(int(w) for w in widths)
    if len(set(width_list)) < 2 or min(width_list) < 2:
        raise ValueError(f"widths need at least two distinct values >= 2, got {widths!r}")
    train_x, train_y, test_x = _dataset(n_train, n_test, input_dim, data_seed)
    ntk_gram = nngp_ntk(act, sw, sb, np.vstack([train_x, test_x]), depth=depth).ntk
    lam_max = float(np.linalg.eigvalsh(ntk_gram[:n_train, :n_train])[-1])
    if learning_rate is None:
        rate = n_train / lam_max
    else:
        rate = to_float(learning_rate, "learning_rate")
        if rate <= 0:
            raise ValueError(f"learning_rate must be > 0, got {learning_rate!r}")
    show = sys.stderr.isatty() if progress is None else progress
    values = {m: np.zeros((len(width_list), seeds)) for m in METRICS}
    layer_change = np.zeros((len(width_list), seeds, depth + 1))
    losses = np.zeros((len(width_list), seeds, 2))
    total, done = len(width_list) * seeds, 0
    for i, width in enumerate(width_list):
        for s in range(seeds):
            rng = np.random.default_rng([data_seed, width, s])
            out = train_once(
                act, sw, sb, train_x, train_y, test_x, width=width, depth=depth, steps=steps,
                learning_rate=rate, ntk_gram=ntk_gram, rng=rng,
            )  # fmt: skip
            for m in METRICS:
                values[m][i, s] = out[m]
            layer_change[i, s] = out["layer_change"]
            losses[i, s] = out["train_loss"]
            done += 1
            _progress(show, done, total)
    fits = {m: fit_power_law(width_list, values[m]) for m in METRICS}
    layer_fits = tuple(fit_power_law(width_list, layer_change[:, :, k]) for k in range(depth + 1))
    config = {
        "activation": act.name if hasattr(act, "name") else str(activation),
        "sigma_w": sw,
        "sigma_b": sb,
        "depth": depth,
        "steps": steps,
        "learning_rate": rate,
        "time": rate * steps,
        "n_train": n_train,
        "n_test": n_test,
        "input_dim": input_dim,
        "seeds": seeds,
        "train_loss_initial": float(losses[:, :, 0].mean()),
        "train_loss_final": float(losses[:, :, 1].mean()),
    }
    return LinearizationResult(width_list, seeds, values, layer_change, fits, layer_fits, config)


def plot_linearization(
    result: LinearizationResult, path: Any = None, *, ax: Any = None
) -> Figure | SubFigure:
    """Log-log plot of the three measurements against width with error bars and fitted slopes.

    Parameters
    ----------
    result : LinearizationResult
    path : str or os.PathLike, optional
        Where to save the figure (format from the suffix, PNG without one; written
        atomically); nothing is saved when omitted.
    ax : matplotlib Axes, optional
        Draw into these axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure or matplotlib.figure.SubFigure
        The figure of ``ax`` (a ``SubFigure`` when ``ax`` lives in one), or a new :class:`~matplotlib.figure.Figure` made without pyplot:
        the caller's matplotlib backend is never switched (Jupyter shows the returned figure
        inline).

    Raises
    ------
    ImportError
        matplotlib is not installed (``pip install asymptote[plot]``).

    Examples
    --------
    >>> import matplotlib  # doctest: +SKIP
    >>> plot_linearization(linearization_check(), "linearization.png")  # doctest: +SKIP
    """
    from .plotting import new_figure, save_figure

    if ax is None:
        fig = new_figure(figsize=(6.4, 4.6))
        ax = fig.subplots()
    else:
        fig = ax.figure
    import matplotlib.ticker

    widths = np.asarray(result.widths, dtype=float)
    labels = {
        "parameter_change": r"$\|\theta_S-\theta_0\|/\|\theta_0\|$",
        "distance_ntk": r"RMS $f_S - f^{\rm NTK}_S$ (analytic $\Theta$)",
        "distance_linearized": r"RMS $f_S - f^{\rm lin}_S$ (empirical $\hat\Theta_0$)",
    }
    markers = {"parameter_change": "o", "distance_ntk": "s", "distance_linearized": "^"}
    grid = np.geomspace(widths.min(), widths.max(), 50)
    for metric in METRICS:
        mean, err = result.summary(metric)
        fit = result.fits[metric]
        line = ax.errorbar(
            widths, mean, yerr=err, fmt=markers[metric], capsize=3,
            label=f"{labels[metric]}: slope {fit.exponent:.2f} $\\pm$ {fit.standard_error:.2f}",
        )  # fmt: skip
        ax.plot(grid, fit.prefactor * grid**fit.exponent, "-", color=line[0].get_color(), lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(widths)
    ax.set_xticklabels([str(int(w)) for w in widths])
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_xlabel("width N")
    ax.set_ylabel("mean over seeds (± standard error)")
    cfg = result.config
    ax.set_title(
        f"{cfg.get('activation', '')} depth {cfg.get('depth')}, {cfg.get('steps')} GD steps, "
        f"{result.seeds} seeds"
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path, dpi=120)
    return fig
