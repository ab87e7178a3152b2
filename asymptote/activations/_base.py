"""The activation declaration and everything derived from it.

An :class:`ActivationSpec` holds only what cannot be derived: the SymPy expression of
``phi``, its parameters with their domains, closed forms of the Gaussian transforms with
their citations, the width of the strip of analyticity (used to place quadrature nodes),
and references. Derived here: ``phi'`` (SymPy ``diff``), the kinks (from ``Piecewise``
conditions), numpy and mpmath evaluators (``lambdify``), missing closed forms (the
second moment as the ``c -> 1`` *limit* of the cross moment; derivative kernels by Price's
theorem ``dW/dq12``; the slope ``dV/dq``), parity and positive homogeneity.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import mpmath
import numpy as np
import sympy

from .._precision import to_float, to_mpf
from .._validate import to_exact, to_rational

__all__ = [
    "X",
    "Q",
    "Q1",
    "Q2",
    "Q12",
    "C",
    "TRANSFORMS",
    "Param",
    "ClosedForm",
    "ActivationSpec",
    "BoundActivation",
]

#: Pre-activation variable of ``phi``.
X = sympy.Symbol("x", real=True)
#: Variance of a single pre-activation.
Q = sympy.Symbol("q", positive=True)
#: Variances and covariance of a pair of pre-activations.
Q1 = sympy.Symbol("q_1", positive=True)
Q2 = sympy.Symbol("q_2", positive=True)
Q12 = sympy.Symbol("q_12", real=True)
#: Correlation (used when a limit c -> 1 is taken).
C = sympy.Symbol("c", real=True)

#: The Gaussian transforms, by key.
#:
#: ``V``  : second moment  :math:`V(q) = E[\phi(\sqrt{q} z)^2]`
#: ``W``  : cross moment   :math:`W(q_1,q_2,q_{12}) = E[\phi(u)\phi(v)]`
#: ``Vd`` : derivative second moment :math:`E[\phi'(\sqrt{q} z)^2]`
#: ``Wd`` : derivative cross moment  :math:`E[\phi'(u)\phi'(v)]`
#: ``dV`` : slope of the second moment :math:`dV/dq = E[\phi'^2 + \phi\phi'']`
TRANSFORMS: tuple[str, ...] = ("V", "W", "Vd", "Wd", "dV")
_ONE_D = {"V", "Vd", "dV"}


@dataclass(frozen=True)
class Param:
    """A parameter of an activation family.

    Parameters
    ----------
    name : str
        Python identifier, also the SymPy symbol name.
    domain : sympy.Set
        Allowed values, e.g. ``sympy.Interval.open(-1/2, oo)``.
    doc : str
        One-line meaning.
    default : float or None
        Value used when the caller does not give one (``None``: required).
    """

    name: str
    domain: sympy.Set
    doc: str
    default: float | None = None

    @property
    def symbol(self) -> sympy.Symbol:
        return sympy.Symbol(self.name, real=True)


@dataclass(frozen=True)
class ClosedForm:
    """A closed form of one Gaussian transform, a *claim* checked by the tests.

    Parameters
    ----------
    expr : sympy.Expr
        In ``Q`` (1-D transforms) or ``Q1, Q2, Q12`` (2-D transforms) and the parameters.
    reference : str
        Citation key and equation, e.g. ``"W97 eq. (11)"``.
    valid_when : callable or None
        Predicate on the dict of float parameter values; ``None`` means always valid.
    numpy : callable or None
        Hand-written float64 evaluator ``f(*args, **params)`` where the lambdified
        expression would lose accuracy; ``None`` means lambdify ``expr``.
    mpmath : callable or None
        Hand-written mpmath evaluator with the same signature; ``None``: lambdify.
    """

    expr: sympy.Expr | None
    reference: str
    valid_when: Callable[[Mapping[str, float]], bool] | None = None
    numpy: Callable[..., Any] | None = None
    mpmath: Callable[..., Any] | None = None


@dataclass(frozen=True)
class ActivationSpec:
    """Declaration of an activation (or a parametric family).

    Parameters
    ----------
    name : str
        Registry name.
    phi : sympy.Expr
        The activation in the symbol :data:`X` and the parameter symbols.
    description : str
        One line for listings and the docs catalog.
    references : tuple of str
        Citation keys (see :mod:`asymptote.references`) with equation/section.
    citations : mapping of str to str
        Bibliography entries this declaration introduces (``{"GB10": "X. Glorot and Y.
        Bengio, ..."}``), added to :data:`asymptote.references.REFERENCES` at registration,
        so that a new activation with a new source is one file.
    params : tuple of Param
    closed_forms : mapping of str to ClosedForm
        Keys among :data:`TRANSFORMS`.
    singularity_distance : float
        Half-width ``d`` of the strip ``|Im x| < d`` in which ``phi`` is analytic (``inf``
        for entire functions); used by the numpy quadrature to place its nodes.
    numpy_phi, numpy_dphi : callable or None
        Overflow-safe float64 versions of ``phi`` and ``phi'`` (``f(x, **params)``) where
        the lambdified expression would overflow (e.g. ``log(1 + exp(x))``).
    undefined : mapping of str to callable
        For a transform key, a function of the float parameters returning a reason string
        when that transform diverges (e.g. ``E[phi'^2]`` of alpha-ReLU for alpha <= 1/2),
        ``None`` otherwise.
    """

    name: str
    phi: sympy.Expr
    description: str
    references: tuple[str, ...]
    params: tuple[Param, ...] = ()
    closed_forms: Mapping[str, ClosedForm] = field(default_factory=dict)
    singularity_distance: float = math.inf
    numpy_phi: Callable[..., Any] | None = None
    numpy_dphi: Callable[..., Any] | None = None
    undefined: Mapping[str, Callable[[Mapping[str, float]], str | None]] = field(
        default_factory=dict
    )
    citations: Mapping[str, str] = field(default_factory=dict)

    # ----- derived symbolic data -------------------------------------------------------
    @cached_property
    def param_symbols(self) -> tuple[sympy.Symbol, ...]:
        return tuple(p.symbol for p in self.params)

    @cached_property
    def dphi(self) -> sympy.Expr:
        """``phi'`` by SymPy differentiation, valid away from the kinks.

        ``Piecewise`` branches differentiate branch by branch; ``Abs``, ``sign``,
        ``Heaviside``, ``Max``, ``Min`` differentiate into ``sign``/``Heaviside`` and
        ``DiracDelta`` terms. The deltas sit at the kinks (:attr:`kinks`), where the
        quadratures split and never evaluate, and no numpy/mpmath evaluator exists for them,
        so they are dropped: the result is the classical derivative off the kinks (as for
        ``Piecewise``, whose SymPy derivative drops them too).
        """
        return _drop_deltas(sympy.diff(self.phi, X))

    @cached_property
    def d2phi(self) -> sympy.Expr:
        """``phi''`` off the kinks (see :attr:`dphi`)."""
        return _drop_deltas(sympy.diff(self.phi, X, 2))

    @cached_property
    def kinks(self) -> tuple[sympy.Expr, ...]:
        """Points where ``phi`` is not smooth, from the ``Piecewise`` conditions of ``phi``
        with ``Abs``, ``sign``, ``Heaviside``, ``Max``, ``Min`` rewritten as ``Piecewise``."""
        points: set[sympy.Expr] = set()
        for pw in _as_piecewise(self.phi).atoms(sympy.Piecewise):
            for _, cond in pw.args:
                for rel in cond.atoms(sympy.core.relational.Relational):
                    sol = sympy.solve(sympy.Eq(rel.lhs, rel.rhs), X)
                    points.update(sol)
        return tuple(sorted(points, key=lambda e: float(e.subs({s: 0 for s in e.free_symbols}))))

    @cached_property
    def symbolic_forms(self) -> dict[str, tuple[sympy.Expr, str]]:
        """Closed forms, declared or derived, as ``{key: (expr, provenance)}``.

        Derived: ``V`` as :math:`\\lim_{c\\to 1^-} W(q, q, c q)` (a limit, not a
        substitution); ``Wd = \\partial W / \\partial q_{12}`` and ``Vd`` likewise from
        ``V``-side limits (Price's theorem [P58]); ``dV = dV/dq``.
        """
        out: dict[str, tuple[sympy.Expr, str]] = {}
        for key, cf in self.closed_forms.items():
            if cf.expr is not None:
                out[key] = (cf.expr, cf.reference)
        if "W" in out and "V" not in out:
            w = out["W"][0].subs({Q1: Q, Q2: Q, Q12: C * Q})
            out["V"] = (sympy.simplify(sympy.limit(w, C, 1, "-")), "limit c->1 of W")
        if "W" in out and "Wd" not in out:
            out["Wd"] = (sympy.simplify(sympy.diff(out["W"][0], Q12)), "Price [P58]: dW/dq12")
        if "Wd" in out and "Vd" not in out:
            wd = out["Wd"][0].subs({Q1: Q, Q2: Q, Q12: C * Q})
            out["Vd"] = (sympy.simplify(sympy.limit(wd, C, 1, "-")), "limit c->1 of Wd")
        if "V" in out and "dV" not in out:
            out["dV"] = (sympy.simplify(sympy.diff(out["V"][0], Q)), "d/dq of V")
        return out

    # ----- evaluators shared by every binding (lambdified once per declaration) ---------
    def lambdified(self, which: str, module: str) -> Callable[..., Any]:
        """``f(x, *params)`` for ``which`` in ``'phi', 'dphi', 'd2phi'`` on ``module``."""
        cache: dict[tuple[str, str], Any] = self.__dict__.setdefault("_lambdified", {})
        if (which, module) not in cache:
            expr = {"phi": self.phi, "dphi": self.dphi, "d2phi": self.d2phi}[which]
            cache[(which, module)] = sympy.lambdify((X, *self.param_symbols), expr, modules=module)
        return cache[(which, module)]  # type: ignore[no-any-return]

    def lambdified_form(self, key: str, module: str) -> Callable[..., Any]:
        """``f(*args, *params)`` for the (declared or derived) closed form of ``key``."""
        cache: dict[tuple[str, str], Any] = self.__dict__.setdefault("_lambdified", {})
        if ("form " + key, module) not in cache:
            args = (Q,) if key in _ONE_D else (Q1, Q2, Q12)
            declared = self.closed_forms.get(key)
            expr = (
                declared.expr
                if declared is not None and declared.expr is not None
                else self.symbolic_forms[key][0]
            )
            cache[("form " + key, module)] = sympy.lambdify(
                (*args, *self.param_symbols), expr, modules=module
            )
        return cache[("form " + key, module)]  # type: ignore[no-any-return]

    def param_dict(self, values: Mapping[str, object]) -> dict[str, object]:
        """Complete and validate parameter values (``ValueError``/``TypeError`` naming them)."""
        unknown = set(values) - {p.name for p in self.params}
        if unknown:
            allowed = ", ".join(p.name for p in self.params) or "none"
            raise TypeError(
                f"activation {self.name!r} got unknown parameter(s) {sorted(unknown)}; "
                f"allowed: {allowed}"
            )
        out: dict[str, object] = {}
        for p in self.params:
            raw = values.get(p.name, p.default)
            if raw is None:
                raise ValueError(f"activation {self.name!r} needs parameter {p.name} ({p.doc})")
            val = to_float(raw, p.name)
            if not bool(p.domain.contains(sympy.Float(val, 30))):
                raise ValueError(
                    f"parameter {p.name} of {self.name!r} must lie in {p.domain}, got {raw!r}"
                )
            out[p.name] = raw
        return out


_KINKED = (sympy.Abs, sympy.sign, sympy.Heaviside, sympy.Max, sympy.Min)


def _drop_deltas(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with every ``DiracDelta(...)`` (any order) replaced by 0, Piecewise folded."""
    if expr.has(sympy.DiracDelta):
        expr = expr.replace(sympy.DiracDelta, lambda *args: sympy.S.Zero)
    return sympy.piecewise_fold(expr)


def _as_piecewise(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with the kinked functions of :data:`_KINKED` rewritten as ``Piecewise``."""
    if not expr.has(*_KINKED):
        return expr
    return expr.replace(lambda e: isinstance(e, _KINKED), lambda e: e.rewrite(sympy.Piecewise))


def _param_text(value: object) -> object:
    """A float parameter as the decimal text it prints (see :func:`_exact_param`)."""
    if isinstance(value, (float, sympy.Float)) and not isinstance(value, bool):
        return str(value)
    return value


def _exact_param(value: object, name: str) -> sympy.Expr:
    """Exact SymPy value of a parameter, never through SymPy's parser (sympify is eval).

    Text by the strict number grammar of :mod:`asymptote._validate`; floats (and SymPy
    floats) as the decimal they print (``0.3`` gives ``3/10``); other SymPy numbers
    (``sqrt(2)``) as given.
    """
    if isinstance(value, sympy.Float):
        return to_rational(str(value), name)  # type: ignore[no-any-return]
    return to_exact(value, name)  # type: ignore[no-any-return]


#: homogeneity degrees by (declaration, exact parameter values); see
#: :attr:`BoundActivation.homogeneity_degree_exact`
_DEGREE_CACHE: dict[tuple[int, tuple[Any, ...]], Any] = {}
_MISSING = object()


class BoundActivation:
    """An activation with its parameter values fixed; what every public function takes.

    Build one with :func:`asymptote.activation`. Parameter values are kept as given (so a
    string like ``"0.3"`` is converted exactly at each requested precision).
    """

    def __init__(self, spec: ActivationSpec, params: Mapping[str, object], label: str) -> None:
        self.spec = spec
        self.params: dict[str, object] = spec.param_dict(params)
        self.float_params: dict[str, float] = {k: to_float(v, k) for k, v in self.params.items()}
        self.label = label

    def __repr__(self) -> str:
        if not self.params:
            return f"activation({self.label!r})"
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"activation({self.label!r}, {args})"

    def __eq__(self, other: object) -> bool:
        # the same declaration object, not only the same name: a name registered again
        # (tests' throwaway activations) must not hit caches keyed by the old binding
        return (
            isinstance(other, BoundActivation)
            and other.spec is self.spec
            and other.float_params == self.float_params
        )

    def __hash__(self) -> int:
        return hash((self.spec.name, tuple(sorted(self.float_params.items()))))

    @property
    def name(self) -> str:
        return self.label

    # ----- parameter values ----------------------------------------------------------
    def mp_params(self) -> list[mpmath.mpf]:
        """Parameter values as mpf at the current working precision: the same exact numbers as
        :attr:`sympy_subs` (a float is the decimal it prints, ``0.01`` is one hundredth), so
        the symbolic and the mpmath routes evaluate the same activation."""
        return [to_mpf(_param_text(self.params[p.name]), p.name) for p in self.spec.params]

    def np_params(self) -> list[float]:
        return [self.float_params[p.name] for p in self.spec.params]

    @cached_property
    def sympy_subs(self) -> dict[sympy.Symbol, sympy.Expr]:
        return {p.symbol: _exact_param(self.params[p.name], p.name) for p in self.spec.params}

    # ----- derived evaluators ----------------------------------------------------------
    @cached_property
    def kinks(self) -> tuple[float, ...]:
        vals = sorted({float(k.subs(self.sympy_subs)) for k in self.spec.kinks})
        return tuple(vals)

    @cached_property
    def phi_mp(self) -> Callable[[Any], Any]:
        f = self.spec.lambdified("phi", "mpmath")
        return lambda u: f(u, *self.mp_params())

    @cached_property
    def dphi_mp(self) -> Callable[[Any], Any]:
        f = self.spec.lambdified("dphi", "mpmath")
        return lambda u: f(u, *self.mp_params())

    @cached_property
    def d2phi_mp(self) -> Callable[[Any], Any]:
        f = self.spec.lambdified("d2phi", "mpmath")
        return lambda u: f(u, *self.mp_params())

    @cached_property
    def phi_np(self) -> Callable[[np.ndarray], np.ndarray]:
        if self.spec.numpy_phi is not None:
            g = self.spec.numpy_phi
            kw = self.float_params
            return lambda u: g(u, **kw)
        return self._np_from_expr("phi")

    @cached_property
    def dphi_np(self) -> Callable[[np.ndarray], np.ndarray]:
        if self.spec.numpy_dphi is not None:
            g = self.spec.numpy_dphi
            kw = self.float_params
            return lambda u: g(u, **kw)
        return self._np_from_expr("dphi")

    @cached_property
    def d2phi_np(self) -> Callable[[np.ndarray], np.ndarray]:
        """``phi''`` in float64 (lambdified; used only where its arguments stay moderate)."""
        return self._np_from_expr("d2phi")

    def _np_from_expr(self, which: str) -> Callable[[np.ndarray], np.ndarray]:
        f = self.spec.lambdified(which, "numpy")
        params = self.np_params()

        def evaluate(u: np.ndarray) -> np.ndarray:
            u = np.asarray(u, dtype=float)
            return np.broadcast_to(np.asarray(f(u, *params), dtype=float), u.shape)

        return evaluate

    def undefined_reason(self, key: str) -> str | None:
        """Why transform ``key`` diverges at these parameters, or ``None``."""
        check = self.spec.undefined.get(key)
        return None if check is None else check(self.float_params)

    def closed_form_valid(self, key: str) -> bool:
        """Whether a closed form for transform ``key`` applies at these parameters."""
        # declared keys first: deriving the others (limits, simplify) takes SymPy ~1 s
        if key not in self.spec.closed_forms and key not in self.spec.symbolic_forms:
            return False
        declared = self.spec.closed_forms.get(key)
        if declared is not None and declared.valid_when is not None:
            return bool(declared.valid_when(self.float_params))
        # derived forms inherit the validity of the form they came from
        source = {"V": "W", "Wd": "W", "Vd": "Wd", "dV": "V"}.get(key)
        if source is not None and source in self.spec.closed_forms and declared is None:
            return self.closed_form_valid(source)
        return True

    def closed_form_evaluator(self, key: str, backend: str) -> Callable[..., Any] | None:
        """Evaluator of the closed form of ``key`` on ``backend`` ('numpy' or 'mpmath')."""
        if not self.closed_form_valid(key):
            return None
        return self._closed_form_evaluator(key, backend)

    def _closed_form_evaluator(self, key: str, backend: str) -> Callable[..., Any] | None:
        cache: dict[tuple[str, str], Any] = self.__dict__.setdefault("_cf_cache", {})
        if (key, backend) in cache:
            return cache[(key, backend)]
        declared = self.spec.closed_forms.get(key)
        hand = None if declared is None else getattr(declared, backend)
        result: Callable[..., Any] | None
        if hand is not None:
            if backend == "numpy":
                kw: Mapping[str, Any] = self.float_params

                def result(*a: Any) -> Any:
                    return hand(*a, **kw)
            else:
                names = [p.name for p in self.spec.params]

                def result(*a: Any) -> Any:
                    return hand(*a, **dict(zip(names, self.mp_params(), strict=True)))
        elif (declared is not None and declared.expr is not None) or (
            key in self.spec.symbolic_forms
        ):
            f = self.spec.lambdified_form(key, backend)
            if backend == "numpy":
                params = self.np_params()

                def result(*a: Any) -> Any:
                    return f(*a, *params)
            else:

                def result(*a: Any) -> Any:
                    return f(*a, *self.mp_params())
        else:
            result = None
        cache[(key, backend)] = result
        return result

    # ----- derived structural facts ----------------------------------------------------
    @cached_property
    def homogeneity_degree(self) -> float | None:
        """Degree ``k`` (float) if ``phi`` is positively homogeneous, else ``None``."""
        exact = self.homogeneity_degree_exact
        return None if exact is None else float(exact)

    @cached_property
    def homogeneity_degree_exact(self) -> sympy.Expr | None:
        r"""Degree ``k`` if ``phi(t x) = t^k phi(x)`` for all ``t > 0``, else ``None``.

        Checked at sample points in SymPy's exact arithmetic; ``k`` is the exact value
        :math:`\log(\phi(t x)/\phi(x))/\log t` (so alpha-ReLU with alpha = 0.3 gives the
        double nearest 3/10, not a rounded logarithm ratio). The SymPy work (about a second)
        is done once per declaration and exact parameter values, not per bound object.
        """
        key = (id(self.spec), tuple(sorted(self.sympy_subs.items(), key=lambda kv: str(kv[0]))))
        cached = _DEGREE_CACHE.get(key, _MISSING)
        if cached is _MISSING:
            cached = self._homogeneity_degree()
            if len(_DEGREE_CACHE) >= 512:  # bounded: drop the oldest entry
                _DEGREE_CACHE.pop(next(iter(_DEGREE_CACHE)))
            _DEGREE_CACHE[key] = (self.spec, cached)  # the spec keeps id() from being reused
            return cached
        return cached[1]  # type: ignore[index,no-any-return]

    def _homogeneity_degree(self) -> sympy.Expr | None:
        phi = self.spec.phi.subs(self.sympy_subs)
        degree: sympy.Expr | None = None
        for x0 in (sympy.Rational(1, 3), sympy.Integer(2), sympy.Rational(-3, 2), -3):
            for t in (sympy.Integer(2), sympy.Integer(7)):
                a = phi.subs(X, x0)
                b = phi.subs(X, t * x0)
                if a == 0 and b == 0:
                    continue
                if a == 0 or b == 0:
                    return None
                ratio = sympy.simplify(b / a)
                if ratio.is_positive is not True:
                    return None
                k = sympy.nsimplify(
                    sympy.simplify(sympy.expand_log(sympy.log(ratio), force=True) / sympy.log(t))
                )
                if not k.is_number or not k.is_real:
                    return None
                if degree is None:
                    degree = k
                elif sympy.simplify(k - degree) != 0:
                    return None
        return degree

    @cached_property
    def parity(self) -> str | None:
        """``'even'``, ``'odd'`` or ``None``, checked at sample points."""
        phi = self.spec.phi.subs(self.sympy_subs)
        even = odd = True
        for x0 in (sympy.Rational(1, 3), sympy.Rational(3, 2), sympy.Integer(2), sympy.Integer(5)):
            a = complex(phi.subs(X, x0).evalf(30))
            b = complex(phi.subs(X, -x0).evalf(30))
            even &= abs(a - b) <= 1e-25 * (1 + abs(a))
            odd &= abs(a + b) <= 1e-25 * (1 + abs(a))
        return "even" if even else "odd" if odd else None
