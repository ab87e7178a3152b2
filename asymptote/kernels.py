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

These maps are not written here: they are the two-input and NTK channels of the feedforward
recurrence derived by :mod:`asymptote.recurrences.architecture` (``pair_pre``,
``tangent_pre``: the Dense layer; ``pair_state``, ``tangent_state``: the nonlinearity, with
:math:`\Sigma, \Theta_\Sigma, K, \Theta` the symbols :math:`\gamma, \theta, \lambda,
\Theta` on pairs and :math:`p_1, \theta_1, q_1, \Theta_1` on the diagonal, where the
canonical form :math:`\mathcal{W}\phi(q, q, q) = \mathcal{V}\phi(q)` gives the exact
:math:`c = 1` maps). One algorithm runs both precisions through :mod:`asymptote.backend`;
a symmetric Gram matrix iterates only the pairs :math:`i < j` and the diagonal.

**Compiled path.** In float64, activations with a compiled transform pair ((a, b)-ReLU,
alpha-ReLU at :math:`\alpha = 1`, erf, sin) run through
:mod:`asymptote.numeric.kernel_engine`: the same recurrence (its Dense coefficients read off
the derived one by :mod:`asymptote.recurrences.kernel_structure`), one compiled loop per pair
through all layers, the gaps :math:`\sqrt{q_1q_2} \mp \lambda` carried without
cancellation (so :math:`\arccos c` keeps its digits near :math:`c = \pm 1`) and the
diagonal, :math:`\sigma_w^2` and the NTK in double-double arithmetic. Smooth activations
without closed forms (tanh, GELU, SiLU, softplus, sigmoid) run through
:mod:`asymptote.numeric.mehler_gram`: Mehler's expansion factors each transform into
per-input Hermite coefficients and a polynomial in :math:`c`, summed per pair by a compiled
Horner loop (pairs with an input beyond the expansion's range take the 2-D quadratures
there). Everything else uses the evaluators above.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from . import _validate
from .activations import BoundActivation, as_activation
from .backend import Backend, backend
from .recurrences.bind import Evaluator, evaluator
from .recurrences.catalog import recurrence
from .recurrences.symbols import (
    Theta,
    Theta_1,
    gamma,
    lam,
    p_1,
    q_1,
    q_2,
    sigma,
    theta,
    theta_1,
)

__all__ = ["KernelPair", "nngp_ntk"]


@dataclass(frozen=True)
class KernelPair:
    """NNGP and NTK Gram matrices (``ndarray`` or ``mpmath.matrix``)."""

    nngp: Any
    ntk: Any


def _inputs(b: Backend, x: object, name: str) -> np.ndarray:
    try:
        arr = b.array(x, name)
    except ValueError as exc:
        if "finite" in str(exc):
            raise ValueError(f"{name} must be finite") from None
        raise
    except TypeError:
        raise TypeError(f"{name} must be a 2-D array of real numbers, got {x!r}") from None
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] == 0 or arr.shape[0] == 0:
        raise ValueError(f"{name} must have shape (n_points, n_features), got {arr.shape}")
    return arr


@dataclass(frozen=True)
class _Layer:
    """The feedforward maps of one input (diagonal) and of a pair, bound to a backend."""

    dense_one: Evaluator  # p_1, theta_1 -> q_1, Theta_1
    dense_pair: Evaluator  # gamma, theta -> lambda, Theta
    phi_one: Evaluator  # q_1, Theta_1 -> p_1, theta_1
    phi_pair: Evaluator  # q_1, q_2, lambda, Theta -> gamma, theta


@lru_cache(maxsize=128)
def _layer(act: BoundActivation, b: Backend) -> _Layer:
    rec = recurrence("feedforward")

    def pick(stage: dict[Any, Any], sym: Any) -> dict[Any, Any]:
        return {sym: stage[sym]}

    return _Layer(
        dense_one=evaluator([pick(rec.pair_pre, q_1), pick(rec.tangent_pre, Theta_1)], act, b),
        dense_pair=evaluator([pick(rec.pair_pre, lam), pick(rec.tangent_pre, Theta)], act, b),
        phi_one=evaluator([pick(rec.pair_state, p_1), pick(rec.tangent_state, theta_1)], act, b),
        phi_pair=evaluator([pick(rec.pair_state, gamma), pick(rec.tangent_state, theta)], act, b),
    )


