r"""Monte Carlo of finite random networks: per-layer means with standard errors.

Architectures: every one of :mod:`asymptote.recurrences.catalog` (:func:`architectures`),
simulated from the same step graph its mean-field recurrence is derived from (``Prev``,
``Affine``, ``Phi``, ``Sum`` of :mod:`asymptote.recurrences.architecture`), so a new
declaration is simulated with no code here. ``depth`` = number of layers/blocks :math:`L`;
each ``Affine(weight, inner, bias)`` is :math:`\tfrac{\sigma_{weight}}{\sqrt{N_{in}}}\hat W u
+ \sigma_{bias}\hat b` with standard normal :math:`\hat W, \hat b` (``sigma_*`` are standard
deviations). The catalogued ones:

* ``'feedforward'``: :math:`h^l = \tfrac{\sigma_w}{\sqrt{N_{l-1}}} W^l x^{l-1} + \sigma_b b^l`,
  :math:`x^l = \phi(h^l)` (widths :math:`N_1..N_L` may differ; a graph with a skip
  connection needs one width);
* ``'rrn'`` (reduced residual, [YS17]): :math:`h^l` as above, :math:`x^l = \phi(h^l) + x^{l-1}`;
* ``'frn'`` (full residual, [YS17]): :math:`x^l = \tfrac{\sigma_v}{\sqrt N} V^l \phi(h^l) +
  \sigma_a a^l + x^{l-1}`;
* ``'scaled'`` ([HR18, Sec. 3]): :math:`x^l = x^{l-1} + \eta_l(\tfrac{\sigma_v}{\sqrt N}
  V^l\phi(h^l) + \sigma_a a^l)`.

Two inputs :math:`x^0_a, x^0_b` go through the same networks. Recorded per layer
:math:`l = 0..L` (row 0 describes the inputs), per network, then averaged over ``samples``
networks (mean and standard error of the mean):

=========== ================================================================================
``p``        :math:`\|x^l_a\|^2/N_l` (``p_b`` for input b, ``p_ab`` = :math:`x_a\cdot x_b/N_l`)
``q``        :math:`\|h^l_a\|^2/N_l` (``q_b``, ``q_ab``) of the pre-activation :math:`h^l` (the
             input of the graph's first ``Phi``); row 0: the input's ``p``
``c``        cosine of :math:`h^l_a, h^l_b` (row 0: of the inputs)
``c_x``      cosine of :math:`x^l_a, x^l_b`
``distance`` :math:`\|x^l_a - x^l_b\|^2/N_l`
``grad_x``   :math:`\|\partial\mathcal L/\partial x^l_a\|^2/N_l` for
             :math:`\mathcal L = g\cdot x^L_a`, ``g`` the output vector (default: a fresh
             :math:`N(0, I)` vector per network, so row :math:`L` has mean 1)
``grad_w``   :math:`\|\partial\mathcal L/\partial W^l\|_F^2/N_l` with respect to the standard
             normal :math:`W^l` (NTK parameterization); row 0 is 0 (no weights below the input)
=========== ================================================================================

Sampling (``method``): ``'explicit'`` draws every weight matrix (float64 BLAS ``matmul``
batched over networks; matrices are regenerated from their seeds for the backward pass);
``'conditional'`` (default) draws the same joint law without forming matrices: given the
layer input :math:`X` (:math:`N_{in}\times 2`), the rows of :math:`A = WX` are i.i.d.
:math:`N(0, s^2 X^\top X)`, and given :math:`A`,
:math:`W = A (X^\top X)^{+} X^\top + W'(I - P_X)` with an independent Gaussian :math:`W'`, so
:math:`W^\top\delta = X (X^\top X)^{+} A^\top \delta + s\|\delta\|(I - P_X)\xi`,
:math:`\xi \sim N(0, I)`: :math:`O(N)` random numbers per layer instead of :math:`O(N^2)`,
exact for Gaussian weights (standard Gaussian conditioning). Both are reproducible: network
``k`` uses ``numpy.random.SeedSequence([seed, k, ...])`` whatever the chunking.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from .._precision import to_float
from .._types import RealLike
from .._validate import standard_deviation
from ..activations import BoundActivation, as_activation
from ..backend import backend
from ..recurrences import symbols
from ..recurrences.architecture import Affine, Node, Phi, Prev, Sum
from ..recurrences.bind import evaluator
from ..recurrences.catalog import ARCHITECTURES as _GRAPHS
from ..recurrences.catalog import SCALED, architecture, recurrence

__all__ = [
    "architecture_options",
    "architectures",
    "QUANTITIES",
    "MonteCarloResult",
    "default_inputs",
    "mean_field_prediction",
    "simulate",
]



def architectures() -> tuple[str, ...]:
    r"""Every architecture of :mod:`asymptote.recurrences.catalog`, read when called: the
    graphs, then the per-layer branch-scaled variants (``'scaled'`` = ``'frn'`` with
    :math:`\sigma_v, \sigma_a` times :math:`\eta_l`)."""
    return (*_GRAPHS, *SCALED)


def architecture_options(arch: str) -> tuple[str, ...]:
    """The keyword arguments of :func:`simulate` that ``arch`` takes beyond ``sigma_w,
    sigma_b``: its other declared standard deviations, and ``eta`` for a scaled one.

    >>> architecture_options("frn"), architecture_options("rrn")
    (('sigma_a', 'sigma_v'), ())
    """
    names = sorted(_declared_names(_base(_check_arch(arch))) - {"sigma_w", "sigma_b"})
    return (*names, *(("eta",) if arch in SCALED else ()))


def _check_arch(arch: object) -> str:
    known = architectures()
    if not isinstance(arch, str) or arch not in known:
        raise ValueError(f"arch must be one of {known}, got {arch!r}")
    return arch


QUANTITIES = (
    "p",
    "p_b",
    "p_ab",
    "q",
    "q_b",
    "q_ab",
    "c",
    "c_x",
    "distance",
    "grad_x",
    "grad_w",
)
_COL = {name: i for i, name in enumerate(QUANTITIES)}
_MEMORY_BYTES = 256 * 2**20


@dataclass(frozen=True)
class MonteCarloResult:
    """Per-layer Monte Carlo means and standard errors (rows: layers ``0..L``).

    Attributes
    ----------
    arch, activation : str
    widths : tuple of int
        :math:`N_0, \\dots, N_L`.
    quantities : tuple of str
        Column names (see the module docstring).
    mean, stderr : ndarray, shape (L + 1, len(quantities))
        Mean over networks and its standard error (sample standard deviation / sqrt(samples)).
    samples, seed : int
    method : str
    """

    arch: str
    activation: str
    widths: tuple[int, ...]
    quantities: tuple[str, ...]
    mean: np.ndarray
    stderr: np.ndarray
    samples: int
    seed: int
    method: str

    def __getitem__(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``(mean, stderr)`` of one quantity over layers."""
        if name not in _COL:
            raise KeyError(f"unknown quantity {name!r}; known: {', '.join(QUANTITIES)}")
        return self.mean[:, _COL[name]], self.stderr[:, _COL[name]]

    @property
    def depth(self) -> int:
        return self.mean.shape[0] - 1


