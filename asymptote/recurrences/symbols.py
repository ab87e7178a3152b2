r"""SymPy symbols and the abstract Gaussian transforms used by every recurrence.

The transforms are unevaluated SymPy functions so that a recurrence is derived *once*, for
any activation, and printed in the notation of [YS17, Sec. 5]:

=========================  ======================================================
:class:`Vphi`              :math:`\mathcal{V}\phi(q) = E[\phi(\sqrt{q} z)^2]`
:class:`Wphi`              :math:`\mathcal{W}\phi(q, \lambda) = E[\phi(u)\phi(v)]`, :math:`u, v`
                           centred Gaussian, variances :math:`q`, covariance :math:`\lambda`;
                           :math:`\mathcal{W}\phi(q_1, q_2, \lambda)` for variances
                           :math:`q_1, q_2` (two inputs of unequal length)
:class:`Vdphi`             :math:`\mathcal{V}\phi'(q) = E[\phi'(\sqrt{q} z)^2]`
:class:`Wdphi`             :math:`\mathcal{W}\phi'(q_1, q_2, \lambda) = E[\phi'(u)\phi'(v)]`
                           (the NTK's derivative kernel; :math:`\partial\mathcal{W}\phi/\partial
                           \lambda` by Price's theorem [P58])
:class:`Mphi`              :math:`\mathcal{M}\phi(q) = E[\phi(\sqrt{q} z)]` (the mean; zero for
                           odd :math:`\phi`)
=========================  ======================================================

The cross moments are written in one canonical form, so that substituting equal inputs into
the two-input recurrence gives the one-input one: equal variances drop to the two-argument
form, :math:`\mathcal{W}\phi(q, q, \lambda) = \mathcal{W}\phi(q, \lambda)`, and full
correlation gives the second moment, :math:`\mathcal{W}\phi(q, q) = \mathcal{V}\phi(q)`,
:math:`\mathcal{W}\phi'(q, q) = \mathcal{V}\phi'(q)` -- the exact :math:`c = 1` maps, taken
as the limit (they hold for every activation whose :math:`\phi'` exists almost everywhere;
evaluating :math:`\mathcal{W}` at :math:`c = 1` instead is the :math:`0/0` of arc-cosine
forms).

Binding to an activation (:mod:`asymptote.recurrences.bind`) replaces them by numpy or
mpmath evaluators.
"""

from __future__ import annotations

from typing import Any

import sympy

__all__ = [
    "Mphi",
    "Vdphi",
    "Theta",
    "Theta_1",
    "Theta_2",
    "Vphi",
    "Wdphi",
    "Wphi",
    "c",
    "gamma",
    "lam",
    "layer",
    "m",
    "m_1",
    "m_2",
    "p",
    "p_1",
    "p_2",
    "q",
    "q_1",
    "q_2",
    "sigma",
    "theta",
    "theta_1",
    "theta_2",
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
    r""":math:`\mathcal{W}\phi(q, \lambda)` (equal variances) or :math:`\mathcal{W}\phi(q_1,
    q_2, \lambda)`, the cross moment; canonical form as in the module docstring."""

    nargs = (2, 3)
    _latex_name = r"\mathcal{W}\phi"
    _diagonal: type[_Transform] | None = None

    @classmethod
    def eval(cls, *args: sympy.Expr) -> sympy.Expr | None:
        if len(args) == 3 and args[0] == args[1]:
            return cls(args[0], args[2])
        if len(args) == 2 and args[0] == args[1] and cls._diagonal is not None:
            return cls._diagonal(args[0])
        return None


class Vdphi(_Transform):
    r""":math:`\mathcal{V}\phi'(q)`, the second moment of the derivative."""

    nargs = 1
    _latex_name = r"\mathcal{V}\phi'"


class Wdphi(Wphi):
    r""":math:`\mathcal{W}\phi'(q, \lambda)` or :math:`\mathcal{W}\phi'(q_1, q_2, \lambda) =
    E[\phi'(u)\phi'(v)]`, the derivative cross moment of the NTK [JGH18, Thm. 1]."""

    _latex_name = r"\mathcal{W}\phi'"


Wphi._diagonal = Vphi
Wdphi._diagonal = Vdphi


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
#: two inputs of unequal length: lengths p_1, p_2 and means m_1, m_2 of layer l-1 (their
#: dot product is ``gamma``); pre-activation lengths q_1, q_2 of layer l (dot product ``lam``)
p_1 = sympy.Symbol("p_1", positive=True)
p_2 = sympy.Symbol("p_2", positive=True)
m_1 = sympy.Symbol("m_1", real=True)
m_2 = sympy.Symbol("m_2", real=True)
q_1 = sympy.Symbol("q_1", positive=True)
q_2 = sympy.Symbol("q_2", positive=True)
#: NTK channel: tangent moments of layer l-1 (theta: the two inputs; theta_1, theta_2: each
#: input with itself) and of the pre-activations of layer l (Theta, Theta_1, Theta_2)
theta = sympy.Symbol("theta", real=True)
theta_1 = sympy.Symbol("theta_1", nonnegative=True)
theta_2 = sympy.Symbol("theta_2", nonnegative=True)
Theta = sympy.Symbol("Theta", real=True)
Theta_1 = sympy.Symbol("Theta_1", nonnegative=True)
Theta_2 = sympy.Symbol("Theta_2", nonnegative=True)
#: a correlation lambda / q (the argument of the correlation map)
c = sympy.Symbol("c", real=True)
#: depth
layer = sympy.Symbol("l", positive=True)

_SIGMAS: dict[str, sympy.Symbol] = {}


def sigma(name: str) -> sympy.Symbol:
    """The positive standard-deviation symbol ``sigma_<name>`` (cached)."""
    if name not in _SIGMAS:
        _SIGMAS[name] = sympy.Symbol(f"sigma_{name}", nonnegative=True)
    return _SIGMAS[name]
