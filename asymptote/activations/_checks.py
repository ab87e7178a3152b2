r"""What the registry checks about a declaration (DESIGN.md, "The activation registry").

Two stages, so that importing :mod:`asymptote` stays fast:

* :func:`check_declaration`, at :func:`~asymptote.activations._registry.register`
  (microseconds, no SymPy differentiation): the name, the parameters and their domains,
  the symbols of ``phi`` and of each closed form, the transform keys, and that ``phi`` holds
  no function that numpy or mpmath cannot evaluate (``DiracDelta``, undefined functions).
* :func:`check_evaluators`, on the first binding of a family (or at registration with
  ``register(spec, check_now=True)``), at the sample parameter values of
  :func:`sample_params` and at every preset: every evaluator the library will use --
  ``phi``, ``phi'``, ``phi''`` on numpy and mpmath (hand-written ``numpy_phi`` /
  ``numpy_dphi`` or lambdified), and every declared closed form (hand-written ``numpy`` /
  ``mpmath`` callables or lambdified) -- against the SymPy declaration evaluated by mpmath
  at :data:`REFERENCE_DPS` digits, at the sample points :data:`SAMPLE_X` (away from the
  kinks), :data:`SAMPLE_Q` and :data:`SAMPLE_Q2`.

A mismatch, a non-finite or complex value, or an expression that cannot be evaluated
(``NameError: DiracDelta``) raises ``ValueError`` naming the activation, the evaluator
and the point.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import mpmath
import numpy as np
import sympy
from sympy.core.function import AppliedUndef

if TYPE_CHECKING:
    from ._base import ActivationSpec, BoundActivation

__all__ = [
    "SAMPLE_X",
    "SAMPLE_Q",
    "SAMPLE_Q2",
    "check_declaration",
    "check_evaluators",
    "sample_params",
    "sample_value",
    "unevaluable_parts",
]

#: Pre-activation sample points (points within :data:`KINK_CLEARANCE` of a kink are skipped).
SAMPLE_X: tuple[float, ...] = (-3.7, -1.3, -0.4, 0.25, 0.9, 2.2, 5.1)
#: Variances for the one-dimensional closed forms.
SAMPLE_Q: tuple[float, ...] = (0.3, 1.7, 6.0)
#: (q1, q2, q12) for the two-dimensional closed forms; correlations 0.35, -0.61, 0.24, so
#: every closed form is well conditioned there (no |c| -> 1 cancellation).
SAMPLE_Q2: tuple[tuple[float, float, float], ...] = (
    (0.7, 1.9, 0.4),
    (2.0, 1.1, -0.9),
    (0.5, 3.0, 0.3),
)
KINK_CLEARANCE = 1e-3
#: Digits of the reference (the SymPy declaration, lambdified to mpmath).
REFERENCE_DPS = 40
#: Digits at which the library's own mpmath evaluators are checked.
CHECK_DPS = 30
#: Hand-written float64 evaluators exist to be *accurate* (overflow-safe tails, no
#: cancellation); at the moderate sample points they are good to a few ulps, so 1e-12
#: relative leaves four orders of margin and still catches any wrong formula.
RTOL_HAND_NUMPY = 1e-12
#: Lambdified float64 expressions carry no accuracy promise: SymPy's form may cancel
#: (tanh'' = -2 tanh (1 - tanh^2) loses ~4 digits at x = 5.1). 1e-8 still catches a wrong
#: or unevaluable expression.
RTOL_LAMBDIFIED_NUMPY = 1e-8
#: mpmath evaluators at 30 digits against the 40-digit reference: each evaluation is good to
#: ~1e-29 relative, and no sample point costs more than ~4 digits of conditioning (the
#: tanh'' cancellation above), so 1e-25.
RTOL_MPMATH = 1e-25

_FUNCTION_NAMES = {"phi": "phi", "dphi": "phi'", "d2phi": "phi''"}


# ----------------------------------------------------------------------------------------
# parameter samples
# ----------------------------------------------------------------------------------------
def sample_value(domain: sympy.Set, name: str = "parameter") -> sympy.Expr:
    """A deterministic value inside ``domain``, away from its edges.

    ``3/4`` when it lies at least ``1/4`` inside; otherwise the midpoint of a bounded
    interval, or ``5/4`` inside the finite edge of a half-line; the first element of a
    finite set.
    """
    if isinstance(domain, sympy.FiniteSet):
        return sorted(domain, key=float)[0]  # type: ignore[no-any-return]
    if not isinstance(domain, sympy.Interval):
        raise ValueError(f"cannot draw a sample value for {name} from the domain {domain}")
    lo, hi = domain.inf, domain.sup
    quarter = sympy.Rational(1, 4)
    candidate = sympy.Rational(3, 4)
    if candidate - quarter >= lo and candidate + quarter <= hi:
        return candidate
    if lo.is_finite and hi.is_finite:
        return (lo + hi) / 2  # type: ignore[no-any-return]
    if lo.is_finite:
        return lo + sympy.Rational(5, 4)  # type: ignore[no-any-return]
    return hi - sympy.Rational(5, 4)  # type: ignore[no-any-return]


def _as_text(value: sympy.Expr) -> str:
    """An exact decimal or ``p/q`` string (the strict number grammar of the library)."""
    value = sympy.nsimplify(value)
    if isinstance(value, sympy.Integer):
        return str(int(value))
    if isinstance(value, sympy.Rational):
        return f"{value.p}/{value.q}"
    return repr(float(value))


def sample_params(spec: ActivationSpec) -> dict[str, object]:
    """Parameter values for a check: each default, else :func:`sample_value` of the domain."""
    out: dict[str, object] = {}
    for p in spec.params:
        out[p.name] = (
            p.default if p.default is not None else _as_text(sample_value(p.domain, p.name))
        )
    return out


# ----------------------------------------------------------------------------------------
# stage 1: the declaration (cheap, at registration)
# ----------------------------------------------------------------------------------------
def unevaluable_parts(expr: sympy.Expr) -> list[str]:
    """Sub-expressions numpy/mpmath cannot evaluate: ``DiracDelta`` and undefined functions."""
    bad = {str(a) for a in expr.atoms(sympy.DiracDelta)}
    bad |= {str(a) for a in expr.atoms(AppliedUndef)}
    return sorted(bad)


def _check_citations(spec: ActivationSpec) -> None:
    """Every source the declaration cites is in the bibliography or declared here."""
    from ..references import REFERENCES, cited_keys

    known = set(REFERENCES) | set(spec.citations)
    if not spec.references:
        raise ValueError(
            f"activation {spec.name!r} needs references=(...) citing where phi comes from"
        )
    cited = [ref.split()[0] if ref.split() else "" for ref in spec.references]
    for form_key, form in spec.closed_forms.items():
        keys = cited_keys(form.reference)
        if not keys:
            raise ValueError(
                f"closed form {form_key} of activation {spec.name!r} cites no source "
                f"(reference={form.reference!r})"
            )
        cited += keys
    unknown = sorted({k for k in cited if k not in known})
    if unknown:
        raise ValueError(
            f"activation {spec.name!r} cites {unknown}, which are not in "
            f"asymptote.references.REFERENCES; declare them in citations={{key: full text}}"
        )


def check_declaration(spec: ActivationSpec) -> None:
    """Structural checks of a declaration (no differentiation, no evaluation)."""
    from ._base import Q1, Q2, Q12, TRANSFORMS, ClosedForm, Param, Q, X

    name = spec.name
    if not isinstance(name, str) or not name.isidentifier() or name != name.lower():
        raise ValueError(f"activation name must be a lower-case identifier, got {name!r}")
    if not isinstance(spec.phi, sympy.Expr):
        raise TypeError(f"phi of activation {name!r} must be a SymPy expression in x")
    seen: set[str] = set()
    for p in spec.params:
        if not isinstance(p, Param):
            raise TypeError(f"parameters of activation {name!r} must be Param, got {p!r}")
        if not p.name.isidentifier() or keyword.iskeyword(p.name) or p.name in seen | {"x"}:
            raise ValueError(f"activation {name!r}: bad or repeated parameter name {p.name!r}")
        seen.add(p.name)
        if not isinstance(p.domain, sympy.Set) or p.domain.is_empty is not False:
            raise ValueError(f"activation {name!r}: parameter {p.name} needs a non-empty domain")
        if not p.domain.is_subset(sympy.Reals):
            raise ValueError(f"activation {name!r}: the domain of {p.name} must be real")
        if p.default is not None and not bool(p.domain.contains(sympy.Float(p.default, 30))):
            raise ValueError(
                f"activation {name!r}: default {p.name} = {p.default!r} is outside {p.domain}"
            )
    params = set(spec.param_symbols)
    stray = spec.phi.free_symbols - {X} - params
    if stray:
        raise ValueError(
            f"phi of activation {name!r} uses {sorted(map(str, stray))}, which are neither x "
            f"(asymptote.activations._base.X) nor a declared parameter (Param(...).symbol)"
        )
    bad = unevaluable_parts(spec.phi)
    if bad:
        raise ValueError(
            f"phi of activation {name!r} contains {', '.join(bad)}, which numpy/mpmath cannot "
            f"evaluate; declare phi with Piecewise/Abs/sign instead"
        )
    for key, form in spec.closed_forms.items():
        if key not in TRANSFORMS:
            raise ValueError(
                f"activation {name!r}: closed form key {key!r} is not one of {TRANSFORMS}"
            )
        if not isinstance(form, ClosedForm):
            raise TypeError(f"activation {name!r}: closed form {key} must be a ClosedForm")
        if form.expr is None:
            continue
        args = {Q} if key in ("V", "Vd", "dV") else {Q1, Q2, Q12}
        stray = form.expr.free_symbols - args - params
        if stray:
            raise ValueError(
                f"closed form {key} of activation {name!r} uses {sorted(map(str, stray))}, "
                f"which are neither its arguments {sorted(map(str, args))} nor parameters"
            )
        bad = unevaluable_parts(form.expr)
        if bad:
            raise ValueError(
                f"closed form {key} of activation {name!r} contains {', '.join(bad)}, "
                f"which numpy/mpmath cannot evaluate"
            )
    _check_citations(spec)
    for key in spec.undefined:
        if key not in TRANSFORMS:
            raise ValueError(f"activation {name!r}: undefined[{key!r}] is not a transform key")


# ----------------------------------------------------------------------------------------
# stage 2: every evaluator against the declaration (on first binding)
# ----------------------------------------------------------------------------------------
def _evaluate(what: str, point: object, where: str, f: Callable[..., Any], *args: Any) -> Any:
    try:
        return f(*args)
    except (NameError, AttributeError, TypeError, ValueError, ArithmeticError) as exc:
        raise ValueError(
            f"{where}: {what} cannot be evaluated at {point} ({type(exc).__name__}: {exc}); "
            f"an expression with a function numpy/mpmath lack cannot be registered"
        ) from None


def _real_mpf(value: Any, what: str, point: object, where: str) -> mpmath.mpf:
    try:
        out = mpmath.mpf(value)
    except (TypeError, ValueError):
        out = None
    if out is None or not mpmath.isfinite(out):
        raise ValueError(
            f"{where}: {what} is not a finite real number at {point} (got {value!r}); "
            f"the sample points {SAMPLE_X} must lie in the domain of phi"
        )
    return out


def _compare(what: str, point: object, got: Any, ref: mpmath.mpf, rtol: float, where: str) -> None:
    with mpmath.workdps(REFERENCE_DPS):
        try:
            value = mpmath.mpf(got)
        except (TypeError, ValueError):
            value = mpmath.nan
        error = abs(value - ref) if mpmath.isfinite(value) else mpmath.inf
        if error <= mpmath.mpf(rtol) * abs(ref):
            return
        rel = error / abs(ref) if ref != 0 else mpmath.inf
    raise ValueError(
        f"{where}: {what} at {point} gives {got!r}, but the SymPy declaration gives "
        f"{mpmath.nstr(ref, 20)} (relative error {mpmath.nstr(rel, 3)} > {rtol:g})"
    )


def check_evaluators(spec: ActivationSpec, values: Mapping[str, object], label: str) -> None:
    """Check every evaluator of ``spec`` at parameter ``values`` (see the module doc)."""
    from ._base import BoundActivation

    act = BoundActivation(spec, values, label)
    where = repr(act)
    for which, expr in (("phi", spec.phi), ("dphi", spec.dphi), ("d2phi", spec.d2phi)):
        bad = unevaluable_parts(expr)
        if bad:
            raise ValueError(
                f"{where}: {_FUNCTION_NAMES[which]} = {expr} contains {', '.join(bad)}, which "
                f"numpy/mpmath cannot evaluate"
            )
    xs = [x for x in SAMPLE_X if all(abs(x - k) > KINK_CLEARANCE for k in act.kinks)]
    _check_pointwise(spec, act, xs, where)
    _check_closed_forms(spec, act, where)


def _check_pointwise(
    spec: ActivationSpec, act: BoundActivation, xs: list[float], where: str
) -> None:
    refs: dict[str, list[mpmath.mpf]] = {}
    with mpmath.workdps(REFERENCE_DPS):
        params = act.mp_params()
        for which in ("phi", "dphi", "d2phi"):
            f = spec.lambdified(which, "mpmath")
            what = f"{_FUNCTION_NAMES[which]} (SymPy, mpmath)"
            refs[which] = [
                _real_mpf(
                    _evaluate(what, f"x = {x}", where, f, mpmath.mpf(x), *params),
                    what,
                    f"x = {x}",
                    where,
                )
                for x in xs
            ]
    hand = {"phi": spec.numpy_phi, "dphi": spec.numpy_dphi, "d2phi": None}
    numpy_eval = {"phi": act.phi_np, "dphi": act.dphi_np, "d2phi": act.d2phi_np}
    for which in ("phi", "dphi", "d2phi"):
        name = _FUNCTION_NAMES[which]
        if hand[which] is not None:
            what, rtol = f"{name} (hand-written numpy_{which})", RTOL_HAND_NUMPY
        else:
            what, rtol = f"{name} (lambdified numpy)", RTOL_LAMBDIFIED_NUMPY
        with np.errstate(all="ignore"):  # unselected Piecewise branches may warn
            got = _evaluate(what, f"x in {xs}", where, numpy_eval[which], np.array(xs))
        got = np.broadcast_to(np.asarray(got, dtype=float), (len(xs),))
        for x, g, ref in zip(xs, got, refs[which], strict=True):
            _compare(what, f"x = {x}", float(g), ref, rtol, where)
    with mpmath.workdps(CHECK_DPS):
        params = act.mp_params()
        for which in ("phi", "dphi", "d2phi"):
            f = spec.lambdified(which, "mpmath")
            what = f"{_FUNCTION_NAMES[which]} (mpmath, {CHECK_DPS} digits)"
            for x, ref in zip(xs, refs[which], strict=True):
                got = _evaluate(what, f"x = {x}", where, f, mpmath.mpf(x), *params)
                _compare(what, f"x = {x}", got, ref, RTOL_MPMATH, where)


def _check_closed_forms(spec: ActivationSpec, act: BoundActivation, where: str) -> None:
    for key, form in spec.closed_forms.items():
        if form.expr is None or act.undefined_reason(key) or not act.closed_form_valid(key):
            continue
        points: tuple[tuple[float, ...], ...] = (
            tuple((q,) for q in SAMPLE_Q) if key in ("V", "Vd", "dV") else SAMPLE_Q2
        )
        ref_f = spec.lambdified_form(key, "mpmath")
        refs = []
        with mpmath.workdps(REFERENCE_DPS):
            params = act.mp_params()
            what = f"closed form {key} (SymPy, mpmath)"
            for pt in points:
                value = _evaluate(what, pt, where, ref_f, *map(mpmath.mpf, pt), *params)
                refs.append(_real_mpf(value, what, pt, where))
        for backend in ("numpy", "mpmath"):
            hand = getattr(form, backend) is not None
            evaluator = act._closed_form_evaluator(key, backend)
            if evaluator is None:  # pragma: no cover - a declared expr always lambdifies
                continue
            kind = "hand-written" if hand else "lambdified"
            what = f"closed form {key} ({kind} {backend})"
            if backend == "numpy":
                rtol = RTOL_HAND_NUMPY if hand else RTOL_LAMBDIFIED_NUMPY
                for pt, ref in zip(points, refs, strict=True):
                    with np.errstate(all="ignore"):
                        got = _evaluate(what, pt, where, evaluator, *pt)
                    _compare(what, pt, float(np.asarray(got, dtype=float)), ref, rtol, where)
            else:
                with mpmath.workdps(CHECK_DPS):
                    for pt, ref in zip(points, refs, strict=True):
                        got = _evaluate(what, pt, where, evaluator, *map(mpmath.mpf, pt))
                        _compare(what, pt, got, ref, RTOL_MPMATH, where)
