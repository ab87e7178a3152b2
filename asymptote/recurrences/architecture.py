r"""Architectures as data and the mean-field rules that turn them into recurrences.

An architecture is one layer map :math:`x^l = F(x^{l-1})` written with four node types:

* :class:`Prev` -- the previous activation vector :math:`x^{l-1}`;
* :class:`Affine` -- :math:`A y + c` with i.i.d. weights :math:`A_{ij} \sim N(0, \sigma_A^2/N)`
  and biases :math:`c_i \sim N(0, \sigma_c^2)`, fresh in every layer;
* :class:`Phi` -- the activation applied to an :class:`Affine` node (a pre-activation);
* :class:`Sum` -- a sum of nodes (a skip connection).

**Forward rules.** The mean-field rules of [YS17, Sec. 4 and App. B] (large width; weights
independent of the incoming activations; the gradient-independence axiom of [SGGS17] and
[YS17, Axiom 3.2] for the backward pass) give, per node and for two inputs :math:`a, b`, the
unit-averaged means :math:`M_a`, :math:`M_b` and the moments :math:`C_{ab}` (the second
moment :math:`S_a = C_{aa}` when :math:`a = b`). With :math:`(i, j)` one of the channels
:math:`(1, 1), (2, 2), (1, 2)`:

.. math::

    &\text{Prev:}\ M_i = m_i,\ C_{ii} = p_i,\ C_{12} = \gamma;\qquad
    \text{Affine}(A, y, c):\ M = 0,\ C_{ij} = \sigma_A^2 C_{ij}(y) + \sigma_c^2;\\
    &\text{Phi}(h):\ M_i = \mathcal{M}\phi(q_i),\
        C_{ij} = \mathcal{W}\phi(q_i, q_j, \lambda_{ij}),\quad q_i = C_{ii}(h),\
        \lambda_{12} = \lambda = C_{12}(h),\ \lambda_{ii} = q_i;\\
    &\text{Sum}(y_1, \dots):\ C_{ij} = \sum_s C_{ij}(y_s) + \sum_{s \ne t} M_i(y_s) M_j(y_t).

On the diagonal :math:`\mathcal{W}\phi(q, q, q) = \mathcal{V}\phi(q)` exactly (the canonical
form of :mod:`asymptote.recurrences.symbols`), so the one-input maps are the exact
:math:`c = 1` maps, never a :math:`0/0`. Setting :math:`p_1 = p_2 = p`, :math:`m_1 = m_2 = m`
gives the equal-length recurrence of [YS17] in :math:`(p, m, \gamma)` and :math:`(q,
\lambda)`. The cross term of a sum is :math:`E[y_s(a) y_t(b)] = M_a(y_s) M_b(y_t)` because
distinct terms are asymptotically independent per unit (each non-skip term passes through
fresh weights); it is zero whenever one term is an affine map (zero-mean weights). For the
reduced resnet with a non-odd activation this keeps the term :math:`2 m\,\mathcal{M}\phi(q)`
that [YS17] removes by assuming odd activations (their Axiom 3.1(a)); with it, the recurrence
holds for ReLU too.

**Tangent (NTK) channel.** With every weight and bias trainable and written in the NTK
parameterization (:math:`A = \sigma_A \hat A/\sqrt N`, :math:`c = \sigma_c \hat c`,
:math:`\hat A, \hat c` standard normal), each node carries the tangent moment
:math:`T_{ij} = N^{-1}\sum_k \langle \partial_\vartheta y_k(a), \partial_\vartheta y_k(b)\rangle`
over all parameters :math:`\vartheta` of layers :math:`\le l`
[JGH18, Thm. 1; LBNSSP18, eq. (4); NT20, Sec. 3 and App. C]:

.. math::

    &\text{Prev:}\ T_{ij} = \theta_{ij};\qquad
    \text{Affine}(A, y, c):\ T_{ij} = \sigma_A^2\,(C_{ij}(y) + T_{ij}(y)) + \sigma_c^2
        = C_{ij}(\text{Affine}) + \sigma_A^2\, T_{ij}(y);\\
    &\text{Phi}(h):\ T_{ij} = \mathcal{W}\phi'(q_i, q_j, \lambda_{ij})\, T_{ij}(h);\qquad
    \text{Sum}:\ T_{ij} = \sum_s T_{ij}(y_s).

The affine rule: the gradients of :math:`A` and :math:`c` give :math:`\sigma_A^2 C_{ij}(y)`
and :math:`\sigma_c^2`; the gradients of earlier parameters pass through :math:`A` and, by
:math:`N^{-1}\sum_{k} A_{ik}A_{ik'} \to \sigma_A^2\delta_{kk'}/N`, are multiplied by
:math:`\sigma_A^2`. The Phi rule is the chain rule with :math:`\phi'` evaluated at the two
correlated pre-activations; in a sum, the cross terms of distinct branches vanish (gradient
independence). For the pre-activation node the rule reads :math:`\Theta = \lambda +
\sigma_w^2\theta`, so for the feedforward network

.. math:: \Theta^{l} = K^{l} + \sigma_w^2\, \mathcal{W}\phi'(K^{l-1})\, \Theta^{l-1},
          \qquad K^{l} = \sigma_w^2\,\mathcal{W}\phi(K^{l-1}) + \sigma_b^2,

the recursion of [JGH18, Thm. 1] and of neural-tangents' ``stax.Dense``/nonlinearity
[NT20, App. C] (checked symbolically in ``tests/unit/test_recurrence_pairs.py``).

**Backward** (squared-gradient multipliers; cross terms vanish by gradient independence):
:math:`D(\text{Prev}) = 1`, :math:`D(\text{Affine}(A, y)) = \sigma_A^2 D(y)`,
:math:`D(\text{Phi}(h)) = \mathcal{V}\phi'(q) D(h)`, :math:`D(\text{Sum}) = \sum D`, so
:math:`\chi^{l-1} = D\,\chi^l`. A weight :math:`A` of an affine node whose output reaches
:math:`x^l` with multiplier :math:`U` has :math:`\chi_A^l = U\,S_y\,\chi^l`, its bias
:math:`\chi_c^l = U\,\chi^l`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Union

import sympy

from .symbols import (
    Mphi,
    Theta,
    Theta_1,
    Theta_2,
    Vdphi,
    Wdphi,
    Wphi,
    gamma,
    lam,
    m,
    m_1,
    m_2,
    p,
    p_1,
    p_2,
    q,
    q_1,
    q_2,
    sigma,
    theta,
    theta_1,
    theta_2,
)

__all__ = [
    "Affine",
    "Architecture",
    "Node",
    "Phi",
    "Prev",
    "Recurrence",
    "Sum",
    "derive",
    "slope",
]


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


#: substitution that turns the two-input recurrence into the equal-length one
EQUAL_LENGTHS: dict[sympy.Symbol, sympy.Symbol] = {p_1: p, p_2: p, m_1: m, m_2: m, q_1: q, q_2: q}


@dataclass(frozen=True)
class Recurrence:
    r"""The mean-field recurrences of one architecture, as SymPy expressions.

    Equal-length fields (two inputs of the same length and mean, [YS17]): ``pre`` maps the
    pre-activation symbols ``q`` and ``lambda`` to expressions in the previous state
    ``(p, m, gamma)``; ``state`` maps ``p, m, gamma`` to their next values in terms of the
    previous state, ``q``, ``lambda`` and the transforms; ``gradient_factor`` is
    :math:`\chi^{l-1}/\chi^l`; ``parameter_gradients`` maps each trainable parameter to
    :math:`\chi_\theta^l / \chi^l` (in ``q`` and the previous length ``p``).

    Two-input fields (lengths :math:`p_1 \ne p_2`): ``pair_pre`` maps ``q_1, q_2, lambda`` to
    expressions in ``(p_1, p_2, m_1, m_2, gamma)``; ``pair_state`` maps ``p_1, p_2, m_1,
    m_2, gamma`` to their next values in terms of the previous state and ``q_1, q_2,
    lambda``. NTK channel: ``tangent_pre`` maps the pre-activation tangent moments
    ``Theta_1, Theta_2, Theta`` to expressions in the previous state (with ``theta_1,
    theta_2, theta``) and the pre-activations ``q_1, q_2, lambda`` of the same layer;
    ``tangent_state`` maps ``theta_1, theta_2, theta`` to their next values in terms of all
    of these. Evaluate in the order pre, tangent_pre, state and tangent_state.
    """

    architecture: Architecture
    pre: dict[sympy.Symbol, sympy.Expr]
    state: dict[sympy.Symbol, sympy.Expr]
    gradient_factor: sympy.Expr
    parameter_gradients: dict[str, sympy.Expr] = field(default_factory=dict)
    pair_pre: dict[sympy.Symbol, sympy.Expr] = field(default_factory=dict)
    pair_state: dict[sympy.Symbol, sympy.Expr] = field(default_factory=dict)
    tangent_pre: dict[sympy.Symbol, sympy.Expr] = field(default_factory=dict)
    tangent_state: dict[sympy.Symbol, sympy.Expr] = field(default_factory=dict)

    @property
    def parameters(self) -> tuple[sympy.Symbol, ...]:
        """The standard-deviation symbols the recurrence depends on, sorted by name."""
        exprs = [*self.pre.values(), *self.state.values(), self.gradient_factor]
        exprs += list(self.parameter_gradients.values())
        for part in (self.pair_pre, self.pair_state, self.tangent_pre, self.tangent_state):
            exprs += list(part.values())
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

    def pre_activation_step(self) -> dict[sympy.Symbol, sympy.Expr]:
        r"""Pre-activations of layer :math:`l + 1` in terms of those of layer :math:`l`.

        ``pre`` composed with ``state``: for the feedforward network the length map
        :math:`q \mapsto \sigma_w^2\mathcal{V}\phi(q) + \sigma_b^2` [PLRSG16, eq. (3)] and
        :math:`\lambda \mapsto \sigma_w^2\mathcal{W}\phi(q, \lambda) + \sigma_b^2`
        [PLRSG16, eq. (5)]; with skip connections the result still involves the previous
        state :math:`(p, m, \gamma)`.

        Examples
        --------
        >>> from asymptote.recurrences import recurrence
        >>> recurrence("feedforward").pre_activation_step()[q]
        sigma_b**2 + sigma_w**2*Vphi(q)
        """
        return {sym: sympy.expand(expr.xreplace(self.state)) for sym, expr in self.pre.items()}

    def latex(self) -> str:
        """The recurrences as a LaTeX ``align*`` body (layer indices written out)."""
        prev = {
            p: sympy.Symbol("p^{l-1}"),
            m: sympy.Symbol("m^{l-1}"),
            gamma: sympy.Symbol(r"\gamma^{l-1}"),
        }
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


# per input i: length, mean, pre-activation length, tangent moments (state and pre-activation)
_P = {1: p_1, 2: p_2}
_M = {1: m_1, 2: m_2}
_Q = {1: q_1, 2: q_2}
_TH = {1: theta_1, 2: theta_2}
_TH_PRE = {1: Theta_1, 2: Theta_2}
#: the three channels (i, j) of two inputs and the symbols they define
CHANNELS = ((1, 1), (2, 2), (1, 2))


def _prev_moment(i: int, j: int) -> sympy.Symbol:
    return _P[i] if i == j else gamma


def _pre_moment(i: int, j: int) -> sympy.Symbol:
    return _Q[i] if i == j else lam


def _prev_tangent(i: int, j: int) -> sympy.Symbol:
    return _TH[i] if i == j else theta


def _pre_tangent(i: int, j: int) -> sympy.Symbol:
    return _TH_PRE[i] if i == j else Theta


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

    def _check_phi(self, node: Phi) -> None:
        if node.inner is not self.pre_node:
            raise NotImplementedError("one pre-activation per layer")

    # ---------------------------------------------------------------- forward, two inputs
    def mean(self, node: Node, i: int) -> sympy.Expr:
        """Unit-averaged mean of ``node`` at input ``i``."""
        if isinstance(node, Prev):
            return _M[i]
        if isinstance(node, Affine):
            return sympy.Integer(0)
        if isinstance(node, Phi):
            return Mphi(_Q[i])
        return sympy.Add(*(self.mean(t, i) for t in node.terms))

    def moment(self, node: Node, i: int, j: int) -> sympy.Expr:
        """Moment :math:`C_{ij}` of ``node`` (a second moment when ``i == j``)."""
        if isinstance(node, Prev):
            return _prev_moment(i, j)
        if isinstance(node, Affine):
            bias = sigma(node.bias) ** 2 if node.bias else 0
            return sigma(node.weight) ** 2 * self.moment(node.inner, i, j) + bias
        if isinstance(node, Phi):
            self._check_phi(node)
            return Wphi(_Q[i], _Q[j], _pre_moment(i, j))  # Vphi(q_i) when i == j
        total = sympy.Add(*(self.moment(t, i, j) for t in node.terms))
        for s, ys in enumerate(node.terms):
            for t, yt in enumerate(node.terms):
                if s != t:
                    total += self.mean(ys, i) * self.mean(yt, j)
        return total

    def tangent(self, node: Node, i: int, j: int) -> sympy.Expr:
        r"""Tangent moment :math:`T_{ij}` of ``node`` (the NTK channel)."""
        if isinstance(node, Prev):
            return _prev_tangent(i, j)
        if isinstance(node, Affine):
            own = _pre_moment(i, j) if node is self.pre_node else self.moment(node, i, j)
            return own + sigma(node.weight) ** 2 * self.tangent(node.inner, i, j)
        if isinstance(node, Phi):
            self._check_phi(node)
            return Wdphi(_Q[i], _Q[j], _pre_moment(i, j)) * _pre_tangent(i, j)
        return sympy.Add(*(self.tangent(t, i, j) for t in node.terms))

    # ---------------------------------------------------------------- backward, one input
    def second(self, node: Node) -> sympy.Expr:
        """Second moment of ``node`` for one input (equal-length symbols)."""
        return self.moment(node, 1, 1).xreplace(EQUAL_LENGTHS)

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
            out.update(self.parameter_gradients(node.inner, upstream * sigma(node.weight) ** 2))
        elif isinstance(node, Phi):
            out.update(self.parameter_gradients(node.inner, upstream * Vdphi(q)))
        elif isinstance(node, Sum):
            for t in node.terms:
                out.update(self.parameter_gradients(t, upstream))
        return out


def derive(arch: Architecture) -> Recurrence:
    """Apply the mean-field rules to ``arch`` and return its :class:`Recurrence`.

    The two-input maps are derived once; the equal-length fields are those maps at
    :math:`p_1 = p_2 = p`, :math:`m_1 = m_2 = m` (:data:`EQUAL_LENGTHS`).
    """
    rules = _Rules(arch.step)
    pair_pre: dict[sympy.Symbol, sympy.Expr] = {}
    pair_state: dict[sympy.Symbol, sympy.Expr] = {}
    tangent_pre: dict[sympy.Symbol, sympy.Expr] = {}
    tangent_state: dict[sympy.Symbol, sympy.Expr] = {}
    for i, j in CHANNELS:
        pair_pre[_pre_moment(i, j)] = sympy.expand(rules.moment(rules.pre_node, i, j))
        pair_state[_prev_moment(i, j)] = sympy.expand(rules.moment(arch.step, i, j))
        tangent_pre[_pre_tangent(i, j)] = sympy.expand(rules.tangent(rules.pre_node, i, j))
        tangent_state[_prev_tangent(i, j)] = sympy.expand(rules.tangent(arch.step, i, j))
    for i in (1, 2):
        pair_state[_M[i]] = sympy.expand(rules.mean(arch.step, i))
    pair_state = {k: pair_state[k] for k in (p_1, p_2, m_1, m_2, gamma)}

    def equal(expr: sympy.Expr) -> sympy.Expr:
        return sympy.expand(expr.xreplace(EQUAL_LENGTHS))

    pre = {q: equal(pair_pre[q_1]), lam: equal(pair_pre[lam])}
    state = {p: equal(pair_state[p_1]), m: equal(pair_state[m_1]), gamma: equal(pair_state[gamma])}
    return Recurrence(
        architecture=arch,
        pre=pre,
        state=state,
        gradient_factor=sympy.expand(rules.backward(arch.step)),
        parameter_gradients={
            k: sympy.expand(v)
            for k, v in rules.parameter_gradients(arch.step, sympy.Integer(1)).items()
        },
        pair_pre=pair_pre,
        pair_state=pair_state,
        tangent_pre=tangent_pre,
        tangent_state=tangent_state,
    )


def slope(
    next_value: sympy.Expr,
    variable: sympy.Symbol,
    at: Mapping[sympy.Symbol, sympy.Expr] | None = None,
) -> sympy.Expr:
    r"""The slope :math:`\partial x^{l+1}/\partial x^{l}` of a derived map, symbolically.

    ``next_value`` is a map's output in terms of the state (e.g. the length map
    ``recurrence("feedforward").pre_activation_step()[q]``), ``variable`` the state it is
    differentiated by; ``at`` is substituted after differentiating (e.g. :math:`c = 1`).
    Differentiation goes through the transforms' rules
    (:mod:`asymptote.recurrences.symbols`): Price's theorem
    :math:`\partial\mathcal{W}\phi/\partial\lambda = \mathcal{W}\phi'` [P58] and
    :math:`d\mathcal{V}\phi/dq = d\mathcal{V}\phi`; a derivative that is no transform
    raises :class:`~asymptote.recurrences.symbols.UndefinedDerivative`. After substitution
    the transforms take their canonical form, so the slope of the correlation map at
    :math:`c = 1` is the exact :math:`c = 1` value :math:`\sigma_w^2\mathcal{V}\phi'(q)`
    [PLRSG16, eq. (7)], never a :math:`0/0`.

    Examples
    --------
    >>> from asymptote.recurrences import recurrence
    >>> from asymptote.recurrences.symbols import c, lam
    >>> step = recurrence("feedforward").pre_activation_step()
    >>> slope(step[q], q)  # chi_q [SGGS17, eq. (5)]
    sigma_w**2*dVphi(q)
    >>> correlation = step[lam].subs(lam, c * q) / q
    >>> slope(correlation, c)  # chi_c [SGGS17, eq. (9)]
    sigma_w**2*Wdphi(q, c*q)
    >>> slope(correlation, c, at={c: 1})  # chi_1 [PLRSG16, eq. (7)]
    sigma_w**2*Vdphi(q)
    """
    if not isinstance(variable, sympy.Symbol):
        raise TypeError(f"variable must be a SymPy Symbol, got {variable!r}")
    derivative = sympy.diff(next_value, variable)
    if at:
        derivative = derivative.subs(dict(at), simultaneous=True)
    return sympy.expand(derivative)
