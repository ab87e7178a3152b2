"""Subcommands ``verify``, ``derive`` and ``phase``.

``asymptote verify [--source ID] [--quick] [--json [FILE]] [--report FILE.tex]
[--markdown FILE.md] [--figures DIR] [--list] [--jobs N]`` runs the claims of the ``proofs``
package (in ``N`` processes, default one per CPU; a progress bar on stderr when it is a
terminal);
``asymptote derive ID [-o FILE.tex] [--pdf]`` writes a claim's LaTeX derivation;
``asymptote phase --activation NAME [--sigma-w-range a,b] [--sigma-b-range a,b] --out FILE``
draws a feedforward phase diagram.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

from .._io import atomic_write_text, check_output_path
from .._precision import to_float
from ._common import activation_args, add_int, add_output, parse_number_list

__all__ = ["add_verify_parser", "register"]


def _range(text: str, name: str) -> tuple[float, float]:
    parts = parse_number_list(text, name)
    if len(parts) != 2:
        raise ValueError(f"{name} must look like a,b (two numbers), got {text[:60]!r}")
    a, b = (to_float(p, name) for p in parts)
    if not a < b:
        raise ValueError(f"{name} must be a,b with finite a < b, got {text[:60]!r}")
    return a, b


def _slug(claim_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", claim_id).strip("_")


def _claims_or_error() -> list[Any]:
    from ..claims import ProofsUnavailableError, all_claims

    try:
        return all_claims()
    except ProofsUnavailableError as exc:
        raise ValueError(str(exc)) from None


def _cmd_verify(args: argparse.Namespace) -> None:
    from ..claims import markdown_report, results_json, run_claims, select, summary, table
    from ..claims.coverage import coverage, coverage_markdown, coverage_summary, covers_inventory

    claims = select(_claims_or_error(), source=args.source, quick=args.quick)
    if not claims:
        raise ValueError(
            f"no claim selected by --source {args.source!r}"
            + (" with --quick" if args.quick else "")
            + "; see asymptote verify --list"
        )
    if args.list:
        for claim in claims:
            print(f"{claim.id:<60} {claim.check.kind:<26} {'quick' if claim.quick else 'full'}")
        return
    from ..claims.runner import default_jobs

    start = time.perf_counter()
    results = run_claims(claims, jobs=args.jobs or default_jobs())
    seconds = time.perf_counter() - start
    # the seed coverage needs every claim the inventory names: only a full run reports it
    full = args.source is None and not args.quick and covers_inventory(results)
    rows = coverage(results) if full else None
    payload = results_json(results, seconds)
    if rows is not None:
        payload["coverage"] = {
            "summary": coverage_summary(rows),
            "statements": [
                {"key": r.statement.key, "outcome": r.outcome, "claims": list(r.statement.claims)}
                for r in rows
            ],
        }
    if args.json == "-":
        print(json.dumps(payload, indent=2))
    else:
        print(table(results))
        print(summary(results, seconds))
        if rows is not None:
            print(coverage_summary(rows))
        if args.json:
            atomic_write_text(args.json, json.dumps(payload, indent=2) + "\n")
    if args.markdown:
        text = markdown_report(results, seconds)
        if rows is not None:
            text += "\n" + coverage_markdown(rows)
        atomic_write_text(args.markdown, text)
    if args.report:
        from ..claims.latex import report

        atomic_write_text(args.report, report(results))
    if args.figures:
        _figures(results, Path(args.figures))
    if not all(r.ok for r in results):
        raise SystemExit(1)


def _figures(results: list[Any], folder: Path) -> None:
    from ..claims import ExponentFit, evaluate_expected
    from ..plotting import exponent_fit_figure, phase_diagram

    folder.mkdir(parents=True, exist_ok=True)
    written = [
        phase_diagram("tanh", folder / "phase_tanh.png"),
        phase_diagram("erf", folder / "phase_erf.png"),
    ]
    import mpmath

    for r in results:
        check = r.claim.check
        if not isinstance(check, ExponentFit) or r.measurement is None:
            continue
        _, _, depths, values = check.fit()
        with mpmath.workdps(20):
            slope = float(evaluate_expected(r.claim.expected, 20))
        written.append(
            exponent_fit_figure(
                depths,
                values,
                slope,
                folder / f"{_slug(r.claim.id)}.png",
                law=check.law,
                window=check.window,
                title=r.claim.id,
            )
        )
    print(f"figures: {len(written)} written to {folder}", file=sys.stderr)


def add_verify_parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``verify`` to the subparsers ``sub`` (called by :mod:`asymptote.cli`)."""
    p = sub.add_parser("verify", help="check the seed papers' claims (the proofs package)")
    p.add_argument("--source", help="only claims of this citation key, id prefix or proofs module")
    p.add_argument("--quick", action="store_true", help="the quick subset (under a minute)")
    add_output(
        p,
        "--json",
        suffixes=(".json",),
        nargs="?",
        const="-",
        metavar="FILE",
        help="write the results as JSON to FILE (no FILE: print JSON instead of the table)",
    )
    add_output(p, "--report", suffixes=(".tex",), metavar="FILE.tex", help="write a LaTeX report")
    add_output(p, "--markdown", suffixes=(".md",), metavar="FILE.md",
               help="write the Markdown claims report")  # fmt: skip
    add_output(p, "--figures", directory=True, metavar="DIR",
               help="write phase diagrams and exponent-fit plots")  # fmt: skip
    p.add_argument("--list", action="store_true", help="list the selected claims, run nothing")
    add_int(p, "--jobs", minimum=1, metavar="N",
            help="worker processes (default: the number of CPUs); the output order is the "
            "claims' order whatever N is")  # fmt: skip
    p.set_defaults(func=_cmd_verify)
    return p


