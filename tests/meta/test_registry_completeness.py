"""Meta-tests: every registered activation is complete (DESIGN.md, principle 6)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy

from asymptote.activations import activation, list_activations, presets, specs
from asymptote.references import REFERENCES

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", sorted(specs()))
def test_every_family_has_references_with_known_keys(name):
    spec = specs()[name]
    assert spec.references, name
    for ref in spec.references:
        key = ref.split()[0]
        assert key in REFERENCES, (name, ref)
    for key, form in spec.closed_forms.items():
        assert form.reference.strip(), (name, key)
        cited = re.findall(r"\b([A-Z]+[0-9]+|GAUSS|DLMF)\b", form.reference)
        assert cited and all(c in REFERENCES for c in cited), (name, key, form.reference)


@pytest.mark.parametrize("name", sorted(specs()))
def test_every_parameter_has_a_domain_and_doc(name):
    for p in specs()[name].params:
        assert isinstance(p.domain, sympy.Set) and p.domain != sympy.EmptySet
        assert p.doc


def test_docs_catalog_is_generated_from_the_registry():
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen", ROOT / "docs" / "generate_catalog.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    committed = (ROOT / "docs" / "activations.md").read_text()
    assert committed == module.catalog(), "run: python docs/generate_catalog.py"
    for name in list_activations():
        assert f"| `{name}` |" in committed


@pytest.mark.parametrize("name", list_activations())
def test_every_activation_binds_and_evaluates(name):
    params = {"alpha": "0.75"} if name == "alpha_relu" else {}
    act = activation(name, **params)
    assert act.phi_np(1.5).shape == ()
    assert float(act.phi_mp(1.5)) == pytest.approx(float(act.phi_np(1.5)), rel=1e-14)


def test_presets_point_at_families():
    for name, preset in presets().items():
        assert preset.family in specs(), name


def test_bad_activation_input_is_reported_with_the_parameter_name():
    with pytest.raises(ValueError, match="unknown activation"):
        activation("relux")
    with pytest.raises(ValueError, match="alpha"):
        activation("alpha_relu", alpha=-0.5)
    with pytest.raises(ValueError, match="alpha"):
        activation("alpha_relu")
    with pytest.raises(TypeError, match="alpha"):
        activation("alpha_relu", alpha="abc")
    with pytest.raises(TypeError, match="unknown parameter"):
        activation("tanh", alpha=1)
    with pytest.raises(TypeError, match="fixes"):
        activation("relu", a=2)
