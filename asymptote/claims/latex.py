r"""LaTeX output: a derivation document per claim and the verification report.

Documents use the ``article`` class with ``amsmath`` only (plus ``geometry`` and
``longtable`` for the report's layout, both in ``texlive-latex-base``), so they compile with
a plain ``pdflatex``. Mathematics comes from the same SymPy objects the checks use
(``sympy.latex``); text is escaped with :func:`escape`.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sympy

from .._io import atomic_write
from ..references import REFERENCES
from ._model import Claim, Measurement, Step

__all__ = ["compile_pdf", "derive", "derivation_steps", "escape", "report"]

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
_PATTERN = re.compile("|".join(re.escape(k) for k in _SPECIAL))
_UNESCAPE = {v: k for k, v in _SPECIAL.items()}
_UNESCAPE_PATTERN = re.compile("|".join(re.escape(v) for v in sorted(_UNESCAPE, key=len)[::-1]))

_PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[margin=2.2cm]{geometry}
\usepackage{amsmath}
\usepackage{amssymb}
"""


def escape(text: Any) -> str:
    """Escape LaTeX special characters in plain text (non-ASCII is replaced by '?')."""
    ascii_text = str(text).encode("ascii", "replace").decode("ascii")
    return _PATTERN.sub(lambda m: _SPECIAL[m.group(0)], ascii_text)


def _math(obj: Any) -> str:
    if obj is None:
        return ""
    if isinstance(obj, str):
        return obj
    return sympy.latex(obj)


def _equation(obj: Any) -> str:
    body = _math(obj)
    if not body:
        return ""
    return "\\begin{equation*}\n" + body + "\n\\end{equation*}\n"


def derivation_steps(claim: Claim) -> list[Step]:
    """The claim's own derivation, or a generic one built from its expected value."""
    if claim.derivation is not None:
        return list(claim.derivation())
    steps: list[Step] = [("Statement of the source, paraphrased: " + claim.statement, None)]
    if claim.expected.is_symbolic:
        steps.append(("Expected value (" + claim.expected.provenance + "):", claim.expected.value))
    else:
        steps.append(("Expected value: " + claim.expected.provenance + ".", None))
    return steps


def _measurement_section(claim: Claim, m: Measurement | None, error: str = "") -> str:
    lines = ["\\section*{Numerical confirmation}\n"]
    lines.append(
        "Check route: "
        + escape(claim.check.kind)
        + "; tolerance: "
        + escape(claim.check.tolerance_text())
        + ". Why the tolerance holds: "
        + escape(claim.tolerance_why)
        + "\n\n"
    )
    if m is None:
        lines.append("The check raised an error: \\texttt{" + escape(error) + "}.\n")
        return "".join(lines)
    margin = (
        "exact agreement"
        if m.margin_unit == "digits" and math.isinf(m.margin)
        else escape(m.margin_text())
    )
    lines.append("\\begin{center}\\begin{tabular}{ll}\n")
    lines.append("expected & \\texttt{" + escape(m.expected) + "}\\\\\n")
    lines.append("measured & \\texttt{" + escape(m.measured) + "}\\\\\n")
    lines.append("agreement & " + margin + "\\\\\n")
    lines.append("result & " + ("passed" if m.passed else "not passed") + "\\\\\n")
    lines.append("\\end{tabular}\\end{center}\n")
    if m.details:
        lines.append("Details: " + escape(m.details) + ".\n")
    return "".join(lines)


def derive(claim: Claim | str, *, run_check: bool = True) -> str:
    """A self-contained LaTeX document deriving ``claim`` step by step.

    Parameters
    ----------
    claim : Claim or str
        The claim or its id (looked up in the ``proofs`` package).
    run_check : bool
        Run the check and include the numerical confirmation with its digits.

    Returns
    -------
    str
        A complete ``article`` document (compile with ``pdflatex``).
    """
    if isinstance(claim, str):
        from .registry import claim_by_id

        claim = claim_by_id(claim)
    parts = [_PREAMBLE]
    parts.append("\\title{" + escape(claim.id) + "}\n\\author{asymptote derive}\n\\date{}\n")
    parts.append("\\begin{document}\n\\maketitle\n")
    parts.append(
        "\\noindent\\textbf{Source.} "
        + escape(REFERENCES.get(claim.source, claim.source))
        + " "
        + escape(claim.location)
        + ".\n\n"
    )
    parts.append("\\noindent\\textbf{Claim.} " + escape(claim.statement) + "\n\n")
    if claim.status == "discrepancy":
        parts.append(
            "\\noindent\\textbf{Recorded discrepancy.} "
            + escape(claim.note)
            + " Evidence: "
            + escape(claim.evidence)
            + "\n\n"
        )
    parts.append("\\section*{Derivation}\n")
    for number, (text, expr) in enumerate(derivation_steps(claim), 1):
        parts.append("\\paragraph{Step " + str(number) + ".} " + escape(text) + "\n")
        parts.append(_equation(expr))
    if run_check:
        try:
            measurement: Measurement | None = claim.measure()
            error = ""
        except Exception as exc:  # shown in the document, not hidden
            measurement, error = None, f"{type(exc).__name__}: {exc}"
        parts.append(_measurement_section(claim, measurement, error))
    parts.append("\\end{document}\n")
    return "".join(parts)


