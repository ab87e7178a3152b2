"""The command-line interface: JSON shape, digits carried, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import mpmath
import pytest

from asymptote.cli import main
from asymptote.feedforward import mean_field


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_activations_lists_registry(capsys):
    code, out, _ = run(capsys, "activations", "--json")
    names = {row["name"] for row in json.loads(out)}
    assert code == 0 and {"relu", "tanh", "alpha_relu", "step", "gelu"} <= names


def test_fixed_point_json_has_30_correct_digits(capsys):
    code, out, _ = run(
        capsys,
        "fixed-point",
        "--activation",
        "tanh",
        "--sigma-w",
        "1.3",
        "--sigma-b",
        "0.3",
        "--dps",
        "30",
        "--json",
    )
    data = json.loads(out)
    assert code == 0
    assert set(data) == {"q_star", "c_star", "chi_1", "chi_c", "chi_q", "xi_q", "xi_c", "phase"}
    ref = mean_field("tanh", "1.3", "0.3", dps=45)  # independent: 15 more digits
    with mpmath.workdps(45):
        for key in ("q_star", "chi_1", "xi_c"):
            got = mpmath.mpf(data[key])
            assert len(data[key].replace(".", "").lstrip("0")) >= 29, data[key]
            assert abs(got - getattr(ref, key)) <= mpmath.mpf("1e-29") * abs(getattr(ref, key))
    assert data["phase"] == "ordered"


def test_critical_json(capsys):
    code, out, _ = run(capsys, "critical", "--activation", "erf", "--sigma-b", "0.1", "--json")
    data = json.loads(out)
    assert code == 0 and set(data) == {"sigma_w", "q_star"}


def test_kernel_json_matches_neural_tangents(capsys):
    code, out, _ = run(
        capsys,
        "kernel",
        "--activation",
        "relu",
        "--sigma-w",
        "1.5",
        "--sigma-b",
        "0.1",
        "--depth",
        "10",
        "--x1",
        "1,0",
        "--x2",
        "0.6,0.8",
        "--dps",
        "25",
        "--json",
    )
    data = json.loads(out)
    assert code == 0
    assert float(data["nngp"][0][1]) == pytest.approx(3.517615928876390246, rel=1e-15)
    assert float(data["ntk"][1][1]) == pytest.approx(41.70237436704803275, rel=1e-15)


@pytest.mark.parametrize(
    "argv,word",
    [
        (["fixed-point", "--activation", "tanh", "--sigma-w", "-1", "--sigma-b", "0.3"], "--sigma-w"),
        (
            ["fixed-point", "--activation", "nope", "--sigma-w", "1", "--sigma-b", "0.3"],
            "activation",
        ),
        (
            [
                "fixed-point",
                "--activation",
                "alpha_relu",
                "--alpha",
                "-0.7",
                "--sigma-w",
                "1",
                "--sigma-b",
                "0.3",
            ],
            "alpha",
        ),
        (
            ["fixed-point", "--activation", "tanh", "--sigma-w", "abc", "--sigma-b", "0.3"],
            "--sigma-w",
        ),
        (["critical", "--activation", "tanh", "--sigma-b", "x", "--dps", "20"], "--sigma-b"),
        (
            [
                "kernel",
                "--activation",
                "relu",
                "--sigma-w",
                "1",
                "--sigma-b",
                "0",
                "--depth",
                "2",
                "--x1",
                "1,a",
                "--x2",
                "1,0",
            ],
            "--x1",
        ),
    ],
)
def test_bad_input_is_one_line_naming_the_parameter(capsys, argv, word):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and word in err and "Traceback" not in err


def test_console_script_runs_without_traceback():
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "asymptote.cli",
            "fixed-point",
            "--activation",
            "relu",
            "--sigma-w",
            "3",
            "--sigma-b",
            "1",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "no finite fixed point" in proc.stderr
