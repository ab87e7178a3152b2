"""Bad input on the command line: one clear line, a non-zero exit, in seconds, nothing written.

Two kinds of cases:

* generated from the parser itself: every real-number option of every subcommand (found by
  its argparse ``type``) gets code to execute, an exponent that would take minutes to expand,
  ``nan`` and garbage; every integer size option gets a negative number, a float and a value
  beyond its cap. New options are covered without editing this file.
* hand-written cases for each failure a reviewer reported (bad output paths, silently wrong
  results, misleading messages, hangs).

Every case runs in a fresh empty directory, under a 20-second alarm, and asserts: exit status
non-zero, exactly one line on stderr that names the parameter, no traceback, no file created.
"""

from __future__ import annotations

import argparse
import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from asymptote.cli import build_parser, main

INJECTION = "__import__('os').system('touch PWNED')"
CASE_SECONDS = 20

#: One valid command line per subcommand (cheap ones), used as the base for mutations.
BASE: dict[str, list[str]] = {
    "fixed-point": ["--activation", "tanh", "--sigma-w", "1.3", "--sigma-b", "0.3"],
    "critical": ["--activation", "erf", "--sigma-b", "0.1"],
    "kernel": ["--activation", "relu", "--sigma-w", "1.5", "--sigma-b", "0.1", "--depth", "3",
               "--x1", "1,0", "--x2", "0.6,0.8"],  # fmt: skip
    "exponents": ["--arch", "rrn", "--activation", "relu", "--sigma-w", "1", "--sigma-b", "0.1"],
    "iterate": ["--arch", "rrn", "--activation", "relu", "--sigma-w", "1", "--sigma-b", "0.1",
                "--depth", "50"],  # fmt: skip
    "recurrence": ["--arch", "rrn", "--activation", "relu"],
    "finite-width": ["--widths", "10,20"],
    "montecarlo": ["--arch", "feedforward", "--activation", "relu", "--widths", "20",
                   "--depth", "3", "--samples", "4"],  # fmt: skip
    "spectrum": ["--activation", "tanh", "--sigma-w", "1.1", "--sigma-b", "0.05", "--depth", "2"],
    "posterior": ["--activation", "relu", "--sigma-w", "1.4", "--sigma-b", "0.2", "--depth", "1",
                  "--train-x", "X.csv", "--train-y", "Y.csv", "--test-x", "T.csv"],  # fmt: skip
    "linearization": ["--widths", "8,16", "--seeds", "2", "--steps", "2"],
    "phase": ["--activation", "tanh", "--out", "phase.png"],
    "verify": ["--list"],
    "derive": ["PLRSG16/critical-line/relu"],
    "activations": [],
    "cite": [],
}


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _typed_options(kind: str) -> list[tuple[str, str]]:
    """(subcommand, option) for every option whose argparse type is ``kind``."""
    out = []
    for command, sub in _subparsers().items():
        for action in sub._actions:
            if action.option_strings and getattr(action.type, "__name__", "") == kind:
                out.append((command, action.option_strings[-1]))
    return out


def _with(command: str, option: str, value: str) -> list[str]:
    """The base command line of ``command`` with ``option`` set to ``value``."""
    argv = list(BASE[command])
    if option in argv:
        argv[argv.index(option) + 1] = value
    else:
        argv += [option, value]
    return [command, *argv]


def _generated() -> list[tuple[list[str], str]]:
    cases: list[tuple[list[str], str]] = []
    for command, option in _typed_options("number"):
        for bad in (INJECTION, "1e999999999", "nan", "0x1p3", "1,5", ""):
            cases.append((_with(command, option, bad), option))
    for command, option in _typed_options("integer"):
        for bad in ("-5", "2.5", "1e12", INJECTION):
            cases.append((_with(command, option, bad), option))
        if option in ("--depth", "--samples", "--seeds", "--steps", "--dps", "--moments",
                      "--empirical-width"):  # fmt: skip
            cases.append((_with(command, option, "999999999999"), option))
    return cases


