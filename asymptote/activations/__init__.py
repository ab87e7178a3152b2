"""The activation registry (see :mod:`asymptote.activations._base` for the declaration).

Importing this package registers every built-in family; a new activation is one new
module here plus one import line below.
"""

from __future__ import annotations

from . import erf, hard_tanh, relu_family, sin, smooth  # noqa: F401  (registration)
from ._base import TRANSFORMS, ActivationSpec, BoundActivation, ClosedForm, Param
from ._registry import activation, as_activation, list_activations, presets, specs

__all__ = [
    "TRANSFORMS",
    "ActivationSpec",
    "BoundActivation",
    "ClosedForm",
    "Param",
    "activation",
    "as_activation",
    "list_activations",
    "presets",
    "specs",
]
