r"""Two inputs through many finite random feedforward networks, vectorised over networks.

The law sampled is exact for Gaussian weights. For a layer
:math:`h^l = \tfrac{\sigma_w}{\sqrt N} W^l x^{l-1} + \sigma_b b^l` (standard normal
:math:`W^l, b^l`, the conventions of ``docs/conventions.md``), given the previous layer the
rows :math:`(h^l_{ia}, h^l_{ib})` are i.i.d. centred Gaussian pairs with covariance

.. math::

    K^{l-1} = \sigma_w^2\, G^{l-1} + \sigma_b^2\, \mathbf 1\mathbf 1^\top, \qquad
    G^{l-1}_{ab} = x^{l-1}_a\cdot x^{l-1}_b / N

(the sum of i.i.d. Gaussians conditioned on the layer input; [LBNSSP18, Sec. 2.2],
[PLRSG16, eq. (2)]). So the Gram matrices of the two inputs form a Markov chain that is
sampled with :math:`2N` normal numbers per layer and network, without weight matrices. The
chain starts from the covariance :math:`K^0` of the first layer's pre-activations (given
directly, or from two inputs :math:`x_a, x_b \in \mathbb R^{N_0}`:
:math:`K^0 = \sigma_w^2 X X^\top/N_0 + \sigma_b^2`).

:func:`sample_two_input_networks` records per network and layer the empirical Gram of the
pre-activations and the conditional covariance :math:`K^l` of the next layer (row
:math:`L`: the read-out :math:`E[y_a y_b \mid x^L]` of a depth-:math:`L` network, the
quantity whose mean is the NNGP kernel at infinite width). :func:`decay_rate` and
:func:`crossing_depth` turn per-network trajectories into a fitted exponential rate and
the depth at which a mean falls below a threshold, each with a jackknife standard error
over groups of networks.

The same law is simulated, more slowly and for every catalogued architecture, by
:func:`asymptote.finite_width.montecarlo.simulate` (graph walking, per-network seeds); this
module is the feedforward special case kept per network, which the claims of [SGGS17] and
[LBNSSP18] need for error bars on fitted rates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._precision import to_float
from .._validate import integer, standard_deviation
from ..activations import as_activation

__all__ = [
    "TwoInputNetworks",
    "correlation",
    "crossing_depth",
    "decay_rate",
    "first_layer_covariance",
    "sample_two_input_networks",
]

#: floats drawn per batch of networks (about 64 MiB of float64 per array)
_BATCH_FLOATS = 1 << 23


@dataclass(frozen=True)
class TwoInputNetworks:
    """Samples of :func:`sample_two_input_networks`.

    Attributes
    ----------
    pre : ndarray, shape (networks, depth, 3)
        Per network and layer :math:`l = 1..L` (index ``l - 1``): the empirical
        :math:`(\\|h_a\\|^2, \\|h_b\\|^2, h_a\\cdot h_b)/N` of the pre-activations.
    kernel : ndarray, shape (networks, depth + 1, 3)
        Row ``l``: :math:`(K_{aa}, K_{bb}, K_{ab})` of :math:`K^l = \\sigma_w^2 G^l +
        \\sigma_b^2`, the covariance of layer :math:`l + 1` given layer :math:`l`; row 0 is
        the first layer's (deterministic) covariance, row ``depth`` the read-out's.
    width, depth, seed : int
    """

    pre: np.ndarray
    kernel: np.ndarray
    width: int
    depth: int
    seed: int

    @property
    def networks(self) -> int:
        return int(self.pre.shape[0])


def first_layer_covariance(inputs: Any, sigma_w: Any, sigma_b: Any) -> np.ndarray:
    r""":math:`K^0 = \sigma_w^2 X X^\top / N_0 + \sigma_b^2` for two inputs ``X`` (2, N_0).

    >>> first_layer_covariance([[1.0, 0.0], [0.0, 1.0]], 1.0, 0.5).tolist()
    [[0.75, 0.25], [0.25, 0.75]]
    """
    x = np.asarray(inputs, dtype=float)
    if x.ndim != 2 or x.shape[0] != 2 or x.shape[1] < 1 or not np.all(np.isfinite(x)):
        raise ValueError(f"inputs must be a finite array of shape (2, N_0), got {x.shape}")
    sw, sb = _sigmas(sigma_w, sigma_b)
    return sw**2 * (x @ x.T) / x.shape[1] + sb**2


def _sigmas(sigma_w: Any, sigma_b: Any) -> tuple[float, float]:
    sw = standard_deviation(sigma_w, "sigma_w", positive=True)
    return sw, standard_deviation(sigma_b, "sigma_b")


def _check_covariance(cov: Any) -> np.ndarray:
    k = np.asarray(cov, dtype=float)
    if k.shape != (2, 2) or not np.all(np.isfinite(k)):
        raise ValueError(f"covariance must be a finite 2 x 2 array, got shape {k.shape}")
    if k[0, 1] != k[1, 0] or k[0, 0] <= 0 or k[1, 1] <= 0:
        raise ValueError("covariance must be symmetric with positive diagonal")
    if k[0, 1] ** 2 > k[0, 0] * k[1, 1] * (1 + 1e-14):
        raise ValueError("covariance must be positive semi-definite (|K_ab| <= sqrt(K_aa K_bb))")
    return k


def _grams(h: np.ndarray, n: int) -> np.ndarray:
    """(|u|^2, |v|^2, u.v) / n for h = (u, v) of shape (2, networks, n)."""
    out = np.empty((h.shape[1], 3))
    out[:, 0] = np.einsum("bn,bn->b", h[0], h[0])
    out[:, 1] = np.einsum("bn,bn->b", h[1], h[1])
    out[:, 2] = np.einsum("bn,bn->b", h[0], h[1])
    return out / n


def sample_two_input_networks(
    activation: Any,
    sigma_w: Any,
    sigma_b: Any,
    *,
    width: int,
    depth: int,
    networks: int,
    covariance: Any = None,
    inputs: Any = None,
    seed: int = 0,
    **params: object,
) -> TwoInputNetworks:
    r"""Sample ``networks`` random feedforward networks of one ``width`` on two inputs.

    Parameters
    ----------
    activation : str or BoundActivation
        Any registered activation (``params`` bind its parameters).
    sigma_w, sigma_b : float or str
        Standard deviations (read as float64).
    width : int
        Hidden width :math:`N` of every layer (``>= 1``).
    depth : int
        Number of hidden layers :math:`L` (``>= 1``).
    networks : int
        Number of independent networks (``>= 1``).
    covariance : array (2, 2), optional
        Covariance :math:`K^0` of the first layer's pre-activations.
    inputs : array (2, N_0), optional
        Two inputs instead (then :math:`K^0` = :func:`first_layer_covariance`); exactly one
        of ``covariance`` and ``inputs`` is given.
    seed : int
        ``numpy.random.SeedSequence(seed)``; batches of networks take consecutive children.

    Returns
    -------
    TwoInputNetworks

    Raises
    ------
    ValueError
        Bad sizes, covariance or parameters; a non-finite length (overflow).

    Examples
    --------
    >>> s = sample_two_input_networks("relu", 2 ** 0.5, 0.0, width=64, depth=3,
    ...                               networks=10, covariance=[[1.0, 0.5], [0.5, 1.0]])
    >>> s.pre.shape, s.kernel.shape
    ((10, 3, 3), (10, 4, 3))
    """
    act = as_activation(activation, **params)
    sw, sb = _sigmas(sigma_w, sigma_b)
    n = integer(width, "width", minimum=1)
    depth = integer(depth, "depth", minimum=1)
    networks = integer(networks, "networks", minimum=1)
    seed = integer(seed, "seed", minimum=0)
    if (covariance is None) == (inputs is None):
        raise ValueError("give exactly one of covariance and inputs")
    k0 = (
        _check_covariance(covariance)
        if covariance is not None
        else _check_covariance(first_layer_covariance(inputs, sw, sb))
    )
    phi = act.phi_np
    pre = np.empty((networks, depth, 3))
    kernel = np.empty((networks, depth + 1, 3))
    kernel[:, 0] = (k0[0, 0], k0[1, 1], k0[0, 1])
    batch = max(1, _BATCH_FLOATS // (2 * n))
    starts = range(0, networks, batch)
    children = np.random.SeedSequence(seed).spawn(len(starts))
    with np.errstate(over="ignore", invalid="ignore"):
        for start, child in zip(starts, children, strict=True):
            rng = np.random.default_rng(child)
            rows = slice(start, min(networks, start + batch))
            k = kernel[rows, 0].copy()
            for layer in range(depth):
                # h = (h_a, h_b) = Cholesky factor of the 2 x 2 covariance times normals
                l11 = np.sqrt(k[:, 0])
                l21 = k[:, 2] / l11
                l22 = np.sqrt(np.maximum(k[:, 1] - l21**2, 0.0))
                h = rng.standard_normal((2, k.shape[0], n))
                h[1] *= l22[:, None]
                h[1] += l21[:, None] * h[0]
                h[0] *= l11[:, None]
                pre[rows, layer] = _grams(h, n)
                k = sw**2 * _grams(phi(h), n) + sb**2
                kernel[rows, layer + 1] = k
    if not (np.all(np.isfinite(pre)) and np.all(np.isfinite(kernel))):
        raise ValueError(
            "a length overflowed float64; lower sigma_w or the depth "
            f"(sigma_w = {sw}, depth = {depth})"
        )
    return TwoInputNetworks(pre, kernel, n, depth, seed)


def correlation(gram: np.ndarray) -> np.ndarray:
    r"""Cosine :math:`g_{ab}/\sqrt{g_{aa} g_{bb}}` of Gram triples ``(..., 3)``.

    >>> float(correlation(np.array([4.0, 1.0, 1.0])))
    0.5
    """
    g = np.asarray(gram, dtype=float)
    if g.shape[-1] != 3:
        raise ValueError(f"gram must end in an axis of length 3, got shape {g.shape}")
    if np.any(g[..., 0] <= 0) or np.any(g[..., 1] <= 0):
        raise ValueError("gram needs positive diagonal entries for a cosine")
    return g[..., 2] / np.sqrt(g[..., 0] * g[..., 1])


def _groups(networks: int, groups: int) -> np.ndarray:
    groups = integer(groups, "groups", minimum=2)
    if networks < groups:
        raise ValueError(f"need at least groups = {groups} networks, got {networks}")
    return np.arange(networks) % groups


def _check_values(values: Any) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    if v.ndim != 2 or v.shape[1] < 2:
        raise ValueError(f"values must have shape (networks, depths >= 2), got {v.shape}")
    if not np.all(np.isfinite(v)) or np.any(v <= 0):
        raise ValueError("values must be finite and > 0")
    return v


def _jackknife(estimate: Any, v: np.ndarray, groups: int) -> tuple[float, float]:
    label = _groups(v.shape[0], groups)
    full = float(estimate(v.mean(axis=0)))
    leave = np.array([estimate(v[label != g].mean(axis=0)) for g in range(groups)])
    se = math.sqrt((groups - 1) / groups * float(np.sum((leave - leave.mean()) ** 2)))
    return full, se


def decay_rate(
    values: Any, depths: Any, window: tuple[int, int], *, groups: int = 20
) -> tuple[float, float]:
    r"""Slope of :math:`\ln \bar v_l` against depth over ``window`` and its standard error.

    :math:`\bar v_l` is the mean over networks (rows of ``values``) at depth ``depths[l]``;
    the slope is an ordinary least-squares line through :math:`(l, \ln\bar v_l)` for
    ``window[0] <= depth <= window[1]``. The standard error is the delete-a-group jackknife
    over ``groups`` groups of networks (networks ``k`` with ``k % groups = g``), which keeps
    the correlation between depths of one network.

    Returns
    -------
    (slope, standard_error)

    Examples
    --------
    >>> d = np.arange(10.0)
    >>> rate, se = decay_rate(np.exp(-0.3 * d) * np.ones((4, 1)), d, (2, 8), groups=2)
    >>> round(rate, 12), se
    (-0.3, 0.0)
    """
    v = _check_values(values)
    d = np.asarray(depths, dtype=float)
    if d.shape != (v.shape[1],):
        raise ValueError(f"depths must have one entry per column of values, got {d.shape}")
    keep = (d >= window[0]) & (d <= window[1])
    if keep.sum() < 3:
        raise ValueError(f"the window {window} holds fewer than 3 depths")

    def slope(mean: np.ndarray) -> float:
        return float(np.polyfit(d[keep], np.log(mean[keep]), 1)[0])

    return _jackknife(slope, v, groups)


def crossing_depth(
    values: Any, depths: Any, threshold: float, *, groups: int = 20
) -> tuple[float, float]:
    r"""First depth at which the mean over networks falls to ``threshold``, with error.

    Interpolates :math:`\ln\bar v` linearly between the two depths that bracket the first
    crossing of :math:`\ln` ``threshold``; the standard error is the delete-a-group
    jackknife over ``groups`` groups of networks.

    Raises
    ------
    ValueError
        The mean never falls to ``threshold`` (or starts below it).

    Examples
    --------
    >>> d = np.arange(10.0)
    >>> depth, se = crossing_depth(np.exp(-0.5 * d) * np.ones((4, 1)), d, math.exp(-2.25),
    ...                            groups=2)
    >>> round(depth, 12)
    4.5
    """
    v = _check_values(values)
    d = np.asarray(depths, dtype=float)
    if d.shape != (v.shape[1],):
        raise ValueError(f"depths must have one entry per column of values, got {d.shape}")
    t = to_float(threshold, "threshold")
    if t <= 0:
        raise ValueError(f"threshold must be > 0, got {threshold!r}")
    level = math.log(t)

    def cross(mean: np.ndarray) -> float:
        y = np.log(mean)
        below = np.flatnonzero(y <= level)
        if below.size == 0 or below[0] == 0:
            raise ValueError(
                f"the mean must start above the threshold and fall to it within the depths "
                f"given (start {mean[0]:.3g}, end {mean[-1]:.3g}, threshold {t:.3g})"
            )
        i = int(below[0])
        frac = (y[i - 1] - level) / (y[i - 1] - y[i])
        return float(d[i - 1] + frac * (d[i] - d[i - 1]))

    return _jackknife(cross, v, groups)