#: Hand-written cases: (argv, word the one error line must contain).
HAND: list[tuple[list[str], str]] = [
    # output paths are checked before any work (and nothing half-written is left)
    (_with("iterate", "--out", "/nonexistent/d/t.npz"), "--out"),
    (_with("iterate", "--out", "out/t"), "--out"),
    (_with("iterate", "--out", "t.txt"), "--out"),
    (_with("iterate", "--plot", "/nonexistent/p.png"), "--plot"),
    (_with("iterate", "--plot", "plot.jpg"), "--plot"),
    (_with("iterate", "--out", "."), "--out"),
    (_with("phase", "--out", "/nonexistent/phase.png"), "--out"),
    (_with("phase", "--out", "phase.txt"), "--out"),
    (_with("montecarlo", "--plot", "/nonexistent/mc.png"), "--plot"),
    (_with("spectrum", "--plot", "/nonexistent/s.png"), "--plot"),
    (_with("linearization", "--plot", "/nonexistent/l.png"), "--plot"),
    (["verify", "--source", "GAUSS", "--json", "/nonexistent/r.json"], "--json"),
    (["verify", "--source", "GAUSS", "--markdown", "/nonexistent/r.md"], "--markdown"),
    (["verify", "--source", "GAUSS", "--report", "/nonexistent/r.tex"], "--report"),
    (["verify", "--source", "GAUSS", "--report", "r.pdf"], "--report"),
    (["verify", "--source", "GAUSS", "--figures", "/nonexistent/figs"], "--figures"),
    (["derive", "PLRSG16/critical-line/relu", "-o", "/nonexistent/d.tex"], "-o"),
    (["derive", "PLRSG16/critical-line/relu", "-o", "out.pdf"], "--pdf"),
    (["derive", "PLRSG16/critical-line/relu", "-o", "."], "-o"),
    (["derive", "no/such/claim"], "no/such/claim"),
    # selections that select nothing
    (["verify", "--source", ""], "--source"),
    (["verify", "--source", "   "], "--source"),
    (["verify", "--source", "NOPE"], "--source"),
    # parameters that make no sense together or are out of range
    (_with("exponents", "--dps", "0"), "--dps"),
    (_with("exponents", "--e0", "3"), "--e0"),
    (_with("exponents", "--sigma-w", "-1"), "--sigma-w"),
    (_with("exponents", "--sigma-v", "1"), "--sigma-v"),
    (["exponents", "--arch", "frn", "--activation", "relu", "--sigma-w", "1", "--sigma-b", "0"],
     "--sigma-v"),  # fmt: skip
    (["exponents", "--arch", "nope", "--activation", "relu", "--sigma-w", "1", "--sigma-b", "0"],
     "--arch"),  # fmt: skip
    (_with("exponents", "--depth", "50"), "--depth"),
    (_with("fixed-point", "--activation", "nope"), "activation"),
    (_with("fixed-point", "--activation", INJECTION), "activation"),
    (_with("fixed-point", "--param", "alpha"), "--param"),
    (_with("fixed-point", "--param", f"alpha={INJECTION}"), "--param alpha"),
    (["fixed-point", "--activation", "alpha_relu", "--alpha", "-0.7", "--sigma-w", "1",
      "--sigma-b", "0.3"], "alpha"),  # fmt: skip
    (_with("fixed-point", "--param", "gamma=1"), "gamma"),
    (_with("kernel", "--x1", "1,a"), "--x1"),
    (_with("kernel", "--x1", INJECTION), "--x1"),
    (_with("kernel", "--x1", "1,0,0"), "--x1"),
    (_with("kernel", "--x1", "1e999999999,0"), "--x1"),
    (_with("kernel", "--x1", ",".join(["1"] * 20000)), "--x1"),
    (_with("finite-width", "--widths", "10,x"), "--widths"),
    (_with("finite-width", "--widths", "10,0"), "--widths"),
    (_with("finite-width", "--widths", ",".join(["2"] * 1001)), "--widths"),
    (_with("finite-width", "--sigma-w", INJECTION), "sigma_w"),
    (_with("finite-width", "--sigma-w", "1e999999999"), "sigma_w"),
    (_with("finite-width", "--sigma-w", "sqrt(-2)"), "sigma_w"),
    (_with("finite-width", "--weight-kurtosis", INJECTION), "kurtosis"),
    (_with("finite-width", "--input-length", INJECTION), "input_length"),
    (_with("montecarlo", "--widths", "100000"), "--widths"),
    (_with("montecarlo", "--quantities", "p,nope"), "--quantities"),
    (["montecarlo", "--arch", "feedforward", "--activation", "relu", "--widths", "20"], "--depth"),
    (_with("montecarlo", "--widths", "4000") + ["--samples", "10000", "--depth", "100"],
     "width^2"),  # fmt: skip
    (_with("linearization", "--widths", "8,1e3"), "--widths"),
    (_with("linearization", "--widths", "100000"), "--widths"),
    (_with("spectrum", "--weights", "uniform"), "--weights"),
    (_with("spectrum", "--density", "0.5,x"), "--density"),
    (_with("phase", "--sigma-w-range", "3,1"), "--sigma-w-range"),
    (_with("phase", "--sigma-w-range", INJECTION), "--sigma-w-range"),
    (_with("phase", "--sigma-b-range", "1"), "--sigma-b-range"),
    (_with("posterior", "--train-x", "missing.csv"), "train_x"),
    (_with("posterior", "--train-x", "X.txt2"), "train_x"),
    (_with("posterior", "--train-x", "bad.csv"), "train_x"),
    (_with("posterior", "--train-x", "huge_cell.csv"), "train_x"),
    (_with("posterior", "--train-x", "complex.npy"), "train_x"),
    (_with("posterior", "--train-x", "ragged.csv"), "train_x"),
    (_with("posterior", "--time", "-1"), "--time"),
    (_with("posterior", "--time", INJECTION), "--time"),
    (_with("posterior", "--learning-rate", "0"), "--learning-rate"),
    (_with("posterior", "--mode", "bayes") + ["--kernel", "ntk"], "--kernel"),
    (["nope"], "nope"),
    ([], "command"),
]


