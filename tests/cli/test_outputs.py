"""Output files of the command line: checked first, never clobbered silently, written atomically."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from asymptote.cli import main

ITERATE = ["iterate", "--arch", "rrn", "--activation", "relu", "--sigma-w", "1", "--sigma-b",
           "0.1", "--depth", "200"]  # fmt: skip


def test_existing_output_needs_force(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.npz").write_bytes(b"keep me")
    assert main([*ITERATE, "--out", "t.npz"]) == 2
    err = capsys.readouterr().err
    assert "--force" in err and (tmp_path / "t.npz").read_bytes() == b"keep me"
    assert main([*ITERATE, "--out", "t.npz", "--force", "--json"]) == 0
    with np.load(tmp_path / "t.npz") as data:
        assert data["log_p"].shape == (200,) and np.all(np.isfinite(data["log_p"]))
    assert sorted(os.listdir(tmp_path)) == ["t.npz"]  # no temporary file left behind


def test_reported_name_is_the_file_written(tmp_path, monkeypatch, capsys):
    import json

    monkeypatch.chdir(tmp_path)
    assert main([*ITERATE, "--out", "run.npz", "--json"]) == 0
    reported = json.loads(capsys.readouterr().out)["out"]
    assert reported == "run.npz" and (tmp_path / reported).is_file()


def test_interrupted_write_keeps_the_old_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.npz").write_bytes(b"old")

    def interrupted(handle, **arrays):
        handle.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez_compressed", interrupted)
    assert main([*ITERATE, "--out", "t.npz", "--force"]) == 130
    assert capsys.readouterr().err.strip() == "asymptote: error: interrupted"
    assert (tmp_path / "t.npz").read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["t.npz"]


def test_derive_pdf_output_is_a_pdf(tmp_path, monkeypatch, capsys):
    """``-o out.pdf --pdf`` writes the PDF (it used to overwrite it with the TeX source)."""
    monkeypatch.chdir(tmp_path)
    code = main(["derive", "PLRSG16/critical-line/relu", "-o", "out.pdf", "--pdf"])
    if shutil.which("pdflatex") is None:
        assert code == 2 and "pdflatex" in capsys.readouterr().err
        assert os.listdir(tmp_path) == []
        return
    assert code == 0
    assert (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF")
    assert os.listdir(tmp_path) == ["out.pdf"]


def test_derive_tex_is_written_atomically_and_not_clobbered(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.tex").write_text("my edits")
    assert main(["derive", "PLRSG16/critical-line/relu", "-o", "d.tex"]) == 2
    assert (tmp_path / "d.tex").read_text() == "my edits"
    assert main(["derive", "PLRSG16/critical-line/relu", "-o", "d.tex", "--force"]) == 0
    assert (tmp_path / "d.tex").read_text().startswith("\\documentclass")


def test_verify_selection_that_matches_nothing_fails(capsys):
    assert main(["verify", "--source", "PSG17", "--quick", "--list"]) in (0, 2)
    assert main(["verify", "--source", ""]) == 2
    assert "--source" in capsys.readouterr().err


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")
def test_closed_pipe_is_one_line_not_a_traceback():
    script = (  # far more output than a pipe buffer holds, so the write hits the closed pipe
        "import sys\nfrom asymptote.cli import main\nfor _ in range(2000):\n"
        "    code = main(['activations', '--json'])\n    if code:\n        sys.exit(code)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(5)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait() == 141
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_numpy_warnings_do_not_reach_the_terminal(capsys):
    """A tiny q at a deep layer used to print RuntimeWarnings with internal paths."""
    code = main(["fixed-point", "--activation", "tanh", "--sigma-w", "1e300", "--sigma-b", "0"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Warning" not in err
    assert "sigma" in err
