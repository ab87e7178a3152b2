"""The activation registry: declarations by name, presets of parametric families."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ._base import ActivationSpec, BoundActivation

__all__ = ["register", "register_preset", "activation", "as_activation", "list_activations"]

_SPECS: dict[str, ActivationSpec] = {}


@dataclass(frozen=True)
class Preset:
    """A named special case of a family: some parameters fixed, others defaulted."""

    family: str
    fixed: Mapping[str, object]
    description: str
    defaults: Mapping[str, object] = field(default_factory=dict)


_PRESETS: dict[str, Preset] = {}


def register(spec: ActivationSpec) -> ActivationSpec:
    """Add a declaration to the registry (names are unique)."""
    if spec.name in _SPECS or spec.name in _PRESETS:
        raise ValueError(f"activation name {spec.name!r} is already registered")
    _SPECS[spec.name] = spec
    return spec


def register_preset(name: str, preset: Preset) -> None:
    """Add a named special case of a registered family."""
    if name in _SPECS or name in _PRESETS:
        raise ValueError(f"activation name {name!r} is already registered")
    if preset.family not in _SPECS:
        raise ValueError(f"preset {name!r} refers to unknown family {preset.family!r}")
    _PRESETS[name] = preset


def specs() -> dict[str, ActivationSpec]:
    """All family declarations by name."""
    return dict(_SPECS)


def presets() -> dict[str, Preset]:
    """All presets by name."""
    return dict(_PRESETS)


def activation(name: str, **params: object) -> BoundActivation:
    """Look up an activation by name and bind its parameters.

    Parameters
    ----------
    name : str
        A family (``"alpha_relu"``, ``"ab_relu"``, ``"tanh"``, ...) or a preset
        (``"relu"``, ``"leaky_relu"``, ``"abs"``, ``"linear"``, ``"step"``).
    **params
        Parameter values (float, int, str or Fraction; strings are converted exactly).

    Raises
    ------
    ValueError
        Unknown name, missing parameter or parameter outside its domain.
    TypeError
        Unknown parameter name or a value that is not a real number.

    Examples
    --------
    >>> activation("alpha_relu", alpha="0.5")
    activation('alpha_relu', alpha='0.5')
    >>> activation("relu").homogeneity_degree
    1.0
    """
    if not isinstance(name, str):
        raise TypeError(f"activation must be a name (str), got {type(name).__name__}")
    key = name.strip().lower().replace("-", "_")
    if key in _SPECS:
        return BoundActivation(_SPECS[key], params, key)
    if key in _PRESETS:
        preset = _PRESETS[key]
        clash = set(params) & set(preset.fixed)
        if clash:
            raise TypeError(
                f"activation {key!r} fixes parameter(s) {sorted(clash)}; "
                f"use the family {preset.family!r} to set them"
            )
        merged = {**preset.defaults, **params, **preset.fixed}
        return BoundActivation(_SPECS[preset.family], merged, key)
    raise ValueError(f"unknown activation {name!r}; known: {', '.join(list_activations())}")


def as_activation(obj: object, **params: object) -> BoundActivation:
    """Accept a :class:`BoundActivation` or a registry name (with ``params``)."""
    if isinstance(obj, BoundActivation):
        if params:
            raise TypeError("parameters can only be given with an activation name")
        return obj
    if isinstance(obj, str):
        return activation(obj, **params)
    raise TypeError(f"activation must be a registry name or asymptote.activation(...), got {obj!r}")


def list_activations() -> list[str]:
    """Names of every family and preset, sorted."""
    return sorted([*_SPECS, *_PRESETS])
