r"""Certified mean-field quantities: balls proven to contain the exact values (python-flint).

Every function here returns a :class:`~asymptote.numeric.arb_balls.Ball`, ``value +/- radius``
with a *proof* that the exact number lies inside, at ``dps`` digits (the radius is at most
:math:`10^{-\mathrm{dps}}|\mathrm{value}|`; the working precision is raised until it is).
The proofs are those of Arb ball arithmetic and of the interval Newton operator
(:mod:`asymptote.numeric.arb_balls`). Needs the optional dependency python-flint
(``pip install asymptote[certify]``); without it every function raises ``ImportError`` with
that hint.

What is evaluated is not written here:

* the maps are the feedforward recurrence as :mod:`asymptote.feedforward` derives it
  (length map [PLRSG16, eq. (3)], :math:`\chi_1` [PLRSG16, eq. (7)], :math:`\chi_q`
  [SGGS17, eq. (5)], the critical line [PLRSG16, Fig. 2; SGGS17, Sec. 3] as the linearity-gap
  equation :math:`\mathcal{G}\phi(q)/\mathcal{V}\phi'(q) = \sigma_b^2`);
* the Gaussian transforms are the closed forms the activation declares in the registry
  (:attr:`ActivationSpec.symbolic_forms <asymptote.activations.ActivationSpec>`): the
  arc-cosine kernels of the ReLU family [CS09, eq. (6)] and the alpha-ReLU [YS17, appendix;
  CS09], Williams' arcsine kernel of erf [W97, eq. (11)], the sine kernel [GAUSS], with
  :math:`\mathcal{V}\phi' = \mathcal{W}\phi'` at equal arguments by Price's theorem [P58];
  their derivatives are SymPy's derivatives of those forms;
* activations without a closed form of :math:`\mathcal{V}\phi` (tanh, sigmoid, ...) get
  :math:`\mathcal{V}\phi`, :math:`\mathcal{V}\phi'` and
  :math:`d\mathcal{V}\phi/dq = E[\phi'(u)^2 + \phi(u)\phi''(u)]` (Gaussian integration by
  parts, the equal-argument case of [P58]) by Arb's rigorous integration with a proven tail
  bound, when :math:`\phi` is analytic on the real line and the integrands are bounded (their
  ranges by SymPy's ``function_range``); otherwise the functions refuse with the reason.

Existence and uniqueness: :math:`q^*` is the unique zero of
:math:`q \mapsto \sigma_w^2\mathcal{V}\phi(q) + \sigma_b^2 - q` in the returned ball (interval
Newton), and the critical :math:`q` the unique zero of the excess equation in its ball; a
float64 solution only seeds the interval.

Examples
--------
>>> pytest = __import__("pytest"); _ = pytest.importorskip("flint")
>>> ball = certify_fixed_point("erf", 1.5, "0.1", dps=30)
>>> ball.radius < 1e-30 * ball.value
True
>>> print(certify_fixed_point("relu", 1, 1, dps=20))
2.0000000000000000000 +/- 0.0e+00
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import sympy

from ._precision import check_dps
from ._validate import check_limit, to_fraction
from .activations import BoundActivation, as_activation
from .activations._base import Q1, Q2, Q12, Q, X
from .errors import ConvergenceError
from .numeric.arb_balls import (
    INSTALL_HINT,
    Ball,
    arb_from_fraction,
    arb_precision,
    bits_for_digits,
    compile_sympy,
    flint_module,
    gaussian_expectation_ball,
    interval_newton,
)
from .recurrences.symbols import Gphi, Vdphi, Vphi, dVphi, sigma
from .recurrences.symbols import q as q_sym

__all__ = [
    "INSTALL_HINT",
    "Ball",
    "certified_report",
    "certify_chi_1",
    "certify_critical_point",
    "certify_fixed_point",
    "certify_kernel",
    "certify_second_moment",
]

SW, SB = sigma("w"), sigma("b")

#: retries of a computation, each with twice the guard bits of the last
_PRECISION_TRIES = 7


# ---------------------------------------------------------------------------------------
# input handling
# ---------------------------------------------------------------------------------------
def _digits(dps: object) -> int:
    return check_limit(check_dps(dps), "dps", "dps")


def _nonnegative(value: object, name: str, *, positive: bool = False) -> Fraction:
    """Exact value of a real ``>= 0`` (``> 0``), ValueError naming ``name`` otherwise."""
    exact = to_fraction(value, name)
    if exact < 0 or (positive and exact == 0):
        bound = "> 0" if positive else ">= 0"
        raise ValueError(f"{name} must be a finite real number {bound}, got {value!r}")
    return exact


# ---------------------------------------------------------------------------------------
# the transforms as ball functions
# ---------------------------------------------------------------------------------------
def _closed_form(act: BoundActivation, key: str) -> sympy.Expr | None:
    """The registry's closed form of transform ``key`` with exact parameter values."""
    reason = act.undefined_reason(key)
    if reason is not None:
        raise ValueError(reason)
    if not act.closed_form_valid(key):
        return None
    expr, _provenance = act.spec.symbolic_forms[key]
    return expr.xreplace(act.sympy_subs)


