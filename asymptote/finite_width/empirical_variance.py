r"""FM2 by [HR18]'s own statistic: the empirical variance of the layer lengths of one network.

For a fully connected ReLU net at a fixed input (setting of :mod:`.moments`:
:math:`M_j = \|x^j\|^2/n_j`, weights of variance :math:`\sigma_{w,j}^2/n_{j-1}`, biases of
variance :math:`\sigma_{b,j}^2`, Gaussian), [HR18, Sec. 1, FM2] measure the spread of the
lengths *across the layers of one network*,

.. math:: \widehat{\mathrm{Var}}[M] = \frac1d\sum_{j=1}^d M_j^2
          - \Bigl(\frac1d\sum_{j=1}^d M_j\Bigr)^2 ,

and FM2 is its growth with depth. Derived here: its expectation over the random network is
exact and needs only :math:`E[M_j]`, :math:`E[M_j^2]` and the conditional mean

.. math:: E[M_k \mid x^j] = A_{jk} M_j + B_{jk}, \qquad
          A_{jk} = \prod_{i=j+1}^{k} \frac{\sigma_{w,i}^2}{2}, \quad
          B_{jk} = \sum_{i=j+1}^{k} \frac{\sigma_{b,i}^2}{2} A_{ik}
          \qquad (j \le k),

(one layer: :math:`E[M_i \mid x^{i-1}] = (\sigma_{w,i}^2 M_{i-1} + \sigma_{b,i}^2)/2` for
symmetric laws, the FM1 recursion of [HR18, Thm. 5]), so
:math:`E[M_j M_k] = A_{jk} E[M_j^2] + B_{jk} E[M_j]` and

.. math:: E\bigl[\widehat{\mathrm{Var}}[M]\bigr] = \frac1d\sum_j E[M_j^2]
          - \frac1{d^2}\Bigl(\sum_j E[M_j^2] + 2\sum_{j<k} E[M_j M_k]\Bigr).

He initialization without biases (:math:`\sigma_w^2 = 2`): :math:`M_j` is a martingale,
:math:`E[M_j M_k] = E[M_j^2] = M_0^2 s_j` with :math:`s_j = \prod_{i\le j}(1 + 5/n_i)`, and

.. math:: E\bigl[\widehat{\mathrm{Var}}[M]\bigr] = \frac{M_0^2}{d^2}\sum_{j=1}^d (2j - d - 1)\, s_j
          = \frac{M_0^2}{d^2}\sum_{i=2}^{d} (i-1)(d-i+1)\, s_{i-1}\,\frac{5}{n_i} .

Consequences (each checked in ``proofs/hanin_rolnick2018.py``):

* **Order of the widths.** :math:`E[M_d^2]` depends only on the multiset of widths, but
  :math:`s_j` depends on the first :math:`j` widths, so the order matters: a narrow layer
  early multiplies every later :math:`s_j`. Widths 10, 20, 30, 40 give 409/2048, the reverse
  555/2048 (36 % more): increasing widths are better.
* **Constant width, large depth.** For :math:`n_j = n`, :math:`r = 1 + 5/n`,
  :math:`E[\widehat{\mathrm{Var}}]/M_0^2 = (2S_1 - (d+1)S_0)/d^2` with
  :math:`S_0 = \sum_{j\le d} r^j`, :math:`S_1 = \sum_{j\le d} j r^j`; at fixed
  :math:`\beta = d/n` and :math:`d \to \infty` it tends to
  :math:`\int_0^1 (2x-1)e^{5\beta x}dx = \bigl(e^{a}(a-2) + a + 2\bigr)/a^2`,
  :math:`a = 5\beta`: exponential in :math:`\beta = \sum_j 1/n_j` with rate 5, the form of
  [HR18, Thm. 5] (bounded iff the width grows linearly with the depth).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import mpmath
import numpy as np
import sympy

from .._precision import GUARD_DIGITS
from .._validate import integer
from .moments import (
    _Backend,
    _per_layer,
    check_widths,
    layer_length_moments,
    parse_real,
)

__all__ = [
    "expected_empirical_variance",
    "layer_empirical_variance",
    "sample_layer_lengths",
]


def expected_empirical_variance(
    widths: Sequence[int],
    sigma_w: Any = "sqrt(2)",
    sigma_b: Any = 0,
    *,
    input_length: Any = 1,
    include_input: bool = False,
    exact: bool = False,
    dps: int | None = None,
) -> Any:
    r""":math:`E[\widehat{\mathrm{Var}}[M]]` over random Gaussian ReLU nets (module docstring).

    Parameters
    ----------
    widths : sequence of int
        :math:`n_1, \dots, n_d`; ReLU on every layer (as in [HR18]).
    sigma_w, sigma_b : real, str or one per layer
        Standard deviations (default He initialization, no biases).
    input_length : real
        :math:`M_0`.
    include_input : bool
        Average over layers :math:`0..d` instead of :math:`1..d` (the default, [HR18, FM2]).
    exact, dps
        SymPy numbers, mpmath at ``dps`` digits, or floats (default).

    Returns
    -------
    float, mpf or SymPy number

    Notes
    -----
    :math:`O(d)`: suffix sums :math:`\sum_{k>j} A_{jk} = g_{j+1}(1 + \sum_{k>j+1} A_{j+1,k})`
    and :math:`\sum_{k>j} B_{jk} = c_{j+1}(1 + \sum_{k>j+1}A_{j+1,k}) + \sum_{k>j+1}B_{j+1,k}`
    with :math:`g_i = \sigma_{w,i}^2/2`, :math:`c_i = \sigma_{b,i}^2/2`; moments
    :math:`E[M_j^k]` from :func:`~asymptote.finite_width.moments.layer_length_moments`.

    Examples
    --------
    >>> expected_empirical_variance([10, 20, 30, 40], exact=True)
    409/2048
    >>> expected_empirical_variance([40, 30, 20, 10], exact=True)
    555/2048
    """
    ns = check_widths(widths)
    d = len(ns)
    if not isinstance(include_input, bool):
        raise TypeError(f"include_input must be a bool, got {include_input!r}")
    gains = [s**2 / 2 for s in _per_layer(sigma_w, d, "sigma_w")]
    shifts = [s**2 / 2 for s in _per_layer(sigma_b, d, "sigma_b")]
    parse_real(input_length, "input_length")
    be = _Backend(exact, dps)
    # the moments at more digits: the two terms of the result nearly cancel for wide nets
    inner = None if dps is None else be.dps + 2 * GUARD_DIGITS  # type: ignore[operator]
    m1, m2 = (
        layer_length_moments(
            ns, k, sigma_w, sigma_b, input_length=input_length, exact=exact, dps=inner
        )
        for k in (1, 2)
    )
    start = 0 if include_input else 1
    with be.context() if dps is None else mpmath.workdps(inner):
        # suffix sums over k in (j, d] of A_jk and B_jk, for j = d, d-1, ..., 0
        sum_a, sum_b = be(0), be(0)
        cross = be(0)  # sum_{start <= j < k <= d} E[M_j M_k]
        for j in range(d, start - 1, -1):
            if j < d:
                g, c = be(gains[j]), be(shifts[j])  # layer j + 1 (0-based list index j)
                sum_a, sum_b = g * (1 + sum_a), c * (1 + sum_a) + sum_b
            cross += sum_a * m2[j] + sum_b * m1[j]
        count = be(d + 1 - start)
        squares = sum((m2[j] for j in range(start, d + 1)), be(0))
        value = squares / count - (squares + 2 * cross) / (count * count)
        if exact and not value.is_Rational:
            value = sympy.simplify(value)
        return be.finish(value, "E[empirical variance]")


def layer_empirical_variance(lengths: Any, *, include_input: bool = False) -> np.ndarray:
    r"""Per-network :math:`\widehat{\mathrm{Var}}[M]` from lengths of shape ``(samples, d + 1)``
    (columns :math:`M_0..M_d`, as :func:`sample_layer_lengths` returns).

    Examples
    --------
    >>> layer_empirical_variance(np.array([[1.0, 1.0, 3.0]]))
    array([1.])
    """
    arr = np.asarray(lengths, dtype=float)
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise ValueError(
            f"lengths must have shape (samples, d + 1) with d >= 1, got shape {arr.shape}"
        )
    layers = arr if include_input else arr[:, 1:]
    mean = layers.mean(axis=1)
    return np.asarray((layers**2).mean(axis=1) - mean**2)


def sample_layer_lengths(
    widths: Sequence[int],
    sigma_w: Any = "sqrt(2)",
    sigma_b: Any = 0,
    *,
    inputs: Any = None,
    samples: int = 1000,
    seed: int = 0,
    method: str = "conditional",
    chunk: int = 50_000,
) -> np.ndarray:
    r"""Lengths :math:`M_0, \dots, M_d` of ``samples`` random Gaussian ReLU nets (float64).

    Parameters
    ----------
    widths : sequence of int
        :math:`n_1..n_d`.
    sigma_w, sigma_b : real or one per layer
        Standard deviations.
    inputs : array of shape (n_0,), optional
        The fixed input (default: ones of width :math:`n_1`, so :math:`M_0 = 1`).
    samples, seed : int
        Networks, and the seed of ``numpy.random.default_rng`` (fixed chunking: results do
        not depend on ``chunk`` only when ``samples <= chunk``).
    method : {'conditional', 'explicit'}
        ``'explicit'`` draws every weight matrix and bias vector; ``'conditional'`` draws the
        pre-activations directly: given :math:`x^{j-1}`, the rows of a Gaussian :math:`W^j`
        make :math:`h^j_i` i.i.d. :math:`N(0, \sigma_w^2 M_{j-1} + \sigma_b^2)` exactly, so
        :math:`n_j` normals per layer replace :math:`n_j n_{j-1}`. Same law.

    Returns
    -------
    ndarray, shape (samples, d + 1)
    """
    ns = check_widths(widths)
    d = len(ns)
    if method not in ("conditional", "explicit"):
        raise ValueError(f"method must be 'conditional' or 'explicit', got {method!r}")
    for name, value, low in (("samples", samples, 1), ("seed", seed, 0), ("chunk", chunk, 1)):
        integer(value, name, minimum=low)
    sw = [float(s) for s in _per_layer(sigma_w, d, "sigma_w")]
    sb = [float(s) for s in _per_layer(sigma_b, d, "sigma_b")]
    x0 = np.ones(ns[0]) if inputs is None else np.asarray(inputs, dtype=float)
    if x0.ndim != 1 or x0.size < 1 or not np.all(np.isfinite(x0)):
        raise ValueError(f"inputs must be a finite vector, got shape {np.shape(inputs)}")
    rng = np.random.default_rng(seed)
    out = np.empty((samples, d + 1))
    out[:, 0] = float(x0 @ x0) / x0.size
    for start in range(0, samples, chunk):
        b = min(chunk, samples - start)
        rows = slice(start, start + b)
        if method == "conditional":
            # h = sqrt(v) z with z ~ N(0, I): M_j = v * mean(ReLU(z)^2) (ReLU is positively
            # homogeneous); z in float32 (relative rounding 1e-7, far below any MC error)
            m = np.full(b, out[0, 0])
            for j, n in enumerate(ns):
                z = rng.standard_normal((b, n), dtype=np.float32)
                np.maximum(z, 0.0, out=z)
                mean_square = np.einsum("bi,bi->b", z, z, dtype=np.float64) / n
                m = (sw[j] ** 2 * m + sb[j] ** 2) * mean_square
                out[rows, j + 1] = m
        else:
            x = np.broadcast_to(x0, (b, x0.size))
            for j, n in enumerate(ns):
                fan_in = x.shape[1]
                w = rng.standard_normal((b, n, fan_in)) * (sw[j] / np.sqrt(fan_in))
                h = np.einsum("bij,bj->bi", w, x) + sb[j] * rng.standard_normal((b, n))
                x = np.maximum(h, 0.0)
                out[rows, j + 1] = np.einsum("bi,bi->b", x, x) / n
    return out
