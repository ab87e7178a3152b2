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
:class:`dVphi`             :math:`d\mathcal{V}\phi/dq = E[\phi'(u)^2 + \phi(u)\phi''(u)]`,
                           :math:`u = \sqrt{q} z` [SGGS17, eq. (5)]
:class:`Gphi`              :math:`\mathcal{G}\phi(q) = q\,\mathcal{V}\phi'(q) -
                           \mathcal{V}\phi(q) = q\,E[(\phi'(u) - \phi(u)/u)^2]` (the linearity
                           gap; see :func:`gap_form`)
=========================  ======================================================

The cross moments are written in one canonical form, so that substituting equal inputs into
the two-input recurrence gives the one-input one: equal variances drop to the two-argument
form, :math:`\mathcal{W}\phi(q, q, \lambda) = \mathcal{W}\phi(q, \lambda)`, and full
correlation gives the second moment, :math:`\mathcal{W}\phi(q, q) = \mathcal{V}\phi(q)`,
:math:`\mathcal{W}\phi'(q, q) = \mathcal{V}\phi'(q)` -- the exact :math:`c = 1` maps, taken
as the limit (they hold for every activation whose :math:`\phi'` exists almost everywhere;
evaluating :math:`\mathcal{W}` at :math:`c = 1` instead is the :math:`0/0` of arc-cosine
forms).

**Derivatives.** The transforms carry SymPy derivative rules (``fdiff``), so a derived map
can be differentiated symbolically (:func:`asymptote.recurrences.slope`): by Price's theorem
[P58] :math:`\partial\mathcal{W}\phi(q_1, q_2, \lambda)/\partial\lambda =
\mathcal{W}\phi'(q_1, q_2, \lambda)`, and :math:`d\mathcal{V}\phi/dq =
d\mathcal{V}\phi` (:class:`dVphi`; differentiating :math:`E[\phi(\sqrt q z)^2]` under the
integral gives :math:`E[z\phi(u)\phi'(u)]/\sqrt q = E[\phi'(u)^2 + \phi(u)\phi''(u)]`
by Gaussian integration by parts, :math:`E[u f(u)] = q E[f'(u)]`). A derivative for which no
transform exists (:math:`\partial\mathcal{W}\phi/\partial q_1` at fixed :math:`\lambda`,
:math:`d\mathcal{V}\phi'/dq`, :math:`d\mathcal{M}\phi/dq`, ...) raises
:class:`UndefinedDerivative` instead of returning an unevaluated ``Derivative``.