def default_inputs(width: int, *, length: float = 1.0, correlation: float = 0.5) -> np.ndarray:
    r"""Two fixed inputs of the given width with :math:`\|x\|^2/N_0 =` ``length`` and cosine
    ``correlation`` (deterministic: built from ``SeedSequence(20250101)``).

    Examples
    --------
    >>> x = default_inputs(8)
    >>> x.shape, round(float(x[0] @ x[1] / 8), 12)
    ((2, 8), 0.5)
    """
    if isinstance(width, bool) or not isinstance(width, int) or width < 2:
        raise ValueError(f"width must be an int >= 2 for two inputs, got {width!r}")
    length = to_float(length, "length")
    correlation = to_float(correlation, "correlation")
    if length <= 0 or not -1 <= correlation <= 1:
        raise ValueError(
            f"need length > 0 and correlation in [-1, 1], got {length!r}, {correlation!r}"
        )
    rng = np.random.default_rng(np.random.SeedSequence(20250101))
    z = rng.standard_normal((2, width))
    u = z[0] / np.linalg.norm(z[0])
    w = z[1] - (z[1] @ u) * u
    w /= np.linalg.norm(w)
    scale = math.sqrt(length * width)
    return np.stack([u, correlation * u + math.sqrt(1 - correlation**2) * w]) * scale


# ---------------------------------------------------------------------------------------
# argument checking
# ---------------------------------------------------------------------------------------
def _widths(arch: str, widths_or_width: object, depth: int, n_in: int | None) -> list[int]:
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth must be an int >= 1, got {depth!r}")
    if isinstance(widths_or_width, (list, tuple, np.ndarray)):
        from .moments import check_widths

        ws = list(check_widths(list(np.asarray(widths_or_width).tolist()), "widths"))
        if len(ws) != depth:
            raise ValueError(
                f"widths must have one width per layer (depth = {depth}), got {len(ws)}"
            )
        if _has_skip(architecture(_base(arch)).step) and len(set(ws)) > 1:
            raise ValueError(f"arch {arch!r} needs a constant width, got widths {ws}")
    else:
        from .moments import check_widths

        (w,) = check_widths([widths_or_width], "width")
        ws = [w] * depth
    first = n_in if n_in is not None else ws[0]
    if _has_skip(architecture(_base(arch)).step) and first != ws[0]:
        raise ValueError(f"arch {arch!r} needs inputs of width {ws[0]}, got {first}")
    return [first, *ws]


