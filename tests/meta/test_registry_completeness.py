"""Meta-tests: every registered activation is complete (DESIGN.md, principle 6)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from asymptote.activations import activation, list_activations, presets, specs
from asymptote.activations._checks import check_evaluators, sample_params, sample_value
from asymptote.references import REFERENCES
from tests.strategies import floats_in_domain, representative_values

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
    """The catalog page is generated at every docs build (conf.py), never committed."""
    import importlib.util
    import subprocess

    spec = importlib.util.spec_from_file_location("gen", ROOT / "docs" / "generate_catalog.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    text = module.catalog()
    for name in list_activations():
        assert f"| `{name}` |" in text
    assert "_write_activation_catalog()" in (ROOT / "docs" / "conf.py").read_text()
    tracked = subprocess.run(
        ["git", "ls-files", "docs/activations.md"], cwd=ROOT, capture_output=True, text=True
    )
    if tracked.returncode == 0:  # a git checkout: the generated page must not be committed
        assert tracked.stdout.strip() == ""


@pytest.mark.parametrize("name", list_activations())
def test_every_activation_binds_and_evaluates(name):
    spec = specs()[presets()[name].family] if name in presets() else specs()[name]
    act = activation(name, **(sample_params(spec) if name in specs() else {}))
    assert act.phi_np(1.5).shape == ()
    # 1e-14: phi at one moderate point, float64 against 15+ digits (the registration check
    # below compares every evaluator at seven points to 1e-12 / 1e-25)
    assert float(act.phi_mp(1.5)) == pytest.approx(float(act.phi_np(1.5)), rel=1e-14)
    assert spec.__dict__.get("_evaluators_checked"), "binding must have run the checks"


@pytest.mark.parametrize("name", sorted(specs()))
def test_every_evaluator_matches_the_declaration(name):
    """The registration check, run explicitly (not cached) for every family at its sample
    parameters and at every preset: phi, phi', phi'' (numpy and mpmath, hand-written or
    lambdified) and every declared closed form against the SymPy declaration."""
    spec = specs()[name]
    check_evaluators(spec, sample_params(spec), name)
    for preset_name, preset in presets().items():
        if preset.family == name:
            check_evaluators(spec, {**preset.defaults, **preset.fixed}, preset_name)


def test_generic_tests_are_parametrized_over_the_registry():
    """No hand-kept activation list: each generic test module reads the registry."""
    from tests.properties import test_fast_vs_mpmath as fast
    from tests.registry import test_closed_forms as closed
    from tests.registry import test_every_activation_at_100_digits as digits

    names = set(list_activations())
    assert set(fast.CLOSED) | set(fast.QUADRATURE) == names
    assert {name for name, _ in digits.CASES} == names
    with_closed_forms = {
        n
        for n in names
        if (specs()[presets()[n].family] if n in presets() else specs()[n]).closed_forms
    }
    assert {name for name, _ in closed.CASES} == with_closed_forms
    # every value a family's parameters are exercised at lies in the declared domain
    for name, params in closed.CASES + digits.CASES:
        activation(name, **params)


@pytest.mark.parametrize(
    "domain",
    [p.domain for spec in specs().values() for p in spec.params]
    + [
        sympy.Interval.open(sympy.Rational(-1, 2), sympy.oo),
        sympy.Interval(0, 1),
        sympy.Interval.Lopen(-sympy.oo, 2),
        sympy.Interval.Ropen(sympy.Rational(1, 3), sympy.Rational(1, 2)),
        sympy.FiniteSet(1, 2, 5),
    ],
    ids=str,
)
@settings(max_examples=50)
@given(data=st.data())
def test_parameter_strategies_stay_inside_the_declared_domain(domain, data):
    value = data.draw(floats_in_domain(domain))
    assert bool(domain.contains(sympy.Rational(value))), (domain, value)
    for text in representative_values(domain):
        assert bool(domain.contains(sympy.Rational(text))), (domain, text)
    assert bool(domain.contains(sample_value(domain)))


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
