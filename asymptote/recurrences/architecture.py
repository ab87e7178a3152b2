r"""Architectures as data and the mean-field rules that turn them into recurrences.

An architecture is one layer map :math:`x^l = F(x^{l-1})` written with four node types:

* :class:`Prev` -- the previous activation vector :math:`x^{l-1}`;
* :class:`Affine` -- :math:`A y + c` with i.i.d. weights :math:`A_{ij} \sim N(0, \sigma_A^2/N)`
  and biases :math:`c_i \sim N(0, \sigma_c^2)`, fresh in every layer;
* :class:`Phi` -- the activation applied to an :class:`Affine` node (a pre-activation);
* :class:`Sum` -- a sum of nodes (a skip connection).

The mean-field rules of [YS17, Sec. 4 and App. B] (large width; weights independent of the
incoming activations; the gradient-independence axiom of [SGGS17] and [YS17, Axiom 3.2] for
the backward pass) give, per node, the unit-averaged mean :math:`M`, second moment :math:`S`,
and cross moment :math:`C` of two inputs of equal length and mean:

.. math::

    &\text{Prev:}\ M = m,\ S = p,\ C = \gamma;\qquad
    \text{Affine}(A, y, c):\ M = 0,\ S = \sigma_A^2 S_y + \sigma_c^2,\
        C = \sigma_A^2 C_y + \sigma_c^2;\\
    &\text{Phi}(h):\ M = \mathcal{M}\phi(q),\ S = \mathcal{V}\phi(q),\
        C = \mathcal{W}\phi(q, \lambda),\quad q = S_h,\ \lambda = C_h;\\
    &\text{Sum}(y_1, \dots):\ S = \sum_i S_i + 2\sum_{i<j} M_i M_j,\
        C = \sum_i C_i + 2\sum_{i<j} M_i M_j.

The cross term of a sum is :math:`E[y_i y_j] = M_i M_j` because distinct terms are
asymptotically independent per unit (each non-skip term passes through fresh weights); it is
zero whenever one term is an affine map (zero-mean weights). For the reduced resnet with a
non-odd activation this keeps the term :math:`2 m\,\mathcal{M}\phi(q)` that [YS17] removes by
assuming odd activations (their Axiom 3.1(a)); with it, the recurrence holds for ReLU too.

Backward (squared-gradient multipliers; cross terms vanish by gradient independence):
:math:`D(\text{Prev}) = 1`, :math:`D(\text{Affine}(A, y)) = \sigma_A^2 D(y)`,
:math:`D(\text{Phi}(h)) = \mathcal{V}\phi'(q) D(h)`, :math:`D(\text{Sum}) = \sum D`, so
:math:`\chi^{l-1} = D\,\chi^l`. A weight :math:`A` of an affine node whose output reaches
:math:`x^l` with multiplier :math:`U` has :math:`\chi_A^l = U\,S_y\,\chi^l`, its bias
:math:`\chi_c^l = U\,\chi^l`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

import sympy

from .symbols import Mphi, Vdphi, Vphi, Wphi, gamma, lam, m, p, q, sigma

__all__ = ["Affine", "Architecture", "Node", "Phi", "Prev", "Recurrence", "Sum", "derive"]


@dataclass(frozen=True)
class Prev:
    """The previous layer's activation vector :math:`x^{l-1}`."""


@dataclass(frozen=True)
class Affine:
    """``weight @ inner + bias`` with fresh Gaussian weights (variance sigma^2/N) and biases."""

    weight: str
    inner: Node
    bias: str | None = None


@dataclass(frozen=True)
class Phi:
    """The activation applied coordinatewise to a pre-activation (an :class:`Affine` node)."""

    inner: Affine


@dataclass(frozen=True)
class Sum:
    """A sum of nodes (skip connections)."""

    terms: tuple[Node, ...]


Node = Union[Prev, Affine, Phi, Sum]  # noqa: UP007 (runtime alias on Python 3.10)