def _with_closed_forms(expr: sympy.Expr, v: sympy.Expr, vd: sympy.Expr) -> sympy.Expr:
    """``expr`` (derived, with transform symbols) with V, Vd, dV, G replaced by closed forms."""

    def at(form: sympy.Expr) -> Callable[[sympy.Expr], sympy.Expr]:
        return lambda arg: form.xreplace({Q: arg})

    dv = sympy.diff(v, Q)
    out = expr.replace(Gphi, lambda arg: arg * at(vd)(arg) - at(v)(arg))
    out = out.replace(dVphi, at(dv)).replace(Vdphi, at(vd)).replace(Vphi, at(v))
    return out


@dataclass(frozen=True)
class _LengthModel:
    """Ball functions of the length map's pieces for one activation."""

    length: Callable[..., Any]  # (env) -> ball, env = {q, sigma_w, sigma_b}
    length_slope: Callable[..., Any]  # chi_q
    chi_1: Callable[..., Any]
    excess: Callable[..., Any] | None  # critical line (closed forms only)
    excess_slope: Callable[..., Any] | None
    critical_sigma_w: Callable[..., Any] | None
    method: str


def _derived() -> Any:
    from .feedforward import _derived as derived

    return derived()


@lru_cache(maxsize=64)
def _model(act: BoundActivation) -> _LengthModel:
    d = _derived()
    v, vd = _closed_form(act, "V"), _closed_form(act, "Vd")
    if v is not None and vd is not None:
        excess = _with_closed_forms(d.excess, v, vd)
        return _LengthModel(
            length=compile_sympy(_with_closed_forms(d.length, v, vd)),
            length_slope=compile_sympy(_with_closed_forms(d.chi_q, v, vd)),
            chi_1=compile_sympy(_with_closed_forms(d.chi_1, v, vd)),
            excess=compile_sympy(excess),
            excess_slope=compile_sympy(sympy.diff(excess, q_sym)),
            critical_sigma_w=compile_sympy(_with_closed_forms(d.critical_sigma_w, v, vd)),
            method="closed forms: "
            + "; ".join(f"{k} from {act.spec.symbolic_forms[k][1]}" for k in ("V", "Vd")),
        )
    calls = _integrated_transforms(act)

    def compiled(expr: sympy.Expr) -> Callable[..., Any]:
        return _with_calls(expr, calls)

    return _LengthModel(
        length=compiled(d.length),
        length_slope=compiled(d.chi_q),
        chi_1=compiled(d.chi_1),
        excess=None,
        excess_slope=None,
        critical_sigma_w=None,
        method="rigorous integration (acb.integral) of the Gaussian expectations, tails bounded",
    )