def _gram(
    b: Backend,
    act: BoundActivation,
    sw: Any,
    sb: Any,
    a: np.ndarray,
    c: np.ndarray | None,
    depth: int,
) -> tuple[np.ndarray, np.ndarray]:
    """NNGP and NTK between the rows of ``a`` and ``c`` (``None``: of ``a`` with itself)."""
    maps = _layer(act, b)
    par = {sigma("w"): sw, sigma("b"): sb}
    n0 = a.shape[1]
    symmetric = c is None
    # Sigma^0 = x.x'/N0, Theta_Sigma^0 = 0 on the diagonal (one input) and on pairs
    sig_a = b.dot_rows(a) / n0
    th_a = b.zeros(sig_a.shape)
    if symmetric:
        rows, cols = np.triu_indices(a.shape[0], 1)  # pairs i < j; the rest by symmetry
        sig = b.dot(a, a)[rows, cols] / n0
    else:
        assert c is not None
        sig_c = b.dot_rows(c) / n0
        th_c = b.zeros(sig_c.shape)
        sig = b.dot(a, c) / n0
    th = b.zeros(sig.shape)

    def dense(sig_a: Any, th_a: Any, sig: Any, th: Any) -> tuple[Any, Any, Any, Any]:
        one = maps.dense_one({**par, p_1: sig_a, theta_1: th_a})
        pair = maps.dense_pair({**par, gamma: sig, theta: th})
        return one[q_1], one[Theta_1], pair[lam], pair[Theta]

    for _ in range(depth):
        k_a, t_a, k, t = dense(sig_a, th_a, sig, th)
        if symmetric:
            k1, k2 = k_a[rows], k_a[cols]
        else:
            k_c = maps.dense_one({**par, p_1: sig_c, theta_1: th_c})
            k1, k2 = k_a[:, None], k_c[q_1][None, :]
            one_c = maps.phi_one({q_1: k_c[q_1], Theta_1: k_c[Theta_1]})
            sig_c, th_c = one_c[p_1], one_c[theta_1]
        pair = maps.phi_pair({q_1: k1, q_2: k2, lam: k, Theta: t})
        one = maps.phi_one({q_1: k_a, Theta_1: t_a})
        sig, th, sig_a, th_a = pair[gamma], pair[theta], one[p_1], one[theta_1]
    # the readout Dense layer
    k_a, t_a, k, t = dense(sig_a, th_a, sig, th)
    if not symmetric:
        return k, t
    n = a.shape[0]
    nngp, ntk = np.empty((n, n), dtype=b.dtype), np.empty((n, n), dtype=b.dtype)
    for out, diag, upper in ((nngp, k_a, k), (ntk, t_a, t)):
        out[rows, cols] = upper
        out[cols, rows] = upper
        np.fill_diagonal(out, diag)
    return nngp, ntk


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
        ``None``: float64, vectorized over all pairs; int: mpmath (small batches), inputs
        converted exactly and :math:`\Sigma^0` summed exactly.

    Returns
    -------
    KernelPair
        ``nngp`` and ``ntk`` of shape (n1, n2): float64 arrays, or ``mpmath.matrix``
        rounded to ``dps`` digits.

    Notes
    -----
    The recursion of the module docstring [LBNSSP18, eq. (4); JGH18, Thm. 1; NT20, App. C],
    derived from the feedforward architecture (:mod:`asymptote.recurrences.architecture`).

    Examples
    --------
    >>> k = nngp_ntk("relu", 1.5, 0.1, [[1.0, 0.0], [0.6, 0.8]], depth=10)
    >>> round(float(k.nngp[0, 0]), 10), round(float(k.ntk[0, 1]), 10)
    (3.8654950459, 16.9246288852)
    """
    act = as_activation(activation, **params)
    depth = _validate.depth(depth, meaning="number of nonlinearities")
    b = backend(dps)
    with b.working():
        a = _inputs(b, x1, "x1")
        c = None if x2 is None else _inputs(b, x2, "x2")
        if c is not None and a.shape[1] != c.shape[1]:
            raise ValueError(
                f"x1 and x2 need the same number of features, got {a.shape} and {c.shape}"
            )
        sw = b.standard_deviation(sigma_w, "sigma_w")
        sb = b.standard_deviation(sigma_b, "sigma_b")
        fused = _fused(act, sw, sb, a, c, depth) if b.dps is None else None
        nngp, ntk = fused if fused is not None else _gram(b, act, sw, sb, a, c, depth)
    return KernelPair(b.finish(nngp), b.finish(ntk))


def compiled_pair(act: BoundActivation) -> Any:
    """The compiled transform pair of :mod:`asymptote.numeric.kernel_engine` for ``act``, or
    ``None``: (a, b)-ReLU (any a, b; its presets), alpha-ReLU at alpha = 1, erf and sin, each
    only where its registered closed forms apply (:meth:`BoundActivation.closed_form_valid`).
    Other activations take the generic evaluator path."""
    from .numeric import kernel_engine as engine

    if not all(act.closed_form_valid(k) for k in ("W", "Wd", "V", "Vd")):
        return None
    name, params = act.spec.name, act.float_params
    if name == "ab_relu":
        return engine.arccos_pair(params["a"], params["b"])
    if name == "alpha_relu" and params["alpha"] == 1.0:
        return engine.arccos_pair(1.0, 0.0)
    return {"erf": engine.ERF_PAIR, "sin": engine.SIN_PAIR}.get(name)


def _mehler(
    act: BoundActivation,
    coefficients: tuple[float, ...],
    a: np.ndarray,
    c: np.ndarray | None,
    depth: int,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Gram matrices of a smooth activation without closed forms by Mehler's expansion
    (:mod:`asymptote.numeric.mehler_gram`), or ``None`` where it does not serve."""
    from .numeric import mehler_gram

    smooth = mehler_activation(act)
    if smooth is None:
        return None
    out = mehler_gram.mehler_gram(smooth, coefficients, a, c, depth)
    return None if out is None else (out.nngp, out.ntk)


