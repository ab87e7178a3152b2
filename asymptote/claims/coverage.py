r"""Coverage of the seed documents: every checkable statement, and the claims that check it.

The project grows out of three seed documents (Yang & Schoenholz 2017 [YS17]; the reviews
of Hanin & Rolnick 2018 [HR18]; Pennington's 2019 talk [P19]). Their checkable statements
are listed, paraphrased, as :class:`SeedStatement` data in ``proofs/_coverage.py`` (loaded
lazily, like the claims). A statement is *checked* when it names at least one claim and
every named claim ran and reproduced its recorded outcome; it is then *verified* when all of
them hold, or a *discrepancy* when one of them is a recorded discrepancy (the toolkit finds
the statement false as stated, with evidence). A statement with no claim is *missing* (its
``note`` says why); one whose claim failed is *failed*.

>>> SeedStatement("YS17.01", "YS17", "Sec. 2", "A statement.", ("X/a",)).seed
'YS17'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .runner import Result

__all__ = [
    "SEEDS",
    "SeedStatement",
    "StatementCoverage",
    "coverage",
    "coverage_markdown",
    "coverage_summary",
    "covers_inventory",
    "seed_statements",
]

#: The seed documents, by citation key, with the words used in reports.
SEEDS: dict[str, str] = {
    "YS17": "Yang & Schoenholz 2017, Mean field residual networks (paper)",
    "HR18": "Hanin & Rolnick 2018, How to start training (reviews)",
    "P19": "Pennington 2019, The surprising simplicity of overparameterized networks (talk)",
}

_KEY = re.compile(r"^(YS17|HR18|P19)\.\d{2}$")

Outcome = Literal["verified", "discrepancy", "missing", "failed"]


@dataclass(frozen=True)
class SeedStatement:
    """One checkable statement of a seed document.

    Parameters
    ----------
    key : str
        ``"SEED.NN"`` with SEED a key of :data:`SEEDS` (``"YS17.07"``).
    seed : str
        The seed document (a key of :data:`SEEDS`); must match the key's prefix.
    location : str
        Where the seed makes it (section, theorem, slide, review paragraph).
    statement : str
        The statement, paraphrased (never copied).
    claims : tuple of str
        Ids of the claims that check it (empty: missing, ``note`` says why).
    note : str
        How the claims check the statement, or why none does.
    """

    key: str
    seed: str
    location: str
    statement: str
    claims: tuple[str, ...]
    note: str = ""

    def __post_init__(self) -> None:
        if not _KEY.match(self.key):
            raise ValueError(f"statement key must look like 'YS17.07', got {self.key!r}")
        if self.seed not in SEEDS or not self.key.startswith(self.seed + "."):
            raise ValueError(
                f"statement {self.key}: seed must be one of {sorted(SEEDS)} and match the key, "
                f"got {self.seed!r}"
            )
        if not self.statement or not self.location:
            raise ValueError(f"statement {self.key}: statement and location are required")
        if not self.claims and len(self.note) < 20:
            raise ValueError(f"statement {self.key}: a statement without claims needs a note")


def seed_statements() -> tuple[SeedStatement, ...]:
    """The inventory ``proofs._coverage.SEED_STATEMENTS`` (keys checked unique)."""
    from .registry import _proofs_package

    _proofs_package()
    data = import_module("proofs._coverage").SEED_STATEMENTS
    keys = [s.key for s in data]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ValueError(f"duplicate seed statement keys: {duplicates}")
    return tuple(data)


def covers_inventory(results: Sequence[Result]) -> bool:
    """Whether ``results`` include every claim the inventory names (a full run)."""
    ran = {r.claim.id for r in results}
    return all(c in ran for s in seed_statements() for c in s.claims)


@dataclass(frozen=True)
class StatementCoverage:
    """A statement with the outcome of its claims."""

    statement: SeedStatement
    outcome: Outcome
    detail: str


def coverage(results: Sequence[Result]) -> list[StatementCoverage]:
    """Outcome of every seed statement given the results of a claims run.

    ``results`` must include every claim the inventory names (run all claims); a named
    claim that is absent is a ``ValueError`` (a typo in the inventory, or a partial run).
    """
    by_id = {r.claim.id: r for r in results}
    rows = []
    for s in seed_statements():
        if not s.claims:
            rows.append(StatementCoverage(s, "missing", s.note))
            continue
        unknown = [c for c in s.claims if c not in by_id]
        if unknown:
            raise ValueError(f"statement {s.key} names claims not in this run: {unknown}")
        mine = [by_id[c] for c in s.claims]
        if any(not r.ok for r in mine):
            bad = [r.claim.id for r in mine if not r.ok]
            rows.append(StatementCoverage(s, "failed", f"failed: {', '.join(bad)}"))
        elif any(r.outcome == "discrepancy reproduced" for r in mine):
            disc = [r.claim.id for r in mine if r.outcome == "discrepancy reproduced"]
            rows.append(StatementCoverage(s, "discrepancy", f"discrepancy: {', '.join(disc)}"))
        else:
            rows.append(StatementCoverage(s, "verified", s.note))
    return rows


def _checked(r: StatementCoverage) -> bool:
    return r.outcome in ("verified", "discrepancy")


def coverage_summary(rows: Sequence[StatementCoverage]) -> str:
    """``"seed statements: 62/66 checked (YS17 35/37, ...): 60 verified, 2 discrepancy; ..."``."""
    parts = []
    for seed in SEEDS:
        mine = [r for r in rows if r.statement.seed == seed]
        if mine:
            parts.append(f"{seed} {sum(_checked(r) for r in mine)}/{len(mine)}")
    n = {k: sum(r.outcome == k for r in rows) for k in ("verified", "discrepancy", "missing", "failed")}
    return (
        f"seed statements: {sum(_checked(r) for r in rows)}/{len(rows)} checked by a claim "
        f"({', '.join(parts)}): {n['verified']} verified, {n['discrepancy']} with a recorded "
        f"discrepancy; {n['missing']} missing, {n['failed']} failed"
    )


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def coverage_markdown(rows: Sequence[StatementCoverage]) -> str:
    """The coverage table (Markdown): statement, where, claims, outcome."""
    lines = [
        "## Coverage of the seed documents",
        "",
        "Every checkable statement of the three seed documents, paraphrased, with the claims",
        "that check it (`proofs/_coverage.py`). *verified*: every listed claim verified;",
        "*discrepancy*: a listed claim is a recorded discrepancy (the statement is false as",
        "stated, evidence in the claim); *missing*: no claim (the note says why).",
        "",
        coverage_summary(rows),
        "",
        "| key | seed statement | where | claims | outcome |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        s = r.statement
        claims = "<br>".join(f"`{c}`" for c in s.claims) or "-"
        outcome = r.outcome + (f": {r.detail}" if r.detail and r.outcome != "verified" else "")
        lines.append(
            f"| {s.key} | {_md(s.statement)} | {_md(s.location)} | {claims} | {_md(outcome)} |"
        )
    return "\n".join(lines) + "\n"
