"""Run claims: progress bar, table, JSON and Markdown output, and the exit decision.

Outcomes: ``verified`` (holds, check passed), ``discrepancy reproduced`` (recorded
discrepancy, check failed as recorded: OK), ``FAILED`` (holds, check failed), ``ERROR``
(the check raised), ``DISCREPANCY GONE`` (a recorded discrepancy now passes: the record
must be updated, so it counts as a failure).
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import pickle
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from .._io import atomic_write_text
from ._model import Claim, Measurement

__all__ = [
    "Result",
    "default_jobs",
    "markdown_report",
    "results_json",
    "run_claims",
    "summary",
    "table",
]

OK_OUTCOMES = ("verified", "discrepancy reproduced")


@dataclass(frozen=True)
class Result:
    claim: Claim
    measurement: Measurement | None
    outcome: str
    seconds: float
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome in OK_OUTCOMES

    def row(self) -> dict[str, Any]:
        m = self.measurement
        margin = None
        if m is not None:
            margin = None if math.isinf(m.margin) else round(m.margin, 3)
        return {
            "id": self.claim.id,
            "source": self.claim.source,
            "location": self.claim.location,
            "statement": self.claim.statement,
            "check": self.claim.check.kind,
            "tolerance": self.claim.check.tolerance_text(),
            "tolerance_why": self.claim.tolerance_why,
            "expected": m.expected if m else self.claim.expected.describe(),
            "expected_provenance": self.claim.expected.provenance,
            "measured": m.measured if m else None,
            "margin": margin,
            "margin_unit": m.margin_unit if m else None,
            "margin_text": m.margin_text() if m else "",
            "details": m.details if m else self.error,
            "status": self.claim.status,
            "note": self.claim.note,
            "evidence": self.claim.evidence,
            "outcome": self.outcome,
            "ok": self.ok,
            "quick": self.claim.quick,
            "seconds": round(self.seconds, 3),
        }


def _run_one(claim: Claim) -> Result:
    start = time.perf_counter()
    try:
        measurement = claim.measure()
    except Exception as exc:  # a crashing check is reported, never hidden
        return Result(
            claim, None, "ERROR", time.perf_counter() - start, f"{type(exc).__name__}: {exc}"
        )
    seconds = time.perf_counter() - start
    if claim.status == "holds":
        outcome = "verified" if measurement.passed else "FAILED"
    else:
        outcome = "DISCREPANCY GONE" if measurement.passed else "discrepancy reproduced"
    return Result(claim, measurement, outcome, seconds)


class _Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, total: int, stream: TextIO | None = None, enabled: bool | None = None):
        self.stream = stream or sys.stderr
        self.total = total
        isatty = getattr(self.stream, "isatty", lambda: False)()
        self.enabled = isatty if enabled is None else enabled

    def update(self, done: int, label: str) -> None:
        if not self.enabled or self.total == 0:
            return
        width = 30
        filled = int(width * done / self.total)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {done}/{self.total} {label[:50]:<50}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()


def default_jobs() -> int:
    """Worker processes for :func:`run_claims` by default: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


#: The claims of the parallel run in progress: a forked worker inherits them (claims hold
#: closures, which cannot be pickled), and receives only their indices.
_WORK: Sequence[Claim] = ()


def _run_index(index: int) -> tuple[int, Measurement | None, str, float, str]:
    """Run claim ``_WORK[index]`` in a worker; the result travels without its claim."""
    result = _run_one(_WORK[index])
    return index, result.measurement, result.outcome, result.seconds, result.error


def _fork_context() -> Any:
    try:
        return multiprocessing.get_context("fork")
    except ValueError:  # no fork on this platform: run in this process
        return None


def _run_parallel(claims: Sequence[Claim], jobs: int, bar: _Progress) -> list[Result]:
    global _WORK
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    results: list[Result | None] = [None] * len(claims)
    # claims marked slow first, so that no long claim starts last and idles the other workers
    order = sorted(range(len(claims)), key=lambda i: (claims[i].quick, i))
    _WORK = claims
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=_fork_context()) as pool:
            futures = {pool.submit(_run_index, i): i for i in order}
            done = 0
            try:
                for future in as_completed(futures):
                    i = futures[future]
                    try:
                        _, measurement, outcome, seconds, error = future.result()
                    except (BrokenProcessPool, pickle.PicklingError) as exc:
                        # a worker that died (or a result that cannot travel back) is
                        # reported as this claim's error, never dropped
                        lost = f"lost in the worker process ({type(exc).__name__}: {exc})"
                        measurement, outcome, seconds, error = None, "ERROR", 0.0, lost
                    results[i] = Result(claims[i], measurement, outcome, seconds, error)
                    done += 1
                    bar.update(done, claims[i].id)
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    finally:
        _WORK = ()
    return [r for r in results if r is not None]


