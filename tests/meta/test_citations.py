"""A new activation brings its own bibliography entry: one file, no edit of references.py."""

from __future__ import annotations

import pytest
import sympy

from asymptote.activations._base import ActivationSpec, X
from asymptote.activations._registry import register, temporary_registration
from asymptote.references import REFERENCES, add_citations, cite, cited_keys

SOFTSIGN_TEXT = (
    "X. Glorot and Y. Bengio, Understanding the difficulty of training deep feedforward "
    "neural networks, AISTATS 2010, Sec. 2 (softsign)."
)


def _softsign(**changes: object) -> ActivationSpec:
    fields: dict[str, object] = {
        "name": "softsign_cite_test",
        "phi": X / (1 + sympy.Abs(X)),
        "description": "softsign x/(1 + |x|)",
        "references": ("GBTEST10 Sec. 2",),
        "citations": {"GBTEST10": SOFTSIGN_TEXT},
    }
    fields.update(changes)
    return ActivationSpec(**fields)  # type: ignore[arg-type]


def test_declared_citation_joins_the_bibliography_and_leaves_with_the_activation():
    assert "GBTEST10" not in REFERENCES
    with temporary_registration(_softsign()):
        assert cite("GBTEST10") == SOFTSIGN_TEXT
    assert "GBTEST10" not in REFERENCES
    with pytest.raises(ValueError, match="unknown reference key 'GBTEST10'"):
        cite("GBTEST10")


def test_unknown_citation_is_refused_at_registration():
    with pytest.raises(ValueError, match=r"cites \['GBTEST10'\].*citations="):
        register(_softsign(citations={}))


def test_closed_form_sources_are_checked_too():
    from asymptote.activations._base import ClosedForm, Q

    spec = _softsign(
        name="linear_cite_test",
        phi=X,
        references=("P19",),
        citations={},
        closed_forms={"V": ClosedForm(Q, "NOPE99 eq. (1)")},
    )
    with pytest.raises(ValueError, match="NOPE99"):
        register(spec)


def test_a_key_may_not_be_redefined_with_other_text():
    with pytest.raises(ValueError, match="already in the bibliography"):
        add_citations({"YS17": "someone else"}, owner="test")
    with pytest.raises(ValueError, match="capital letters"):
        add_citations({"lower1": "text"}, owner="test")
    with pytest.raises(ValueError, match="full reference text"):
        add_citations({"EMPTY1": " "}, owner="test")
    add_citations({"YS17": REFERENCES["YS17"]}, owner="test")  # same text: a no-op


def test_cited_keys_reads_reference_strings():
    assert cited_keys("CS09 eq. (6); P58 Price; DLMF 7.7") == ["CS09", "P58", "DLMF"]
