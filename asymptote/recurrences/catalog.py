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
"""

from __future__ import annotations

from functools import cache

from .architecture import Affine, Architecture, Phi, Prev, Recurrence, Sum, derive

__all__ = ["ARCHITECTURES", "architecture", "recurrence"]

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
