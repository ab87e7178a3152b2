r"""Long-depth iteration of a mean-field recurrence: numpy fast path and mpmath path.

The fast path (``dps=None``) iterates the derived recurrence of
:mod:`asymptote.recurrences` over a broadcast grid of parameters and initial conditions, in
normalized variables that neither overflow nor cancel:

.. math::

    \ell = \log p, \qquad r = m/\sqrt{p}, \qquad u = 1 - e = (p - \gamma)/p,

so ReLU resnets, whose length grows like :math:`(1 + \sigma_v^2\sigma_w^2/2)^l`
[YS17, Sec. 5.2], run to any depth, and :math:`1 - e \sim l^{-2}` keeps its digits. The
per-layer increments are obtained *symbolically* from the recurrence
(:mod:`asymptote.recurrences._increments`) by substituting
:math:`\mathcal{V}\phi(q) = \hat v p`, :math:`\mathcal{M}\phi(q) = \hat m\sqrt{p}`,
:math:`\mathcal{V}\phi(q) - \mathcal{W}\phi(q,\lambda) = \hat g p`, :math:`m = r\sqrt p`,
:math:`\gamma = (1-u)p` and dividing by :math:`p` (resp. :math:`\sqrt p`):

.. math::

    \ell^{l} = \ell + \log(1 + \Delta_p), \quad
    r^{l} = (r + \Delta_m)\,\rho^{1/2}, \quad u^{l} = (u + \Delta_{g})\,\rho, \quad
    \rho = 1/(1 + \Delta_p).

The scaled transforms :math:`\hat v, \hat m, \hat g, \mathcal{V}\phi'(q)` come from
:class:`_HomogeneousTransforms` (log-space powers of :math:`q` and the float64-accurate gap
table of :mod:`asymptote.recurrences.gap_tables`) for positively homogeneous activations, and
from :mod:`asymptote.transforms` otherwise (with :math:`\mathcal{V}\phi - \mathcal{W}\phi`
from Price's theorem, :math:`\int_\lambda^q \mathcal{W}\phi'(q, t)\,dt`, when
:math:`1 - c < 10^{-4}`, so it keeps its relative accuracy). The gradient ratios accumulate
:math:`\log\chi^0/\chi^l = \sum_{k \le l}\log D_k` [YS17, Sec. 5].

The mpmath path (``dps=int``) iterates the plain recurrence (:math:`p, m, \gamma`) at the
backend's working precision (:mod:`asymptote.backend`: ``dps`` plus its guard digits), every
transform at its inner precision, each value rounded once to ``dps``; it is the independent
reference the fast path is tested against.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, overload

import mpmath
import numpy as np
import sympy
from numpy.typing import NDArray

from .. import _validate
from .._precision import check_dps, to_mpf
from ..activations import BoundActivation, as_activation
from ..backend import backend
from ..transforms import transform
from ._increments import SIGMA_NAMES, STEP_ARGUMENTS, scaled_expressions
from .architecture import Recurrence
from .bind import mean_at_unit_variance, mean_transform, transform_value
from .catalog import recurrence
from .symbols import gamma, lam, m, p, q, sigma

__all__ = ["Trajectory", "iterate", "record_layers"]

FloatArray = NDArray[np.float64]


def record_layers(depth: int, per_decade: int = 200, dense: int = 1000) -> NDArray[np.int64]:
    """Layers recorded by default: every layer up to ``dense``, then ``per_decade`` per decade."""
    first = np.arange(1, min(depth, dense) + 1)
    if depth <= dense:
        return first
    decades = math.log10(depth / dense)
    tail = np.geomspace(dense, depth, max(2, int(per_decade * decades) + 1))
    return np.unique(np.concatenate([first, np.rint(tail).astype(np.int64)]))


@dataclass(frozen=True)
class Trajectory:
    r"""Recorded mean-field quantities at ``layers`` (layer 1 = first nonlinearity).

    Arrays have shape ``(len(layers), *grid)``. ``log_p``, ``log_q``: logs of the lengths
    :math:`p^l, q^l`; ``mean_ratio``: :math:`m^l/\sqrt{p^l}`; ``one_minus_e``:
    :math:`1 - e^l`; ``log_chi``: :math:`\log(\chi^0/\chi^l)`, the input-gradient ratio of a
    depth-:math:`l` network; ``log_multipliers[theta]``: :math:`\log(\chi_\theta^l/\chi^l)`;
    ``table_error``: the build-time error bounds of tabulated transforms, when used;
    ``route``: which loop computed it (``"numpy"``: the quadrature / closed-form path,
    ``"compiled"``: the numba kernel of homogeneous activations, ``"tabulated"``: the numba
    loop on tabulated transforms, :mod:`asymptote.recurrences.tabulated`).
    """

    architecture: str
    activation: BoundActivation
    layers: NDArray[np.int64]
    log_p: FloatArray
    log_q: FloatArray
    mean_ratio: FloatArray
    one_minus_e: FloatArray
    log_chi: FloatArray
    log_multipliers: dict[str, FloatArray] = field(default_factory=dict)
    #: the measured relative error bounds of the tabulated transforms used (by name, see
    #: :attr:`asymptote.recurrences.tables.TransformTable.errors`); ``None`` when the
    #: transforms were not tabulated (closed forms, gap tables, quadrature)
    table_error: dict[str, float] | None = None
    #: the loop that computed the trajectory: ``"numpy"``, ``"compiled"`` or ``"tabulated"``
    route: str = "numpy"

    @property
    def e(self) -> FloatArray:
        """Cosine distance :math:`e^l = \\gamma^l/p^l`."""
        return 1.0 - self.one_minus_e

    @property
    def log_s(self) -> FloatArray:
        """:math:`\\log s^l`, :math:`s = 2(p - \\gamma) = 2 p (1 - e)`; ``-inf`` only if s = 0."""
        with np.errstate(divide="ignore"):
            return math.log(2.0) + self.log_p + np.log(self.one_minus_e)

    def log_parameter_ratio(self, name: str) -> FloatArray:
        r""":math:`\log(\chi_\theta^1/\chi_\theta^l)`: gradient of parameter ``name`` in the
        first layer relative to the last layer of a depth-:math:`l` network."""
        if name not in self.log_multipliers:
            raise ValueError(
                f"parameter must be one of {sorted(self.log_multipliers)}, got {name!r}"
            )
        if self.layers[0] != 1:
            raise ValueError("parameter ratios need layer 1 recorded")
        mult = self.log_multipliers[name]
        return (mult[0] - mult) + (self.log_chi - self.log_chi[0])

    def series(self, quantity: str) -> FloatArray:
        """The log of a positive quantity by name: ``p, q, s, chi, 1-e`` or ``chi_<param>``."""
        if quantity == "p":
            return self.log_p
        if quantity == "q":
            return self.log_q
        if quantity == "s":
            return self.log_s
        if quantity == "chi":
            return self.log_chi
        if quantity == "1-e":
            with np.errstate(divide="ignore"):
                return np.log(self.one_minus_e)
        if quantity.startswith("chi_"):
            return self.log_parameter_ratio(quantity[4:])
        raise ValueError(f"unknown quantity {quantity!r}")


@cache
def _scaled_functions(arch: str) -> tuple[list[str], Callable[..., Any]]:
    """Lambdified :func:`asymptote.recurrences._increments.scaled_expressions` (numpy)."""
    names, exprs = scaled_expressions(arch)
    return names, sympy.lambdify(list(STEP_ARGUMENTS), exprs, modules="numpy")


class _HomogeneousTransforms:
    r"""Scaled transforms of an activation homogeneous of degree :math:`k`, in log space.

    :math:`\mathcal{V}\phi(q) = v_1 q^k`, :math:`\mathcal{M}\phi(q) = m_1 q^{k/2}`,
    :math:`\mathcal{V}\phi'(q) = d_1 q^{k-1}`, :math:`\mathcal{V}\phi - \mathcal{W}\phi =
    v_1 q^k G(1 - \lambda/q)` with :math:`1 - \lambda/q = \sigma_w^2 u p / q`.
    """

    def __init__(self, act: BoundActivation) -> None:
        from .gap_tables import gap_table

        self.degree = float(act.homogeneity_degree_exact)  # type: ignore[arg-type]
        self.v1 = transform("V", act, 1.0)
        self.m1 = float(mean_at_unit_variance(act, dps=20))
        self.d1 = (
            transform("Vd", act, 1.0) if act.undefined_reason("Vd") is None else math.inf
        )
        self.gap = gap_table(act)

    def __call__(
        self, ell: FloatArray, u: FloatArray, sw2: FloatArray, sb2: FloatArray
    ) -> tuple[FloatArray, ...]:
        k = self.degree
        log_q = ell + np.log(sw2 + sb2 * np.exp(-ell))
        vh = self.v1 * np.exp(k * log_q - ell)
        mh = self.m1 * np.exp(0.5 * k * log_q - 0.5 * ell)
        vd = self.d1 * np.exp((k - 1.0) * log_q)
        delta = np.minimum(sw2 * u * np.exp(ell - log_q), 2.0)
        gh = vh * self.gap(delta)
        return log_q, vh, mh, gh, vd


class _GenericTransforms:
    """Scaled transforms of any activation through :mod:`asymptote.transforms` (float64)."""

    def __init__(self, act: BoundActivation) -> None:
        self.act = act
        self.has_vd = act.undefined_reason("Vd") is None

    def __call__(
        self, ell: FloatArray, u: FloatArray, sw2: FloatArray, sb2: FloatArray
    ) -> tuple[FloatArray, ...]:
        act = self.act
        p_val = np.exp(ell)
        qv = sw2 * p_val + sb2
        if np.any(qv > 1e12):
            raise OverflowError(
                f"q = {float(np.max(qv)):.3g} exceeds the range of the float64 quadrature "
                f"for {act!r}; use dps=int or a smaller depth"
            )
        delta = np.clip(sw2 * u * p_val / qv, 0.0, 2.0)
        v = np.asarray(transform("V", act, qv), dtype=float)
        mh = np.asarray(mean_transform(act, qv), dtype=float) / np.sqrt(p_val)
        vd = np.asarray(transform("Vd", act, qv), dtype=float) if self.has_vd else qv * np.inf
        lam_v = qv * (1.0 - delta)
        gap = v - np.asarray(transform("W", act, qv, qv, lam_v), dtype=float)
        small = delta < 1e-4
        if np.any(small):  # Price: V - W = int_lambda^q Wd(q, t) dt, 4-point Gauss-Legendre
            # the interval length q - lambda = q delta is taken as q * delta, not by difference
            nodes, weights = np.polynomial.legendre.leggauss(4)
            qs, ds = np.broadcast_arrays(qv, delta)
            qs, ds = qs[small], ds[small]
            width = qs * ds
            acc = np.zeros_like(qs)
            for x, wt in zip(nodes, weights, strict=True):
                t = qs - 0.5 * width * (1.0 - x)
                acc += wt * np.asarray(transform("Wd", act, qs, qs, t), dtype=float)
            gap = np.array(np.broadcast_to(gap, np.broadcast(qv, delta).shape), dtype=float)
            gap[small] = 0.5 * width * acc
        return np.log(qv), v / p_val, mh, np.maximum(gap, 0.0) / p_val, vd


@cache
def _transforms_for(act: BoundActivation) -> Any:
    if act.homogeneity_degree_exact is not None:
        return _HomogeneousTransforms(act)
    return _GenericTransforms(act)


@overload
def iterate(
    arch: str,
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    *,
    sigma_v: Any = ...,
    sigma_a: Any = ...,
    depth: int,
    p0: Any = ...,
    e0: Any = ...,
    m0: Any = ...,
    layers: Any = ...,
    dps: None = ...,
    progress: bool = ...,
    compiled: bool = ...,
) -> Trajectory: ...
@overload
def iterate(
    arch: str,
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    *,
    sigma_v: Any = ...,
    sigma_a: Any = ...,
    depth: int,
    p0: Any = ...,
    e0: Any = ...,
    m0: Any = ...,
    layers: Any = ...,
    dps: int,
    progress: bool = ...,
    compiled: bool = ...,
) -> dict[str, list[mpmath.mpf]]: ...
def iterate(
    arch: str,
    activation: object,
    sigma_w: Any,
    sigma_b: Any,
    *,
    sigma_v: Any = None,
    sigma_a: Any = None,
    depth: int,
    p0: Any = 1.0,
    e0: Any = 0.5,
    m0: Any = 0.0,
    layers: Any = None,
    dps: int | None = None,
    progress: bool = False,
    compiled: bool = True,
) -> Trajectory | dict[str, list[mpmath.mpf]]:
    r"""Iterate the mean-field recurrence of ``arch`` for ``depth`` layers.

    Parameters
    ----------
    arch : {'feedforward', 'rrn', 'frn'}
        Architecture (:data:`asymptote.recurrences.ARCHITECTURES`).
    activation : str or BoundActivation
        Registered activation.
    sigma_w, sigma_b, sigma_v, sigma_a : float or array_like, >= 0
        Standard deviations (``sigma_v``, ``sigma_a`` only for ``'frn'``); arrays broadcast
        to a grid on the fast path.
    depth : int, >= 1
        Number of layers.
    p0, e0, m0 : float or array_like
        Input length :math:`p^0 > 0`, cosine distance :math:`e^0 \in [-1, 1]` of the two
        inputs (equal lengths), and mean :math:`m^0` of the input coordinates,
        :math:`|m^0| \le \sqrt{p^0}`.
    layers : array_like of int, optional
        Layers to record (default :func:`record_layers`).
    dps : int, optional
        ``None``: numpy fast path (returns :class:`Trajectory`). ``int``: mpmath at ``dps``
        digits (scalar parameters; returns a dict of lists of ``mpf`` for every layer:
        ``p, m, gamma, q, e, log_chi`` and ``log_mult_<param>``).
    progress : bool
        Print a progress bar to stderr (numpy path; the compiled path is fast enough not to).
    compiled : bool
        Use the numba kernels (default): :mod:`asymptote.recurrences.compiled` for positively
        homogeneous activations, and for smooth activations without a closed-form cross
        moment the tabulated transforms of :mod:`asymptote.recurrences.tabulated` (with their
        measured table error; where q leaves the table's range the quadrature path takes
        over); ``False`` forces the numpy path.

    Returns
    -------
    Trajectory or dict of str to list of mpf
        ``dps=None``: a :class:`Trajectory` over the recorded layers and the parameter grid;
        ``dps=int``: the mpmath values of every layer, by name.

    Raises
    ------
    ValueError
        Bad architecture, parameter or initial condition.
    OverflowError
        Non-homogeneous activation whose variance leaves the float64 quadrature range.

    Notes
    -----
    Recurrences: :func:`asymptote.recurrences.recurrence` [YS17, Sec. 5 and App. B].

    Examples
    --------
    >>> t = iterate("frn", "relu", 1.0, 0.0, sigma_v=1.0, sigma_a=0.0, depth=2000, e0=0.5)
    >>> bool(abs(t.log_p[-1] - 2000 * math.log(1.5)) < 1.0)  # p ~ (1 + 1/2)^l
    True
    """
    act = as_activation(activation)
    depth = _validate.depth(depth, minimum=1)
    given = _validate.architecture_sigmas(
        arch, sigma_w=sigma_w, sigma_b=sigma_b, sigma_v=sigma_v, sigma_a=sigma_a
    )
    sig = {k: given.get(f"sigma_{k}", 0) for k in ("w", "b", "v", "a")}
    if dps is not None:
        return _iterate_mp(arch, act, sig, int(depth), p0, e0, m0, check_dps(dps))
    sig_arr = {
        k: _validate.standard_deviation(v, f"sigma_{k}", grid=True) for k, v in sig.items()
    }
    p0a = _validate.real_array(p0, "p0", low=1e-300)
    e0a = _validate.real_array(e0, "e0", low=-1.0, high=1.0)
    m0a = _validate.real_array(m0, "m0")
    if np.any(m0a**2 > p0a * (1 + 1e-12)):
        raise ValueError("m0 must satisfy m0^2 <= p0 (a mean is bounded by the root mean square)")
    rec_layers = record_layers(int(depth)) if layers is None else np.unique(np.asarray(layers))
    if rec_layers.size == 0 or rec_layers[0] < 1 or rec_layers[-1] > depth:
        raise ValueError(f"layers must lie in [1, depth={depth}]")
    grid = np.broadcast(*sig_arr.values(), p0a, e0a, m0a).shape
    sw2 = np.broadcast_to(sig_arr["w"] ** 2, grid)
    sb2 = np.broadcast_to(sig_arr["b"] ** 2, grid)
    sig_args = [np.broadcast_to(sig_arr[n], grid) for n in SIGMA_NAMES]
    ell = np.array(np.broadcast_to(np.log(p0a), grid), dtype=float)
    r = np.array(np.broadcast_to(m0a / np.sqrt(p0a), grid), dtype=float)
    u = np.array(np.broadcast_to(1.0 - e0a, grid), dtype=float)
    log_chi = np.zeros(grid)
    names, fn = _scaled_functions(arch)
    provider = _transforms_for(act)
    n_rec = rec_layers.size
    if compiled and isinstance(provider, _HomogeneousTransforms):
        from .compiled import numba_available

        if numba_available():
            return _iterate_compiled(
                arch, act, provider, names, int(depth), rec_layers, grid,
                ell, r, u, sig_args,
            )
    if compiled and not isinstance(provider, _HomogeneousTransforms):
        from .tabulated import tabulated_trajectory

        tab = tabulated_trajectory(arch, act, names, int(depth), rec_layers, grid,
                                   [ell, r, u, *sig_args])
        if tab is not None:
            return tab
    out = {k: np.empty((n_rec, *grid)) for k in ("log_p", "log_q", "r", "u", "log_chi")}
    mult = {n: np.empty((n_rec, *grid)) for n in names}
    gradients_defined = act.undefined_reason("Vd") is None
    nxt = 0
    bar = _Progress(int(depth)) if progress else None
    with np.errstate(over="raise", invalid="raise", divide="ignore"):
        for layer in range(1, int(depth) + 1):
            log_q, vh, mh, gh, vd = provider(ell, u, sw2, sb2)
            if not gradients_defined:
                vd = np.ones_like(vh)
            res = fn(ell, r, u, vh, mh, gh, vd, *sig_args)
            d_p, d_m, d_g, log_d = (np.asarray(x, dtype=float) for x in res[:4])
            if layer == rec_layers[nxt]:
                for i, n in enumerate(names):
                    mult[n][nxt] = res[4 + i]
            grow = np.log1p(d_p)
            rho = np.exp(-grow)
            ell = ell + grow
            r = (r + d_m) * np.sqrt(rho)
            u = (u + d_g) * rho
            log_chi = log_chi + log_d
            if layer == rec_layers[nxt]:
                out["log_p"][nxt], out["log_q"][nxt] = ell, log_q
                out["r"][nxt], out["u"][nxt], out["log_chi"][nxt] = r, u, log_chi
                nxt += 1
                if nxt == n_rec:
                    break
            if bar is not None:
                bar.update(layer)
    if bar is not None:
        bar.close()
    if not gradients_defined:
        out["log_chi"][...] = np.inf
        mult = {}
    return Trajectory(
        architecture=arch,
        activation=act,
        layers=rec_layers,
        log_p=out["log_p"],
        log_q=out["log_q"],
        mean_ratio=out["r"],
        one_minus_e=out["u"],
        log_chi=out["log_chi"],
        log_multipliers=mult,
    )


def _iterate_compiled(
    arch: str,
    act: BoundActivation,
    provider: _HomogeneousTransforms,
    names: list[str],
    depth: int,
    rec_layers: NDArray[np.int64],
    grid: tuple[int, ...],
    ell: FloatArray,
    r: FloatArray,
    u: FloatArray,
    sig_args: list[FloatArray],
) -> Trajectory:
    from .compiled import compiled_kernel

    kernel = compiled_kernel(arch)
    n = int(np.prod(grid)) if grid else 1
    n_rec = rec_layers.size
    flat = [np.ascontiguousarray(np.broadcast_to(a, grid).reshape(n), dtype=float)
            for a in (ell, r, u, *sig_args)]
    outs = [np.zeros((n_rec, n)) for _ in range(5)]
    mult = np.zeros((max(len(names), 1), n_rec, n))
    table = provider.gap
    has_grad = math.isfinite(provider.d1)
    kernel(
        *flat, depth, np.ascontiguousarray(rec_layers, dtype=np.int64),
        provider.degree, provider.v1, provider.m1, provider.d1 if has_grad else 1.0, has_grad,
        table.pos_edges, table.pos_coef, table.neg_edges, table.neg_coef,
        table.low_value, table.low_slope, table.neg_floor, table.excess_slope, *outs, mult,
    )
    shape = (n_rec, *grid)
    log_p, log_q, rr, uu, log_chi = (o.reshape(shape) for o in outs)
    if not has_grad:
        log_chi = np.full(shape, np.inf)
    multipliers = {nm: mult[j].reshape(shape) for j, nm in enumerate(names)} if has_grad else {}
    if not (np.all(np.isfinite(log_p)) and np.all(np.isfinite(uu))):
        raise OverflowError(f"{arch} iteration of {act!r} left the float64 range")
    return Trajectory(
        architecture=arch, activation=act, layers=rec_layers, log_p=log_p, log_q=log_q,
        mean_ratio=rr, one_minus_e=uu, log_chi=log_chi, log_multipliers=multipliers,
        route="compiled",
    )


class _Progress:
    """A minimal progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.step = max(1, total // 100)
        self.enabled = sys.stderr.isatty()

    def update(self, done: int) -> None:
        if self.enabled and done % self.step == 0:
            frac = done / self.total
            sys.stderr.write(f"\r[{'#' * int(40 * frac):<40}] {100 * frac:5.1f}%")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def _iterate_mp(
    arch: str,
    act: BoundActivation,
    sig: Mapping[str, Any],
    depth: int,
    p0: Any,
    e0: Any,
    m0: Any,
    dps: int,
) -> dict[str, list[mpmath.mpf]]:
    rec: Recurrence = recurrence(arch)
    b = backend(dps)  # the one guard-digit policy: work at dps + guard, transforms at b.inner
    with b.working():
        sv = {sigma(k): to_mpf(v, f"sigma_{k}") for k, v in sig.items()}
        for k, v in sv.items():
            if v < 0:
                raise ValueError(f"{k.name} must be >= 0, got {v}")
        pv = to_mpf(p0, "p0")
        ev = to_mpf(e0, "e0")
        mv = to_mpf(m0, "m0")
        if pv <= 0 or not -1 <= ev <= 1 or mv**2 > pv:
            raise ValueError("need p0 > 0, -1 <= e0 <= 1 and m0^2 <= p0")
        inner = b.inner

        def tv(name: str) -> Callable[..., Any]:
            return lambda *a: transform_value(name, act, *a, dps=inner)

        mods = [{"Vphi": tv("Vphi"), "Wphi": tv("Wphi"), "Vdphi": tv("Vdphi"),
                 "Mphi": tv("Mphi")}, "mpmath"]
        state_syms = [p, m, gamma, q, lam]
        pre_q = sympy.lambdify([p, m, gamma], rec.pre[q].subs(sv), modules=mods)
        pre_l = sympy.lambdify([p, m, gamma], rec.pre[lam].subs(sv), modules=mods)
        nxt = {
            s: sympy.lambdify(state_syms, rec.state[s].subs(sv), modules=mods)
            for s in (p, m, gamma)
        }
        has_grad = act.undefined_reason("Vd") is None
        grad = sympy.lambdify(state_syms, rec.gradient_factor.subs(sv), modules=mods)
        params = {
            n: sympy.lambdify(state_syms, e.subs(sv), modules=mods)
            for n, e in rec.parameter_gradients.items()
        }
        out: dict[str, list[mpmath.mpf]] = {
            k: [] for k in ("p", "m", "gamma", "q", "e", "log_chi")
        }
        for n in params:
            out[f"log_mult_{n}"] = []
        cur_p, cur_m, cur_g = pv, mv, ev * pv
        log_chi = mpmath.mpf(0)
        for _ in range(depth):
            qq = pre_q(cur_p, cur_m, cur_g)
            ll = pre_l(cur_p, cur_m, cur_g)
            args = (cur_p, cur_m, cur_g, qq, ll)
            if has_grad:
                log_chi += mpmath.log(grad(*args))
                for n, f in params.items():
                    out[f"log_mult_{n}"].append(b.finish(mpmath.log(f(*args))))
            cur_p, cur_m, cur_g = nxt[p](*args), nxt[m](*args), nxt[gamma](*args)
            out["p"].append(b.finish(cur_p))
            out["m"].append(b.finish(cur_m))
            out["gamma"].append(b.finish(cur_g))
            out["q"].append(b.finish(qq))
            out["e"].append(b.finish(cur_g / cur_p))
            out["log_chi"].append(b.finish(log_chi))
    return out
