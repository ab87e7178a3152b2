"""Meta-tests of the claims: citations resolve, ids are unique, every check can fail, and
asymptote does not import proofs at import time."""

from __future__ import annotations

import subprocess
import sys

import pytest

from asymptote.claims import CHECK_KINDS, Claim, Expected, HighPrecision, all_claims, run_claims
from asymptote.claims.registry import ProofsUnavailableError
from asymptote.references import REFERENCES

CLAIMS = all_claims()


def test_every_citation_key_resolves():
    missing = {c.id: c.source for c in CLAIMS if c.source not in REFERENCES}
    assert not missing


def test_ids_unique_and_well_formed():
    ids = [c.id for c in CLAIMS]
    assert len(ids) == len(set(ids))
    assert all(c.id.split("/")[0] in REFERENCES for c in CLAIMS)


def test_every_claim_states_kind_tolerance_and_reason():
    for c in CLAIMS:
        assert c.check.kind in CHECK_KINDS
        assert c.check.tolerance_text() and len(c.tolerance_why) > 20, c.id
        assert c.expected.provenance, c.id


def test_discrepancies_carry_note_and_evidence():
    for c in CLAIMS:
        if c.status == "discrepancy":
            assert len(c.note) > 40 and len(c.evidence) > 20, c.id


@pytest.mark.parametrize(
    "claim",
    [
        pytest.param(c, id=c.id, marks=() if c.quick else pytest.mark.slow)
        for c in CLAIMS
        if c.status == "holds"
    ],
)
def test_every_check_can_fail(claim):
    # the expected value off by 5 % (or 0.05 where it is 0): larger than every tolerance
    # (the loosest, a power-law exponent, is 0.01 absolute), so the check must fail
    assert not claim.mutated().measure().passed, claim.id


def test_discrepancy_that_stops_reproducing_is_a_failure():
    check = HighPrecision(lambda dps: 1, digits=10, dps=15)
    claim = Claim(
        id="P19/test/discrepancy-gone",
        source="P19",
        location="test",
        statement="one equals one",
        expected=Expected(1, "exact"),
        check=check,
        tolerance_why="exact integers compare exactly",
        status="discrepancy",
        note="recorded as false although it now holds, to test the runner's verdict",
        evidence="none: synthetic",
    )
    (result,) = run_claims([claim], progress=False)
    assert result.outcome == "DISCREPANCY GONE" and not result.ok


def test_claim_validation_names_the_field():
    with pytest.raises(ValueError, match="discrepancy needs a note"):
        Claim(
            "P19/x/y",
            "P19",
            "l",
            "s",
            Expected(1, "p"),
            HighPrecision(lambda d: 1, 5),
            "because of reasons",
            status="discrepancy",
        )
    with pytest.raises(ValueError, match="claim id must look like"):
        Claim("bad id", "P19", "l", "s", Expected(1, "p"), HighPrecision(lambda d: 1, 5), "why")


def test_asymptote_does_not_import_proofs():
    code = (
        "import sys, asymptote, asymptote.claims, asymptote.commands.claims, asymptote.cli; "
        "assert 'proofs' not in sys.modules, 'asymptote imported proofs'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_proofs_gives_a_clear_error(monkeypatch, tmp_path):
    from asymptote.claims import registry

    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "proofs", None)  # import proofs -> ImportError
    with pytest.raises(ProofsUnavailableError, match="python -m pip install ."):
        registry.all_claims()
