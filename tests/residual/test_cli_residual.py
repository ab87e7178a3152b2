"""CLI: ``asymptote exponents``, ``iterate`` and ``recurrence`` (issue 3)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from asymptote.cli import main


def test_exponents_json_has_law_exponent_value_fitted(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["exponents", "--arch", "frn", "--activation", "relu", "--sigma-w", "1",
               "--sigma-b", "0", "--sigma-v", "1", "--sigma-a", "0", "--depth", "2000", "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("p", "q", "e", "s", "chi", "chi_w", "chi_b", "chi_v", "chi_a"):
        assert {"law", "exponent", "value", "fitted"} <= set(out[key])
    assert out["p"]["law"] == "exponential"
    assert float(out["p"]["value"]) == 1.5  # 1 + sigma_v^2 sigma_w^2 / 2
    assert abs(float(out["p"]["fitted"]) - 1.5) < 1e-8
    assert out["chi_w"]["law"] == "constant"


def test_iterate_writes_npz(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "t.npz"
    rc = main(["iterate", "--arch", "rrn", "--activation", "relu", "--sigma-w", "1",
               "--sigma-b", "0.1", "--depth", "500", "--out", str(path), "--json"])
    assert rc == 0
    data = np.load(path)
    assert data["layers"][-1] == 500 and np.isfinite(data["log_p"]).all()


def test_recurrence_latex(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recurrence", "--arch", "rrn", "--activation", "relu", "--latex"]) == 0
    text = capsys.readouterr().out
    assert r"\begin{align*}" in text and r"\mathcal{M}\phi" in text


def test_missing_sigma_v_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["exponents", "--arch", "frn", "--activation", "relu", "--sigma-w", "1",
               "--sigma-b", "0"])
    assert rc == 2
    err = capsys.readouterr().err.strip()
    assert "sigma-v" in err and "\n" not in err
