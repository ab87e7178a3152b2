r"""The architectures of [YS17] and the feedforward baseline, each declared once.

=============  =============================================================  ============
name           layer map                                                      source
=============  =============================================================  ============
feedforward    :math:`x^l = \phi(W x^{l-1} + b)`                               [PLRSG16]
rrn            :math:`x^l = \phi(W x^{l-1} + b) + x^{l-1}`                      [YS17, Sec. 3]
frn            :math:`x^l = V\phi(W x^{l-1} + b) + a + x^{l-1}`                 [YS17, Sec. 3]
=============  =============================================================  ============

Weights :math:`W_{ij} \sim N(0, \sigma_w^2/N)`, :math:`V_{ij} \sim N(0, \sigma_v^2/N)`,
biases :math:`b_i \sim N(0, \sigma_b^2)`, :math:`a_i \sim N(0, \sigma_a^2)`, all i.i.d. and
fresh in every layer. Adding an architecture is adding one entry here.

**Per-layer branch scales.** The scaled resnet of [HR18, Sec. 3],
:math:`x^l = x^{l-1} + \eta_l(V\phi(W x^{l-1} + b) + a)`, is not a new graph: in law
:math:`\eta_l V \sim N(0, (\eta_l\sigma_v)^2/N)` and :math:`\eta_l a \sim N(0,
(\eta_l\sigma_a)^2)`, so each layer *is* an ``frn`` layer with :math:`\sigma_v \to
\eta_l\sigma_v`, :math:`\sigma_a \to \eta_l\sigma_a` (forward, tangent and gradient maps
alike; the skip and :math:`W, b` are untouched). :data:`SCALED` declares it that way -- the
base graph and the standard deviations a per-layer :math:`\eta_l` multiplies -- rather than
as a second copy of the ``frn`` graph in :data:`ARCHITECTURES`: the derived recurrence is
``frn``'s, bound to different standard deviations at each layer, and the commands that iterate
a recurrence with constant standard deviations (``exponents``, ``iterate``) have no
:math:`\eta_l` to bind. :mod:`asymptote.finite_width.montecarlo` simulates and predicts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .architecture import Affine, Architecture, Phi, Prev, Recurrence, Sum, derive

__all__ = ["ARCHITECTURES", "SCALED", "ScaledBranches", "architecture", "recurrence"]

_PRE = Affine("w", Prev(), "b")

ARCHITECTURES: dict[str, Architecture] = {
    "feedforward": Architecture(
        name="feedforward",
        title="fully connected feedforward network",
        step=Phi(_PRE),
        reference="PLRSG16",
        assumptions=("large width",),
        latex_definition=r"x^{l} = \phi(W^{l} x^{l-1} + b^{l})",
    ),
    "rrn": Architecture(
        name="rrn",
        title="reduced residual network",
        step=Sum((Phi(_PRE), Prev())),
        reference="YS17",
        assumptions=(
            "large width",
            "gradient independence (YS17 Axiom 3.2)",
            "the mean term 2 m Mphi(q) is kept, so odd activations are not required",
        ),
        latex_definition=r"x^{l} = \phi(W^{l} x^{l-1} + b^{l}) + x^{l-1}",
    ),
    "frn": Architecture(
        name="frn",
        title="full residual network",
        step=Sum((Affine("v", Phi(_PRE), "a"), Prev())),
        reference="YS17",
        assumptions=("large width", "gradient independence (YS17 Axiom 3.2)"),
        latex_definition=r"x^{l} = V^{l}\phi(W^{l} x^{l-1} + b^{l}) + a^{l} + x^{l-1}",
    ),
}


@dataclass(frozen=True)
class ScaledBranches:
    r"""Architecture ``base`` whose standard deviations ``sigma_<name>`` for the names in
    ``scaled`` are multiplied by a per-layer scale :math:`\eta_l \ge 0` at layer :math:`l`
    (see the module docstring); its recurrence is ``recurrence(base)``."""

    name: str
    title: str
    base: str
    scaled: tuple[str, ...]
    reference: str
    latex_definition: str = ""


SCALED: dict[str, ScaledBranches] = {
    "scaled": ScaledBranches(
        name="scaled",
        title="residual network with per-layer branch scales",
        base="frn",
        scaled=("v", "a"),
        reference="HR18",
        latex_definition=r"x^{l} = x^{l-1} + \eta_l (V^{l}\phi(W^{l} x^{l-1} + b^{l}) + a^{l})",
    ),
}


def architecture(name: str) -> Architecture:
    """Look up an architecture by name (``feedforward``, ``rrn``, ``frn``)."""
    try:
        return ARCHITECTURES[name]
    except KeyError:
        raise ValueError(f"arch must be one of {sorted(ARCHITECTURES)}, got {name!r}") from None


@cache
def recurrence(name: str) -> Recurrence:
    """The derived :class:`Recurrence` of architecture ``name`` (cached)."""
    return derive(architecture(name))
