r"""The feedforward NNGP/NTK layer read off the derived recurrence, for the compiled engine.

:mod:`asymptote.recurrences.architecture` derives the two-input and tangent channels of the
feedforward network [JGH18, Thm. 1; LBNSSP18, eq. (4); NT20, App. C]. The compiled engine
(:mod:`asymptote.numeric.kernel_engine`, called by :mod:`asymptote.kernels`) needs them in one shape only,

.. math::

    q_i = A\,p_i + B,\quad \lambda = A\,\gamma + B,\quad
    \Theta_i = q_i + C\,\theta_i,\quad \Theta = \lambda + C\,\theta,

    p_i = \mathcal{V}\phi(q_i),\quad \gamma = \mathcal{W}\phi(q_1, q_2, \lambda),\quad
    \theta_i = \Theta_i\,\mathcal{V}\phi'(q_i),\quad
    \theta = \Theta\,\mathcal{W}\phi'(q_1, q_2, \lambda),

with :math:`A, B, C` free of the state. :func:`feedforward_structure` checks that the derived
expressions have exactly this shape and returns :math:`A, B, C` as SymPy expressions in the
standard deviations (today :math:`\sigma_w^2, \sigma_b^2, \sigma_w^2`); nothing here states
the maps themselves. If the derivation ever changes shape, the check fails and
:func:`asymptote.kernels.nngp_ntk` keeps to the generic evaluator path.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import mpmath
import sympy

from .catalog import recurrence
from .symbols import (
    Theta,
    Theta_1,
    Theta_2,
    Vdphi,
    Vphi,
    Wdphi,
    Wphi,
    gamma,
    lam,
    p_1,
    p_2,
    q_1,
    q_2,
    sigma,
    theta,
    theta_1,
    theta_2,
)

__all__ = ["AffineStructure", "feedforward_structure"]

_STATE = (p_1, p_2, gamma, theta, theta_1, theta_2, q_1, q_2, lam, Theta, Theta_1, Theta_2)


@dataclass(frozen=True)
class AffineStructure:
    """Coefficients of the Dense maps of the derived feedforward recurrence (module docstring)."""

    scale: sympy.Expr  # A
    shift: sympy.Expr  # B
    tangent_scale: sympy.Expr  # C

    def values(self, sigma_w: float, sigma_b: float) -> tuple[tuple[float, float], ...]:
        """``A, B, C`` at float standard deviations (taken exactly) as ``(hi, lo)`` pairs.

        Evaluated in mpmath at 40 digits and split into a double-double, so that
        :math:`\\sigma_w^2` of a float :math:`\\sigma_w` is carried to about 32 digits (its
        float64 rounding alone would drift a depth-1000 critical kernel by ~1e-13).
        """
        out = []
        with mpmath.workdps(40):
            subs = {
                sigma("w"): sympy.Float(mpmath.mpf(sigma_w), 40),
                sigma("b"): sympy.Float(mpmath.mpf(sigma_b), 40),
            }
            for expr in (self.scale, self.shift, self.tangent_scale):
                value = mpmath.mpf(sympy.N(expr.xreplace(subs), 40))
                hi = float(value)
                out.append((hi, float(value - hi)))
        return tuple(out)


def _affine(expr: sympy.Expr, var: sympy.Symbol) -> tuple[sympy.Expr, sympy.Expr] | None:
    """``(a, b)`` with ``expr == a var + b`` and ``a, b`` free of the state, else ``None``."""
    expr = sympy.expand(expr)
    a = expr.coeff(var, 1)
    b = sympy.expand(expr - a * var)
    if any(s in _STATE for s in (a.free_symbols | b.free_symbols)):
        return None
    return a, b


@cache
def feedforward_structure() -> AffineStructure | None:
    """The Dense coefficients of the derived feedforward recurrence, or ``None`` if its
    shape is not the one in the module docstring."""
    rec = recurrence("feedforward")
    try:
        pre = [_affine(rec.pair_pre[s], v) for s, v in ((q_1, p_1), (q_2, p_2), (lam, gamma))]
        tan = [
            _affine(rec.tangent_pre[s] - base, v)
            for s, base, v in (
                (Theta_1, q_1, theta_1),
                (Theta_2, q_2, theta_2),
                (Theta, lam, theta),
            )
        ]
        state = (
            rec.pair_state[p_1] == Vphi(q_1)
            and rec.pair_state[p_2] == Vphi(q_2)
            and rec.pair_state[gamma] == Wphi(q_1, q_2, lam)
            and sympy.expand(rec.tangent_state[theta_1] - Theta_1 * Vdphi(q_1)) == 0
            and sympy.expand(rec.tangent_state[theta_2] - Theta_2 * Vdphi(q_2)) == 0
            and sympy.expand(rec.tangent_state[theta] - Theta * Wdphi(q_1, q_2, lam)) == 0
        )
    except KeyError:
        return None
    pre_ok = [x for x in pre if x is not None]
    tan_ok = [x for x in tan if x is not None]
    if not state or len(pre_ok) != 3 or len(tan_ok) != 3:
        return None
    (a, b), *rest = pre_ok
    if any(sympy.simplify(x[0] - a) != 0 or sympy.simplify(x[1] - b) != 0 for x in rest):
        return None
    (c, zero), *trest = tan_ok
    if zero != 0 or any(sympy.simplify(x[0] - c) != 0 or x[1] != 0 for x in trest):
        return None
    return AffineStructure(scale=a, shift=b, tangent_scale=c)