def mehler_activation(act: BoundActivation) -> Any:
    """``act`` bound for :mod:`asymptote.numeric.mehler_gram` (a ``Smooth``), or ``None``
    where that route does not apply: kinks (their Hermite coefficients decay only
    algebraically), an undefined transform, no declared analytic strip, or a closed form
    for W (closed forms have their own paths)."""
    from .numeric.mehler_gram import Smooth
    from .transforms import transform

    distance = act.spec.singularity_distance
    if (
        act.kinks
        or distance is None
        or not float(distance) > 0
        or any(act.undefined_reason(k) is not None for k in ("V", "W", "Vd", "Wd"))
        or act.closed_form_valid("W")
    ):
        return None

    def reference(qs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (np.asarray(transform("V", act, qs), dtype=float),
                np.asarray(transform("Vd", act, qs), dtype=float))

    def pair_reference(
        q1: np.ndarray, q2: np.ndarray, q12: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        return (np.asarray(transform("W", act, q1, q2, q12), dtype=float),
                np.asarray(transform("Wd", act, q1, q2, q12), dtype=float))

    return Smooth(act.phi_np, act.dphi_np, float(distance), act.parity, reference,
                  pair_reference)


def _fused(
    act: BoundActivation, sw: float, sb: float, a: np.ndarray, c: np.ndarray | None, depth: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """The compiled engines' Gram matrices (closed-form pairs, or Mehler's expansion for
    smooth activations), or ``None`` where neither applies (or the derived recurrence is
    not of the shape the engines take); a float64 overflow is an error, never an inf."""
    try:
        from .numeric.kernel_engine import fused_gram
    except ImportError:  # pragma: no cover - numba missing: the generic path serves
        return None
    from .recurrences.kernel_structure import feedforward_structure

    pair, structure = compiled_pair(act), feedforward_structure()
    if structure is None:
        return None
    values = structure.values(float(sw), float(sb))
    if pair is None:
        out = _mehler(act, tuple(hi + lo for hi, lo in values), a, c, depth)
    else:
        out = fused_gram(pair, values, a, c, depth)
    if out is not None and not (np.all(np.isfinite(out[0])) and np.all(np.isfinite(out[1]))):
        raise ValueError(
            f"the NNGP/NTK of {act!r} overflows float64 at depth {depth} "
            f"(sigma_w={sw!r}, sigma_b={sb!r}); use dps=int for arbitrary precision"
        )
    return out