def report(results: Sequence[Any], *, title: str = "asymptote verify: claims report") -> str:
    """The verification report (a :class:`~asymptote.claims.runner.Result` list) as LaTeX."""
    from .runner import summary

    parts = [_PREAMBLE, "\\usepackage{longtable}\n"]
    parts.append("\\title{" + escape(title) + "}\n\\date{}\n\\begin{document}\n\\maketitle\n")
    parts.append(escape(summary(results)).replace("\n", "\n\n") + "\n\n")
    parts.append("{\\small\\begin{longtable}{p{5.2cm}p{2.1cm}p{2.6cm}p{2.6cm}p{1.5cm}p{1.9cm}}\n")
    parts.append("id & check & expected & measured & margin & outcome\\\\\\hline\\endhead\n")
    for r in results:
        row = r.row()
        cells = [
            "\\texttt{" + escape(row["id"]) + "}",
            escape(row["check"]),
            "\\texttt{" + escape(row["expected"]) + "}",
            "\\texttt{" + escape(row["measured"] if row["measured"] is not None else "-") + "}",
            escape(row["margin_text"] or "-"),
            escape(row["outcome"]),
        ]
        parts.append(" & ".join(cells) + "\\\\\n")
    parts.append("\\end{longtable}}\n\\section*{Statements}\n\\begin{description}\n")
    for r in results:
        c = r.claim
        parts.append(
            "\\item[\\texttt{"
            + escape(c.id)
            + "}] ["
            + escape(c.source)
            + ", "
            + escape(c.location)
            + "] "
            + escape(c.statement)
            + " Tolerance: "
            + escape(c.check.tolerance_text())
            + "; "
            + escape(c.tolerance_why)
            + "\n"
        )
        if c.status == "discrepancy":
            parts.append(
                "\\textbf{Discrepancy.} " + escape(c.note) + " " + escape(c.evidence) + "\n"
            )
    parts.append("\\end{description}\n\\end{document}\n")
    return "".join(parts)


def _document_title(tex: str) -> str:
    """The ``\title{...}`` of a document, unescaped (the claim id for :func:`derive`), or ``""``."""
    match = re.search(r"\\title\{((?:[^{}]|\{\})*)\}", tex)
    if match is None:
        return ""
    return _UNESCAPE_PATTERN.sub(lambda m: _UNESCAPE[m.group(0)], match.group(1)).strip()


def _first_error(log: str) -> str:
    """First LaTeX error of a log on one line: the ``! ...`` line and its ``l.N`` location."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("!"):
            where = next(
                (ln.strip() for ln in lines[i + 1 : i + 12] if re.match(r"l\.\d+", ln)), ""
            )
            return " ".join(f"{line.strip()} {where}".split())
    return ""


def compile_pdf(
    tex: str, pdf_path: str | Path, *, timeout: float = 120, name: str | None = None
) -> Path:
    """Compile ``tex`` with ``pdflatex`` (run twice) into ``pdf_path``.

    pdflatex runs in a temporary directory; the finished PDF is moved into place atomically,
    so a failed compilation never leaves a partial file and keeps an existing ``pdf_path``.

    Parameters
    ----------
    tex : str
        A complete LaTeX document (:func:`derive`, :func:`report`).
    pdf_path : str or path-like
        Where the PDF goes (its directory is created if missing).
    timeout : float, optional
        Seconds allowed for each pdflatex run.
    name : str, optional
        What the document is, for error messages (default: its ``\title``, e.g. the claim id).

    Raises
    ------
    FileNotFoundError
        ``pdflatex`` is not on PATH (the message names the packages to install).
    RuntimeError
        LaTeX reported an error or timed out; the one-line message names the document and the
        target file and carries the first error line of the LaTeX log.
    """
    exe = shutil.which("pdflatex")
    if exe is None:
        raise FileNotFoundError(
            "pdflatex not found: install a TeX distribution, e.g. "
            "apt-get install texlive-latex-base texlive-latex-recommended "
            "(or TinyTeX / MiKTeX), or write the .tex with -o and compile it elsewhere"
        )
    pdf_path = Path(pdf_path)
    label = name if name is not None else _document_title(tex)
    what = f"{label!r} ({pdf_path})" if label else str(pdf_path)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "doc.tex"
        src.write_text(tex, encoding="utf-8")
        for _ in range(2):
            try:
                proc = subprocess.run(
                    [exe, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                    cwd=tmp,
                    capture_output=True,
                    text=True,
                    timeout=timeout,
                )
            except subprocess.TimeoutExpired:
                raise RuntimeError(
                    f"pdflatex failed for {what}: no result after {timeout:g} s"
                ) from None
            if proc.returncode != 0:
                log_file = Path(tmp) / "doc.log"
                log = log_file.read_text(errors="replace") if log_file.exists() else ""
                detail = _first_error(log) or _first_error(proc.stdout)
                if not detail:
                    tail = [ln.strip() for ln in (proc.stdout + proc.stderr).splitlines()]
                    tail = [ln for ln in tail if ln]
                    detail = f"exit status {proc.returncode}" + (
                        f", last output: {tail[-1][:200]}" if tail else ""
                    )
                raise RuntimeError(f"pdflatex failed for {what}: {detail}")
        result = Path(tmp) / "doc.pdf"
        if not result.is_file():
            raise RuntimeError(f"pdflatex failed for {what}: it wrote no PDF")
        pdf_path.parent.mkdir(parents=True, exist_ok=True)
        with result.open("rb") as source:
            atomic_write(pdf_path, lambda handle: shutil.copyfileobj(source, handle))
    return pdf_path
