"""Plotting leaves the caller's matplotlib backend alone; every file write is atomic."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from asymptote._io import atomic_write, atomic_write_text

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def svg_backend():
    """Switch to the non-Agg ``svg`` backend (no display needed) and restore it afterwards."""
    matplotlib = pytest.importorskip("matplotlib")
    before = matplotlib.get_backend()
    matplotlib.use("svg")
    assert matplotlib.get_backend() == "svg"
    yield matplotlib
    matplotlib.use(before)


def _check_png(path: Path) -> None:
    data = Path(path).read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 1000
    assert not [p.name for p in Path(path).parent.iterdir() if p.name.endswith(".tmp")]


def test_phase_diagram_keeps_backend(svg_backend, tmp_path):
    from asymptote.plotting import phase_diagram

    out = phase_diagram("erf", tmp_path / "phase.png", resolution=(9, 5))
    assert svg_backend.get_backend() == "svg"
    assert out == tmp_path / "phase.png"
    _check_png(out)


def test_exponent_fit_figure_keeps_backend(svg_backend, tmp_path):
    from asymptote.plotting import exponent_fit_figure

    depths = np.arange(1, 60, dtype=float)
    out = exponent_fit_figure(depths, np.exp(-0.1 * depths), -0.1, tmp_path / "fit.png")
    assert svg_backend.get_backend() == "svg"
    _check_png(out)


def test_plot_trajectory_keeps_backend(svg_backend, tmp_path):
    from asymptote.asymptotics import leading_laws
    from asymptote.plotting_residual import plot_trajectory
    from asymptote.recurrences.iterate import iterate

    traj = iterate("rrn", "relu", 1.0, 0.1, depth=200, compiled=False)
    laws = leading_laws("rrn", "relu", 1.0, 0.1)
    plot_trajectory(traj, laws, str(tmp_path / "traj.png"))
    assert svg_backend.get_backend() == "svg"
    _check_png(tmp_path / "traj.png")


def test_montecarlo_figure_keeps_backend(svg_backend, tmp_path):
    from asymptote.finite_width.montecarlo import mean_field_prediction, simulate
    from asymptote.plotting import montecarlo_figure

    result = simulate("feedforward", "tanh", 1.5, 0.1, width=16, depth=3, samples=4, seed=0)
    theory = mean_field_prediction("feedforward", "tanh", 1.5, 0.1, width=16, depth=3)
    out = montecarlo_figure(result, theory, ["p", "c"], tmp_path / "mc.png")
    assert svg_backend.get_backend() == "svg"
    assert out == tmp_path / "mc.png"
    _check_png(out)


def test_plot_spectrum_keeps_backend(svg_backend, tmp_path):
    from asymptote.spectra.empirical import plot_spectrum

    path = str(tmp_path / "spectrum.png")
    out = plot_spectrum("relu", 2**0.5, 0.0, path, depth=2, empirical_width=16, draws=2, points=40)
    assert svg_backend.get_backend() == "svg"
    assert out == path
    _check_png(Path(path))


def test_plot_linearization_keeps_backend(svg_backend, tmp_path):
    from matplotlib.figure import Figure

    from asymptote.linearization import linearization_check, plot_linearization

    res = linearization_check(
        widths=(8, 16), seeds=2, steps=2, n_train=3, n_test=2, input_dim=2, progress=False
    )
    fig = plot_linearization(res, tmp_path / "lin.png")
    assert svg_backend.get_backend() == "svg"
    assert isinstance(fig, Figure)
    _check_png(tmp_path / "lin.png")
    assert isinstance(plot_linearization(res), Figure)  # no path: a figure, nothing written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lin.png"]


def test_figure_format_follows_suffix(svg_backend, tmp_path):
    from asymptote.plotting import exponent_fit_figure

    depths = np.arange(1, 20, dtype=float)
    out = exponent_fit_figure(depths, depths**-1.0, -1.0, tmp_path / "fit.pdf", law="power")
    assert out.read_bytes().startswith(b"%PDF")


def test_plotting_never_imports_pyplot(tmp_path):
    pytest.importorskip("matplotlib")
    code = textwrap.dedent(
        f"""
        import sys
        import numpy as np
        from asymptote.plotting import exponent_fit_figure
        d = np.arange(1, 20, dtype=float)
        exponent_fit_figure(d, np.exp(-d), -1.0, {str(tmp_path / "x.png")!r})
        assert "matplotlib.pyplot" not in sys.modules, "pyplot was imported"
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# --- atomic writes --------------------------------------------------------------------------
def test_atomic_write_keeps_old_file_when_writer_fails(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old content\n")

    def failing(handle):
        handle.write(b"partial new con")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        atomic_write(target, failing)
    assert target.read_text() == "old content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_atomic_write_replaces_and_creates(tmp_path):
    target = tmp_path / "out.txt"
    assert atomic_write_text(target, "one\n") == target
    atomic_write_text(target, "two\n")
    assert target.read_text() == "two\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask


def test_figure_save_failure_keeps_old_file(svg_backend, tmp_path):
    from asymptote.plotting import exponent_fit_figure

    target = tmp_path / "fit.notaformat"
    target.write_bytes(b"old")
    depths = np.arange(1, 20, dtype=float)
    with pytest.raises(ValueError):
        exponent_fit_figure(depths, np.exp(-depths), -1.0, target)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fit.notaformat"]


def test_write_json_is_atomic(tmp_path, monkeypatch):
    import json

    from asymptote.claims import runner

    target = tmp_path / "claims.json"
    runner.write_json(str(target), [], 1.0)
    assert json.loads(target.read_text())["counts"]["claims"] == 0

    def boom(results, seconds=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "results_json", boom)
    before = target.read_text()
    with pytest.raises(KeyboardInterrupt):
        runner.write_json(str(target), [], 1.0)
    assert target.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.json"]


# --- compile_pdf with a stand-in pdflatex ---------------------------------------------------
def _fake_pdflatex(folder: Path, body: str) -> None:
    exe = folder / "pdflatex"
    exe.write_text("#!/bin/sh\n" + body)
    exe.chmod(0o755)


@pytest.mark.skipif(sys.platform == "win32", reason="shell-script stand-in for pdflatex")
def test_compile_pdf_failure_is_one_line_and_keeps_old_pdf(tmp_path, monkeypatch):
    from asymptote.claims.latex import compile_pdf, escape

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _fake_pdflatex(
        bin_dir,
        "printf 'This is pdfTeX\\n! Undefined control sequence.\\n<recently read> \\\\foo \\n"
        "\\nl.12 \\\\foo\\n' > doc.log\necho 'pdflatex output'\nexit 1\n",
    )
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "d.pdf"
    target.write_bytes(b"%PDF old")
    tex = "\\documentclass{article}\\title{" + escape("X18/some_claim") + "}\\begin{document}"
    with pytest.raises(RuntimeError) as info:
        compile_pdf(tex, target)
    message = str(info.value)
    assert "\n" not in message
    assert "X18/some_claim" in message and "d.pdf" in message
    assert "! Undefined control sequence. l.12 \\foo" in message
    assert target.read_bytes() == b"%PDF old"
    assert sorted(p.name for p in out_dir.iterdir()) == ["d.pdf"]

    with pytest.raises(RuntimeError, match=r"failed for 'the report' \("):
        compile_pdf(tex, target, name="the report")


@pytest.mark.skipif(sys.platform == "win32", reason="shell-script stand-in for pdflatex")
def test_compile_pdf_success_moves_pdf_into_place(tmp_path, monkeypatch):
    from asymptote.claims.latex import compile_pdf

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _fake_pdflatex(bin_dir, "printf '%%PDF-1.5 new' > doc.pdf\nexit 0\n")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    target = tmp_path / "sub" / "d.pdf"
    assert compile_pdf("\\documentclass{article}", target) == target
    assert target.read_bytes() == b"%PDF-1.5 new"
    assert sorted(p.name for p in target.parent.iterdir()) == ["d.pdf"]
