r"""Finite-width gradient-norm statistics of deep ReLU networks.

Forward-mode tangent (input-output Jacobian :math:`J = \partial x^d/\partial x^0` applied to
a fixed vector :math:`u`): :math:`v^0 = u`, :math:`v^j = D_j W^j v^{j-1}` with
:math:`D_j = \mathrm{diag}(\mathbf 1[h^j > 0])`, so :math:`v^d = J u`.

**Exact law** (derived here; Gaussian weights, any symmetric bias law, any input
:math:`x^0`). Write each weight row as :math:`W_i = \xi_i \tilde W_i` with an independent
uniform sign :math:`\xi_i`. Then :math:`\mathbf 1[h_i > 0] = \mathbf 1[\xi_i(\tilde W_i x + \tilde
b_i) > 0]` is a Bernoulli(1/2) variable independent of :math:`\tilde W` and of the past, and
:math:`(v^j_i)^2 = \mathbf 1[h_i>0] (\tilde W_i v^{j-1})^2` with
:math:`\tilde W_i v^{j-1} \sim N(0, \sigma_w^2\|v^{j-1}\|^2/n_{j-1})`. Hence

.. math:: \frac{\|J u\|^2/n_d}{\|u\|^2/n_0} = \prod_{j=1}^d \sigma_{w,j}^2 F_j,
          \qquad F_j = \chi^2_{K_j}/n_j,\ K_j \sim \mathrm{Bin}(n_j, 1/2),

the same product law as :math:`M_d/M_0` in :mod:`.moments` (the :math:`K_j` are even the same
variables), with the exact moments :math:`E = \prod\sigma_{w,j}^2/2` and
:math:`E[T^2]/E[T]^2 = \prod_j(1 + 5/n_j)`, invariant under reordering of the widths, and
independent of the biases and of :math:`x^0`. For symmetric non-Gaussian weights the
second moment is still exact: it obeys the recursion of :mod:`.moments` with zero biases
and the direction's mean fourth power :math:`\sum_k u_k^4/n_0` in place of the input's.
This is the finite-width counterpart of [H18, Thm. 1] (entries of :math:`J`, whose fourth
moment grows like :math:`e^{5\beta}`).

**Not exact**: the back-propagated gradient :math:`J^\top g` of :math:`\mathcal L = g\cdot x^d`
and :math:`\partial\mathcal L/\partial W^j`. Backward, :math:`W^{j\top}` meets the rows whose
signs set :math:`D_j`, so the component of :math:`W^j_i` along :math:`x^{j-1}` is half-normal
and the factors are neither Gaussian nor independent; these are measured by Monte Carlo
(:func:`backward_gradient_statistics`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .moments import LengthMoments, check_widths, output_length_moments, parse_real
from .montecarlo import MonteCarloResult, simulate

__all__ = ["jacobian_vector_moments", "sample_jacobian_vector_norm", "backward_gradient_statistics"]


def jacobian_vector_moments(
    widths: Sequence[int],
    sigma_w: Any,
    *,
    input_width: int | None = None,
    direction_fourth_moment: Any = None,
    weight_kurtosis: Any = 3,
    readout: str = "relu",
    exact: bool = False,
    dps: int | None = None,
) -> LengthMoments:
    r"""Exact mean and variance of :math:`T = (\|Ju\|^2/n_d)/(\|u\|^2/n_0)`.

    Parameters
    ----------
    widths : sequence of int
        :math:`n_1..n_d`.
    sigma_w : real or sequence
        Weight standard deviations (times :math:`\sqrt{\text{fan-in}}`).
    input_width : int, optional
        :math:`n_0` (needed when ``weight_kurtosis != 3``).
    direction_fourth_moment : real, optional
        :math:`(\sum_k u_k^4/n_0)/(\|u\|^2/n_0)^2` (>= 1; default 1, a flat direction);
        enters only when ``weight_kurtosis != 3``.
    weight_kurtosis : real
        :math:`E[w^4]/E[w^2]^2` of the symmetric weight law (3 = Gaussian).
    readout : {'relu', 'linear'}
        Whether the last layer applies the ReLU (and its derivative).
    exact, dps
        SymPy numbers, mpmath digits, or floats (default).

    Returns
    -------
    LengthMoments

    Notes
    -----
    Module docstring (derived here; cf. [H18, Thm. 1], [HR18, Thm. 5]). Biases do not enter.

    Examples
    --------
    >>> jacobian_vector_moments([10, 20, 30, 40], "sqrt(2)", exact=True).ratio
    315/128
    """
    fourth = (
        1
        if direction_fourth_moment is None
        else parse_real(direction_fourth_moment, "direction_fourth_moment")
    )
    return output_length_moments(
        widths,
        sigma_w,
        0,
        input_length=1,
        input_width=input_width,
        input_fourth_moment=fourth,
        weight_kurtosis=weight_kurtosis,
        readout=readout,
        exact=exact,
        dps=dps,
    )


def sample_jacobian_vector_norm(
    widths: Sequence[int],
    sigma_w: Any,
    sigma_b: Any,
    *,
    input_vector: Any = None,
    direction: Any = None,
    samples: int = 1000,
    seed: int = 0,
) -> np.ndarray:
    r"""Monte Carlo of :math:`T = (\|Ju\|^2/n_d)/(\|u\|^2/n_0)` through explicit Gaussian networks.

    An independent check of the product law (it forms every weight matrix and propagates
    :math:`x` and :math:`v` together). ``input_vector`` :math:`x^0` and ``direction`` :math:`u`
    have the input width :math:`n_0` (default: :math:`n_0 = n_1`, all ones).

    Examples
    --------
    >>> sample_jacobian_vector_norm([5, 5], 2 ** 0.5, 0.0, samples=4).shape
    (4,)
    """
    ns = check_widths(widths)
    x0 = np.ones(ns[0]) if input_vector is None else np.asarray(input_vector, dtype=float)
    u = np.ones(x0.shape[0]) if direction is None else np.asarray(direction, dtype=float)
    if (
        x0.ndim != 1
        or u.shape != x0.shape
        or not np.all(np.isfinite(x0))
        or not np.all(np.isfinite(u))
    ):
        raise ValueError("input_vector and direction must be finite vectors of the same length")
    if np.linalg.norm(u) == 0:
        raise ValueError("direction must be nonzero")
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise ValueError(f"samples must be an int >= 1, got {samples!r}")
    sw, sb = float(parse_real(sigma_w, "sigma_w")), float(parse_real(sigma_b, "sigma_b"))
    rng = np.random.default_rng(seed)
    x = np.broadcast_to(x0, (samples, x0.shape[0])).copy()
    v = np.broadcast_to(u, (samples, u.shape[0])).copy()
    n_in = x0.shape[0]
    for n in ns:
        w = rng.standard_normal((samples, n, n_in)) * (sw / np.sqrt(n_in))
        h = np.einsum("bij,bj->bi", w, x) + sb * rng.standard_normal((samples, n))
        on = h > 0
        x = np.where(on, h, 0.0)
        v = np.where(on, np.einsum("bij,bj->bi", w, v), 0.0)
        n_in = n
    return (np.einsum("bi,bi->b", v, v) / ns[-1]) / (float(u @ u) / u.shape[0])


def backward_gradient_statistics(
    widths: Sequence[int],
    sigma_w: Any,
    sigma_b: Any,
    *,
    samples: int = 200,
    seed: int = 0,
    inputs: Any = None,
) -> MonteCarloResult:
    r"""Monte Carlo of back-propagated gradient norms of a fully connected ReLU net.

    A thin wrapper of :func:`asymptote.finite_width.montecarlo.simulate` (``'feedforward'``,
    ReLU): ``grad_x`` is :math:`\|J_{l}^\top g\|^2/N_l` for :math:`\mathcal L = g\cdot x^L_a`
    with a fresh :math:`g \sim N(0, I)` per network, and ``grad_w`` is
    :math:`\|\partial\mathcal L/\partial W^l\|_F^2/N_l` (no exact law is known to us: see the
    module docstring).

    Examples
    --------
    >>> r = backward_gradient_statistics([8, 8], 2 ** 0.5, 0.0, samples=4)
    >>> r["grad_x"][0].shape
    (3,)
    """
    ns = check_widths(widths)
    return simulate(
        "feedforward",
        "relu",
        float(parse_real(sigma_w, "sigma_w")),
        float(parse_real(sigma_b, "sigma_b")),
        width=list(ns),
        depth=len(ns),
        samples=samples,
        seed=seed,
        inputs=inputs,
    )