def run_claims(
    claims: Sequence[Claim], *, progress: bool | None = None, jobs: int = 1
) -> list[Result]:
    """Run every claim; the results come in the order of ``claims`` whatever ``jobs`` is.

    ``jobs > 1`` runs the claims in that many forked worker processes (each claim is
    deterministic: fixed precision, fixed seeds, so the outcome does not depend on which
    worker runs it; the per-process caches of :func:`~asymptote.claims._model.memo` are then
    per worker). Where fork is unavailable, or for a single claim, they run in this process.
    The progress bar is drawn on stderr when it is a terminal, or as ``progress`` asks.
    """
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer, got {jobs!r}")
    bar = _Progress(len(claims), enabled=progress)
    jobs = min(jobs, len(claims))
    if jobs > 1 and _fork_context() is not None:
        bar.update(0, f"{len(claims)} claims in {jobs} processes")
        results = _run_parallel(claims, jobs, bar)
    else:
        results = []
        for index, claim in enumerate(claims):
            bar.update(index, claim.id)
            results.append(_run_one(claim))
        bar.update(len(claims), "done")
    bar.close()
    return results


def _clip(text: Any, width: int) -> str:
    s = "" if text is None else str(text)
    return s if len(s) <= width else s[: width - 1] + "~"


def table(results: Sequence[Result]) -> str:
    """Fixed-width table: id, check, expected, measured, margin, status."""
    head = ("id", "check", "expected", "measured", "margin", "status")
    widths = (50, 12, 22, 22, 12, 22)
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    short = {
        "symbolic identity": "symbolic",
        "high-precision comparison": "high-prec",
        "exponent fit": "exponent fit",
        "Monte Carlo z-score": "Monte Carlo",
    }
    for r in results:
        row = r.row()
        cells = (
            row["id"],
            short.get(row["check"], row["check"]),
            row["expected"],
            row["measured"] if row["measured"] is not None else "-",
            row["margin_text"] or "-",
            row["outcome"],
        )
        lines.append("  ".join(_clip(c, w).ljust(w) for c, w in zip(cells, widths, strict=True)))
        if r.outcome == "ERROR":
            lines.append(f"    error: {r.error}")
        elif not r.ok:
            lines.append(f"    {row['details']}")
    return "\n".join(lines)


def summary(results: Sequence[Result], seconds: float | None = None) -> str:
    """Counts per source and overall."""
    by_source: dict[str, list[Result]] = {}
    for r in results:
        by_source.setdefault(r.claim.source, []).append(r)
    parts = []
    for source, rs in by_source.items():
        verified = sum(r.outcome == "verified" for r in rs)
        disc = sum(r.outcome == "discrepancy reproduced" for r in rs)
        parts.append(
            f"{source}: {verified}/{len(rs)} verified" + (f", {disc} discrepancy" if disc else "")
        )
    n_ok = sum(r.ok for r in results)
    n_disc = sum(r.outcome == "discrepancy reproduced" for r in results)
    n_bad = len(results) - n_ok
    line = (
        f"{len(results)} claims: {n_ok - n_disc} verified, {n_disc} recorded discrepancies "
        f"reproduced, {n_bad} failed"
    )
    if seconds is not None:
        line += f" ({seconds:.1f} s)"
    return "\n".join(["; ".join(parts), line])


def results_json(results: Sequence[Result], seconds: float | None = None) -> dict[str, Any]:
    return {
        "passed": all(r.ok for r in results),
        "seconds": None if seconds is None else round(seconds, 2),
        "counts": {
            "claims": len(results),
            "verified": sum(r.outcome == "verified" for r in results),
            "discrepancies": sum(r.outcome == "discrepancy reproduced" for r in results),
            "failed": sum(not r.ok for r in results),
        },
        "claims": [r.row() for r in results],
    }


def write_json(path: str, results: Sequence[Result], seconds: float | None = None) -> None:
    """Write :func:`results_json` to ``path`` (atomically: a failed write keeps the old file)."""
    atomic_write_text(path, json.dumps(results_json(results, seconds), indent=2) + "\n")


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_report(results: Sequence[Result], seconds: float | None = None) -> str:
    """The claims report as Markdown (``docs/claims.md``)."""
    lines = [
        "# Claims report",
        "",
        "Generated by `asymptote verify --markdown docs/claims.md --force`; do not edit by hand.",
        "Each claim of the seed sources is checked by one route (symbolic identity,",
        "high-precision comparison, exponent fit, Monte Carlo z-score); a recorded",
        "discrepancy is a statement the toolkit finds false, kept with its evidence.",
        "",
        summary(results, seconds).replace("\n", "\n\n"),
        "",
        "| id | source | check | expected | measured | margin | outcome |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        row = r.row()
        lines.append(
            "| "
            + " | ".join(
                _md(x)
                for x in (
                    f"`{row['id']}`",
                    f"[{row['source']}] {row['location']}",
                    row["check"],
                    row["expected"],
                    row["measured"] if row["measured"] is not None else "-",
                    row["margin_text"] or "-",
                    row["outcome"],
                )
            )
            + " |"
        )
    lines += ["", "## Statements and tolerances", ""]
    for r in results:
        c = r.claim
        lines.append(
            f"- `{c.id}` ([{c.source}] {_md(c.location)}): {_md(c.statement)} "
            f"Tolerance: {_md(c.check.tolerance_text())}, because {_md(c.tolerance_why)}"
        )
        if c.status == "discrepancy":
            lines.append(f"  **Discrepancy.** {_md(c.note)} Evidence: {_md(c.evidence)}")
    return "\n".join(lines) + "\n"
