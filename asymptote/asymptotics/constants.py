r"""What an activation does at large variance, derived from its SymPy declaration.

The depth laws of a resnet depend on :math:`\phi` only through the transforms at large
variance :math:`q \to \infty` (and, in the degenerate case :math:`\sigma_w = 0`, at the one
variance :math:`\sigma_b^2`). :func:`classify` reads off the *behaviour* that decides them,
never the family name:

* the **tails** :math:`\phi(x) \sim a_\pm |x|^k` as :math:`x \to \pm\infty` (growth degree
  :math:`k > 0`), or finite limits :math:`L_\pm` (:math:`k = 0`), or a periodic
  :math:`\phi` (no limit); from them the *tail activation*
  :math:`\phi_\infty(x) = a_+ x_+^k + a_- x_-^k` (resp. :math:`L_+ 1_{x>0} + L_- 1_{x<0}`),
  positively homogeneous of degree :math:`k`, with
  :math:`\mathcal{V}\phi(q) \sim v_1 q^k`, :math:`\mathcal{M}\phi(q) \sim m_1 q^{k/2}`,
  :math:`\mathcal{V}\phi'(q) \sim d_1 q^{k-1}` and :math:`\mathcal{W}\phi(q, cq) \sim v_1
  q^k J(c)`, :math:`J` the normalized kernel of :math:`\phi_\infty`
  ([YS17, Sec. 5.1-5.2, Def. 5.1]; [CS09] for the kernels of :math:`x_+^k`);
* whether :math:`\phi = \phi_\infty` exactly (positive homogeneity; then there are no
  corrections), parity (odd: :math:`\mathcal{M}\phi \equiv 0`), boundedness;
* for bounded :math:`\phi` with a continuous transition, the slope constant
  :math:`\mathcal{V}\phi'(q) = K q^{-1/2} + o(q^{-1/2})`,
  :math:`K = \int_{\mathbb R}\phi'(x)^2\,dx/\sqrt{2\pi}` [YS17, Sec. 5.1] (tanh:
  :math:`K = \tfrac43/\sqrt{2\pi}`);
* for periodic :math:`\phi` the period averages :math:`\langle\phi\rangle`,
  :math:`\langle\phi^2\rangle`, :math:`\langle\phi'^2\rangle`, which the Gaussian averages
  reach exponentially fast in :math:`q` (the Fourier mode :math:`n` is damped by
  :math:`e^{-n^2\omega^2 q/2}`).

The exactly homogeneous case keeps the activation's parameters as SymPy symbols
(:math:`v_1 = 2^{\alpha-1}\Gamma(\alpha+\tfrac12)/\sqrt\pi` for alpha-ReLU [YS17, Sec. 5.2]);
the symbols the degree depends on are declared positive when the bound degree is
:math:`\ge 0` (the Gaussian moments of :math:`|x|^{2k}` are analytic there, so the result
extends to :math:`k = 0`), which is a property of the declaration, not of a parameter name.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy

from ..activations import BoundActivation
from ..activations._base import X

__all__ = ["ActivationClass", "Tail", "classify"]

#: kinds of tail behaviour
CLASS_KINDS = ("power", "bounded", "periodic", "other")


@dataclass(frozen=True)
class Tail:
    r"""One tail of :math:`\phi`: ``'power'`` (:math:`\phi \sim a|x|^k`, :math:`k > 0`),
    ``'limit'`` (:math:`\phi \to L`, stored as ``coefficient``, degree 0) or ``'none'``."""

    kind: str
    degree: sympy.Expr
    coefficient: sympy.Expr


@dataclass(frozen=True)
class ActivationClass:
    r"""The large-variance behaviour of an activation, with exact constants where SymPy finds
    them (see the module docstring).

    ``kind``: ``'power'`` (growth degree :math:`k > 0`), ``'bounded'`` (finite limits,
    :math:`k = 0`), ``'periodic'`` or ``'other'`` (``reason`` says why no theory applies).
    ``exact``: :math:`\phi = \phi_\infty` (positively homogeneous). ``v1, m1, d1``: the
    constants of :math:`\phi_\infty` (``d1 = oo`` when :math:`E\phi_\infty'^2` diverges,
    ``None`` for bounded tails, whose derivative transform decays like
    :math:`K q^{-1/2}`, ``slope_constant`` :math:`K`; ``oo`` when :math:`\phi` jumps).
    ``tail_pos``/``tail_neg``: :math:`a_\pm` or :math:`L_\pm`. ``limit``: :math:`L_+` of an
    odd bounded activation (the tanh-like limit). Periodic: ``m1``, ``v1``, ``d1`` are the
    period averages of :math:`\phi, \phi^2, \phi'^2`. ``values`` maps the parameter symbols to
    the bound values (``subs``). ``tail_approach``: for bounded tails that are not exact, the
    order :math:`a` with :math:`|\phi_\infty - \phi(x)| \approx x^{-a}` at the slower side
    (``oo``: faster than every power, e.g. tanh; ``None``: SymPy cannot tell), which sets the
    order of the corrections of the transforms (see :func:`correction_order`).
    """

    kind: str
    exact: bool = False
    degree: sympy.Expr | None = None
    v1: sympy.Expr | None = None
    m1: sympy.Expr | None = None
    d1: sympy.Expr | None = None
    tail_pos: sympy.Expr | None = None
    tail_neg: sympy.Expr | None = None
    limit: sympy.Expr | None = None
    slope_constant: sympy.Expr | None = None
    parity: str | None = None
    bounded: bool = False
    value_at_zero: sympy.Expr | None = None
    slope_at_zero: sympy.Expr | None = None
    period: sympy.Expr | None = None
    tail_approach: sympy.Expr | None = None
    reason: str = ""
    values: tuple[tuple[sympy.Symbol, sympy.Expr], ...] = ()

    def subs(self, expr: sympy.Expr) -> sympy.Expr:
        """Substitute the bound parameter values into ``expr`` (a SymPy expression, never text)."""
        if isinstance(expr, str):  # sympify of text is eval: refuse it
            raise TypeError("expr must be a SymPy expression, not a string")
        return sympy.sympify(expr, strict=True).subs(dict(self.values))

    @property
    def tail_activation(self) -> sympy.Expr | None:
        r""":math:`\phi_\infty` in :data:`asymptote.activations._base.X` (``None`` unless
        power or bounded)."""
        if self.kind == "power":
            k = self.degree
            return sympy.Piecewise((self.tail_pos * X**k, X > 0), (self.tail_neg * (-X) ** k, True))
        if self.kind == "bounded":
            return sympy.Piecewise((self.tail_pos, X > 0), (self.tail_neg, True))
        return None


_XP = sympy.Symbol("x_pos", positive=True)


def _half_line_moment(f: sympy.Expr) -> sympy.Expr:
    """E[f(z)] for standard normal z, integrating each half-line with its own Piecewise branch
    (substituting a positive symbol for x selects the branch exactly)."""
    density = sympy.exp(-(_XP**2) / 2) / sympy.sqrt(2 * sympy.pi)
    total = sympy.Integer(0)
    for sign in (1, -1):
        branch = sympy.piecewise_fold(f.subs(X, sign * _XP))
        total += sympy.integrate(branch * density, (_XP, 0, sympy.oo), conds="none")
    return sympy.simplify(total)


def _limit(f: sympy.Expr) -> sympy.Expr | None:
    """``lim_{x_pos -> oo} f`` or ``None`` when SymPy cannot decide."""
    try:
        return sympy.limit(f, _XP, sympy.oo)
    except (TypeError, ValueError, NotImplementedError):
        return None


def _side(phi: sympy.Expr, sign: int, beyond: int = 0) -> Tail:
    """The tail of ``phi`` at ``sign * oo``, read on ``sign * (beyond + x_pos)`` so that a
    ``Piecewise`` resolves to the branch that holds past its last kink ``beyond``."""
    f = sympy.piecewise_fold(phi.subs(X, sign * (beyond + _XP)))
    f = f.subs(_XP, _XP - beyond) if beyond != 0 else f
    lim = _limit(f)
    if lim is None or isinstance(lim, sympy.AccumBounds):
        return Tail("none", sympy.nan, sympy.nan)
    if lim.is_finite:
        return Tail("limit", sympy.Integer(0), sympy.simplify(lim))
    k = _limit(sympy.simplify(_XP * sympy.diff(f, _XP) / f))
    if k is None or not k.is_finite or k.is_positive is False:
        return Tail("none", sympy.nan, sympy.nan)
    a = _limit(f / _XP**k)
    if a is None or not a.is_finite or a == 0:
        return Tail("none", sympy.nan, sympy.nan)
    return Tail("power", sympy.simplify(k), sympy.simplify(a))


def _approach_order(phi: sympy.Expr, sign: int, beyond: int, limit: sympy.Expr) -> sympy.Expr | None:
    r"""Order :math:`a` of the approach :math:`\phi(\pm x) \to L_\pm`: the limit of
    :math:`-x r'(x)/r(x)` for :math:`r = L_\pm - \phi(\pm x)` (``oo``: faster than every power,
    also when :math:`r \equiv 0` past the last kink; ``None``: undecided)."""
    f = sympy.piecewise_fold(phi.subs(X, sign * (beyond + _XP)))
    f = f.subs(_XP, _XP - beyond) if beyond != 0 else f
    r = sympy.simplify(limit - f)
    if r == 0:
        return sympy.oo
    a = _limit(sympy.simplify(-_XP * sympy.diff(r, _XP) / r))
    if a is None or isinstance(a, sympy.AccumBounds) or a.is_extended_real is not True:
        return None
    return a if a.is_finite else sympy.oo


def correction_order(cls: ActivationClass) -> tuple[sympy.Expr | None, bool]:
    r"""Order :math:`\omega` of the corrections of :math:`\mathcal V\phi(q)` to its limit,
    :math:`v_1 - \mathcal V\phi(q) \approx q^{-\omega}` (times :math:`\log q` when the flag is
    true), for a bounded activation that is not exact.

    With :math:`\phi_\infty^2 - \phi^2 \approx x^{-a}` the Gaussian average over
    :math:`\sqrt q z` is :math:`q^{-1/2}\int(\phi_\infty^2 - \phi^2)dx/\sqrt{2\pi}` when the
    integral converges (:math:`a > 1`), :math:`q^{-1/2}\log q` at :math:`a = 1` (softsign) and
    :math:`q^{-a/2}` for :math:`a < 1` (the integral is cut at :math:`x \sim \sqrt q`).
    ``(None, False)`` when the approach order is unknown.
    """
    a = cls.tail_approach
    if a is None:
        return None, False
    if a == sympy.oo or a > 1:
        return sympy.Rational(1, 2), False
    if a == 1:
        return sympy.Rational(1, 2), True
    return a / 2, False


def _line_integral(f: sympy.Expr, bound: dict[sympy.Symbol, sympy.Expr]) -> sympy.Expr:
    r""":math:`\int_{\mathbb R} f\,dx` by half-lines (SymPy; 30-digit quadrature if SymPy
    leaves an integral or returns a non-finite value)."""
    total = sympy.Integer(0)
    for sign in (1, -1):
        branch = sympy.piecewise_fold(f.subs(X, sign * _XP))
        total += sympy.integrate(branch, (_XP, 0, sympy.oo), conds="none")
    total = sympy.simplify(total)
    if total.has(sympy.Integral) or not total.is_finite:
        total = sympy.Float(sympy.Integral(f.subs(bound), (X, -sympy.oo, sympy.oo)).evalf(30), 30)
    return total


@cache
def classify(act: BoundActivation) -> ActivationClass:
    """Classify ``act`` by its large-variance behaviour and derive its constants (cached)."""
    spec = act.spec
    bound = dict(act.sympy_subs)
    phi_b = spec.phi.subs(bound)
    common = {
        "parity": act.parity,
        "value_at_zero": sympy.simplify(sympy.piecewise_fold(phi_b.subs(X, 0))),
    }
    dphi_b = sympy.diff(phi_b, X)
    slope0 = None
    if all(k != 0 for k in act.kinks):
        slope0 = sympy.simplify(sympy.piecewise_fold(dphi_b.subs(X, 0)))
    common["slope_at_zero"] = slope0
    degree_b = act.homogeneity_degree_exact
    if degree_b is not None:
        # exactly homogeneous: keep the parameters symbolic. The symbolic degree is Euler's
        # x phi'(x)/phi(x) on a half-line where phi does not vanish; its symbols get the
        # positivity the Gaussian moment integrals need (see the module docstring)
        deg_sym: sympy.Expr = sympy.sympify(degree_b)
        for sign in (1, -1):
            branch = sympy.piecewise_fold(spec.phi.subs(X, sign * _XP))
            if sympy.simplify(branch.subs(bound)) != 0:
                deg_sym = sympy.simplify(_XP * sympy.diff(branch, _XP) / branch)
                break
        free = deg_sym.free_symbols - {_XP}
        if _XP in deg_sym.free_symbols or sympy.simplify(deg_sym.subs(bound) - degree_b) != 0:
            deg_sym, free = sympy.sympify(degree_b), set()
        symbols = {
            s: sympy.Symbol(s.name, positive=True) if s in free else sympy.Symbol(s.name, real=True)
            for s in spec.param_symbols
        }
        values = tuple((symbols[s], v) for s, v in bound.items() if s in symbols)
        phi = spec.phi.subs(symbols)
        k = deg_sym.subs(symbols)
        v1 = _half_line_moment(phi**2)
        m1 = _half_line_moment(phi)
        d1 = (
            _half_line_moment(sympy.diff(phi, X) ** 2)
            if act.undefined_reason("Vd") is None
            else sympy.oo
        )
        pos = sympy.piecewise_fold(phi.subs(X, 1))
        neg = sympy.piecewise_fold(phi.subs(X, -1))
        if degree_b == 0:
            return ActivationClass(
                "bounded", exact=True, degree=sympy.Integer(0), v1=v1, m1=m1, d1=d1,
                tail_pos=pos, tail_neg=neg, slope_constant=sympy.oo, bounded=True,
                values=values, **common,
            )
        return ActivationClass(
            "power", exact=True, degree=k, v1=v1, m1=m1, d1=d1, tail_pos=pos, tail_neg=neg,
            values=values, **common,
        )
    values = tuple(bound.items())
    beyond = int(max((abs(k) for k in act.kinks), default=0)) + 1
    plus, minus = _side(phi_b, 1, beyond), _side(phi_b, -1, beyond)
    if plus.kind != "none" and minus.kind != "none":
        k = sympy.Max(plus.degree, minus.degree)
        if k == 0:
            lp, ln = plus.coefficient, minus.coefficient
            K = _line_integral(dphi_b**2, {}) / sympy.sqrt(2 * sympy.pi)
            K = sympy.simplify(K)
            orders = [_approach_order(phi_b, 1, beyond, lp), _approach_order(phi_b, -1, beyond, ln)]
            approach = None if None in orders else sympy.Min(*orders)
            return ActivationClass(
                "bounded", degree=sympy.Integer(0), v1=sympy.simplify((lp**2 + ln**2) / 2),
                m1=sympy.simplify((lp + ln) / 2), d1=None, tail_pos=lp, tail_neg=ln,
                limit=lp if act.parity == "odd" else None, slope_constant=K, bounded=True,
                tail_approach=approach, values=values, **common,
            )
        ap = plus.coefficient if plus.degree == k else sympy.Integer(0)
        an = minus.coefficient if minus.degree == k else sympy.Integer(0)
        tail = sympy.Piecewise((ap * X**k, X > 0), (an * (-X) ** k, True))
        v1 = _half_line_moment(tail**2)
        m1 = _half_line_moment(tail)
        d1 = _half_line_moment(sympy.diff(tail, X) ** 2) if k > sympy.Rational(1, 2) else sympy.oo
        return ActivationClass(
            "power", degree=sympy.simplify(k), v1=v1, m1=m1, d1=d1, tail_pos=ap, tail_neg=an,
            values=values, **common,
        )
    try:
        period = sympy.periodicity(phi_b, X)
    except (NotImplementedError, ValueError, TypeError):
        period = None
    if period is not None and period != 0:
        avg = lambda f: sympy.simplify(sympy.integrate(f, (X, 0, period)) / period)  # noqa: E731
        return ActivationClass(
            "periodic", m1=avg(phi_b), v1=avg(phi_b**2), d1=avg(dphi_b**2), period=period,
            bounded=True, values=values, **common,
        )
    side = "+oo" if plus.kind == "none" else "-oo"
    return ActivationClass(
        "other", values=values,
        reason=f"SymPy finds neither a power growth, a finite limit nor a period of phi at {side}",
        **common,
    )
