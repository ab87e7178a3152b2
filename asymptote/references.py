"""Bibliography: every formula in asymptote cites one of these keys (with equation/section).

``asymptote cite KEY`` (or :func:`cite`) prints the full entry.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["REFERENCES", "add_citations", "cite", "cited_keys", "remove_citations"]

#: Key -> full citation.
REFERENCES: dict[str, str] = {
    "CS09": (
        "Y. Cho and L. K. Saul, Kernel methods for deep learning, NeurIPS 2009 "
        "(arc-cosine kernels, eq. (1)-(7))."
    ),
    "W97": (
        "C. K. I. Williams, Computing with infinite networks, NeurIPS 1996 / Neural Computation "
        "10 (1998) (erf network kernel, eq. (11))."
    ),
    "PLRSG16": (
        "B. Poole, S. Lahiri, M. Raghu, J. Sohl-Dickstein, S. Ganguli, Exponential expressivity "
        "in deep neural networks through transient chaos, NeurIPS 2016, arXiv:1606.05340 "
        "(length map eq. (3), correlation map eq. (5), chi_1 eq. (7))."
    ),
    "SGGS17": (
        "S. S. Schoenholz, J. Gilmer, S. Ganguli, J. Sohl-Dickstein, Deep information "
        "propagation, ICLR 2017, arXiv:1611.01232 (depth scales eq. (4)-(9), trainable depth "
        "~ 6 xi_c, Sec. 5)."
    ),
    "YS17": (
        "G. Yang and S. S. Schoenholz, Mean field residual networks: on the edge of chaos, "
        "NeurIPS 2017, arXiv:1712.08969 (alpha-ReLU kernels, appendix)."
    ),
    "HR18": (
        "B. Hanin and D. Rolnick, How to start training: the effect of initialization and "
        "architecture, NeurIPS 2018, arXiv:1803.01719."
    ),
    "P19": (
        "J. Pennington, The surprising simplicity of overparameterized deep neural networks, "
        "Stats 385 lecture, Stanford, 2019 (NNGP recursion, order/chaos, NTK)."
    ),
    "JGH18": (
        "A. Jacot, F. Gabriel, C. Hongler, Neural tangent kernel: convergence and "
        "generalization in neural networks, NeurIPS 2018, arXiv:1806.07572 (Theorem 1)."
    ),
    "LBNSSP18": (
        "J. Lee, Y. Bahri, R. Novak, S. S. Schoenholz, J. Pennington, J. Sohl-Dickstein, Deep "
        "neural networks as Gaussian processes, ICLR 2018, arXiv:1711.00165 (eq. (4))."
    ),
    "NT20": (
        "R. Novak, L. Xiao, J. Hron, J. Lee, A. A. Alemi, J. Sohl-Dickstein, S. S. Schoenholz, "
        "Neural Tangents: fast and easy infinite neural networks in Python, ICLR 2020, "
        "arXiv:1912.02803 (stax.Dense NTK parameterization, Sec. 3 and App. C)."
    ),
    "P58": (
        "R. Price, A useful theorem for nonlinear devices having Gaussian inputs, IRE Trans. "
        "Inform. Theory 4 (1958) 69-72: d E[f(u)g(v)] / d Cov(u,v) = E[f'(u) g'(v)]."
    ),
    "DLMF": "NIST Digital Library of Mathematical Functions, https://dlmf.nist.gov (ch. 7, 15).",
    "HG16": "D. Hendrycks and K. Gimpel, Gaussian error linear units (GELUs), arXiv:1606.08415.",
    "EUD18": (
        "S. Elfwing, E. Uchibe, K. Doya, Sigmoid-weighted linear units for neural network "
        "function approximation in reinforcement learning, Neural Networks 107 (2018) (SiLU)."
    ),
    "GAUSS": (
        "Gaussian characteristic function E[exp(i t u)] = exp(-t^2 q / 2) for u ~ N(0, q); "
        "standard, e.g. DLMF 7.7 and any probability text."
    ),
    "PSG17": (
        "J. Pennington, S. S. Schoenholz, S. Ganguli, Resurrecting the sigmoid in deep learning "
        "through dynamical isometry: theory and practice, NeurIPS 2017, arXiv:1711.04735 "
        "(S-transform of J J^T, moments of the spectrum, Sec. 2-4)."
    ),
    "PSG18": (
        "J. Pennington, S. S. Schoenholz, S. Ganguli, The emergence of spectral universality in "
        "deep networks, AISTATS 2018, arXiv:1802.09979."
    ),
    "LXSBNSP19": (
        "J. Lee, L. Xiao, S. S. Schoenholz, Y. Bahri, R. Novak, J. Sohl-Dickstein, J. Pennington, "
        "Wide neural networks of any depth evolve as linear models under gradient descent, "
        "NeurIPS 2019, arXiv:1902.06720 (eq. (9)-(16))."
    ),
    "H18": (
        "B. Hanin, Which neural net architectures give rise to exploding and vanishing "
        "gradients?, NeurIPS 2018, arXiv:1801.03744."
    ),
    "MS17": (
        "J. A. Mingo and R. Speicher, Free probability and random matrices, Fields Institute "
        "Monographs 35, Springer 2017 (S-transform, free multiplicative convolution)."
    ),
    "RW06": (
        "C. E. Rasmussen and C. K. I. Williams, Gaussian processes for machine learning, MIT "
        "Press 2006 (GP regression, Algorithm 2.1, eq. (2.25)-(2.26))."
    ),
    "B03": (
        "S. T. Belinschi, The atoms of the free multiplicative convolution of two probability "
        "distributions, Integral Equations Operator Theory 46 (2003) 377-386."
    ),
    "GR07": (
        "I. S. Gradshteyn and I. M. Ryzhik, Table of integrals, series, and products, 7th ed., "
        "Academic Press 2007 (6.611.3, 6.621.3)."
    ),
    "M07": (
        "M. Mezzadri, How to generate random matrices from the classical compact groups, "
        "Notices AMS 54 (2007) 592-604 (Haar orthogonal matrices by QR with sign correction)."
    ),
}


#: Keys added by a registered declaration (an activation module's ``citations``), by owner,
#: so that unregistering removes them again.
_ADDED: dict[str, str] = {}

_KEY = re.compile(r"^[A-Z][A-Za-z]*[0-9]*$")
_CITED = re.compile(r"\b([A-Z][A-Z]*[0-9]+[a-z]?|GAUSS|DLMF)\b")


def cited_keys(text: str) -> list[str]:
    """The citation keys a reference string mentions (``"YS17 eq. (5); P58"`` -> both).

    >>> cited_keys("CS09 eq. (6) with P58 (Price)")
    ['CS09', 'P58']
    """
    return _CITED.findall(text)


def add_citations(entries: Mapping[str, str], owner: str) -> None:
    """Add bibliography entries declared next to the code that uses them (an activation
    module's ``citations``), so that a new source needs no edit of this file.

    A key may be declared again only with the same text; keys must look like the others
    (capital letters, then digits: ``GB10``).

    Raises
    ------
    ValueError
        A malformed key, an empty text, or a key already in :data:`REFERENCES` with a
        different text.
    """
    for key, text in entries.items():
        if not isinstance(key, str) or not _KEY.match(key):
            raise ValueError(
                f"{owner}: citation key must be capital letters then digits (e.g. 'GB10'), "
                f"got {key!r}"
            )
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{owner}: citation {key!r} needs the full reference text")
        if key in REFERENCES and REFERENCES[key] != text:
            raise ValueError(
                f"{owner}: citation key {key!r} is already in the bibliography with a "
                f"different text ({REFERENCES[key][:60]!r}...); use that key or another one"
            )
    for key, text in entries.items():
        if key not in REFERENCES:
            REFERENCES[key] = text
            _ADDED[key] = owner


def remove_citations(owner: str) -> None:
    """Remove the entries :func:`add_citations` added for ``owner``."""
    for key in [k for k, o in _ADDED.items() if o == owner]:
        del REFERENCES[key]
        del _ADDED[key]


def cite(key: str) -> str:
    """Return the full citation for a bibliography key.

    >>> cite("W97").startswith("C. K. I. Williams")
    True
    """
    try:
        return REFERENCES[key]
    except KeyError:
        raise ValueError(
            f"unknown reference key {key!r}; known keys: {', '.join(sorted(REFERENCES))}"
        ) from None
