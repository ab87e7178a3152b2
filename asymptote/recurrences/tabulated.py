r"""Compiled long-depth iteration for smooth non-homogeneous activations from tabulated
transforms (:mod:`asymptote.recurrences.tables`).

The per-layer step is the one of :mod:`asymptote.recurrences.compiled` (the SymPy scaled
increments of :func:`asymptote.recurrences._increments.scaled_expressions`, jitted) with the
scaled transforms of :func:`asymptote.recurrences.iterate.iterate` taken from the tables:
:math:`\hat v = \mathcal{V}\phi(q)/p`, :math:`\hat m = \mathcal{M}\phi(q)/\sqrt p`,
:math:`v_d = \mathcal{V}\phi'(q)` and, with :math:`\delta = 1 - \lambda/q =
\sigma_w^2 u p/q` and :math:`\theta = 2\arcsin\sqrt{\delta/2}` (no cancellation),
:math:`\hat g = (\mathcal{V}\phi - \mathcal{W}\phi)/p = \delta\,H(q, \theta)\, q/p`.
A grid point whose :math:`q` leaves the table's domain stops and reports the layer; the
caller (:func:`asymptote.recurrences.iterate.iterate`) then uses its quadrature path.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..activations import BoundActivation
from .compiled import _step_function, numba_available

try:
    from .compiled import _advance_jit
except ImportError:  # pragma: no cover - numba missing: this module is not used
    _advance_jit = None  # type: ignore[assignment]
from .tables import NT, NX, TransformTable, transform_table

__all__ = ["TabulatedResult", "iterate_tabulated", "tabulated_trajectory"]

FloatArray = NDArray[np.float64]

try:  # numba is a dependency; without it the caller keeps its quadrature path
    import numba

    _NUMBA = True
except ImportError:  # pragma: no cover
    _NUMBA = False


def _cheb1(x: float, coef: Any) -> float:
    b1 = 0.0
    b2 = 0.0
    for j in range(coef.shape[0] - 1, 0, -1):
        t = 2.0 * x * b1 - b2 + coef[j]
        b2 = b1
        b1 = t
    return x * b1 - b2 + coef[0]


def _panel(edges: Any, y: float) -> int:
    k = 0
    last = edges.shape[0] - 2
    while k < last and y >= edges[k + 1]:
        k += 1
    return k


def _cheb2(xi: float, eta: float, coef: Any, tx: Any, ty: Any) -> float:
    """sum_{i,j} coef[i, j] T_i(xi) T_j(eta), with the T values in the buffers ``tx, ty``
    (independent row sums: no serial Clenshaw chain per row)."""
    tx[0] = 1.0
    tx[1] = xi
    for i in range(2, tx.shape[0]):
        tx[i] = 2.0 * xi * tx[i - 1] - tx[i - 2]
    ty[0] = 1.0
    ty[1] = eta
    for j in range(2, ty.shape[0]):
        ty[j] = 2.0 * eta * ty[j - 1] - ty[j - 2]
    total = 0.0
    for i in range(coef.shape[0]):
        row = 0.0
        for j in range(coef.shape[1]):
            row += coef[i, j] * ty[j]
        total += tx[i] * row
    return total


def _kernel(step: Any, n_mult: int, ell0: Any, r0: Any, u0: Any, s_w: Any, s_b: Any, s_v: Any,
            s_a: Any, depth: int, rec: Any, xe: Any, te: Any, vc: Any, vdc: Any, mc: Any,
            hc: Any, out_lp: Any, out_lq: Any, out_r: Any, out_u: Any, out_chi: Any,
            out_mult: Any, left_at: Any) -> None:
    n = ell0.shape[0]
    nrec = rec.shape[0]
    x_lo = xe[0]
    x_hi = xe[xe.shape[0] - 1]
    for i in numba.prange(n):
        ell = ell0[i]
        r = r0[i]
        u = u0[i]
        sw2 = s_w[i] * s_w[i]
        sb2 = s_b[i] * s_b[i]
        chi = 0.0
        nxt = 0
        tx = np.empty(hc.shape[2])
        ty = np.empty(hc.shape[3])
        for layer in range(1, depth + 1):
            log_q = ell + math.log(sw2 + sb2 * math.exp(-ell))
            if not (x_lo <= log_q <= x_hi):
                left_at[i] = layer
                break
            k = _panel_jit(xe, log_q)
            xi = (2.0 * log_q - (xe[k] + xe[k + 1])) / (xe[k + 1] - xe[k])
            vhat = math.exp(_cheb1_jit(xi, vc[k]) - ell)
            mhat = _cheb1_jit(xi, mc[k]) * math.exp(-0.5 * ell)
            vd = math.exp(_cheb1_jit(xi, vdc[k]))
            delta = min(sw2 * u * math.exp(ell - log_q), 2.0)
            theta = 2.0 * math.asin(math.sqrt(0.5 * delta))
            j = _panel_jit(te, theta)
            eta = (2.0 * theta - (te[j] + te[j + 1])) / (te[j + 1] - te[j])
            ghat = delta * math.exp(_cheb2_jit(xi, eta, hc[k, j], tx, ty) + log_q - ell)
            res = step(ell, r, u, vhat, mhat, ghat, vd, s_w[i], s_b[i], s_v[i], s_a[i], 0.0)
            if layer == rec[nxt]:
                for jj in range(n_mult):
                    out_mult[jj, nxt, i] = res[4 + jj]
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


_kernel_jit: Any = None
if _NUMBA:
    _cheb1_jit = numba.njit(cache=False)(_cheb1)
    _cheb2_jit = numba.njit(cache=False)(_cheb2)
    _panel_jit = numba.njit(cache=False)(_panel)
    _kernel_jit = numba.njit(parallel=True, fastmath=False, cache=False)(_kernel)


class TabulatedResult:
    """Raw output of :func:`iterate_tabulated`: arrays ``(n_rec, n)`` and ``left_at`` (per
    point, the layer at which ``q`` left the table's domain, 0 if never), with the table."""

    def __init__(self, table: TransformTable, outs: list[FloatArray], mult: FloatArray,
                 left_at: NDArray[np.int64]) -> None:
        self.table = table
        self.log_p, self.log_q, self.r, self.u, self.log_chi = outs
        self.mult = mult
        self.left_at = left_at

    @property
    def complete(self) -> bool:
        """Whether every point stayed in the table's domain to the last recorded layer."""
        return bool(np.all(self.left_at == 0))


def iterate_tabulated(arch: str, act: BoundActivation, names: list[str], depth: int,
                      rec_layers: NDArray[np.int64], flat: list[FloatArray]) -> TabulatedResult:
    """Run the compiled tabulated loop on flattened inputs ``ell, r, u, s_w, s_b, s_v, s_a``."""
    if not numba_available() or not _NUMBA:  # pragma: no cover
        raise RuntimeError("numba is not available")
    table = transform_table(act)
    n_mult, step = _step_function(arch)
    n = flat[0].shape[0]
    n_rec = rec_layers.size
    outs = [np.zeros((n_rec, n)) for _ in range(5)]
    mult = np.zeros((max(len(names), 1), n_rec, n))
    left_at = np.zeros(n, dtype=np.int64)
    assert table.h_coef.shape[2:] == (NX, NT)
    _kernel_jit(step, n_mult, *flat, depth, np.ascontiguousarray(rec_layers, dtype=np.int64),
                table.x_edges, table.t_edges, table.v_coef, table.vd_coef, table.m_coef,
                np.ascontiguousarray(table.h_coef), *outs, mult, left_at)
    return TabulatedResult(table, outs, mult, left_at)


def tabulated_trajectory(arch: str, act: BoundActivation, names: list[str], depth: int,
                         rec_layers: NDArray[np.int64], grid: tuple[int, ...],
                         start: list[FloatArray]) -> Any:
    """A :class:`~asymptote.recurrences.iterate.Trajectory` from the tables, or ``None`` when
    the activation has no table (:func:`~asymptote.recurrences.tables.supports_table`), numba
    is missing, or some point's ``q`` left the table's domain (the caller then iterates by
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
    )
