r"""Numeric values of the abstract transforms for a bound activation, both precisions.

:func:`transform_value` evaluates :math:`\mathcal{V}\phi`, :math:`\mathcal{W}\phi`,
:math:`\mathcal{V}\phi'`, :math:`\mathcal{W}\phi'`, :math:`d\mathcal{V}\phi/dq` (through
:func:`asymptote.transforms.transform`, keys ``V, W, Vd, Wd, dV``), the linearity gap
:math:`\mathcal{G}\phi(q) = q\mathcal{V}\phi'(q) - \mathcal{V}\phi(q)` (:func:`gap_transform`,
without cancellation) and the mean
:math:`\mathcal{M}\phi(q) = E[\phi(\sqrt{q} z)]`, which the reduced resnet needs for
non-odd activations (see :mod:`asymptote.recurrences.architecture`). The mean is zero for
odd :math:`\phi`, :math:`\mathcal{M}\phi(1)\,q^{k/2}` for :math:`\phi` positively homogeneous
of degree :math:`k`, and a 1-D Gaussian quadrature otherwise.

:func:`evaluator` binds derived expressions (the maps of a
:class:`~asymptote.recurrences.Recurrence`) to an activation and a numeric backend
(:mod:`asymptote.backend`): the arithmetic is lambdified once per backend kind and cached
(independently of the activation), and each distinct transform application is evaluated
once per call through :meth:`asymptote.backend.Backend.apply`, elementwise over arrays.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache, partial
from typing import Any

import mpmath
import numpy as np
import sympy

from .._precision import check_dps, round_mpf, to_mpf, workdps
from ..activations import BoundActivation
from ..backend import Backend
from ..transforms import transform
from .symbols import Gphi, Mphi, Vdphi, Vphi, Wdphi, Wphi, dVphi

__all__ = [
    "Evaluator",
    "evaluator",
    "gap_transform",
    "mean_at_unit_variance",
    "mean_transform",
    "transform_value",
]


@cache
def _mean_unit_mp(act: BoundActivation, dps: int) -> mpmath.mpf:
    from ..numeric.gaussian_mp import expect_1d_mp

    with workdps(dps):
        return +expect_1d_mp(
            act.phi_mp,
            mpmath.mpf(1),
            kinks=act.kinks,
            analytic_halfwidth=act.spec.singularity_distance,
        )


def mean_at_unit_variance(act: BoundActivation, *, dps: int = 30) -> mpmath.mpf:
    r""":math:`\mathcal{M}\phi(1) = E[\phi(z)]` at ``dps`` digits (0 for odd activations)."""
    if act.parity == "odd":
        return mpmath.mpf(0)
    return _mean_unit_mp(act, check_dps(dps))


def mean_transform(act: BoundActivation, q: Any, *, dps: int | None = None) -> Any:
    r""":math:`\mathcal{M}\phi(q) = E[\phi(\sqrt{q}\,z)]`, vectorized (``dps=None``) or mpmath.

    Notes
    -----
    Odd :math:`\phi`: 0. Positively homogeneous of degree :math:`k` (Piecewise-power
    activations): :math:`\mathcal{M}\phi(1)\,q^{k/2}`, with :math:`\mathcal{M}\phi(1)` by
    tanh-sinh quadrature split at the kinks. Otherwise Gauss-Legendre quadrature
    (:func:`asymptote.numeric.gaussian_np.expect_1d`) or tanh-sinh at ``dps``.
    """
    degree = act.homogeneity_degree_exact
    if dps is None:
        qa = np.asarray(q, dtype=float)
        if act.parity == "odd":
            return np.zeros_like(qa)
        if degree is not None:
            return float(mean_at_unit_variance(act, dps=20)) * qa ** (float(degree) / 2)
        from ..numeric.gaussian_np import expect_1d

        return expect_1d(
            act.phi_np, qa, kinks=act.kinks, singularity_distance=act.spec.singularity_distance
        )
    dps = check_dps(dps)
    with workdps(dps):
        qm = to_mpf(q, "q")
        if act.parity == "odd":
            return mpmath.mpf(0)
        if degree is not None:
            k = mpmath.mpf(sympy_to_str(degree))
            value = mean_at_unit_variance(act, dps=dps + 12) * qm ** (k / 2)
        else:
            from ..numeric.gaussian_mp import expect_1d_mp

            value = expect_1d_mp(
                act.phi_mp, qm, kinks=act.kinks, analytic_halfwidth=act.spec.singularity_distance
            )
    return round_mpf(value, dps)


# ---------------------------------------------------------------------------------------
# the linearity gap q Vphi'(q) - Vphi(q), without cancellation
# ---------------------------------------------------------------------------------------
#: Gauss-Laguerre rule for the Gaussian tails (exact for polynomials of degree 79 times e^-t)
_LAGUERRE = np.polynomial.laguerre.laggauss(40)
#: tails start at least this many standard deviations out on the Laguerre route (float64):
#: there the rule reaches 3e-14 relative on the hard-tanh tail 1/u^2 (measured against
#: 2 [phi(a)/a - Q(a)] at 60 digits: 5e-14 at a = 2, 3e-15 at a = 9)
_TAIL_START = 2.0


#: below this q the float64 gap of an activation analytic at 0 is the Gaussian moment series
#: of the Taylor polynomial of (phi' - phi/u)^2 (see gap_transform); the next term is below
#: 1e-20 relative there for radii of convergence >= pi/2 (tanh)
_SERIES_MAX_Q = 1e-3
_SERIES_ORDER = 24
#: float64: the difference q E[phi'^2] - V is used where it is at least this fraction of
#: q E[phi'^2] (at most two digits cancel: relative error <= 2e-14)
_DIFFERENCE_KEEPS = 0.01


@cache
def _gap_series(act: BoundActivation) -> tuple[float, ...] | None:
    r"""Coefficients :math:`g_k` of :math:`\mathcal{G}\phi(q) = q\sum_k g_k q^k`, small
    :math:`q`, for :math:`\phi` without kinks, analytic at 0, :math:`\phi(0) = 0`.

    With the Taylor series :math:`\phi = \sum a_k u^k` (SymPy, to order 24),
    :math:`\phi' - \phi/u = \sum_k (k - 1) a_k u^{k-1}`; its square
    :math:`\sum_j h_j u^j` (valid to degree 22) has the exact Gaussian moments
    :math:`E[u^j] = (j - 1)!!\, q^{j/2}` (:math:`j` even), so :math:`g_{j/2} = h_j (j-1)!!`.
    ``None`` where the series does not exist (kinks, a pole or branch point at 0).
    """
    from ..activations._base import X

    if act.kinks:
        return None
    phi = act.spec.phi.subs(act.sympy_subs)
    try:
        poly = sympy.Poly(sympy.series(phi, X, 0, _SERIES_ORDER).removeO(), X)
    except (sympy.PolynomialError, NotImplementedError, ValueError, TypeError):
        return None
    coeffs = {k: poly.coeff_monomial(X**k) for k in range(_SERIES_ORDER)}
    if coeffs[0] != 0:
        return None
    d = sympy.Poly(sum((k - 1) * a * X ** (k - 1) for k, a in coeffs.items() if k >= 2), X)
    h = d**2
    out = []
    for j in range(0, _SERIES_ORDER - 1, 2):
        moment = sympy.factorial2(j - 1) if j else 1
        out.append(float(h.coeff_monomial(X**j) * moment))
    return tuple(out)


@cache
def _vanishing_centre(act: BoundActivation) -> tuple[float, float] | None:
    r"""The kinks :math:`k_- < 0 < k_+` nearest 0 when :math:`\phi' - \phi/u` vanishes
    identically between them (decided on the SymPy declaration) and no kink lies beyond
    them; ``None`` otherwise."""
    from ..activations._base import X

    kinks = act.kinks
    below, above = [k for k in kinks if k < 0], [k for k in kinks if k > 0]
    if len(below) != 1 or len(above) != 1 or len(kinks) != 2:
        return None
    k_lo, k_hi = below[0], above[0]
    expr = sympy.piecewise_fold((act.spec.dphi - act.spec.phi / X).subs(act.sympy_subs))
    mid = (sympy.Rational(k_lo) + sympy.Rational(k_hi)) / 2
    piece = expr
    if isinstance(expr, sympy.Piecewise):
        piece = next(e for e, cond in expr.args if bool(cond.subs(X, mid)))
    return (k_lo, k_hi) if sympy.simplify(piece) == 0 else None


def _gap_integrand(act: BoundActivation, u: Any, mp: bool) -> Any:
    if mp:
        return 0 if u == 0 else (act.dphi_mp(u) - act.phi_mp(u) / u) ** 2
    safe = np.where(u == 0, 1.0, u)
    return np.where(u == 0, 0.0, (act.dphi_np(safe) - act.phi_np(safe) / safe) ** 2)


def _tail_np(act: BoundActivation, q: np.ndarray, kink: float) -> np.ndarray:
    r""":math:`E[h(u); |u| > |k|, \operatorname{sign} u = \operatorname{sign} k]` for
    :math:`a = |k|/\sqrt q \ge 2`: with :math:`z = a + t/a`,
    :math:`\int_a^\infty h\,\varphi(z)\,dz = \frac{\varphi(a)}{a}\int_0^\infty e^{-t}
    h(\sqrt q (a + t/a)) e^{-t^2/(2a^2)}\,dt` (no cancellation, no truncation)."""
    t, w = _LAGUERRE
    root = np.sqrt(q)[..., None]
    a = abs(kink) / root
    z = a + t / a
    values = _gap_integrand(act, math.copysign(1.0, kink) * root * z, mp=False)
    density = np.exp(-(a[..., 0] ** 2) / 2) / math.sqrt(2 * math.pi)
    return density / a[..., 0] * np.sum(w * values * np.exp(-(t**2) / (2 * a**2)), axis=-1)


def _tail_mp(act: BoundActivation, q: Any, kink: float) -> Any:
    """The tail of :func:`_tail_np` by tanh-sinh in ``t`` (any ``a > 0``)."""
    root = mpmath.sqrt(q)
    a = abs(mpmath.mpf(kink)) / root
    s = 1 / max(a, 1)  # z = a + s t: the tail's own scale
    sign = 1 if kink > 0 else -1

    def integrand(t: Any) -> Any:
        z = a + s * t
        return _gap_integrand(act, sign * root * z, mp=True) * mpmath.exp(
            -a * s * t - (s * t) ** 2 / 2
        )

    return mpmath.npdf(a) * s * mpmath.quad(integrand, [0, mpmath.inf])


def gap_transform(act: BoundActivation, q: Any, *, dps: int | None = None) -> Any:
    r"""The linearity gap :math:`\mathcal{G}\phi(q) = q\,\mathcal{V}\phi'(q) -
    \mathcal{V}\phi(q)`, vectorized (``dps=None``) or mpmath.

    Notes
    -----
    For :math:`\phi(0) = 0` it is :math:`q\,E[(\phi'(u) - \phi(u)/u)^2]`, :math:`u =
    \sqrt q z` (the identity of :func:`asymptote.recurrences.symbols.gap_form`), an
    expectation of a square: no cancellation. Where :math:`\phi' - \phi/u` vanishes
    between the two kinks nearest 0 (hard tanh: :math:`\phi(u) = u` on :math:`|u| < 1`) only
    the two Gaussian tails beyond the kinks contribute; they are integrated in the tail's
    own variable :math:`t = a(z - a)`, :math:`a = |k|/\sqrt q` (Gauss-Laguerre in float64
    once :math:`a \ge 2`, tanh-sinh in mpmath), so that an exponentially small gap keeps
    its relative accuracy. Otherwise the graded Gauss-Legendre rule of
    :func:`asymptote.numeric.gaussian_np.expect_1d` / tanh-sinh. Near :math:`u = 0` the
    integrand :math:`\phi' - \phi/u` is a difference of order :math:`u^2` for smooth odd
    :math:`\phi`: on the float64 path the gap is therefore the moment series of
    :func:`_gap_series` for :math:`q \le 10^{-3}` (above it the quadrature's relative error
    is about :math:`\epsilon/q \le 10^{-13}`); the mpmath path adds
    :math:`\log_{10}(1/q)` guard digits to the quadrature instead. Where the plain
    difference loses at most two digits (:math:`|\mathcal{G}\phi| \ge 0.01\,
    q\mathcal{V}\phi'`) the float64 path returns it (cheaper: cached tables), relative error
    :math:`\le 2\cdot 10^{-14}`. For degree-1 positively homogeneous :math:`\phi`
    (:math:`\phi = u\phi'`) the gap is 0 exactly. For :math:`\phi(0) \ne 0` the expectation
    diverges and the difference :math:`q\mathcal{V}\phi' - \mathcal{V}\phi` is returned (it
    does not vanish as :math:`q \to 0`: :math:`\mathcal{V}\phi(0) = \phi(0)^2`).
    """
    if act.homogeneity_degree == 1.0:  # phi(u) = u phi'(u): the gap vanishes identically
        if dps is None:
            zeros = np.zeros(np.shape(q))
            return zeros if zeros.ndim else 0.0
        return mpmath.mpf(0)
    centre = _vanishing_centre(act)
    phi_at_zero = float(act.phi_np(np.zeros(1))[0])
    if dps is None:
        qa = np.asarray(q, dtype=float)
        if phi_at_zero != 0.0:
            return qa * transform("Vd", act, qa) - transform("V", act, qa)
        from ..numeric.gaussian_np import expect_1d

        # where the difference keeps all but two digits it is the cheaper route (cached
        # tables of V and E[phi'^2]); elsewhere the cancellation-free forms below
        scaled = qa * transform("Vd", act, qa)
        out = np.asarray(scaled - transform("V", act, qa), dtype=float)
        with np.errstate(invalid="ignore"):
            done = np.abs(out) >= _DIFFERENCE_KEEPS * scaled
        tail = np.zeros(qa.shape, dtype=bool)
        if centre is not None:
            with np.errstate(divide="ignore"):
                tail = (qa > 0) & (min(-centre[0], centre[1]) / np.sqrt(qa) >= _TAIL_START)
            tail &= ~done
            if np.any(tail):
                qt = qa[tail]
                out[tail] = qt * (_tail_np(act, qt, centre[0]) + _tail_np(act, qt, centre[1]))
        body = ~tail & ~done & (qa > 0)
        series = _gap_series(act) if np.any(body & (qa <= _SERIES_MAX_Q)) else None
        if series is not None:
            small = body & (qa <= _SERIES_MAX_Q)
            qs = qa[small]
            out[small] = qs * np.polynomial.polynomial.polyval(qs, series)
            body &= ~small
        if np.any(body):
            out[body] = qa[body] * expect_1d(
                lambda u: _gap_integrand(act, u, mp=False),
                qa[body],
                kinks=act.kinks,
                singularity_distance=act.spec.singularity_distance,
            )
        out = np.where(qa == 0, 0.0, out)
        return out if out.ndim else float(out)
    dps = check_dps(dps)
    with workdps(dps + 10):
        qm = to_mpf(q, "q")
    if qm == 0:
        return mpmath.mpf(0)
    guard = 10 + max(0, int(-mpmath.log10(qm)))
    with workdps(dps + guard):
        if phi_at_zero != 0.0:
            inner = dps + guard
            value = qm * transform("Vd", act, qm, dps=inner) - transform("V", act, qm, dps=inner)
        elif centre is not None:
            value = qm * (_tail_mp(act, qm, centre[0]) + _tail_mp(act, qm, centre[1]))
        else:
            from ..numeric.gaussian_mp import expect_1d_mp

            value = qm * expect_1d_mp(
                lambda u: _gap_integrand(act, u, mp=True),
                qm,
                kinks=act.kinks,
                analytic_halfwidth=act.spec.singularity_distance,
            )
    return round_mpf(value, dps)


def sympy_to_str(expr: Any) -> str:
    """A decimal string for an exact SymPy number, at the working precision.

    Only SymPy numbers and ints are accepted (never text: SymPy's parser is ``eval``).
    Rationals are divided exactly in mpmath; other real numbers (``sqrt(2)/2``) evaluated.
    """
    import sympy

    if isinstance(expr, bool) or not isinstance(expr, (sympy.Basic, int)):
        raise TypeError(f"expected a SymPy number, got {type(expr).__name__} {expr!r}")
    value = sympy.sympify(expr, strict=True)
    if value.is_Rational:
        num, den = int(value.p), int(value.q)
        return str(mpmath.mpf(num) / den) if den != 1 else str(num)
    if value.free_symbols or value.is_real is not True:
        raise TypeError(f"expected a real SymPy number, got {expr!r}")
    digits = mpmath.mp.dps + 5
    return str(mpmath.mpf(sympy.Float(value.evalf(digits), digits)._mpf_))


def transform_value(name: str, act: BoundActivation, *args: Any, dps: int | None = None) -> Any:
    """Evaluate the abstract transform ``name`` (``Vphi``, ``Wphi``, ``Vdphi``, ``Wdphi``,
    ``dVphi``, ``Gphi``, ``Mphi``).

    ``Wphi(q, lambda)`` is the cross moment at equal variances ``q``, ``Wphi(q1, q2,
    lambda)`` the general one (likewise ``Wdphi``).
    """
    if name == "Vphi":
        return transform("V", act, *args, dps=dps)
    if name == "Vdphi":
        return transform("Vd", act, *args, dps=dps)
    if name in ("Wphi", "Wdphi"):
        key = "W" if name == "Wphi" else "Wd"
        if len(args) == 2:
            qq, lam = args
            return transform(key, act, qq, qq, lam, dps=dps)
        return transform(key, act, *args, dps=dps)
    if name == "dVphi":
        return transform("dV", act, *args, dps=dps)
    if name == "Gphi":
        return gap_transform(act, *args, dps=dps)
    if name == "Mphi":
        return mean_transform(act, *args, dps=dps)
    raise ValueError(f"unknown transform {name!r}")


# ---------------------------------------------------------------------------------------
# derived maps bound to an activation and a backend
# ---------------------------------------------------------------------------------------
_TRANSFORMS = (Vphi, Wphi, Vdphi, Wdphi, Mphi, dVphi, Gphi)
Stage = Mapping[sympy.Symbol, sympy.Expr]


@dataclass(frozen=True)
class _CompiledStage:
    outputs: tuple[sympy.Symbol, ...]
    inputs: tuple[sympy.Symbol, ...]
    #: (transform name, number of arguments) of each distinct transform application
    atoms: tuple[tuple[str, int], ...]
    arguments: Callable[..., Any] | None  # inputs -> the atoms' arguments, flattened
    #: positions in ``inputs`` of the atoms' arguments when all are plain symbols
    positions: tuple[int, ...] | None
    values: Callable[..., Any]  # inputs, atom values -> outputs


def _transform_atoms(exprs: Sequence[sympy.Expr]) -> list[sympy.Expr]:
    found: set[sympy.Expr] = set()
    for e in exprs:
        found |= {a for a in e.atoms(sympy.Function) if isinstance(a, _TRANSFORMS)}
    for a in found:
        if any(isinstance(b, _TRANSFORMS) for arg in a.args for b in arg.atoms(sympy.Function)):
            raise NotImplementedError(f"nested transforms are not supported: {a}")
    return sorted(found, key=sympy.default_sort_key)


@lru_cache(maxsize=256)
def _compile(
    stage: tuple[tuple[sympy.Symbol, sympy.Expr], ...], modules: tuple[str, ...]
) -> _CompiledStage:
    outputs = tuple(sym for sym, _ in stage)
    exprs = [sympy.sympify(e) for _, e in stage]
    atoms = _transform_atoms(exprs)
    placeholders = [sympy.Dummy(f"t{k}") for k in range(len(atoms))]
    replaced = [e.xreplace(dict(zip(atoms, placeholders, strict=True))) for e in exprs]
    free: set[sympy.Symbol] = set()
    for e in replaced:
        free |= e.free_symbols
    for a in atoms:
        free |= a.free_symbols
    inputs = tuple(sorted(free - set(placeholders), key=lambda s: s.name))
    flat_args = [arg for a in atoms for arg in a.args]
    mods = list(modules)
    symbolic = all(isinstance(arg, sympy.Symbol) for arg in flat_args)
    return _CompiledStage(
        outputs=outputs,
        inputs=inputs,
        atoms=tuple((type(a).__name__, len(a.args)) for a in atoms),
        arguments=None if symbolic else sympy.lambdify(inputs, flat_args, modules=mods),
        positions=tuple(inputs.index(arg) for arg in flat_args) if symbolic else None,
        values=sympy.lambdify([*inputs, *placeholders], replaced, modules=mods),
    )


def _atom_value(name: str, act: BoundActivation, backend: Backend, args: Sequence[Any]) -> Any:
    if name == "Mphi":
        return backend.apply(partial(mean_transform, act), *args)
    if name == "Gphi":
        return backend.apply(partial(gap_transform, act), *args)
    key = {"Vphi": "V", "Vdphi": "Vd", "dVphi": "dV", "Wphi": "W", "Wdphi": "Wd"}[name]
    if len(args) == 2:  # equal variances
        args = (args[0], args[0], args[1])
    return backend.transform(key, act, *args)


class Evaluator:
    """Derived maps bound to an activation and a backend; call with an environment.

    ``stages`` are evaluated in order, each stage's outputs joining the environment of the
    next (``pre``, then ``tangent_pre``, ``state``, ``tangent_state`` of a
    :class:`~asymptote.recurrences.Recurrence`). Inputs may be numbers or arrays of the
    backend's numbers, broadcast elementwise.
    """

    def __init__(self, stages: Sequence[Stage], act: BoundActivation, backend: Backend) -> None:
        self.act = act
        self.backend = backend
        self._stages = [_compile(tuple(stage.items()), tuple(backend.modules)) for stage in stages]

    @property
    def inputs(self) -> tuple[sympy.Symbol, ...]:
        """Symbols the caller must provide (those not computed by an earlier stage)."""
        computed: set[sympy.Symbol] = set()
        needed: list[sympy.Symbol] = []
        for st in self._stages:
            needed += [s for s in st.inputs if s not in computed and s not in needed]
            computed |= set(st.outputs)
        return tuple(needed)

    def __call__(self, env: Mapping[sympy.Symbol, Any]) -> dict[sympy.Symbol, Any]:
        """Outputs of every stage, by symbol."""
        scope = dict(env)
        out: dict[sympy.Symbol, Any] = {}
        for st in self._stages:
            try:
                args = [scope[s] for s in st.inputs]
            except KeyError as exc:
                raise KeyError(f"no value given for symbol {exc.args[0]}") from None
            if st.positions is not None:
                flat = [args[i] for i in st.positions]
            else:
                assert st.arguments is not None
                flat = st.arguments(*args)
            values, k = [], 0
            for name, n in st.atoms:
                values.append(_atom_value(name, self.act, self.backend, flat[k : k + n]))
                k += n
            results = st.values(*args, *values)
            for sym, value in zip(st.outputs, results, strict=True):
                scope[sym] = out[sym] = value
        return out


def evaluator(stages: Sequence[Stage], act: BoundActivation, backend: Backend) -> Evaluator:
    """Bind derived expressions to ``act`` and ``backend`` (:class:`Evaluator`).

    Examples
    --------
    >>> from asymptote.activations import activation
    >>> from asymptote.backend import backend
    >>> from asymptote.recurrences import recurrence
    >>> from asymptote.recurrences.symbols import q, sigma
    >>> step = recurrence("feedforward").pre_activation_step()
    >>> f = evaluator([{q: step[q]}], activation("relu"), backend(None))
    >>> f({q: 3.0, sigma("w"): 1.0, sigma("b"): 1.0})[q]
    2.5
    """
    return Evaluator(stages, act, backend)