@dataclass(frozen=True)
class Architecture:
    """A named layer map with its citation and the assumptions its recurrence relies on."""

    name: str
    title: str
    step: Node
    reference: str
    assumptions: tuple[str, ...] = ()
    latex_definition: str = ""


@dataclass(frozen=True)
class Recurrence:
    r"""The mean-field recurrences of one architecture, as SymPy expressions.

    ``pre`` maps the pre-activation symbols ``q`` and ``lambda`` to expressions in the
    previous state ``(p, m, gamma)``; ``state`` maps ``p, m, gamma`` to their next values in
    terms of the previous state, ``q``, ``lambda`` and the transforms; ``gradient_factor`` is
    :math:`\chi^{l-1}/\chi^l`; ``parameter_gradients`` maps each trainable parameter to
    :math:`\chi_\theta^l / \chi^l` (in ``q`` and the previous length ``p``).
    """

    architecture: Architecture
    pre: dict[sympy.Symbol, sympy.Expr]
    state: dict[sympy.Symbol, sympy.Expr]
    gradient_factor: sympy.Expr
    parameter_gradients: dict[str, sympy.Expr] = field(default_factory=dict)

    @property
    def parameters(self) -> tuple[sympy.Symbol, ...]:
        """The standard-deviation symbols the recurrence depends on, sorted by name."""
        exprs = [*self.pre.values(), *self.state.values(), self.gradient_factor]
        exprs += list(self.parameter_gradients.values())
        found: set[sympy.Symbol] = set()
        for e in exprs:
            found |= {s for s in e.free_symbols if s.name.startswith("sigma_")}
        return tuple(sorted(found, key=lambda s: s.name))

    def increments(self) -> dict[str, sympy.Expr]:
        r"""Per-layer changes :math:`p^l - p^{l-1}`, :math:`m^l - m^{l-1}` and of
        :math:`p - \gamma` (half the squared distance), simplified."""
        return {
            "p": sympy.expand(self.state[p] - p),
            "m": sympy.expand(self.state[m] - m),
            "p-gamma": sympy.expand(self.state[p] - self.state[gamma] - (p - gamma)),
        }

    def latex(self) -> str:
        """The recurrences as a LaTeX ``align*`` body (layer indices written out)."""
        prev = {p: sympy.Symbol("p^{l-1}"), m: sympy.Symbol("m^{l-1}"),
                gamma: sympy.Symbol(r"\gamma^{l-1}")}
        cur = {q: sympy.Symbol("q^{l}"), lam: sympy.Symbol(r"\lambda^{l}")}
        lines = []
        for sym, expr in self.pre.items():
            lhs = cur[sym]
            lines.append(rf"{sympy.latex(lhs)} &= {sympy.latex(expr.subs(prev))}")
        names = {p: "p^{l}", m: "m^{l}", gamma: r"\gamma^{l}"}
        for sym, expr in self.state.items():
            rhs = expr.subs(prev).subs(cur)
            lines.append(rf"{names[sym]} &= {sympy.latex(rhs)}")
        lines.append(r"e^{l} &= \gamma^{l} / p^{l}, \qquad s^{l} = 2\,(p^{l} - \gamma^{l})")
        factor = self.gradient_factor.subs(cur)
        lines.append(rf"\chi^{{l-1}} &= \left({sympy.latex(factor)}\right) \chi^{{l}}")
        for name, expr in self.parameter_gradients.items():
            rhs = expr.subs(prev).subs(cur)
            lines.append(rf"\chi_{{{name}}}^{{l}} &= {sympy.latex(rhs)}\, \chi^{{l}}")
        return " \\\\\n".join(lines)


def _gaussian_nodes(node: Node) -> list[Affine]:
    if isinstance(node, Phi):
        return [node.inner, *_gaussian_nodes(node.inner.inner)]
    if isinstance(node, Affine):
        return _gaussian_nodes(node.inner)
    if isinstance(node, Sum):
        return [a for t in node.terms for a in _gaussian_nodes(t)]
    return []