def _eta(eta: object, depth: int) -> np.ndarray:
    if eta is None:
        raise ValueError("arch 'scaled' needs eta (a scalar or one scale per block)")
    if isinstance(eta, str):  # the strict number grammar (never evaluated)
        eta = to_float(eta, "eta")
    try:
        arr = np.asarray(eta, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise TypeError(f"eta must be a real number or a sequence of them, got {eta!r}") from None
    if arr.ndim == 0:
        arr = np.full(depth, float(arr))
    if arr.shape != (depth,) or not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(
            f"eta must be a finite scale >= 0 or {depth} of them (one per block), got {eta!r}"
        )
    return arr


def _base(arch: str) -> str:
    return SCALED[arch].base if arch in SCALED else arch


def _count_affines(node: Node) -> int:
    if isinstance(node, Affine):
        return 1 + _count_affines(node.inner)
    if isinstance(node, Phi):
        return _count_affines(node.inner)
    if isinstance(node, Sum):
        return sum(_count_affines(t) for t in node.terms)
    return 0


def _has_skip(node: Node) -> bool:
    """Whether the previous layer reaches the output without a weight matrix (a skip
    connection), so the layer cannot change the width."""
    if isinstance(node, Prev):
        return True
    if isinstance(node, Sum):
        return any(_has_skip(t) for t in node.terms)
    return False  # Affine (and Phi, whose inner is an Affine) map to the output width


def _layer_sigmas(
    arch: str,
    sigma_w: RealLike,
    sigma_b: RealLike,
    sigma_v: RealLike | None,
    sigma_a: RealLike | None,
    eta: object,
    depth: int,
) -> tuple[Node, list[dict[str, float]]]:
    r"""The architecture's step graph and, per layer, the standard deviation of each weight
    and bias name it declares (:attr:`asymptote.recurrences.Recurrence.parameters`).

    Branch names other than ``w, b`` default to 1 (weights) and 0 (biases) when not given;
    a standard deviation the architecture does not declare is refused, and so is ``eta``
    unless the architecture is a per-layer scaled one (:data:`SCALED`), whose scaled names
    are multiplied by :math:`\eta_l` at layer :math:`l`.
    """
    base = _base(arch)
    graph = architecture(base).step
    declared = {s.name.removeprefix("sigma_") for s in recurrence(base).parameters}
    given = {"w": sigma_w, "b": sigma_b, "v": sigma_v, "a": sigma_a}
    for name, value in given.items():
        if value is not None and name not in declared:
            users = sorted(
                a for a in architectures() if f"sigma_{name}" in _declared_names(_base(a))
            )
            raise ValueError(
                f"sigma_{name} applies to arch {' and '.join(repr(u) for u in users)} only, "
                f"not {arch!r}"
            )
    defaults = {"w": 1.0, "b": 0.0, "v": 1.0, "a": 0.0}
    sig = {
        name: standard_deviation(defaults[name] if given.get(name) is None else given[name],
                                 f"sigma_{name}")
        for name in sorted(declared)
    }
    if arch in SCALED:
        etas = _eta(eta, depth)
        scaled = SCALED[arch].scaled
    else:
        if eta is not None:
            raise ValueError(f"eta applies to arch {' and '.join(map(repr, SCALED))} only, not {arch!r}")
        etas, scaled = np.ones(depth), ()
    layers = [
        {n: v * float(etas[l]) if n in scaled else v for n, v in sig.items()} for l in range(depth)
    ]
    return graph, layers


def _declared_names(base: str) -> set[str]:
    return {s.name for s in recurrence(base).parameters}


# ---------------------------------------------------------------------------------------
# conditional Gaussian sampling of A = W X and W^T delta given A
# ---------------------------------------------------------------------------------------
def _gram_factor(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower-triangular L with L L^T = X^T X (B, 2, 2), and the pseudo-inverse of X^T X."""
    g = np.einsum("bni,bnj->bij", x, x)
    g11, g12, g22 = g[:, 0, 0], g[:, 0, 1], g[:, 1, 1]
    l11 = np.sqrt(g11)
    safe = np.where(l11 > 0, l11, 1.0)
    l21 = np.where(l11 > 0, g12 / safe, 0.0)
    l22 = np.sqrt(np.maximum(g22 - l21**2, 0.0))
    factor = np.zeros_like(g)
    factor[:, 0, 0], factor[:, 1, 0], factor[:, 1, 1] = l11, l21, l22
    return factor, np.linalg.pinv(g, hermitian=True)


def _conditional_forward(x: np.ndarray, z: np.ndarray, scale: float) -> np.ndarray:
    """Rows of A = W X are i.i.d. N(0, scale^2 X^T X): A = scale * Z L^T."""
    factor, _ = _gram_factor(x)
    return scale * np.einsum("bnk,bik->bni", z, factor)


def _conditional_backward(
    x: np.ndarray, a: np.ndarray, delta: np.ndarray, xi: np.ndarray, scale: float
) -> np.ndarray:
    """W^T delta given A = W X (W with i.i.d. N(0, scale^2) entries); see module docstring."""
    _, ginv = _gram_factor(x)
    # contract in an order that never forms an N x N array
    coef = np.einsum("bij,bj->bi", ginv, np.einsum("bnj,bn->bj", a, delta))
    mean = np.einsum("bni,bi->bn", x, coef)
    proj = np.einsum("bni,bi->bn", x, np.einsum("bij,bj->bi", ginv, np.einsum("bmj,bm->bj", x, xi)))
    norm = np.sqrt(np.einsum("bn,bn->b", delta, delta))
    return mean + scale * norm[:, None] * (xi - proj)


# ---------------------------------------------------------------------------------------
# the simulation
# ---------------------------------------------------------------------------------------
def _phi(act: BoundActivation, u: np.ndarray) -> np.ndarray:
    return np.asarray(act.phi_np(u), dtype=float)


def _dphi(act: BoundActivation, u: np.ndarray) -> np.ndarray:
    return np.asarray(act.dphi_np(u), dtype=float)


class _Chunk:
    """Forward and backward pass of ``len(nets)`` networks at once."""

    def __init__(self, spec: dict[str, Any], nets: range) -> None:
        self.s = spec
        self.nets = nets
        self.b = len(nets)
        seed = spec["seed"]
        self.fwd = [np.random.default_rng(np.random.SeedSequence([seed, k, 0])) for k in nets]
        self.bwd = [np.random.default_rng(np.random.SeedSequence([seed, k, 1])) for k in nets]

    def _normals(self, gens: list[np.random.Generator], shape: tuple[int, ...]) -> np.ndarray:
        return np.stack([g.standard_normal(shape) for g in gens])

    def _matrix(self, k: int, layer: int, which: int, shape: tuple[int, int]) -> np.ndarray:
        seed = self.s["seed"]
        rng = np.random.default_rng(np.random.SeedSequence([seed, k, 2, layer, which]))
        return rng.standard_normal(shape)

    def _apply(self, layer: int, which: int, x: np.ndarray, n_out: int, scale: float) -> np.ndarray:
        """A = scale * W x for x of shape (B, n_in, 2)."""
        if self.s["method"] == "explicit":
            n_in = x.shape[1]
            mats = np.stack([self._matrix(k, layer, which, (n_out, n_in)) for k in self.nets])
            return scale * np.matmul(mats, x)
        z = self._normals(self.fwd, (n_out, 2))
        return _conditional_forward(x, z, scale)

    def _apply_t(
        self, layer: int, which: int, x: np.ndarray, a: np.ndarray, delta: np.ndarray, scale: float
    ) -> np.ndarray:
        """scale * W^T delta for the W of ``_apply`` (delta of shape (B, n_out))."""
        n_in = x.shape[1]
        if self.s["method"] == "explicit":
            n_out = delta.shape[1]
            mats = np.stack([self._matrix(k, layer, which, (n_out, n_in)) for k in self.nets])
            return scale * np.einsum("bon,bo->bn", mats, delta)
        xi = self._normals(self.bwd, (n_in,))
        return _conditional_backward(x, a, delta, xi, scale)

    def run(self, progress: Any) -> np.ndarray:
        s = self.s
        widths, graph = s["widths"], s["graph"]
        depth = len(widths) - 1
        out = np.zeros((self.b, depth + 1, len(QUANTITIES)))
        x = np.broadcast_to(s["inputs"].T, (self.b, widths[0], 2)).copy()
        _record_x(out[:, 0], x, widths[0])
        pre0 = out[:, 0]
        pre0[:, _COL["q"]], pre0[:, _COL["q_b"]] = pre0[:, _COL["p"]], pre0[:, _COL["p_b"]]
        pre0[:, _COL["q_ab"]], pre0[:, _COL["c"]] = pre0[:, _COL["p_ab"]], pre0[:, _COL["c_x"]]
        tapes: list[_Layer | None] = []
        for l in range(1, depth + 1):
            layer = _Layer(self, l, x, widths[l], s["sigmas"][l - 1])
            x = layer.forward(graph)
            tapes.append(layer)
            _record_x(out[:, l], x, widths[l])
            if layer.pre_activation is None:
                raise ValueError(f"architecture {s['arch']!r} applies no activation (no Phi node)")
            _record_h(out[:, l], layer.pre_activation, widths[l])
            if progress is not None:
                progress(l, depth)
        if s["output_vector"] is None:
            delta = self._normals(self.bwd, (widths[-1],))
        else:
            delta = np.broadcast_to(s["output_vector"], (self.b, widths[-1])).copy()
        out[:, depth, _COL["grad_x"]] = np.einsum("bn,bn->b", delta, delta) / widths[-1]
        for l in range(depth, 0, -1):
            layer_tape = tapes[l - 1]
            assert layer_tape is not None
            delta = layer_tape.backward(graph, delta)
            out[:, l, _COL["grad_w"]] = layer_tape.grad_w
            out[:, l - 1, _COL["grad_x"]] = np.einsum("bn,bn->b", delta, delta) / widths[l - 1]
            tapes[l - 1] = None  # free the layer's tape
        return out


class _Layer:
    """One layer of the architecture's step graph (:mod:`asymptote.recurrences.architecture`:
    ``Prev``, ``Affine``, ``Phi``, ``Sum``) applied to a batch of networks: the forward pass
    records what the backward pass needs; the same graph the recurrence is derived from, so
    a catalogued architecture is simulated with no code of its own.

    An ``Affine(weight, inner, bias)`` node is :math:`\tfrac{\\sigma_{weight}}{\\sqrt{N_{in}}}
    \\hat W u + \\sigma_{bias}\\hat b` with :math:`u` the inner node's value (width
    :math:`N_{in}`); the bias is drawn before the product, and the ``k``-th product of the
    layer uses weight stream ``k`` (for ``'explicit'``).
    """

    def __init__(
        self, chunk: _Chunk, layer: int, x: np.ndarray, n_out: int, sigmas: dict[str, float]
    ) -> None:
        self.chunk, self.layer, self.x, self.n_out, self.sigmas = chunk, layer, x, n_out, sigmas
        self.values: dict[int, dict[str, np.ndarray]] = {}
        self.products = 0
        self.pre_activation: np.ndarray | None = None
        self.grad_w = np.zeros(chunk.b)
        self.dx: np.ndarray | None = None

    def forward(self, node: Node) -> np.ndarray:
        c = self.chunk
        if isinstance(node, Prev):
            return self.x
        if isinstance(node, Sum):
            total = self.forward(node.terms[0])
            for term in node.terms[1:]:
                total = total + self.forward(term)
            return total
        if isinstance(node, Phi):
            h = self.forward(node.inner)
            if self.pre_activation is None:
                self.pre_activation = h
            self.values[id(node)] = {"h": h}
            return _phi(c.s["act"], h)
        if isinstance(node, Affine):
            u = self.forward(node.inner)
            bias = None
            if node.bias is not None:
                bias = c._normals(c.fwd, (self.n_out,)) * self.sigmas[node.bias]
            which = self.products
            self.products += 1
            scale = self.sigmas[node.weight] / math.sqrt(u.shape[1])
            a = c._apply(self.layer, which, u, self.n_out, scale)
            self.values[id(node)] = {
                "u": u,
                "a": a,
                "which": np.asarray(which),
                "scale": np.asarray(scale),
            }
            return a if bias is None else a + bias[:, :, None]
        raise TypeError(f"unknown node {node!r} in the architecture graph")

    def backward(self, node: Node, delta: np.ndarray) -> np.ndarray:
        """Propagate ``delta`` (input a's gradient at the layer output) to the layer input."""
        self.dx = None
        self._back(node, delta)
        assert self.dx is not None, "the step graph does not depend on the previous layer"
        return self.dx

    def _back(self, node: Node, delta: np.ndarray) -> None:
        c = self.chunk
        if isinstance(node, Prev):
            self.dx = delta if self.dx is None else self.dx + delta
        elif isinstance(node, Sum):
            for term in node.terms:
                self._back(term, delta)
        elif isinstance(node, Phi):
            h = self.values[id(node)]["h"]
            self._back(node.inner, _dphi(c.s["act"], h[:, :, 0]) * delta)
        elif isinstance(node, Affine):
            v = self.values[id(node)]
            u, a = v["u"], v["a"]
            if node.weight == "w":  # ||dL/dW||_F^2 / N_out for the standard normal W
                n_in = u.shape[1]
                self.grad_w = (
                    self.sigmas["w"] ** 2
                    / n_in
                    * np.einsum("bn,bn->b", delta, delta)
                    * np.einsum("bn,bn->b", u[:, :, 0], u[:, :, 0])
                    / self.n_out
                )
            du = c._apply_t(self.layer, int(v["which"]), u, a, delta, float(v["scale"]))
            self._back(node.inner, du)
        else:
            raise TypeError(f"unknown node {node!r} in the architecture graph")


def _cosine(ab: np.ndarray, aa: np.ndarray, bb: np.ndarray) -> np.ndarray:
    denom = np.sqrt(aa * bb)
    return np.where(denom > 0, ab / np.where(denom > 0, denom, 1.0), 1.0)


def _record_x(row: np.ndarray, x: np.ndarray, n: int) -> None:
    g = np.einsum("bni,bnj->bij", x, x) / n
    row[:, _COL["p"]], row[:, _COL["p_b"]], row[:, _COL["p_ab"]] = (
        g[:, 0, 0],
        g[:, 1, 1],
        g[:, 0, 1],
    )
    row[:, _COL["c_x"]] = _cosine(g[:, 0, 1], g[:, 0, 0], g[:, 1, 1])
    row[:, _COL["distance"]] = g[:, 0, 0] + g[:, 1, 1] - 2 * g[:, 0, 1]


def _record_h(row: np.ndarray, h: np.ndarray, n: int) -> None:
    g = np.einsum("bni,bnj->bij", h, h) / n
    row[:, _COL["q"]], row[:, _COL["q_b"]], row[:, _COL["q_ab"]] = (
        g[:, 0, 0],
        g[:, 1, 1],
        g[:, 0, 1],
    )
    row[:, _COL["c"]] = _cosine(g[:, 0, 1], g[:, 0, 0], g[:, 1, 1])


class _Progress:
    def __init__(self, samples: int) -> None:
        self.samples, self.done = samples, 0

    def __call__(self, layer: int, depth: int) -> None:
        if layer % max(1, depth // 20) == 0 or layer == depth:
            sys.stderr.write(
                f"\rmontecarlo: networks {self.done}/{self.samples}, layer {layer}/{depth}   "
            )
            sys.stderr.flush()


def simulate(
    arch: str,
    activation: object,
    sigma_w: RealLike,
    sigma_b: RealLike,
    *,
    sigma_v: RealLike | None = None,
    sigma_a: RealLike | None = None,
    width: int | Sequence[int],
    depth: int,
    eta: Any = None,
    inputs: Any = None,
    output_vector: Any = None,
    samples: int = 100,
    seed: int = 0,
    method: str = "conditional",
    chunk: int | None = None,
    progress: bool = False,
    **params: object,
) -> MonteCarloResult:
    r"""Simulate ``samples`` random networks and return per-layer means and standard errors.

    Parameters
    ----------
    arch : str
        An architecture of :func:`architectures` (``'feedforward'``, ``'rrn'``, ``'frn'``,
        ``'scaled'``, ...).
    activation : str or BoundActivation
        Any registered activation (``params`` bind its parameters).
    sigma_w, sigma_b : float, str, Fraction, Decimal or mpf
        Standard deviations (weights times :math:`\sqrt{\text{fan-in}}`), read as float64.
    sigma_v, sigma_a : float, str, Fraction, Decimal or mpf, optional
        Branch read-out standard deviations, for an architecture that declares them
        (``'frn'``, ``'scaled'``; default 1 and 0).
    width : int or sequence of int
        One width for every layer, or :math:`N_1..N_L` (feedforward only).
    depth : int
        Number of layers (blocks) :math:`L`.
    eta : float or sequence, optional
        Branch scales (``'scaled'`` only).
    inputs : array (2, N_0), optional
        The two inputs (default :func:`default_inputs` of width :math:`N_1`: length 1,
        cosine 1/2).
    output_vector : array (N_L,), optional
        Fixed :math:`g` in :math:`\mathcal L = g\cdot x^L_a`; default a fresh standard normal
        vector per network.
    samples : int
        Number of networks (>= 2).
    seed : int
        Network ``k`` uses ``SeedSequence([seed, k, ...])``.
    method : {'conditional', 'explicit'}
        See the module docstring; same law, the first far cheaper.
    chunk : int, optional
        Networks per batch (default: as many as fit in about 256 MiB).
    progress : bool
        Write a progress line to stderr.

    Returns
    -------
    MonteCarloResult

    Raises
    ------
    ValueError, TypeError
        Bad arguments (message names the parameter).
    OverflowError
        A length overflowed float64 (the message names the layer).

    Notes
    -----
    Architectures and parameterization of [YS17] (RRN, FRN) and [HR18, Sec. 3] (scaled
    branches); infinite-width predictions: :func:`mean_field_prediction`.

    Examples
    --------
    >>> r = simulate("feedforward", "relu", 2 ** 0.5, 0.0, width=50, depth=3, samples=20)
    >>> r.mean.shape, round(float(r["p"][0][0]), 12)
    ((4, 11), 1.0)
    """
    _check_arch(arch)
    if method not in ("conditional", "explicit"):
        raise ValueError(f"method must be 'conditional' or 'explicit', got {method!r}")
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 2:
        raise ValueError(f"samples must be an int >= 2 (for a standard error), got {samples!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be an int >= 0, got {seed!r}")
    act = as_activation(activation, **params)
    x0 = None
    if inputs is not None:
        x0 = np.asarray(inputs, dtype=float)
        if x0.ndim != 2 or x0.shape[0] != 2 or not np.all(np.isfinite(x0)):
            raise ValueError(
                f"inputs must be a finite array of shape (2, N_0), got shape {x0.shape}"
            )
    widths = _widths(arch, width, depth, None if x0 is None else x0.shape[1])
    if x0 is None:
        x0 = default_inputs(widths[0])
    graph, sigmas_per_layer = _layer_sigmas(arch, sigma_w, sigma_b, sigma_v, sigma_a, eta, depth)
    out_vec = None
    if output_vector is not None:
        out_vec = np.asarray(output_vector, dtype=float)
        if out_vec.shape != (widths[-1],) or not np.all(np.isfinite(out_vec)):
            raise ValueError(
                f"output_vector must be a finite vector of length {widths[-1]}, got shape "
                f"{out_vec.shape}"
            )
    spec = {
        "act": act,
        "arch": arch,
        "graph": graph,
        "widths": widths,
        "sigmas": sigmas_per_layer,
        "inputs": x0,
        "output_vector": out_vec,
        "seed": seed,
        "method": method,
    }
    per_net = sum(widths) * (3 + 2 * _count_affines(graph)) * 8
    if method == "explicit":
        per_net += max(widths) ** 2 * 8
    if chunk is None:
        chunk = int(max(1, min(samples, _MEMORY_BYTES // max(per_net, 1))))
    elif isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        raise ValueError(f"chunk must be an int >= 1, got {chunk!r}")
    bar = _Progress(samples) if progress else None
    count, mean, m2 = 0, None, None
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, samples, chunk):
            nets = range(start, min(samples, start + chunk))
            values = _Chunk(spec, nets).run(bar)
            if not np.all(np.isfinite(values)):
                rows = np.flatnonzero(~np.all(np.isfinite(values), axis=(0, 2)))
                raise OverflowError(
                    f"a length or gradient overflowed float64 at layer {int(rows[0])} "
                    f"(arch {arch!r}, depth {depth}); lower sigma_w / eta or the depth"
                )
            # Chan et al. parallel update of mean and sum of squared deviations.
            b = values.shape[0]
            cmean = values.mean(axis=0)
            cm2 = ((values - cmean) ** 2).sum(axis=0)
            if mean is None or m2 is None:
                mean, m2 = cmean, cm2
            else:
                delta = cmean - mean
                total = count + b
                mean = mean + delta * b / total
                m2 = m2 + cm2 + delta**2 * count * b / total
            count += b
            if bar is not None:
                bar.done = count
    if progress:
        sys.stderr.write("\n")
    assert mean is not None and m2 is not None
    stderr = np.sqrt(m2 / (count - 1) / count)
    mean.setflags(write=False)
    stderr.setflags(write=False)
    return MonteCarloResult(
        arch, act.name, tuple(widths), QUANTITIES, mean, stderr, samples, seed, method
    )


def mean_field_prediction(
    arch: str,
    activation: object,
    sigma_w: RealLike,
    sigma_b: RealLike,
    *,
    sigma_v: RealLike | None = None,
    sigma_a: RealLike | None = None,
    width: int | Sequence[int],
    depth: int,
    eta: Any = None,
    inputs: Any = None,
    **params: object,
) -> dict[str, np.ndarray]:
    r"""Infinite-width (mean-field) prediction of every quantity :func:`simulate` records.

    Returns a dict ``name -> array over layers 0..L`` (same names and rows as
    :class:`MonteCarloResult`), by evaluating the derived recurrence
    ``asymptote.recurrences.recurrence(arch)`` layer by layer in float64
    (:func:`asymptote.recurrences.bind.evaluator` on ``backend(None)``); ``'scaled'`` is the
    ``'frn'`` recurrence with :math:`\sigma_v, \sigma_a` multiplied by :math:`\eta_l` at layer
    :math:`l` (:data:`asymptote.recurrences.catalog.SCALED`):

    * ``p, p_b, p_ab`` and the coordinate means from ``pair_state``
      (:math:`p_1, p_2, \gamma, m_1, m_2`; the means start at those of the inputs and enter
      the ``'rrn'`` cross term :math:`2 m\,\mathcal{M}\phi(q)` of a non-odd :math:`\phi`);
      ``q, q_b, q_ab`` from ``pair_pre``; ``c, c_x, distance`` from these;
    * gradients [SGGS17, Sec. 4; YS17]: with :math:`G^l = E\|\partial\mathcal L/\partial x^l\|^2/N_l`,
      :math:`G^L = 1`, :math:`G^{l-1} = \chi^{l-1}/\chi^l \cdot G^l N_l/N_{l-1}` (the
      recurrence's ``gradient_factor`` at input ``a``; the width ratio only for unequal
      feedforward widths) and ``grad_w`` :math:`= \sigma_w^2\,` ``parameter_gradients['w']``
      :math:`\cdot G^l` (the :math:`\sigma_w^2` for the standard normal :math:`\hat W` that
      :func:`simulate` differentiates).

    For ReLU the feedforward ``p`` and ``q`` are exact at every width; other entries carry
    finite-width corrections of order :math:`1/N`.

    Parameters
    ----------
    arch, activation, sigma_w, sigma_b, sigma_v, sigma_a, width, depth, eta, inputs, **params
        As in :func:`simulate` (same order, same defaults).

    Returns
    -------
    dict of str to ndarray
        One float64 array over layers ``0..L`` per name of :data:`QUANTITIES`.

    Examples
    --------
    >>> mf = mean_field_prediction("feedforward", "relu", 2 ** 0.5, 0.0, width=10, depth=2)
    >>> [round(float(v), 12) for v in mf["p"]]
    [1.0, 1.0, 1.0]
    """
    _check_arch(arch)
    act = as_activation(activation, **params)
    x0 = None if inputs is None else np.asarray(inputs, dtype=float)
    widths = _widths(arch, width, depth, None if x0 is None else x0.shape[1])
    if x0 is None:
        x0 = default_inputs(widths[0])
    step = _layer_map(_base(arch), act)
    _, layer_sigmas = _layer_sigmas(arch, sigma_w, sigma_b, sigma_v, sigma_a, eta, depth)
    gram = x0 @ x0.T / widths[0]
    env: dict[Any, Any] = {_P1: gram[0, 0], _P2: gram[1, 1], _GAMMA: gram[0, 1]}
    env.update({_M1: float(x0[0].mean()), _M2: float(x0[1].mean())})
    rows = {name: np.zeros(depth + 1) for name in QUANTITIES}

    def put(l: int, qa: float, qb: float, qab: float) -> None:
        pa, pb, pab = (float(env[s]) for s in (_P1, _P2, _GAMMA))
        rows["p"][l], rows["p_b"][l], rows["p_ab"][l] = pa, pb, pab
        rows["q"][l], rows["q_b"][l], rows["q_ab"][l] = qa, qb, qab
        rows["c"][l] = qab / math.sqrt(qa * qb) if qa * qb > 0 else 1.0
        rows["c_x"][l] = pab / math.sqrt(pa * pb) if pa * pb > 0 else 1.0
        rows["distance"][l] = pa + pb - 2 * pab

    put(0, *(float(env[s]) for s in (_P1, _P2, _GAMMA)))
    factor, grad_w = np.zeros(depth + 1), np.zeros(depth + 1)
    with np.errstate(over="ignore", invalid="ignore"):
        for l in range(1, depth + 1):
            for name, value in layer_sigmas[l - 1].items():
                env[symbols.sigma(name)] = value
            out = step(env)
            env.update(out)
            factor[l], grad_w[l] = float(out[_FACTOR]), float(out[_GRAD_W])
            put(l, *(float(out[s]) for s in (_Q1, _Q2, _LAM)))
    grad = 1.0
    rows["grad_x"][depth] = grad
    for l in range(depth, 0, -1):
        rows["grad_w"][l] = grad_w[l] * grad
        # ||dL/dx||^2 / N_l: the recurrence is per unit; unequal widths rescale by N_l/N_{l-1}
        grad = factor[l] * grad * widths[l] / widths[l - 1]
        rows["grad_x"][l - 1] = grad
    return rows


# ---------------------------------------------------------------------------------------
# the derived recurrence, bound to float64
# ---------------------------------------------------------------------------------------
_P1, _P2, _M1, _M2, _GAMMA, _Q1, _Q2, _LAM = (
    symbols.p_1, symbols.p_2, symbols.m_1, symbols.m_2, symbols.gamma,
    symbols.q_1, symbols.q_2, symbols.lam,
)  # fmt: skip
#: outputs of the gradient stage: chi^{l-1}/chi^l and grad_w^l / chi^l
_FACTOR, _GRAD_W = (sympy.Symbol(f"montecarlo_{name}") for name in ("factor", "grad_w"))


def _layer_map(arch: str, act: BoundActivation) -> Any:
    r"""One layer of ``recurrence(arch)`` in float64 (:func:`~asymptote.recurrences.bind.evaluator`).

    Stages: the two-input pre-activations ``pair_pre`` (:math:`q_1, q_2, \lambda`); the
    gradient factors at input ``a`` -- :math:`\chi^{l-1}/\chi^l` (``gradient_factor``) and
    :math:`\sigma_w^2` times the weight gradient of :math:`W` (``parameter_gradients['w']``,
    whose :math:`\sigma_w^2` converts it to the standard normal :math:`\hat W` of the NTK
    parameterization that :func:`simulate` differentiates), with the equal-length
    :math:`q, p` read as :math:`q_1` and the previous :math:`p_1`; then ``pair_state``
    (:math:`p_1, p_2, m_1, m_2, \gamma`).
    """
    rec = recurrence(arch)
    at_a = {symbols.q: _Q1, symbols.p: _P1}
    grads = {
        _FACTOR: rec.gradient_factor.xreplace(at_a),
        _GRAD_W: (symbols.sigma("w") ** 2 * rec.parameter_gradients["w"]).xreplace(at_a),
    }
    return evaluator([rec.pair_pre, grads, rec.pair_state], act, backend(None))