def _with_calls(expr: sympy.Expr, calls: dict[type, Callable[[Any], Any]]) -> Callable[..., Any]:
    """Compile ``expr`` with each transform application ``T(arg)`` evaluated by ``calls[T]``."""
    holders: dict[sympy.Symbol, tuple[type, sympy.Expr]] = {}

    def hold(kind: type) -> Callable[[sympy.Expr], sympy.Expr]:
        def make(arg: sympy.Expr) -> sympy.Expr:
            symbol = sympy.Dummy(kind.__name__)
            holders[symbol] = (kind, arg)
            return symbol

        return make

    flat = expr
    for kind in calls:
        flat = flat.replace(kind, hold(kind))
    outer = compile_sympy(flat)
    inner = {s: (calls[kind], compile_sympy(arg)) for s, (kind, arg) in holders.items()}

    def evaluate(env: dict[sympy.Symbol, Any]) -> Any:
        full = dict(env)
        for symbol, (call, arg) in inner.items():
            full[symbol] = call(arg(env))
        return outer(full)

    return evaluate


def _sup_abs(expr: sympy.Expr, what: str) -> Fraction:
    """A rational bound on :math:`\\sup_x |expr(x)|` over the reals, from SymPy's range."""
    from sympy.calculus.util import function_range

    xr = sympy.Symbol("x", real=True)
    try:
        rng = function_range(expr.xreplace({X: xr}), xr, sympy.S.Reals)
    except (NotImplementedError, ValueError, TypeError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ValueError(
            f"cannot bound {what} on the real line (SymPy: {reason}): no proven tail bound for "
            f"the rigorous integration, so no certified value"
        ) from exc
    if not isinstance(rng, sympy.Interval) or not (rng.inf.is_finite and rng.sup.is_finite):
        raise ValueError(
            f"{what} is unbounded on the real line (range {rng}): no proven tail bound for the "
            f"rigorous integration, so no certified value"
        )
    bound = max(abs(rng.inf), abs(rng.sup))
    return Fraction(math.ceil(float(bound) * 2**20 + 1), 2**20)  # >= bound, rational


@lru_cache(maxsize=32)
def _integrated_transforms(act: BoundActivation) -> dict[type, Callable[[Any], Any]]:
    """V, Vd, dV of an activation without closed forms, by rigorous integration."""
    phi = act.spec.phi.xreplace(act.sympy_subs)
    dphi = act.spec.dphi.xreplace(act.sympy_subs)
    d2phi = act.spec.d2phi.xreplace(act.sympy_subs)
    if phi.has(sympy.Piecewise) or act.kinks:
        raise ValueError(
            f"{act!r}: V has no closed form and phi is not analytic on the real line (kinks "
            f"at {act.kinks}), so Arb's rigorous integration does not apply: no certified value"
        )
    integrands = {
        Vphi: phi**2,
        Vdphi: dphi**2,
        dVphi: dphi**2 + phi * d2phi,
    }
    calls: dict[type, Callable[[Any], Any]] = {}
    for kind, integrand in integrands.items():
        bound = _sup_abs(integrand, f"the integrand {integrand} of {kind.__name__}")
        try:
            f = compile_sympy(integrand, complex_=True)
        except ValueError as exc:
            raise ValueError(f"{act!r}: {exc}; no certified value") from exc

        def call(qball: Any, f: Callable[..., Any] = f, bound: Fraction = bound) -> Any:
            return gaussian_expectation_ball(
                lambda u, analytic: f({X: u}, analytic),
                qball,
                sup_bound=arb_from_fraction(bound),
            )

        calls[kind] = call
    return calls


# ---------------------------------------------------------------------------------------
# precision control
# ---------------------------------------------------------------------------------------
def _tight(x: Any, dps: int) -> bool:
    if not x.is_finite():
        return False
    if x.rad() == 0:
        return True
    return bool(x.rad() <= abs(x.mid()) * flint_module().arb(10) ** (-dps))


def _at_precision(dps: int, compute: Callable[[], tuple[Any, ...]]) -> tuple[Ball, ...]:
    """Run ``compute`` at rising precision until every ball has ``dps`` digits."""
    last: tuple[Any, ...] = ()
    for attempt in range(_PRECISION_TRIES):
        with arb_precision(bits_for_digits(dps, 32 * 2**attempt)):
            last = compute()
        if all(_tight(x, dps) for x in last):
            return tuple(Ball.from_arb(x, dps) for x in last)
    raise ConvergenceError(
        f"could not reach {dps} digits: the enclosures are {', '.join(str(x) for x in last)}"
    )


def _env(q: Any, sw: Fraction | None = None, sb: Fraction | None = None) -> dict[Any, Any]:
    env: dict[Any, Any] = {q_sym: q}
    if sw is not None:
        env[SW] = arb_from_fraction(sw)
    if sb is not None:
        env[SB] = arb_from_fraction(sb)
    return env


def _bracket(guess: float) -> list[tuple[Fraction, Fraction]]:
    """Intervals around a float64 root, widening (relative widths 1e-9 ... 1e-2)."""
    g = Fraction(guess)
    return [(g * (1 - Fraction(1, 10**k)), g * (1 + Fraction(1, 10**k))) for k in (9, 6, 2)]


def _newton_from_guess(
    func: Callable[[Any], Any], slope: Callable[[Any], Any], guess: float, what: str
) -> Any:
    errors = []
    for lo, hi in _bracket(guess):
        try:
            return interval_newton(
                func, slope, arb_from_fraction(lo), arb_from_fraction(hi), what=what
            )
        except (ValueError, ConvergenceError) as exc:
            errors.append(str(exc))
    raise ConvergenceError(f"{what}: not certified near the float64 value {guess!r}: {errors[-1]}")


# ---------------------------------------------------------------------------------------
# public functions
# ---------------------------------------------------------------------------------------
def certify_second_moment(
    activation: object, q: object, *, dps: int = 30, **params: object
) -> Ball:
    r"""Ball of :math:`\mathcal{V}\phi(q) = E[\phi(\sqrt{q}\,z)^2]` at ``dps`` digits.

    Closed form of the registry when it has one (arc-cosine [CS09, eq. (6)], erf [W97,
    eq. (11)], sine [GAUSS], alpha-ReLU [YS17]), else rigorous integration (module docstring).

    Examples
    --------
    >>> pytest = __import__("pytest"); _ = pytest.importorskip("flint")
    >>> ball = certify_second_moment("tanh", 2, dps=30)
    >>> str(ball)[:22], ball.relative_radius() < 1e-30
    ('0.51997574566394862353', True)
    """
    flint_module()
    dps = _digits(dps)
    act = as_activation(activation, **params)
    qx = _nonnegative(q, "q")
    model = _model(act)
    return _at_precision(
        dps, lambda: (model.length(_env(arb_from_fraction(qx), Fraction(1), Fraction(0))),)
    )[0]


def _fixed_point_arb(act: BoundActivation, sw: Fraction, sb: Fraction) -> Any:
    """The certified q* at the current precision (an Arb ball)."""
    from .feedforward import fixed_point_length

    flint = flint_module()
    model = _model(act)
    if act.homogeneity_degree == 1.0:
        gain = model.length_slope(_env(flint.arb(1), sw, sb))
        if 1 in gain:
            raise ValueError(
                f"{act!r} at sigma_w = {sw}: the length map has slope chi_q = {gain} "
                f"containing 1 (every length fixed, or none): no unique fixed point to certify"
            )
    guess = float(fixed_point_length(act, float(sw), float(sb)))
    if guess == 0.0:
        # q = 0 is a fixed point exactly when V(0) = 0 and sigma_b = 0
        zero = model.length(_env(flint.arb(0), sw, sb))
        if sb == 0 and zero == 0:
            return flint.arb(0)
        raise ConvergenceError(f"float64 q* = 0 for {act!r}, but L(0) = {zero} is not 0")

    def g(q: Any) -> Any:
        return model.length(_env(q, sw, sb)) - q

    def dg(q: Any) -> Any:
        return model.length_slope(_env(q, sw, sb)) - 1

    return _newton_from_guess(g, dg, guess, "fixed point q*")


def certify_fixed_point(
    activation: object, sigma_w: object, sigma_b: object, dps: int = 30, **params: object
) -> Ball:
    r"""Ball proven to contain the fixed point :math:`q^* = \sigma_w^2\mathcal{V}\phi(q^*) + \sigma_b^2`.

    The length map is [PLRSG16, eq. (3)] as derived by :mod:`asymptote.feedforward`; the
    float64 fixed point seeds an interval on which interval Newton (Moore 1966; see
    :mod:`asymptote.numeric.arb_balls`) proves a unique zero of
    :math:`\sigma_w^2\mathcal{V}\phi(q) + \sigma_b^2 - q`. At :math:`\sigma_b = 0` with
    :math:`\phi(0) = 0` where the float64 iteration reaches 0, the exact fixed point 0 is
    returned with radius 0. ``sigma_w``, ``sigma_b`` are taken exactly (text ``"0.1"`` is one
    tenth).

    Raises
    ------
    ImportError
        python-flint is missing (``pip install asymptote[certify]``).
    ValueError
        A negative or non-finite sigma, ``dps`` outside 1..1000, an activation with neither
        closed forms nor an analytic bounded integrand, or a degree-1 homogeneous activation
        at the marginal slope (every length fixed).
    ConvergenceError
        No finite fixed point, or no certificate.
    """
    flint_module()
    dps = _digits(dps)
    act = as_activation(activation, **params)
    sw = _nonnegative(sigma_w, "sigma_w")
    sb = _nonnegative(sigma_b, "sigma_b")
    return _at_precision(dps, lambda: (_fixed_point_arb(act, sw, sb),))[0]


def certify_chi_1(
    activation: object, sigma_w: object, sigma_b: object, dps: int = 30, **params: object
) -> tuple[Ball, Ball]:
    r"""``(q*, chi_1)`` balls: :math:`\chi_1 = \sigma_w^2 E[\phi'(\sqrt{q^*}z)^2]` [PLRSG16, eq. (7)].

    :math:`\chi_1` is evaluated over the whole certified :math:`q^*` ball, so it encloses the
    exact :math:`\chi_1`.
    """
    flint_module()
    dps = _digits(dps)
    act = as_activation(activation, **params)
    sw = _nonnegative(sigma_w, "sigma_w")
    sb = _nonnegative(sigma_b, "sigma_b")
    model = _model(act)

    def compute() -> tuple[Any, Any]:
        q = _fixed_point_arb(act, sw, sb)
        return q, model.chi_1(_env(q, sw, sb))

    q_ball, chi_ball = _at_precision(dps, compute)
    return q_ball, chi_ball


def certify_critical_point(
    activation: object, sigma_b: object, dps: int = 30, **params: object
) -> tuple[Ball, Ball]:
    r"""``(sigma_w, q*)`` balls of the critical line :math:`\chi_1 = 1` at bias ``sigma_b``.

    Eliminating :math:`\sigma_w^2 = 1/\mathcal{V}\phi'(q)` leaves one equation in :math:`q`,
    :math:`\mathcal{G}\phi(q)/\mathcal{V}\phi'(q) = \sigma_b^2` [PLRSG16, Fig. 2; SGGS17,
    Sec. 3] (as :mod:`asymptote.feedforward` derives it), solved by interval Newton with the
    closed forms of the activation; then :math:`\sigma_w = \mathcal{V}\phi'(q)^{-1/2}` over
    the :math:`q` ball. At :math:`\sigma_b = 0` with :math:`\phi(0) = 0`, :math:`q^* = 0`
    exactly.

    Raises
    ------
    ValueError
        Degree-1 homogeneous activations (chi_1 does not depend on q: no critical line in
        this sense, see :func:`asymptote.feedforward.critical_point`) and activations
        without closed forms of V and Vd.
    """
    from .feedforward import critical_point

    flint_module()
    dps = _digits(dps)
    act = as_activation(activation, **params)
    sb = _nonnegative(sigma_b, "sigma_b")
    if act.homogeneity_degree == 1.0:
        critical_point(act, 1.0)  # raises the feedforward module's explanation
    model = _model(act)
    if model.excess is None or model.excess_slope is None or model.critical_sigma_w is None:
        raise ValueError(
            f"{act!r} has no closed forms of V and Vd: the certified critical line needs them "
            f"(certify_fixed_point and certify_chi_1 work by rigorous integration)"
        )
    excess, excess_slope, critical_sw = model.excess, model.excess_slope, model.critical_sigma_w
    _, guess = critical_point(act, float(sb))

    def compute() -> tuple[Any, Any]:
        flint = flint_module()
        sb2 = arb_from_fraction(sb * sb)  # rounded at the working precision
        if float(guess) == 0.0 and sb == 0:
            q = flint.arb(0)
        else:
            q = _newton_from_guess(
                lambda x: excess(_env(x)) - sb2,
                lambda x: excess_slope(_env(x)),
                float(guess),
                "critical q*",
            )
        return critical_sw(_env(q)), q

    sw_ball, q_ball = _at_precision(dps, compute)
    return sw_ball, q_ball


def certify_kernel(
    activation: object,
    q1: object,
    q2: object,
    q12: object,
    dps: int = 30,
    *,
    derivative: bool = False,
    **params: object,
) -> Ball:
    r"""Ball of :math:`\mathcal{W}\phi(q_1, q_2, q_{12}) = E[\phi(u)\phi(v)]` (or, with
    ``derivative=True``, :math:`E[\phi'(u)\phi'(v)]`) from the registry's closed form:
    arc-cosine [CS09, eq. (6)], alpha-ReLU [YS17, appendix], erf [W97, eq. (11)], sine
    [GAUSS]; the derivative kernels by Price's theorem [P58].

    Requires :math:`q_1, q_2 \ge 0` and :math:`q_{12}^2 \le q_1 q_2` (checked exactly).
    Correlations at or near :math:`\pm 1` may need more working precision (cancellation in
    the arc-cosine forms); it is raised until the radius meets ``dps`` digits.
    """
    flint_module()
    dps = _digits(dps)
    act = as_activation(activation, **params)
    a = _nonnegative(q1, "q1")
    b = _nonnegative(q2, "q2")
    c = to_fraction(q12, "q12")
    if c * c > a * b:
        raise ValueError(
            f"q12 must satisfy q12^2 <= q1 q2 (a covariance), got q1={q1!r}, q2={q2!r}, q12={q12!r}"
        )
    key = "Wd" if derivative else "W"
    form = _closed_form(act, key)
    if form is None:
        raise ValueError(f"{act!r} has no closed form of {key}: no certified kernel value")
    if a == 0 or b == 0:
        raise ValueError(
            "q1 and q2 must be > 0 for the certified kernel (the forms divide by them)"
        )
    f = compile_sympy(form)
    return _at_precision(
        dps,
        lambda: (
            f({Q1: arb_from_fraction(a), Q2: arb_from_fraction(b), Q12: arb_from_fraction(c)}),
        ),
    )[0]


def certified_report(
    activation: BoundActivation | str,
    *,
    sigma_b: object,
    sigma_w: object | None = None,
    dps: int = 30,
) -> str:
    """Text for the CLI's ``--certify``: fixed point and chi_1 (``sigma_w`` given) or the
    critical point (``sigma_w`` None), one ``name = value +/- radius`` line each, then the
    method."""
    act = as_activation(activation)
    dps = 30 if dps is None else dps
    if sigma_w is None:
        sw_ball, q_ball = certify_critical_point(act, sigma_b, dps)
        lines = [f"sigma_w = {sw_ball}", f"q_star = {q_ball}"]
    else:
        q_ball, chi_ball = certify_chi_1(act, sigma_w, sigma_b, dps)
        lines = [f"q_star = {q_ball}", f"chi_1 = {chi_ball}"]
    lines.append(f"certified by interval Newton in Arb ball arithmetic; {_model(act).method}")
    return "\n".join(lines)
