"""Every claim of the proofs package holds (or reproduces its recorded discrepancy), and the
``verify`` / ``derive`` / ``phase`` commands work end to end.

The references are the claims' own independent routes (see each proofs module); this test
only asserts the runner's verdict, whose tolerance each claim states with its reason.
"""

from __future__ import annotations

import json

import pytest

from asymptote.claims import all_claims, run_claims, select
from asymptote.commands._common import Parser
from asymptote.commands.claims import add_verify_parser, register

CLAIMS = all_claims()


@pytest.mark.parametrize(
    "claim",
    [pytest.param(c, id=c.id, marks=() if c.quick else pytest.mark.slow) for c in CLAIMS],
)
def test_claim_holds_or_reproduces_its_discrepancy(claim):
    (result,) = run_claims([claim], progress=False)
    assert result.ok, f"{claim.id}: {result.outcome} {result.row()['details']}"


def _run(capsys, *argv):
    parser = Parser(prog="asymptote")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    add_verify_parser(sub)
    register(sub)
    args = parser.parse_args(list(argv))
    code = 0
    try:
        args.func(args)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_verify_source_filter_table_json_markdown(capsys, tmp_path):
    json_path, md_path = tmp_path / "r.json", tmp_path / "claims.md"
    code, out, _ = _run(
        capsys,
        "verify",
        "--source",
        "PLRSG16/critical-line",
        "--quick",
        "--json",
        str(json_path),
        "--markdown",
        str(md_path),
    )
    assert code == 0
    assert "PLRSG16/critical-line/relu" in out and "verified" in out
    data = json.loads(json_path.read_text())
    assert data["passed"] and data["counts"]["failed"] == 0
    assert {row["id"] for row in data["claims"]} == {
        c.id for c in select(CLAIMS, source="PLRSG16/critical-line", quick=True)
    }
    assert "| `PLRSG16/critical-line/relu` |" in md_path.read_text()


def test_verify_unknown_source_is_a_value_error(capsys):
    with pytest.raises(ValueError, match="--source must be one of"):
        _run(capsys, "verify", "--source", "NOPE17", "--list")


def test_verify_list_runs_nothing(capsys):
    code, out, _ = _run(capsys, "verify", "--source", "lee2018", "--list")
    assert code == 0 and "LBNSSP18/nngp/relu-is-arccos-recursion" in out


def test_verify_exit_code_nonzero_when_a_claim_fails(capsys, monkeypatch):
    import asymptote.commands.claims as commands

    broken = [CLAIMS[0].mutated()]
    monkeypatch.setattr(commands, "_claims_or_error", lambda: broken)
    code, out, _ = _run(capsys, "verify")
    assert code == 1 and "FAILED" in out


def test_derive_prints_latex(capsys):
    code, out, _ = _run(capsys, "derive", "PLRSG16/critical-line/relu")
    assert code == 0
    assert (
        out.startswith("\\documentclass")
        and "\\sqrt{2}" in out
        and out.rstrip().endswith("\\end{document}")
    )


def test_derive_unknown_id_suggests(capsys):
    with pytest.raises(ValueError, match="did you mean PLRSG16/critical-line/relu"):
        _run(capsys, "derive", "PLRSG16/critical-line/reLu")


def test_phase_writes_png(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "phase.png"
    code, _, _ = _run(
        capsys,
        "phase",
        "--activation",
        "erf",
        "--sigma-w-range",
        "0.5,2.5",
        "--sigma-b-range",
        "0,0.5",
        "--out",
        str(out),
    )
    assert code == 0 and out.stat().st_size > 10_000


def test_phase_bad_range(capsys, tmp_path):
    with pytest.raises(ValueError, match="--sigma-w-range"):
        _run(
            capsys,
            "phase",
            "--activation",
            "erf",
            "--sigma-w-range",
            "1",
            "--out",
            str(tmp_path / "x.png"),
        )