Binding to an activation (:mod:`asymptote.recurrences.bind`) replaces them by numpy or
mpmath evaluators.
"""

from __future__ import annotations

from typing import Any

import sympy

__all__ = [
    "Gphi",
    "Mphi",
    "UndefinedDerivative",
    "Vdphi",
    "Theta",
    "Theta_1",
    "Theta_2",
    "Vphi",
    "Wdphi",
    "Wphi",
    "c",
    "dVphi",
    "gamma",
    "gap_form",
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


class UndefinedDerivative(NotImplementedError):
    """A derivative of a transform that is not itself one of the transforms."""


class _Transform(sympy.Function):
    """Base class: an unevaluated Gaussian transform with a LaTeX name.

    ``fdiff`` refuses by default (:class:`UndefinedDerivative`); subclasses declare the
    derivatives that are transforms.
    """

    _latex_name = ""

    def _latex(self, printer: Any) -> str:
        args = ", ".join(printer._print(a) for a in self.args)
        return rf"{self._latex_name}\left({args}\right)"

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        names = ("q_1", "q_2", "lambda") if len(self.args) == 3 else ("q", "lambda")
        which = names[argindex - 1] if len(self.args) > 1 else "q"
        raise UndefinedDerivative(
            f"d {self} / d {which} is not one of the Gaussian "
            f"transforms (no evaluator exists for it); derive the map in a form that avoids it"
        )


class Vphi(_Transform):
    r""":math:`\mathcal{V}\phi(q)`, the second moment of the activation;
    :math:`d\mathcal{V}\phi/dq` = :class:`dVphi`."""

    nargs = 1
    _latex_name = r"\mathcal{V}\phi"

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return dVphi(self.args[0])


class Wphi(_Transform):
    r""":math:`\mathcal{W}\phi(q, \lambda)` (equal variances) or :math:`\mathcal{W}\phi(q_1,
    q_2, \lambda)`, the cross moment; canonical form as in the module docstring."""

    nargs = (2, 3)
    _latex_name = r"\mathcal{W}\phi"
    _diagonal: type[_Transform] | None = None

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        """Price's theorem [P58]: the covariance derivative is :class:`Wdphi`; the variance
        derivatives at fixed covariance are not transforms (refused)."""
        if argindex == len(self.args):
            return Wdphi(*self.args)
        return super().fdiff(argindex)

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

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        # E[phi''(u) phi''(v)] and the variance derivatives are not transforms
        return _Transform.fdiff(self, argindex)


Wphi._diagonal = Vphi
Wdphi._diagonal = Vdphi


class Mphi(_Transform):
    r""":math:`\mathcal{M}\phi(q)`, the mean of the activation."""

    nargs = 1
    _latex_name = r"\mathcal{M}\phi"


class dVphi(_Transform):  # noqa: N801 (the notation d V phi)
    r""":math:`d\mathcal{V}\phi/dq = E[\phi'(u)^2 + \phi(u)\phi''(u)]`, :math:`u = \sqrt q z`
    [SGGS17, eq. (5)] (the transform key ``"dV"`` of :func:`asymptote.transforms.transform`)."""

    nargs = 1
    _latex_name = r"d\mathcal{V}\phi"


class Gphi(_Transform):
    r""":math:`\mathcal{G}\phi(q) = q\,\mathcal{V}\phi'(q) - \mathcal{V}\phi(q)`, evaluated
    without the cancellation of the difference (:func:`gap_form`)."""

    nargs = 1
    _latex_name = r"\mathcal{G}\phi"


def gap_form(expr: sympy.Expr) -> sympy.Expr:
    r"""``expr`` over a common denominator, with :math:`q\mathcal{V}\phi'(q) - \mathcal{V}\phi(q)`
    in the numerator written as :class:`Gphi` (for every length symbol that carries it).

    The difference cancels where :math:`\phi` is nearly linear over the Gaussian's range
    (small :math:`q` for odd :math:`\phi`; all of :math:`|u| < 1` for hard tanh); the gap
    itself is a Gaussian expectation of a square, with no cancellation. With
    :math:`\phi(u) = u g(u)`, Gaussian integration by parts :math:`E[u f(u)] = q E[f'(u)]`
    applied to :math:`f = u g^2` gives :math:`E[\phi^2] = q E[g^2 + 2 u g g']`, hence

    .. math:: q\,E[\phi'(u)^2] - E[\phi(u)^2] = q\,E[u^2 g'(u)^2]
              = q\,E[(\phi'(u) - \phi(u)/u)^2],

    valid when :math:`\phi(0) = 0` and :math:`\phi` is absolutely continuous (for
    :math:`\phi(0) \ne 0` the expectation diverges at :math:`u = 0` and the evaluator uses
    the difference, see :func:`asymptote.recurrences.bind.gap_transform`).

    Examples
    --------
    >>> gap_form(q - Vphi(q) / Vdphi(q))
    Gphi(q)/Vdphi(q)
    """
    numerator, denominator = sympy.fraction(sympy.together(expr))
    numerator = sympy.expand(numerator)
    for length in sorted(numerator.atoms(sympy.Symbol), key=lambda s: s.name):
        gap = length * Vdphi(length) - Vphi(length)
        for sign in (1, -1):
            rest = sympy.expand(numerator - sign * gap)
            if not rest.has(Vphi(length)) and not rest.has(Vdphi(length)):
                numerator = rest + sign * Gphi(length)
                break
    return numerator / denominator


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
