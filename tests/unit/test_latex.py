"""LaTeX derivations and reports compile with pdflatex and render to a non-empty page."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from asymptote.claims import claim_by_id, run_claims
from asymptote.claims.latex import compile_pdf, derive, escape, report

PDFLATEX = shutil.which("pdflatex")
needs_pdflatex = pytest.mark.skipif(
    PDFLATEX is None,
    reason="pdflatex not installed (apt-get install texlive-latex-base texlive-latex-recommended);"
    " CI installs it",
)

SAMPLE = [
    "PLRSG16/critical-line/relu",  # symbolic identity, own derivation
    "SGGS17/depth-scale/xi-c-ordered/erf",  # exponent fit, own derivation
    "P19/kernel-map/lambda-max-is-chi/softplus",  # recorded discrepancy
    "P58/price/erf/Wd=dW/dq12",  # generic derivation, special characters in the id
    "LBNSSP18/nngp/relu-is-arccos-recursion",
]


def test_escape_special_characters():
    assert escape("a_b^c & 100% $x$ #1 {y} ~ \\") == (
        r"a\_b\textasciicircum{}c \& 100\% \$x\$ \#1 \{y\} \textasciitilde{} \textbackslash{}"
    )


def test_derivation_is_a_complete_document_with_the_numbers():
    tex = derive("PLRSG16/critical-line/relu")
    assert tex.startswith("\\documentclass") and tex.rstrip().endswith("\\end{document}")
    assert "\\sqrt{2}" in tex and "Numerical confirmation" in tex and "exact agreement" in tex


@needs_pdflatex
@pytest.mark.parametrize("claim_id", SAMPLE)
def test_derivation_compiles(claim_id, tmp_path):
    pdf = compile_pdf(derive(claim_by_id(claim_id)), tmp_path / "d.pdf")
    assert pdf.stat().st_size > 1000


@needs_pdflatex
def test_report_compiles_and_renders(tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm not installed (apt-get install poppler-utils); CI installs it")
    results = run_claims([claim_by_id(i) for i in SAMPLE[:3]], progress=False)
    pdf = compile_pdf(report(results), tmp_path / "report.pdf")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    pages = list(tmp_path.glob("page*.png"))
    assert pages and pages[0].stat().st_size > 2000


def test_missing_pdflatex_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(FileNotFoundError, match="texlive-latex-base"):
        compile_pdf("\\documentclass{article}\\begin{document}x\\end{document}", tmp_path / "x.pdf")
