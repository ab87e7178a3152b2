r"""SymPy symbols and the abstract Gaussian transforms used by every recurrence.

The transforms are unevaluated SymPy functions so that a recurrence is derived *once*, for
any activation, and printed in the notation of [YS17, Sec. 5]:

=========================  ======================================================
:class:`Vphi`              :math:`\mathcal{V}\phi(q) = E[\phi(\sqrt{q} z)^2]`
:class:`Wphi`              :math:`\mathcal{W}\phi(q, \lambda) = E[\phi(u)\phi(v)]`, :math:`u, v`
                           centred Gaussian, variances :math:`q`, covariance :math:`\lambda`
:class:`Vdphi`             :math:`\mathcal{V}\phi'(q) = E[\phi'(\sqrt{q} z)^2]`
:class:`Mphi`              :math:`\mathcal{M}\phi(q) = E[\phi(\sqrt{q} z)]` (the mean; zero for
                           odd :math:`\phi`)
=========================  ======================================================

Binding to an activation (:mod:`asymptote.recurrences.bind`) replaces them by numpy or
mpmath evaluators.
"""

from __future__ import annotations

from typing import Any

import sympy

__all__ = [
    "Mphi",
    "Vdphi",
    "Vphi",
    "Wphi",
    "gamma",
    "lam",
    "layer",
    "m",
    "p",
    "q",
    "sigma",
]


class _Transform(sympy.Function):
    """Base class: an unevaluated Gaussian transform with a LaTeX name."""

    _latex_name = ""

    def _latex(self, printer: Any) -> str:
        args = ", ".join(printer._print(a) for a in self.args)
        return rf"{self._latex_name}\left({args}\right)"


class Vphi(_Transform):
    r""":math:`\mathcal{V}\phi(q)`, the second moment of the activation."""

    nargs = 1
    _latex_name = r"\mathcal{V}\phi"


class Wphi(_Transform):
    r""":math:`\mathcal{W}\phi(q, \lambda)`, the cross moment at equal variances."""

    nargs = 2
    _latex_name = r"\mathcal{W}\phi"


class Vdphi(_Transform):
    r""":math:`\mathcal{V}\phi'(q)`, the second moment of the derivative."""

    nargs = 1
    _latex_name = r"\mathcal{V}\phi'"


class Mphi(_Transform):
    r""":math:`\mathcal{M}\phi(q)`, the mean of the activation."""

    nargs = 1
    _latex_name = r"\mathcal{M}\phi"


#: state of layer l-1: length p, mean m, dot product gamma (two inputs of equal length)
p = sympy.Symbol("p", positive=True)
m = sympy.Symbol("m", real=True)
gamma = sympy.Symbol("gamma", real=True)
#: pre-activation length q and dot product lambda of layer l
q = sympy.Symbol("q", positive=True)
lam = sympy.Symbol("lambda", real=True)
#: depth
layer = sympy.Symbol("l", positive=True)

_SIGMAS: dict[str, sympy.Symbol] = {}


def sigma(name: str) -> sympy.Symbol:
    """The positive standard-deviation symbol ``sigma_<name>`` (cached)."""
    if name not in _SIGMAS:
        _SIGMAS[name] = sympy.Symbol(f"sigma_{name}", nonnegative=True)
    return _SIGMAS[name]
