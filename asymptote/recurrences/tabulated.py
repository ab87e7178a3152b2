r"""Compiled long-depth iteration for smooth non-homogeneous activations from tabulated
transforms (:mod:`asymptote.recurrences.tables`).

The per-layer step is the one of :mod:`asymptote.recurrences.compiled` (the SymPy scaled
increments of :func:`asymptote.recurrences._increments.scaled_expressions`, jitted; the log
parameter multipliers only at recorded layers, and the shared update
:func:`asymptote.recurrences.compiled._advance`) with the scaled transforms of
:func:`asymptote.recurrences.iterate.iterate` taken from the tables:
:math:`\hat v = \mathcal{V}\phi(q)/p`, :math:`\hat m = \mathcal{M}\phi(q)/\sqrt p`,
:math:`v_d = \mathcal{V}\phi'(q)` and, with :math:`q/p = \sigma_w^2 + \sigma_b^2 e^{-\ell}`,
:math:`\delta = 1 - \lambda/q = \sigma_w^2 u\,p/q` and :math:`\theta = 2\arcsin\sqrt{\delta/2}`
(no cancellation), :math:`\hat g = (\mathcal{V}\phi - \mathcal{W}\phi)/p = \delta\,H(q,
\theta)\, q/p`.

Above the table (:math:`q > q_{\max}`) the transforms come from the large-:math:`q`
decomposition :func:`asymptote.recurrences.tables.tail_values` (:math:`\phi = L + \rho` with
:math:`L` the large-scale limit of :math:`\phi`: the arcsine kernel [W97, eq. (11)] or the
arc-cosine kernel [CS09, eq. (6)] for :math:`L`, Price's theorem [P58], plus localized
corrections of :math:`\rho`; see :class:`asymptote.recurrences.tables.TailTransforms`) where
:math:`\kappa = \sqrt q\sin\theta \ge \kappa_{\min}`. That branch is taken once per
point-layer on the range of :math:`q` and allocates nothing (its scratch array is made once
per grid point), so the in-table path does not pay for it.

A grid point whose :math:`q` falls below the table (``LEFT_BELOW``), leaves it upwards for an
activation without a tail (``LEFT_ABOVE``), or whose :math:`\kappa` falls below
:math:`\kappa_{\min}` above it (``LEFT_KAPPA``) stops and reports the layer and the reason
(:class:`TabulatedResult`); the caller (:func:`asymptote.recurrences.iterate.iterate`) then
uses its quadrature path for the whole grid.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..activations import BoundActivation
from .compiled import _core_step_function, _step_function, numba_available

try:
    from .compiled import _advance_jit
except ImportError:  # pragma: no cover - numba missing: this module is not used
    _advance_jit = None  # type: ignore[assignment]
from .tables import NT, NX, TransformTable, tail_values, transform_table

__all__ = ["LEFT_ABOVE", "LEFT_BELOW", "LEFT_KAPPA", "TabulatedResult", "iterate_tabulated",
           "tabulated_trajectory"]

FloatArray = NDArray[np.float64]

#: reasons a grid point leaves the tabulated loop (``TabulatedResult.left_reason``)
LEFT_BELOW = 1  # q < q_min
LEFT_ABOVE = 2  # q > q_max and the activation has no large-q tail
LEFT_KAPPA = 3  # q > q_max and kappa = sqrt(q) sin(theta) < kappa_min
_LEFT_BELOW, _LEFT_ABOVE, _LEFT_KAPPA = LEFT_BELOW, LEFT_ABOVE, LEFT_KAPPA

try:  # numba is a dependency; without it the caller keeps its quadrature path
    import numba

    _NUMBA = True
except ImportError:  # pragma: no cover
    _NUMBA = False


def _panel(edges: Any, y: float) -> int:
    k = 0
    last = edges.shape[0] - 2
    while k < last and y >= edges[k + 1]:
        k += 1
    return k


def _cheb2(tx: Any, eta: float, hc: Any, k: int, cell: int, ty: Any) -> float:
    r""":math:`\sum_{m,j} c_{mj}\,T_m(\xi)\,T_j(\eta)`, :math:`c` = ``hc[k, cell]`` (indexed,
    not sliced: a slice would be a new array view with an atomic reference count shared by
    the threads), with the :math:`T_m(\xi)` given in
    ``tx`` and ``ty`` a scratch buffer for the :math:`T_j(\eta)`: one dot product per row, the
    rows weighted by ``tx`` (jitted with reassociation allowed, ``_SUMS``, so the row sums
    are vectorized)."""
    ty[0] = 1.0
    ty[1] = eta
    for j in range(2, NT):
        ty[j] = 2.0 * eta * ty[j - 1] - ty[j - 2]
    total = 0.0
    for m in range(NX):
        row = 0.0
        for j in range(NT):
            row += hc[k, cell, m, j] * ty[j]
        total += tx[m] * row
    return total


def _table_values(log_q: float, ell: float, e_m: float, ratio: float, delta: float,
                  x_lo: float, x_scale: float, te: Any, one_d: Any, hc: Any, tx: Any,
                  ty: Any) -> tuple[float, float, float, float]:
    r"""``(vhat, mhat, vd, ghat)`` from the Chebyshev tables at ``log_q`` (inside the
    domain), with :math:`e^{-\ell}` = ``e_m``, :math:`q/p` = ``ratio``. The values
    :math:`T_m(\xi)` of the uniform ``x`` panel are computed once (``tx``) and serve the three
    1-D series and the 2-D one (:func:`_cheb2`; ``ty`` is its scratch buffer)."""
    n_xp = one_d.shape[0]
    t = (log_q - x_lo) * x_scale
    k = int(t)
    if k > n_xp - 1:
        k = n_xp - 1
    xi = 2.0 * (t - k) - 1.0
    tx[0] = 1.0
    tx[1] = xi
    for m in range(2, NX):
        tx[m] = 2.0 * xi * tx[m - 1] - tx[m - 2]
    lv = 0.0
    lvd = 0.0
    mean = 0.0
    for m in range(NX):
        lv += one_d[k, 0, m] * tx[m]
        lvd += one_d[k, 1, m] * tx[m]
        mean += one_d[k, 2, m] * tx[m]
    theta = 2.0 * math.asin(math.sqrt(0.5 * delta))
    j = _panel_jit(te, theta)
    eta = (2.0 * theta - (te[j] + te[j + 1])) / (te[j + 1] - te[j])
    log_h = _cheb2_jit(tx, eta, hc, k, j, ty)
    return (math.exp(lv - ell), mean * math.sqrt(e_m), math.exp(lvd),
            delta * math.exp(log_h) * ratio)


def _kernel(step: Any, core: Any, n_mult: int, ell0: Any, r0: Any, u0: Any, s_w: Any,
            s_b: Any, s_v: Any, s_a: Any, depth: int, rec: Any, x_lo: float, x_hi: float,
            x_scale: float, te: Any, one_d: Any, hc: Any, has_tail: bool, t_kind: int,
            t_alpha: float, t_beta: float, t_amp: float, t_kmin: float, t_y: Any, t_v: Any,
            t_r2: Any, t_m: Any, t_vd: Any, t_cross: Any, t_wrho: Any, out_lp: Any,
            out_lq: Any, out_r: Any, out_u: Any, out_chi: Any, out_mult: Any, left_at: Any,
            left_reason: Any, tail_layers: Any) -> None:
    n = ell0.shape[0]
    nrec = rec.shape[0]
    for i in numba.prange(n):
        ell = ell0[i]
        r = r0[i]
        u = u0[i]
        sw = s_w[i]
        sb = s_b[i]
        sv = s_v[i]
        sa = s_a[i]
        sw2 = sw * sw
        sb2 = sb * sb
        chi = 0.0
        nxt = 0
        on_tail = 0
        tx = np.empty(NX)
        ty = np.empty(NT)
        buf = np.empty(t_y.shape[0])
        for layer in range(1, depth + 1):
            e_m = math.exp(-ell)
            ratio = sw2 + sb2 * e_m  # q / p
            log_q = ell + math.log(ratio)
            delta = min(sw2 * u / ratio, 2.0)
            if x_lo <= log_q <= x_hi:
                vhat, mhat, vd, ghat = _table_values_jit(log_q, ell, e_m, ratio, delta, x_lo,
                                                         x_scale, te, one_d, hc, tx, ty)
            elif has_tail and log_q > x_hi:
                log_vk, m_k, vd, g_k, ok = _tail_jit(log_q, delta, t_kind, t_alpha, t_beta,
                                                     t_amp, t_kmin, t_y, t_v, t_r2, t_m, t_vd,
                                                     t_cross, t_wrho, buf)
                if not ok:
                    left_at[i] = layer
                    left_reason[i] = _LEFT_KAPPA
                    break
                on_tail += 1
                vhat = math.exp(log_vk + t_kind * log_q - ell)
                mhat = m_k * math.exp(0.5 * (t_kind * log_q - ell))
                ghat = g_k * math.exp(t_kind * log_q - ell)
            else:
                left_at[i] = layer
                left_reason[i] = _LEFT_BELOW if log_q < x_lo else _LEFT_ABOVE
                break
            res = core(ell, r, u, vhat, mhat, ghat, vd, sw, sb, sv, sa, 0.0)
            if layer == rec[nxt]:
                full = step(ell, r, u, vhat, mhat, ghat, vd, sw, sb, sv, sa, 0.0)
                for jj in range(n_mult):
                    out_mult[jj, nxt, i] = full[4 + jj]
            ell, r, u, chi = _advance_jit(res, ell, r, u, chi)
            if layer == rec[nxt]:
                out_lp[nxt, i] = ell
                out_lq[nxt, i] = log_q
                out_r[nxt, i] = r
                out_u[nxt, i] = u
                out_chi[nxt, i] = chi
                nxt += 1
                if nxt == nrec:
                    break
        tail_layers[i] = on_tail


_kernel_jit: Any = None
#: floating-point freedoms of the table evaluation: fused multiply-adds (more accurate, not
#: less) and reassociation of the Chebyshev sums and recurrences, so they are vectorized and
#: their dependency chains shortened; no assumption about NaN, infinities or signed zeros.
#: A reordered sum of 14 terms of decreasing size differs by a few ulps of its largest
#: term (log V, log H are O(1-10): ~1e-15 relative in V, H), below the table's measured error.
_SUMS = {"reassoc", "contract"}
if _NUMBA:
    _panel_jit = numba.njit(cache=False)(_panel)
    _cheb2_jit = numba.njit(cache=False, fastmath=_SUMS)(_cheb2)
    _table_values_jit = numba.njit(cache=False, fastmath=_SUMS)(_table_values)
    _tail_jit = numba.njit(cache=False)(tail_values)
    _kernel_jit = numba.njit(parallel=True, cache=False)(_kernel)


class TabulatedResult:
    """Raw output of :func:`iterate_tabulated`: arrays ``(n_rec, n)``, the table, and per
    point ``left_at`` (the layer at which the point left the tabulated loop, 0 if never),
    ``left_reason`` (``LEFT_BELOW``, ``LEFT_ABOVE``, ``LEFT_KAPPA``; 0 if never) and
    ``tail_layers`` (how many layers took the large-q path)."""

    def __init__(self, table: TransformTable, outs: list[FloatArray], mult: FloatArray,
                 left_at: NDArray[np.int64], left_reason: NDArray[np.int64],
                 tail_layers: NDArray[np.int64]) -> None:
        self.table = table
        self.log_p, self.log_q, self.r, self.u, self.log_chi = outs
        self.mult = mult
        self.left_at = left_at
        self.left_reason = left_reason
        self.tail_layers = tail_layers

    @property
    def complete(self) -> bool:
        """Whether every point stayed on the tabulated path to the last recorded layer."""
        return bool(np.all(self.left_at == 0))


def iterate_tabulated(arch: str, act: BoundActivation, names: list[str], depth: int,
                      rec_layers: NDArray[np.int64], flat: list[FloatArray]) -> TabulatedResult:
    """Run the compiled tabulated loop on flattened inputs ``ell, r, u, s_w, s_b, s_v, s_a``."""
    if not numba_available() or not _NUMBA:  # pragma: no cover
        raise RuntimeError("numba is not available")
    table = transform_table(act)
    n_mult, step = _step_function(arch)
    core = _core_step_function(arch)
    n = flat[0].shape[0]
    n_rec = rec_layers.size
    outs = [np.zeros((n_rec, n)) for _ in range(5)]
    mult = np.zeros((max(len(names), 1), n_rec, n))
    left_at = np.zeros(n, dtype=np.int64)
    left_reason = np.zeros(n, dtype=np.int64)
    tail_layers = np.zeros(n, dtype=np.int64)
    assert table.h_coef.shape[2:] == (NX, NT)
    if table.tail is not None:
        tail_args = (True, *table.tail.arrays())
    else:
        one = np.zeros(1)
        tail_args = (False, 0, 0.0, 0.0, 0.0, math.inf, one, one, one, one, one, one, one)
    x_lo, x_hi = float(table.x_edges[0]), float(table.x_edges[-1])
    x_scale = (table.x_edges.size - 1) / (x_hi - x_lo)  # uniform panels in x = log q
    one_d = np.ascontiguousarray(np.stack([table.v_coef, table.vd_coef, table.m_coef], axis=1))
    _kernel_jit(step, core, n_mult, *flat, depth,
                np.ascontiguousarray(rec_layers, dtype=np.int64), x_lo, x_hi, x_scale,
                np.ascontiguousarray(table.t_edges), one_d, np.ascontiguousarray(table.h_coef),
                *tail_args, *outs, mult, left_at, left_reason, tail_layers)
    return TabulatedResult(table, outs, mult, left_at, left_reason, tail_layers)


def tabulated_trajectory(arch: str, act: BoundActivation, names: list[str], depth: int,
                         rec_layers: NDArray[np.int64], grid: tuple[int, ...],
                         start: list[FloatArray]) -> Any:
    """A :class:`~asymptote.recurrences.iterate.Trajectory` from the tables, or ``None`` when
    the activation has no table (:func:`~asymptote.recurrences.tables.supports_table`), numba
    is missing, or some point left the tabulated path (the caller then iterates by
    quadrature). ``start``: ``ell, r, u`` and the standard deviations, broadcast to ``grid``."""
    from .iterate import Trajectory
    from .tables import supports_table

    if not _NUMBA or not supports_table(act):
        return None
    n = int(np.prod(grid)) if grid else 1
    flat = [np.ascontiguousarray(np.broadcast_to(a, grid).reshape(n), dtype=float)
            for a in start]
    res = iterate_tabulated(arch, act, names, depth, rec_layers, flat)
    if not res.complete:
        return None
    shape = (len(rec_layers), *grid)
    outs = [o.reshape(shape) for o in (res.log_p, res.log_q, res.r, res.u, res.log_chi)]
    if not all(np.all(np.isfinite(o)) for o in outs):
        raise OverflowError(f"{arch} iteration of {act!r} left the float64 range")
    return Trajectory(
        architecture=arch, activation=act, layers=rec_layers, log_p=outs[0], log_q=outs[1],
        mean_ratio=outs[2], one_minus_e=outs[3], log_chi=outs[4],
        log_multipliers={nm: res.mult[j].reshape(shape) for j, nm in enumerate(names)},
        table_error=res.table.errors, route="tabulated",
    )
