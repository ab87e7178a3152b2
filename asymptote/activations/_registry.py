"""The activation registry: declarations by name, presets of parametric families."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..references import add_citations, remove_citations
from ._base import ActivationSpec, BoundActivation
from ._checks import check_declaration, check_evaluators, sample_params

__all__ = [
    "register",
    "register_preset",
    "unregister",
    "temporary_registration",
    "check_registered",
    "activation",
    "as_activation",
    "list_activations",
]

_SPECS: dict[str, ActivationSpec] = {}


@dataclass(frozen=True)
class Preset:
    """A named special case of a family: some parameters fixed, others defaulted."""

    family: str
    fixed: Mapping[str, object]
    description: str
    defaults: Mapping[str, object] = field(default_factory=dict)


_PRESETS: dict[str, Preset] = {}


def register(spec: ActivationSpec, *, check_now: bool = False) -> ActivationSpec:
    """Add a declaration to the registry (names are unique).

    Bibliography entries the declaration introduces (``spec.citations``) join
    :data:`asymptote.references.REFERENCES`. The declaration is checked at once for structure (:func:`._checks.check_declaration`:
    name, parameter domains, symbols, transform keys, no ``DiracDelta``); its evaluators
    (hand-written and lambdified ``phi``, ``phi'``, ``phi''`` and closed forms) are checked
    against the SymPy declaration on the first binding (:func:`check_registered`), which
    keeps ``import asymptote`` fast, or here with ``check_now=True``.

    Raises
    ------
    ValueError
        Name taken, or a check failed (the message names the activation, the evaluator and
        the point); nothing is registered then.
    """
    check_declaration(spec)
    if spec.name in _SPECS or spec.name in _PRESETS:
        raise ValueError(f"activation name {spec.name!r} is already registered")
    if check_now:
        check_evaluators(spec, sample_params(spec), spec.name)
        spec.__dict__["_evaluators_checked"] = True
    add_citations(spec.citations, owner=f"activation {spec.name!r}")
    _SPECS[spec.name] = spec
    return spec


def register_preset(name: str, preset: Preset) -> None:
    """Add a named special case of a registered family (checked with the family)."""
    if name in _SPECS or name in _PRESETS:
        raise ValueError(f"activation name {name!r} is already registered")
    if preset.family not in _SPECS:
        raise ValueError(f"preset {name!r} refers to unknown family {preset.family!r}")
    family = _SPECS[preset.family]
    family.param_dict({**preset.defaults, **preset.fixed})  # names and domains, at once
    if family.__dict__.get("_evaluators_checked"):  # the family was checked already
        check_evaluators(family, {**preset.defaults, **preset.fixed}, name)
    _PRESETS[name] = preset


def unregister(name: str) -> None:
    """Remove a family (with its presets) or a preset from the registry."""
    if name in _PRESETS:
        del _PRESETS[name]
        return
    if name not in _SPECS:
        raise ValueError(f"activation {name!r} is not registered")
    for preset_name in [n for n, p in _PRESETS.items() if p.family == name]:
        del _PRESETS[preset_name]
    del _SPECS[name]
    remove_citations(f"activation {name!r}")


@contextmanager
def temporary_registration(
    spec: ActivationSpec,
    presets: Mapping[str, Preset] | None = None,
    *,
    check_now: bool = True,
) -> Iterator[ActivationSpec]:
    """Register ``spec`` (and ``presets``) for the duration of a ``with`` block.

    For tests and notebooks: checked at once by default (``check_now``), unregistered on
    exit even when the block raises.
    """
    register(spec, check_now=check_now)
    try:
        for name, preset in (presets or {}).items():
            register_preset(name, preset)
        yield spec
    finally:
        if _SPECS.get(spec.name) is spec:
            unregister(spec.name)


def check_registered(spec: ActivationSpec) -> None:
    """Check the evaluators of a registered family once: at :func:`._checks.sample_params`
    and at each of its presets (see :mod:`asymptote.activations._checks`)."""
    if spec.__dict__.get("_evaluators_checked"):
        return
    check_evaluators(spec, sample_params(spec), spec.name)
    for name, preset in list(_PRESETS.items()):
        if preset.family == spec.name:
            check_evaluators(spec, {**preset.defaults, **preset.fixed}, name)
    spec.__dict__["_evaluators_checked"] = True


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
        bound = BoundActivation(_SPECS[key], params, key)  # parameter errors first
        check_registered(_SPECS[key])
        return bound
    if key in _PRESETS:
        preset = _PRESETS[key]
        clash = set(params) & set(preset.fixed)
        if clash:
            raise TypeError(
                f"activation {key!r} fixes parameter(s) {sorted(clash)}; "
                f"use the family {preset.family!r} to set them"
            )
        merged = {**preset.defaults, **params, **preset.fixed}
        bound = BoundActivation(_SPECS[preset.family], merged, key)
        check_registered(_SPECS[preset.family])
        return bound
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
