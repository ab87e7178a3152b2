r"""Numeric values of the abstract transforms for a bound activation, both precisions.

:func:`transform_value` evaluates :math:`\mathcal{V}\phi`, :math:`\mathcal{W}\phi`,
:math:`\mathcal{V}\phi'`, :math:`\mathcal{W}\phi'` (through
:func:`asymptote.transforms.transform`) and the mean
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
from .symbols import Mphi, Vdphi, Vphi, Wdphi, Wphi

__all__ = ["Evaluator", "evaluator", "mean_at_unit_variance", "mean_transform", "transform_value"]


@cache
def _mean_unit_mp(act: BoundActivation, dps: int) -> mpmath.mpf:
    from ..numeric.gaussian_mp import expect_1d_mp

    with workdps(dps):
        return +expect_1d_mp(act.phi_mp, mpmath.mpf(1), kinks=act.kinks)


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

            value = expect_1d_mp(act.phi_mp, qm, kinks=act.kinks)
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
    ``Mphi``).

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
    if name == "Mphi":
        return mean_transform(act, *args, dps=dps)
    raise ValueError(f"unknown transform {name!r}")


# ---------------------------------------------------------------------------------------
# derived maps bound to an activation and a backend
# ---------------------------------------------------------------------------------------
_TRANSFORMS = (Vphi, Wphi, Vdphi, Wdphi, Mphi)
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
    key = {"Vphi": "V", "Vdphi": "Vd", "Wphi": "W", "Wdphi": "Wd"}[name]
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
