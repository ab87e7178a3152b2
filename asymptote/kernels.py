r"""NNGP and NTK Gram matrices of deep fully connected networks.

The network is ``[Dense(sigma_w, sigma_b), phi] * depth + Dense(sigma_w, sigma_b)`` in the
NTK parameterization, exactly as neural-tangents' ``stax`` defines it [NT20, Sec. 3, App. C]:
``depth`` counts nonlinearities; inputs enter through :math:`\Sigma^0(x, x') = x\cdot x'/N_0`.
Each Dense layer maps [LBNSSP18, eq. (4); JGH18, Thm. 1]

.. math:: K \leftarrow \sigma_w^2 \Sigma + \sigma_b^2, \qquad
          \Theta \leftarrow K + \sigma_w^2\, \Theta_\Sigma

and each nonlinearity maps, with :math:`W, W_d` from :mod:`asymptote.transforms`,

.. math:: \Sigma(x,x') = W(K_{xx}, K_{x'x'}, K_{xx'}), \qquad
          \Theta_\Sigma(x,x') = W_d(K_{xx}, K_{x'x'}, K_{xx'})\, \Theta(x,x')

starting from :math:`\Theta_\Sigma = 0`. Numerical care beyond neural-tangents: the diagonal
uses the exact :math:`c = 1` maps :math:`V` and :math:`E[\phi'^2]` (no :math:`0/0`, no drift
of :math:`1 - c` from rounding), closed forms are evaluated in angle form with series where
terms cancel, and ``dps=int`` runs the whole recursion in mpmath.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np

from ._precision import check_dps, check_float64_square, round_mpf, to_float, to_mpf, workdps
from .activations import as_activation
from .transforms import transform

__all__ = ["KernelPair", "nngp_ntk"]


@dataclass(frozen=True)
class KernelPair:
    """NNGP and NTK Gram matrices (``ndarray`` or ``mpmath.matrix``)."""

    nngp: Any
    ntk: Any


def _inputs_np(x: object, name: str) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise TypeError(f"{name} must be a 2-D array of real numbers, got {x!r}") from None
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] == 0 or arr.shape[0] == 0:
        raise ValueError(f"{name} must have shape (n_points, n_features), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr


def _check_depth(depth: object) -> int:
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 0:
        raise ValueError(f"depth must be an int >= 0 (number of nonlinearities), got {depth!r}")
    return int(depth)


def _check_sigma(value: object, name: str) -> float:
    out = to_float(value, name)  # text by the strict number grammar, never evaluated
    if out < 0:
        raise ValueError(f"{name} must be a finite standard deviation >= 0, got {value!r}")
    check_float64_square(out, name, value)
    return out


def _check_sigma_mp(value: object, name: str) -> Any:
    out = to_mpf(value, name)
    if out < 0:
        raise ValueError(f"{name} must be a standard deviation >= 0, got {value!r}")
    return out


def nngp_ntk(
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    x1: Any,
    x2: Any = None,
    *,
    depth: int,
    dps: int | None = None,
    **params: object,
) -> KernelPair:
    r"""NNGP and NTK Gram matrices between the rows of ``x1`` and of ``x2``.

    Parameters
    ----------
    activation : str or BoundActivation
    sigma_w, sigma_b : float
        Weight and bias standard deviations of every Dense layer.
    x1 : array_like, shape (n1, d)
    x2 : array_like, shape (n2, d), optional
        Defaults to ``x1`` (a symmetric Gram matrix, computed once).
    depth : int
        Number of nonlinearities L (the network has L + 1 Dense layers).
    dps : int or None
        ``None``: float64, vectorized over all pairs; int: mpmath (small batches).

    Returns
    -------
    KernelPair
        ``nngp`` and ``ntk`` of shape (n1, n2).

    Examples
    --------
    >>> k = nngp_ntk("relu", 1.5, 0.1, [[1.0, 0.0], [0.6, 0.8]], depth=10)
    >>> round(float(k.nngp[0, 0]), 10), round(float(k.ntk[0, 1]), 10)
    (3.8654950459, 16.9246288852)
    """
    act = as_activation(activation, **params)
    depth = _check_depth(depth)
    a = _inputs_np(x1, "x1")
    symmetric = x2 is None
    b = a if symmetric else _inputs_np(x2, "x2")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"x1 and x2 need the same number of features, got {a.shape} and {b.shape}")
    if dps is None:
        sw2 = _check_sigma(sigma_w, "sigma_w") ** 2
        sb2 = _check_sigma(sigma_b, "sigma_b") ** 2
        n0 = a.shape[1]
        sig_a = np.einsum("ij,ij->i", a, a) / n0
        sig_b = sig_a if symmetric else np.einsum("ij,ij->i", b, b) / n0
        sig_ab = a @ b.T / n0
        th_a = np.zeros_like(sig_a)
        th_b = th_a if symmetric else np.zeros_like(sig_b)
        th_ab = np.zeros_like(sig_ab)
        for _ in range(depth):
            ka, kb, kab = sw2 * sig_a + sb2, sw2 * sig_b + sb2, sw2 * sig_ab + sb2
            ta, tb, tab = ka + sw2 * th_a, kb + sw2 * th_b, kab + sw2 * th_ab
            qa, qb = ka[:, None], kb[None, :]
            sig_ab = transform("W", act, qa, qb, kab)
            th_ab = transform("Wd", act, qa, qb, kab) * tab
            sig_a = transform("V", act, ka)
            th_a = transform("Vd", act, ka) * ta
            if symmetric:
                sig_b, th_b = sig_a, th_a
                np.fill_diagonal(sig_ab, sig_a)
                np.fill_diagonal(th_ab, th_a)
            else:
                sig_b = transform("V", act, kb)
                th_b = transform("Vd", act, kb) * tb
        nngp = sw2 * sig_ab + sb2
        ntk = nngp + sw2 * th_ab
        if symmetric:
            diag_k = sw2 * sig_a + sb2
            np.fill_diagonal(nngp, diag_k)
            np.fill_diagonal(ntk, diag_k + sw2 * th_a)
        return KernelPair(nngp, ntk)
    dps = check_dps(dps)
    with workdps(dps):
        inner = dps + 8
        sw2 = _check_sigma_mp(sigma_w, "sigma_w") ** 2
        sb2 = _check_sigma_mp(sigma_b, "sigma_b") ** 2
        pts = [
            [to_mpf(v, "x") for v in row] for row in np.asarray(x1, dtype=object).reshape(a.shape)
        ]
        if symmetric:
            pts2 = pts
        else:
            pts2 = [
                [to_mpf(v, "x") for v in row]
                for row in np.asarray(x2, dtype=object).reshape(b.shape)
            ]
        n0 = a.shape[1]
        n1, n2 = len(pts), len(pts2)

        def dot(u: list[Any], v: list[Any]) -> Any:
            return mpmath.fsum(p * r for p, r in zip(u, v, strict=True)) / n0

        sig_d1 = [dot(u, u) for u in pts]
        sig_d2 = [dot(v, v) for v in pts2]
        sig = [[dot(u, v) for v in pts2] for u in pts]
        th_d1 = [mpmath.mpf(0)] * n1
        th_d2 = [mpmath.mpf(0)] * n2
        th = [[mpmath.mpf(0)] * n2 for _ in range(n1)]
        for _ in range(depth):
            k1 = [sw2 * s + sb2 for s in sig_d1]
            k2 = [sw2 * s + sb2 for s in sig_d2]
            t1 = [k + sw2 * t for k, t in zip(k1, th_d1, strict=True)]
            t2 = [k + sw2 * t for k, t in zip(k2, th_d2, strict=True)]
            new_sig: list[list[Any]] = []
            new_th: list[list[Any]] = []
            for i in range(n1):
                row_s, row_t = [], []
                for j in range(n2):
                    kij = sw2 * sig[i][j] + sb2
                    tij = kij + sw2 * th[i][j]
                    if symmetric and i == j:
                        row_s.append(transform("V", act, k1[i], dps=inner))
                        row_t.append(transform("Vd", act, k1[i], dps=inner) * tij)
                    elif symmetric and j < i:
                        row_s.append(new_sig[j][i])
                        row_t.append(new_th[j][i])
                    else:
                        row_s.append(transform("W", act, k1[i], k2[j], kij, dps=inner))
                        row_t.append(transform("Wd", act, k1[i], k2[j], kij, dps=inner) * tij)
                new_sig.append(row_s)
                new_th.append(row_t)
            sig, th = new_sig, new_th
            sig_d1 = [transform("V", act, k, dps=inner) for k in k1]
            th_d1 = [transform("Vd", act, k, dps=inner) * t for k, t in zip(k1, t1, strict=True)]
            if symmetric:
                sig_d2, th_d2 = sig_d1, th_d1
            else:
                sig_d2 = [transform("V", act, k, dps=inner) for k in k2]
                th_d2 = [
                    transform("Vd", act, k, dps=inner) * t for k, t in zip(k2, t2, strict=True)
                ]
        nngp = mpmath.matrix(n1, n2)
        ntk = mpmath.matrix(n1, n2)
        for i in range(n1):
            for j in range(n2):
                k = sw2 * sig[i][j] + sb2
                nngp[i, j] = round_mpf(k, dps)
                ntk[i, j] = round_mpf(k + sw2 * th[i][j], dps)
        return KernelPair(nngp, ntk)