def _derive_targets(args: argparse.Namespace) -> tuple[Path | None, Path | None]:
    """Where ``derive`` writes: (.tex or None for stdout, .pdf or None), checked up front.

    ``-o F.tex`` writes the source; with ``--pdf`` also ``F.pdf``. ``-o F.pdf --pdf`` writes the
    PDF only. Without ``-o``, ``--pdf`` writes ``<claim id>.pdf`` in the current directory.
    """
    force = bool(args.force)
    output = args.output
    if output is None:
        if not args.pdf:
            return None, None
        return None, check_output_path(f"{_slug(args.claim_id)}.pdf", "--pdf", force=force)
    suffix = Path(output).suffix.lower()
    if suffix == ".pdf":
        if not args.pdf:
            raise ValueError(f"-o {output!r} names a PDF: add --pdf, or give a .tex file name")
        return None, check_output_path(output, "-o", suffixes=(".pdf",), force=force)
    tex = check_output_path(output, "-o", suffixes=(".tex",), force=force)
    if not args.pdf:
        return tex, None
    return tex, check_output_path(tex.with_suffix(".pdf"), "--pdf", force=force)


def _cmd_derive(args: argparse.Namespace) -> None:
    from ..claims import ProofsUnavailableError
    from ..claims.latex import compile_pdf, derive

    tex_path, pdf_path = _derive_targets(args)
    try:
        tex = derive(args.claim_id)
    except ProofsUnavailableError as exc:
        raise ValueError(str(exc)) from None
    if pdf_path is not None:
        try:
            compile_pdf(tex, pdf_path)
        except FileNotFoundError as exc:
            raise ValueError(str(exc)) from None
        print(f"wrote {pdf_path}", file=sys.stderr)
    if tex_path is not None:
        atomic_write_text(tex_path, tex)
        print(f"wrote {tex_path}", file=sys.stderr)
    elif pdf_path is None:
        sys.stdout.write(tex)


def _cmd_phase(args: argparse.Namespace) -> None:
    from ..plotting import phase_diagram
    from ._common import bound_activation

    act = bound_activation(args)
    out = phase_diagram(
        act,
        args.out,
        sigma_w_range=_range(args.sigma_w_range, "--sigma-w-range"),
        sigma_b_range=_range(args.sigma_b_range, "--sigma-b-range"),
    )
    print(f"wrote {out}", file=sys.stderr)


def register(sub: Any) -> None:
    """Add ``derive`` and ``phase`` (``verify`` is added by :func:`add_verify_parser`)."""
    p = sub.add_parser("derive", help="LaTeX derivation of one claim (asymptote verify --list)")
    p.add_argument("claim_id", metavar="ID", help="claim id, e.g. PLRSG16/critical-line/relu")
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the .tex here (default stdout); with --pdf, FILE.tex and FILE.pdf, "
        "or only the PDF when FILE ends in .pdf",
    )
    p.add_argument("--pdf", action="store_true", help="compile it with pdflatex")
    p.add_argument("--force", action="store_true", help="replace existing output files")
    p.set_defaults(func=_cmd_derive)

    p = sub.add_parser("phase", help="order/chaos phase diagram of a feedforward activation")
    activation_args(p, dps=False, json_flag=False)
    p.add_argument("--sigma-w-range", default="0.5,3", help="a,b (default 0.5,3)")
    p.add_argument("--sigma-b-range", default="0,1", help="a,b (default 0,1)")
    add_output(p, "--out", suffixes=(".png", ".pdf", ".svg"), required=True,
               help="output image (PNG, PDF or SVG)")  # fmt: skip
    p.set_defaults(func=_cmd_phase)
