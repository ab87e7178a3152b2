"""``run_claims(jobs=N)`` and ``asymptote verify --jobs N``: the same results in the same
order as one process, crashes reported per claim, and the progress bar on stderr."""

from __future__ import annotations

import json
import os

import pytest

from asymptote.claims import Claim, Expected, HighPrecision, all_claims, run_claims, select
from asymptote.claims.runner import default_jobs
from asymptote.commands._common import Parser
from asymptote.commands.claims import add_verify_parser


def _claim(name: str, measure, expected="1") -> Claim:
    return Claim(
        id=f"P19/test/{name}",
        source="P19",
        location="test",
        statement=f"synthetic claim {name}",
        expected=Expected(expected, "exact"),
        check=HighPrecision(measure, digits=10, dps=15),
        tolerance_why="exact numbers compare exactly",
    )


def _raise(dps):
    raise RuntimeError("this check crashes")


def _die(dps):
    os._exit(3)  # the worker process disappears without a word


def _signature(results):
    return [(r.claim.id, r.outcome, r.measurement, r.error) for r in results]


def test_parallel_results_equal_serial_ones_in_claim_order():
    claims = [
        _claim(f"value-{k}", lambda dps, k=k: k, expected=str(k if k % 3 else k + 1))
        for k in range(1, 9)
    ]
    serial = run_claims(claims, progress=False)
    parallel = run_claims(claims, progress=False, jobs=3)
    assert _signature(parallel) == _signature(serial)
    assert [r.outcome for r in serial].count("FAILED") == 2  # k = 3 and 6 were planted wrong


def test_real_claims_give_the_same_verdicts_in_two_processes():
    claims = select(all_claims(), source="PLRSG16/critical-line", quick=True)
    assert len(claims) >= 3
    assert _signature(run_claims(claims, jobs=2, progress=False)) == _signature(
        run_claims(claims, progress=False)
    )


def test_a_crashing_check_is_an_error_of_that_claim_only():
    claims = [
        _claim("fine-1", lambda dps: 1),
        _claim("crash", _raise),
        _claim("fine-2", lambda dps: 1),
    ]
    results = run_claims(claims, progress=False, jobs=2)
    assert [r.outcome for r in results] == ["verified", "ERROR", "verified"]
    assert "RuntimeError: this check crashes" in results[1].error


def test_a_worker_that_dies_is_reported_not_hung_on():
    claims = [_claim("dies", _die), _claim("fine", lambda dps: 1)]
    results = run_claims(claims, progress=False, jobs=2)
    assert [r.claim.id for r in results] == [c.id for c in claims]
    assert results[0].outcome == "ERROR" and "lost in the worker process" in results[0].error
    assert not all(r.ok for r in results)


@pytest.mark.parametrize("jobs", [0, -1, 1.5, True])
def test_jobs_must_be_a_positive_integer(jobs):
    with pytest.raises(ValueError, match="jobs must be a positive integer"):
        run_claims([], jobs=jobs)


def test_default_jobs_is_the_usable_cpu_count():
    assert 1 <= default_jobs() <= (os.cpu_count() or 1)


@pytest.mark.parametrize("jobs", [1, 2])
def test_progress_bar_goes_to_stderr_when_asked(capsys, jobs):
    claims = [_claim(f"p-{k}", lambda dps: 1) for k in range(3)]
    run_claims(claims, progress=True, jobs=jobs)
    out, err = capsys.readouterr()
    assert out == "" and "3/3" in err and "[" + "#" * 30 + "]" in err
    run_claims(claims, progress=False, jobs=jobs)
    assert capsys.readouterr() == ("", "")


def _verify(capsys, *argv):
    parser = Parser(prog="asymptote")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    add_verify_parser(sub)
    args = parser.parse_args(["verify", *argv])
    args.func(args)
    return capsys.readouterr().out


def test_verify_jobs_gives_the_same_report(capsys):
    argv = ("--source", "PLRSG16/critical-line", "--quick", "--json")
    one = json.loads(_verify(capsys, *argv, "--jobs", "1"))
    two = json.loads(_verify(capsys, *argv, "--jobs", "2"))
    for report in (one, two):
        report.pop("seconds")
        for row in report["claims"]:
            row.pop("seconds")
    assert one == two and one["counts"]["failed"] == 0


def test_verify_jobs_zero_is_refused(capsys):
    with pytest.raises(SystemExit):
        _verify(capsys, "--jobs", "0", "--list")
    assert "--jobs must be an integer >= 1" in capsys.readouterr().err