def _weights(node: Node) -> list[str]:
    if isinstance(node, Affine):
        return [node.weight, *([node.bias] if node.bias else []), *_weights(node.inner)]
    if isinstance(node, Phi):
        return _weights(node.inner)
    if isinstance(node, Sum):
        return [w for t in node.terms for w in _weights(t)]
    return []


class _Rules:
    """Evaluates the mean-field rules on one architecture (single pre-activation)."""

    def __init__(self, step: Node) -> None:
        names = _weights(step)
        if len(names) != len(set(names)):
            raise ValueError(f"each weight/bias name may appear once per layer, got {names}")
        gaussians = _gaussian_nodes(step)
        if len(gaussians) != 1:
            raise NotImplementedError("architectures with exactly one activation are supported")
        self.pre_node = gaussians[0]

    def mean(self, node: Node) -> sympy.Expr:
        if isinstance(node, Prev):
            return m
        if isinstance(node, Affine):
            return sympy.Integer(0)
        if isinstance(node, Phi):
            return Mphi(q)
        return sympy.Add(*(self.mean(t) for t in node.terms))

    def _moment(self, node: Node, cross: bool) -> sympy.Expr:
        if isinstance(node, Prev):
            return gamma if cross else p
        if isinstance(node, Affine):
            inner = self._moment(node.inner, cross)
            bias = sigma(node.bias) ** 2 if node.bias else 0
            return sigma(node.weight) ** 2 * inner + bias
        if isinstance(node, Phi):
            if node.inner is not self.pre_node:
                raise NotImplementedError("one pre-activation per layer")
            return Wphi(q, lam) if cross else Vphi(q)
        total = sympy.Add(*(self._moment(t, cross) for t in node.terms))
        means = [self.mean(t) for t in node.terms]
        for i in range(len(means)):
            for j in range(i + 1, len(means)):
                total += 2 * means[i] * means[j]
        return total

    def second(self, node: Node) -> sympy.Expr:
        return self._moment(node, cross=False)

    def cross(self, node: Node) -> sympy.Expr:
        return self._moment(node, cross=True)

    def backward(self, node: Node) -> sympy.Expr:
        if isinstance(node, Prev):
            return sympy.Integer(1)
        if isinstance(node, Affine):
            return sigma(node.weight) ** 2 * self.backward(node.inner)
        if isinstance(node, Phi):
            return Vdphi(q) * self.backward(node.inner)
        return sympy.Add(*(self.backward(t) for t in node.terms))

    def parameter_gradients(self, node: Node, upstream: sympy.Expr) -> dict[str, sympy.Expr]:
        out: dict[str, sympy.Expr] = {}
        if isinstance(node, Affine):
            out[node.weight] = upstream * self.second(node.inner)
            if node.bias:
                out[node.bias] = upstream
            out.update(
                self.parameter_gradients(node.inner, upstream * sigma(node.weight) ** 2)
            )
        elif isinstance(node, Phi):
            out.update(self.parameter_gradients(node.inner, upstream * Vdphi(q)))
        elif isinstance(node, Sum):
            for t in node.terms:
                out.update(self.parameter_gradients(t, upstream))
        return out


def derive(arch: Architecture) -> Recurrence:
    """Apply the mean-field rules to ``arch`` and return its :class:`Recurrence`."""
    rules = _Rules(arch.step)
    pre = {q: sympy.expand(rules.second(rules.pre_node)),
           lam: sympy.expand(rules.cross(rules.pre_node))}
    state = {
        p: sympy.expand(rules.second(arch.step)),
        m: sympy.expand(rules.mean(arch.step)),
        gamma: sympy.expand(rules.cross(arch.step)),
    }
    return Recurrence(
        architecture=arch,
        pre=pre,
        state=state,
        gradient_factor=sympy.expand(rules.backward(arch.step)),
        parameter_gradients={
            k: sympy.expand(v) for k, v in rules.parameter_gradients(arch.step, sympy.Integer(1)).items()
        },
    )