def _write_data(folder: Path) -> None:
    (folder / "X.csv").write_text("1,0\n0.6,0.8\n")
    (folder / "Y.csv").write_text("1\n-1\n")
    (folder / "T.csv").write_text("0.8,0.6\n")
    (folder / "bad.csv").write_text("1,0\n__import__('os'),1\n")
    (folder / "ragged.csv").write_text("1,0\n1\n")
    (folder / "huge_cell.csv").write_text("1," + "9" * 200_000 + "\n")
    np.save(folder / "complex.npy", np.array([[1 + 2j, 0], [0, 1]]))


def _alarm(signum, frame):  # pragma: no cover - only on a hang
    raise TimeoutError(f"command did not finish in {CASE_SECONDS} s")


def _run_case(argv: list[str], folder: Path, capsys) -> tuple[int, str, str, float]:
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(CASE_SECONDS)
    start = time.perf_counter()
    try:
        code = main(argv)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    seconds = time.perf_counter() - start
    out, err = capsys.readouterr()
    return code, out, err, seconds


def _ids(cases: list[tuple[list[str], str]]) -> list[str]:
    return [" ".join(a[:1] + [x[:20] for x in a[1:]])[-70:] for a, _ in cases]


CASES = _generated() + HAND


def test_enough_cases_over_every_subcommand():
    """At least 80 cases, and every subcommand with options has at least one."""
    assert len(CASES) >= 80
    covered = {argv[0] for argv, _ in CASES if argv}
    with_options = {c for c, sub in _subparsers().items() if len(sub._actions) > 1}
    assert with_options - {"activations", "cite"} <= covered


@pytest.mark.parametrize("argv,word", CASES, ids=_ids(CASES))
def test_bad_input_gives_one_clear_line(argv, word, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    _write_data(tmp_path)
    before = set(os.listdir(tmp_path))
    code, _, err, seconds = _run_case(argv, tmp_path, capsys)
    lines = err.strip().splitlines()
    assert code != 0, f"exit 0 for bad input; stderr {err!r}"
    assert len(lines) == 1, f"expected one line on stderr, got {err!r}"
    assert "Traceback" not in err and lines[0].startswith("asymptote: error: ")
    assert word.lower() in lines[0].lower(), f"{word!r} not named in {lines[0]!r}"
    assert set(os.listdir(tmp_path)) == before, "a file was created"
    assert seconds < CASE_SECONDS


def test_code_execution_string_is_never_run(tmp_path, monkeypatch, capsys):
    """The reviewer's exact command: exits non-zero and creates nothing."""
    monkeypatch.chdir(tmp_path)
    code = main(["exponents", "--arch", "rrn", "--activation", "relu", "--sigma-b", "0",
                 "--sigma-w", INJECTION])  # fmt: skip
    assert code == 2 and not (tmp_path / "PWNED").exists() and os.listdir(tmp_path) == []
    assert "--sigma-w" in capsys.readouterr().err
