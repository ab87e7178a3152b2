"""The seed-statement inventory (proofs/_coverage.py): well formed, every named claim
exists, the outcome rules, and the coverage the issue asks for (>= 60 statements checked)."""

from __future__ import annotations

import pytest

from asymptote.claims import all_claims
from asymptote.claims.coverage import (
    SEEDS,
    SeedStatement,
    coverage,
    coverage_markdown,
    coverage_summary,
    covers_inventory,
    seed_statements,
)
from asymptote.claims.runner import Result

STATEMENTS = seed_statements()
CLAIMS = {c.id: c for c in all_claims()}


def test_every_named_claim_exists():
    unknown = {s.key: c for s in STATEMENTS for c in s.claims if c not in CLAIMS}
    assert not unknown


def test_every_seed_is_inventoried():
    assert {s.seed for s in STATEMENTS} == set(SEEDS)


def test_no_statement_is_left_pending():
    # a statement without a claim must say why no claim can check it
    pending = [s.key for s in STATEMENTS if not s.claims and "PENDING" in s.note]
    assert not pending


def test_at_least_sixty_statements_have_a_claim():
    assert sum(bool(s.claims) for s in STATEMENTS) >= 60


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"key": "YS17-1"}, "key must look like"),
        ({"seed": "HR18"}, "seed must be one of"),
        ({"claims": (), "note": "short"}, "needs a note"),
        ({"statement": ""}, "required"),
    ],
)
def test_bad_statement_is_refused(kwargs, match):
    base = {
        "key": "YS17.01",
        "seed": "YS17",
        "location": "Sec. 1",
        "statement": "A statement.",
        "claims": ("X/a",),
    }
    with pytest.raises(ValueError, match=match):
        SeedStatement(**(base | kwargs))


def _fake_results(outcomes: dict[str, str]) -> list[Result]:
    return [Result(claim=CLAIMS[i], measurement=None, outcome=o, seconds=0.0)
            for i, o in outcomes.items()]  # fmt: skip


def test_outcome_rules():
    named = sorted({c for s in STATEMENTS for c in s.claims})
    outcomes = {i: ("discrepancy reproduced" if CLAIMS[i].status == "discrepancy" else "verified")
                for i in named}  # fmt: skip
    assert covers_inventory(_fake_results(outcomes))
    rows = coverage(_fake_results(outcomes))
    by_key = {r.statement.key: r.outcome for r in rows}
    for s in STATEMENTS:
        if not s.claims:
            assert by_key[s.key] == "missing"
        elif any(CLAIMS[c].status == "discrepancy" for c in s.claims):
            assert by_key[s.key] == "discrepancy"
        else:
            assert by_key[s.key] == "verified"
    # one failed claim fails every statement naming it
    victim = next(c for s in STATEMENTS for c in s.claims if CLAIMS[c].status == "holds")
    rows = coverage(_fake_results(outcomes | {victim: "FAILED"}))
    failed = {r.statement.key for r in rows if r.outcome == "failed"}
    assert failed == {s.key for s in STATEMENTS if victim in s.claims}
    text = coverage_summary(rows)
    assert f"{len(failed)} failed" in text
    table = coverage_markdown(rows)
    assert table.count("\n| ") == len(STATEMENTS) + 1  # header + one row per statement


def test_partial_run_is_refused():
    assert not covers_inventory([])
    with pytest.raises(ValueError, match="names claims not in this run"):
        coverage([])
