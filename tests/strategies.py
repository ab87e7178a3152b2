"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import sympy
from hypothesis import strategies as st

from asymptote.activations import ActivationSpec


def variances(lo_exp: float = -8.0, hi_exp: float = 8.0) -> st.SearchStrategy[float]:
    """Variances spread over magnitudes: 10**u, u uniform in [lo_exp, hi_exp]."""
    return st.floats(lo_exp, hi_exp).map(lambda u: float(10.0**u))


def correlations() -> st.SearchStrategy[float]:
    """Correlations in [-1, 1], with half the mass within 1e-12..1e-1 of +-1."""
    near = st.tuples(st.sampled_from([-1.0, 1.0]), st.floats(-12.0, -1.0)).map(
        lambda t: t[0] * (1.0 - 10.0 ** t[1])
    )
    return st.one_of(st.floats(-1.0, 1.0), near, st.sampled_from([-1.0, 0.0, 1.0]))


# ----------------------------------------------------------------------------------------
# the registry: parameter values drawn from each Param's declared SymPy domain
# ----------------------------------------------------------------------------------------
#: How far inside a domain edge drawn values stay: at an open edge a transform diverges
#: (alpha -> -1/2: V ~ Gamma(alpha + 1/2)), so values there test overflow, not accuracy;
#: the slow tests add values 0.2 inside the edge (:func:`representative_values`).
EDGE_MARGIN = 0.05
#: How far from a finite edge (or from 0 on the whole line) an unbounded side is explored;
#: activation parameters are O(1) in practice, and large ones only rescale phi.
SPAN = 4.0


def domain_bounds(
    domain: sympy.Set, *, margin: float = EDGE_MARGIN, span: float = SPAN
) -> tuple[float, float]:
    """The closed float range ``[lo, hi]`` drawn from a SymPy ``Interval`` domain.

    Finite edges move inward by ``margin`` (open or closed alike); an infinite side stops
    ``span`` beyond the other edge (or at ``+-span`` for the whole line).
    """
    if not isinstance(domain, sympy.Interval):
        raise NotImplementedError(f"no float range for the domain {domain}")
    inf, sup = domain.inf, domain.sup
    lo = float(inf) + margin if inf.is_finite else None
    hi = float(sup) - margin if sup.is_finite else None
    if lo is None and hi is None:
        lo, hi = -span, span
    elif lo is None:
        lo = hi - span  # type: ignore[operator]
    elif hi is None:
        hi = lo + span
    if lo > hi:  # a domain narrower than twice the margin: its midpoint
        lo = hi = (float(inf) + float(sup)) / 2
    return lo, hi  # type: ignore[return-value]


def floats_in_domain(
    domain: sympy.Set, *, margin: float = EDGE_MARGIN, span: float = SPAN
) -> st.SearchStrategy[float]:
    """Floats inside a parameter's SymPy domain (see :func:`domain_bounds`).

    ``Interval(a, b, left_open, right_open)`` with finite or infinite ends, and
    ``FiniteSet`` (sampled). Every value drawn satisfies ``domain.contains``.
    """
    if isinstance(domain, sympy.FiniteSet):
        return st.sampled_from(sorted(float(v) for v in domain))
    lo, hi = domain_bounds(domain, margin=margin, span=span)
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def params_from_domains(spec: ActivationSpec, fixed: Mapping[str, object] = ()) -> Any:
    """Parameter dicts for ``spec``: the ``fixed`` ones as given, the others drawn."""
    fixed = dict(fixed)
    return st.fixed_dictionaries(
        {p.name: floats_in_domain(p.domain) for p in spec.params if p.name not in fixed}
    ).map(lambda drawn: {**drawn, **fixed})


def representative_values(domain: sympy.Set) -> list[str]:
    """A few exact values (decimal strings) spread over a domain, for the slow tests.

    Interval with one finite edge e: e +- 0.2, 1, 2, 3.5 inward (alpha-ReLU: -0.3, 0.5,
    1.5, 3: near the divergence at -1/2, the Vd boundary 1/2, beyond ReLU); a bounded
    interval: both ends +- a tenth and the midpoint; the whole line: -0.4 and 1.5 (with two
    parameters on the line, profiles (-0.4, 1.5) and (1.5, -0.4): both sign patterns).
    """
    if isinstance(domain, sympy.FiniteSet):
        return [str(v) for v in sorted(domain, key=float)]
    if not isinstance(domain, sympy.Interval):
        raise NotImplementedError(f"no representative values for the domain {domain}")
    inf, sup = domain.inf, domain.sup
    steps = [Fraction(1, 5), Fraction(1), Fraction(2), Fraction(7, 2)]
    if inf.is_finite and sup.is_finite:
        lo, hi = Fraction(str(inf)), Fraction(str(sup))
        m = (hi - lo) / 10
        values = [lo + m, (lo + hi) / 2, hi - m]
    elif inf.is_finite:
        lo = Fraction(str(inf))
        values = [lo + s for s in steps]
    elif sup.is_finite:
        hi = Fraction(str(sup))
        values = [hi - s for s in steps]
    else:
        values = [Fraction(-2, 5), Fraction(3, 2)]
    return [_decimal(v) for v in values]


def _decimal(value: Fraction) -> str:
    text = f"{value.numerator}/{value.denominator}" if value.denominator != 1 else str(value)
    as_float = float(value)
    return repr(as_float) if Fraction(repr(as_float)) == value else text


def registry_cases(
    select: Callable[[ActivationSpec], bool] = lambda spec: True,
) -> list[tuple[str, dict[str, str]]]:
    """``(name, params)`` for every registered family and preset whose family ``select``s.

    Each preset with its defaults; each family once per *profile*: profile i gives
    parameter j the value ``representative_values(domain_j)[(i + j) % n_j]``, so every
    representative value of every parameter appears. Profiles equal to a preset are
    dropped. Computed from the registry at collection time: a new activation is picked up
    by every test that parametrizes over this.
    """
    from asymptote.activations import activation, presets, specs

    cases: list[tuple[str, dict[str, str]]] = []
    seen: set[object] = set()
    all_specs = specs()
    for name, preset in sorted(presets().items()):
        if select(all_specs[preset.family]):
            cases.append((name, {}))
            seen.add(activation(name))
    for name, spec in sorted(all_specs.items()):
        if not select(spec):
            continue
        if not spec.params:
            cases.append((name, {}))
            continue
        reps = [representative_values(p.domain) for p in spec.params]
        for i in range(max(len(r) for r in reps)):
            params = {
                p.name: r[(i + j) % len(r)]
                for j, (p, r) in enumerate(zip(spec.params, reps, strict=True))
            }
            act = activation(name, **params)
            if act not in seen:
                seen.add(act)
                cases.append((name, params))
    return cases


def case_id(case: tuple[str, Mapping[str, object]]) -> str:
    name, params = case
    return name + "".join(f"-{k}={v}" for k, v in params.items())
