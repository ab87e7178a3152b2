r"""The input-output Jacobian of finite random feedforward networks, vectorised over networks.

For :math:`h^l = \tfrac{\sigma_w}{\sqrt N} W^l x^{l-1} + \sigma_b b^l`, :math:`x^l = \phi(h^l)`
(standard normal :math:`W^l, b^l`; every width :math:`N`, input width :math:`N_0 = N`), the
Jacobian of the last layer's activations with respect to the input is

.. math::

    J = \frac{\partial x^L}{\partial x^0} = D^L \tilde W^L \cdots D^1 \tilde W^1, \qquad
    D^l = \operatorname{diag}\phi'(h^l), \quad \tilde W^l = \tfrac{\sigma_w}{\sqrt N} W^l

([PSG17, eq. (2)]; [P19] slide 'dynamical isometry'). :func:`jacobian_probe_norms` returns,
per network, :math:`\|J\hat v\|^2` for a direction :math:`\hat v` uniform on the sphere and
independent of the network, an unbiased estimate of :math:`\operatorname{tr}(J^\top J)/N`
(:math:`E_{\hat v}[\hat v\hat v^\top] = I/N`).

Sampling: forward-mode differentiation carries the tangent :math:`t^l = \tilde W^l u^{l-1}`,
:math:`u^l = D^l t^l` (:math:`u^0 = v`) beside :math:`h^l`; given the previous layer the rows
:math:`(h^l_i - \sigma_b b^l_i, t^l_i)` are i.i.d. Gaussian pairs with covariance
:math:`\sigma_w^2 [x^{l-1}, u^{l-1}]^\top [x^{l-1}, u^{l-1}] / N`, so the exact joint law is
sampled from 2 x 2 Gram matrices, :math:`2N` normal numbers per layer and network, with no
weight matrix.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._validate import integer, nonnegative
from ..activations import as_activation
from .signal_propagation import _sigmas

__all__ = ["jacobian_probe_norms"]

_BATCH_FLOATS = 1 << 23


def jacobian_probe_norms(
    activation: Any,
    sigma_w: Any,
    sigma_b: Any,
    *,
    width: int,
    depth: int,
    networks: int,
    input_length: Any,
    seed: int = 0,
    **params: object,
) -> np.ndarray:
    r"""Per network :math:`\|J\hat v\|^2`, an unbiased estimate of :math:`\operatorname{tr}(J^\top J)/N`.

    Parameters
    ----------
    activation : str or BoundActivation
        Any registered activation (``params`` bind its parameters).
    sigma_w, sigma_b : float or str
        Standard deviations (read as float64).
    width : int
        Width :math:`N` of the input and of every layer (``>= 2``).
    depth : int
        Number of layers :math:`L` in :math:`J` (``>= 1``).
    networks : int
        Number of independent networks (``>= 1``).
    input_length : float
        :math:`\|x^0\|^2/N`; the first layer's pre-activations then have variance
        :math:`\sigma_w^2` ``input_length`` :math:`+ \sigma_b^2` (put it at :math:`q^*` to
        start at the fixed point).
    seed : int
        ``numpy.random.SeedSequence(seed)``; batches of networks take consecutive children.

    Returns
    -------
    ndarray, shape (networks,)

    Notes
    -----
    The mean-field prediction is :math:`E\operatorname{tr}(J^\top J)/N = \prod_l \sigma_w^2
    E[\phi'(h^l)^2]`, i.e. :math:`\chi_1^L` when every layer sits at :math:`q^*`
    [SGGS17, Sec. 4; PSG17]; finite widths add :math:`O(L/N)`.

    Examples
    --------
    >>> s = jacobian_probe_norms("relu", 2 ** 0.5, 0.0, width=64, depth=3, networks=5,
    ...                          input_length=1.0)
    >>> s.shape
    (5,)
    """
    act = as_activation(activation, **params)
    sw, sb = _sigmas(sigma_w, sigma_b)
    n = integer(width, "width", minimum=2)
    depth = integer(depth, "depth", minimum=1)
    networks = integer(networks, "networks", minimum=1)
    seed = integer(seed, "seed", minimum=0)
    p0 = nonnegative(input_length, "input_length")
    phi, dphi = act.phi_np, act.dphi_np
    out = np.empty(networks)
    batch = max(1, _BATCH_FLOATS // (2 * n))
    starts = range(0, networks, batch)
    children = np.random.SeedSequence(seed).spawn(len(starts))
    with np.errstate(over="ignore", invalid="ignore"):
        for start, child in zip(starts, children, strict=True):
            rng = np.random.default_rng(child)
            b = min(networks, start + batch) - start
            # v ~ N(0, I_N): its component along x^0 is N(0, 1), the rest chi^2_(N-1)
            along = rng.standard_normal(b)
            vv = along**2 + rng.chisquare(n - 1, b)
            gxx = np.full(b, p0)
            gxu = math.sqrt(p0 / n) * along
            guu = vv / n
            for _ in range(depth):
                c11 = sw**2 * gxx + sb**2
                l11 = np.sqrt(c11)
                l21 = np.where(l11 > 0, sw**2 * gxu / np.where(l11 > 0, l11, 1.0), 0.0)
                l22 = np.sqrt(np.maximum(sw**2 * guu - l21**2, 0.0))
                z = rng.standard_normal((2, b, n))
                h = l11[:, None] * z[0]
                t = l21[:, None] * z[0] + l22[:, None] * z[1]
                x, u = phi(h), dphi(h) * t
                gxx = np.einsum("bn,bn->b", x, x) / n
                gxu = np.einsum("bn,bn->b", x, u) / n
                guu = np.einsum("bn,bn->b", u, u) / n
            out[start : start + b] = guu * n / vv
    if not np.all(np.isfinite(out)):
        raise ValueError(
            f"a Jacobian norm overflowed float64; lower sigma_w or the depth (depth {depth})"
        )
    return out
