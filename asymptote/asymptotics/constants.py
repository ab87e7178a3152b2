r"""Exact large-variance constants of an activation, derived with SymPy.

*Positively homogeneous* :math:`\phi` of degree :math:`k` (alpha-ReLU: :math:`k = \alpha`;
ReLU, leaky ReLU: :math:`k = 1`): the transforms are exact powers,

.. math::

    \mathcal{V}\phi(q) = v_1 q^k,\quad \mathcal{M}\phi(q) = m_1 q^{k/2},\quad
    \mathcal{V}\phi'(q) = d_1 q^{k-1},\quad
    \mathcal{W}\phi(q, cq) = v_1 q^k J(c),

with :math:`v_1 = E\phi(z)^2`, :math:`m_1 = E\phi(z)`, :math:`d_1 = E\phi'(z)^2` integrated
by SymPy (alpha-ReLU: :math:`v_1 = 2^{\alpha-1}\Gamma(\alpha+\frac12)/\sqrt\pi`
[YS17, Sec. 5.2], [CS09]).

*Tanh-like* :math:`\phi` (odd, with finite limit :math:`\phi(\infty) = L`, [YS17, Def. 5.1]):
:math:`\mathcal{V}\phi(q) \to L^2`, :math:`\mathcal{W}\phi(q, cq) \to L^2\,\tfrac{2}{\pi}
\arcsin c` (the sign kernel), and
:math:`\mathcal{V}\phi'(q) = K q^{-1/2} + o(q^{-1/2})` with
:math:`K = \int_{\mathbb R}\phi'(x)^2\,dx / \sqrt{2\pi}` (tanh: :math:`K = \tfrac43/\sqrt{2\pi}`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy

from ..activations import BoundActivation
from ..activations._base import X

__all__ = ["ActivationClass", "classify"]


@dataclass(frozen=True)
class ActivationClass:
    """Which asymptotic theory applies, with exact constants (SymPy, in the parameters).

    ``kind`` is ``'homogeneous'``, ``'tanh_like'`` or ``'other'``. ``symbolic`` holds the
    constants with the activation's parameters as symbols; ``values`` maps those symbols to
    the bound values (substitute to get numbers).
    """

    kind: str
    degree: sympy.Expr | None = None
    v1: sympy.Expr | None = None
    m1: sympy.Expr | None = None
    d1: sympy.Expr | None = None  # sympy.oo when E[phi'^2] diverges
    limit: sympy.Expr | None = None
    slope_constant: sympy.Expr | None = None  # K of tanh-like activations
    values: tuple[tuple[sympy.Symbol, sympy.Expr], ...] = ()

    def subs(self, expr: sympy.Expr) -> sympy.Expr:
        """Substitute the bound parameter values into ``expr`` (a SymPy expression, never text)."""
        if isinstance(expr, str):  # sympify of text is eval: refuse it
            raise TypeError("expr must be a SymPy expression, not a string")
        return sympy.sympify(expr, strict=True).subs(dict(self.values))


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


@cache
def classify(act: BoundActivation) -> ActivationClass:
    """Classify ``act`` and derive its constants (cached)."""
    spec = act.spec
    symbols = {}
    for s in spec.param_symbols:
        positive = s.name == "alpha"
        symbols[s] = sympy.Symbol(s.name, positive=True) if positive else sympy.Symbol(s.name, real=True)
    # act.sympy_subs already holds exact SymPy numbers (asymptote._validate.to_exact)
    values = tuple((symbols[s], v) for s, v in act.sympy_subs.items() if s in symbols)
    phi = spec.phi.subs(symbols)
    degree = act.homogeneity_degree_exact
    if degree is not None:
        alpha = symbols.get(next((s for s in spec.param_symbols if s.name == "alpha"), None))
        k = alpha if alpha is not None else degree
        v1 = _half_line_moment(phi**2)
        m1 = _half_line_moment(phi)
        if act.undefined_reason("Vd") is None:
            d1 = _half_line_moment(sympy.diff(phi, X) ** 2)
        else:
            d1 = sympy.oo
        return ActivationClass("homogeneous", k, v1, m1, d1, values=values)
    if act.parity == "odd":
        bound = sympy.piecewise_fold(phi.subs(dict(values)).subs(X, _XP))
        try:
            lim = sympy.limit(bound, _XP, sympy.oo)
        except (TypeError, ValueError, NotImplementedError):  # Piecewise SymPy cannot limit
            far = sympy.piecewise_fold(bound.subs(_XP, sympy.Integer(10) ** 40))
            lim = sympy.nsimplify(sympy.N(far, 30), rational=True, tolerance=1e-25)
        if (
            not isinstance(lim, sympy.AccumBounds)
            and lim.is_number
            and lim.is_real
            and lim.is_finite
            and lim != 0
        ):
            dphi = sympy.diff(phi, X)
            integral = sympy.Integer(0)
            for sign in (1, -1):
                branch = sympy.piecewise_fold(dphi.subs(X, sign * _XP)) ** 2
                integral += sympy.integrate(branch, (_XP, 0, sympy.oo), conds="none")
            if not integral.is_finite:
                integral = sympy.Float(
                    sympy.Integral(dphi.subs(dict(values)) ** 2, (X, -sympy.oo, sympy.oo)).evalf(30), 30
                )
            K = sympy.simplify(integral / sympy.sqrt(2 * sympy.pi))
            return ActivationClass("tanh_like", limit=lim, slope_constant=K, values=values)
    return ActivationClass("other", values=values)
