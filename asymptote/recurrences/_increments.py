r"""Scaled per-layer increments of a recurrence, shared by the numpy path
(:mod:`asymptote.recurrences.iterate`) and the compiled kernel
(:mod:`asymptote.recurrences.compiled`).

In the normalized variables :math:`\ell = \log p`, :math:`r = m/\sqrt p`,
:math:`u = 1 - \gamma/p`, with the scaled transforms :math:`\mathcal{V}\phi(q) = \hat v p`,
:math:`\mathcal{M}\phi(q) = \hat m\sqrt p`, :math:`\mathcal{V}\phi(q) - \mathcal{W}\phi(q,
\lambda) = \hat g p` and :math:`\mathcal{V}\phi'(q) = v_d`, one layer of ``arch`` is

.. math::

    \ell^{l} = \ell + \log(1 + \Delta_p), \quad
    r^{l} = (r + \Delta_m)\,\rho^{1/2}, \quad u^{l} = (u + \Delta_{g})\,\rho, \quad
    \rho = 1/(1 + \Delta_p),

and :func:`scaled_expressions` derives :math:`\Delta_p, \Delta_m, \Delta_g`, :math:`\log D`
and the log parameter multipliers from :func:`asymptote.recurrences.recurrence` with SymPy.
Each backend lambdifies them with the arguments :data:`STEP_ARGUMENTS` in that order.
"""

from __future__ import annotations

from functools import cache

import sympy

from .catalog import recurrence
from .symbols import Mphi, Vdphi, Vphi, Wphi, gamma, lam, m, p, q, sigma

__all__ = ["SIGMA_NAMES", "STEP_ARGUMENTS", "scaled_expressions"]

#: the standard deviations, in the order the step functions take them
SIGMA_NAMES = ("w", "b", "v", "a")

_ell, _r, _u = sympy.symbols("ell r u", real=True)
_vh, _mh, _gh, _vd = sympy.symbols("vhat mhat ghat vd", real=True)

#: arguments of a lambdified step: ell, r, u, vhat, mhat, ghat, vd, sigma_w, sigma_b, sigma_v,
#: sigma_a
STEP_ARGUMENTS: tuple[sympy.Symbol, ...] = (
    _ell, _r, _u, _vh, _mh, _gh, _vd, *(sigma(n) for n in SIGMA_NAMES)
)


@cache
def scaled_expressions(arch: str) -> tuple[list[str], list[sympy.Expr]]:
    """SymPy scaled increments: [Delta_p, Delta_m, Delta_g, log D, log multipliers...]."""
    rec = recurrence(arch)
    subs_t = {
        Vphi(q): _vh * p,
        Mphi(q): _mh * sympy.sqrt(p),
        Wphi(q, lam): _vh * p - _gh * p,
        Vdphi(q): _vd,
    }
    subs_s = {m: _r * sympy.sqrt(p), gamma: (1 - _u) * p}
    inc = rec.increments()
    d_p = sympy.expand(inc["p"].subs(subs_t).subs(subs_s) / p)
    d_m = sympy.expand(inc["m"].subs(subs_t).subs(subs_s) / sympy.sqrt(p))
    d_g = sympy.expand((inc["p-gamma"].subs(subs_t).subs(subs_s) + _u * p) / p - _u)
    if arch == "feedforward":  # p^l = V(q): Delta_p = vhat - 1 exactly; keep it exact
        d_p = _vh - 1
    exprs = [d_p, d_m, d_g, sympy.log(rec.gradient_factor.subs(subs_t))]
    names = sorted(rec.parameter_gradients)
    for name in names:
        expr = rec.parameter_gradients[name].subs(subs_t)
        expr = sympy.expand_log(sympy.log(expr), force=True).subs(sympy.log(p), _ell)
        exprs.append(expr)
    return names, [sympy.sympify(e, strict=True).subs(p, sympy.exp(_ell)) for e in exprs]
