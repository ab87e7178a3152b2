"""Subcommands ``verify``, ``derive`` and ``phase``.

``asymptote verify [--source ID] [--quick] [--json [FILE]] [--report FILE.tex]
[--markdown FILE.md] [--figures DIR] [--list]`` runs the claims of the ``proofs`` package;
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

__all__ = ["add_verify_parser", "register"]


def _range(text: str, name: str) -> tuple[float, float]:
    parts = [p.strip() for p in text.split(",")]
    try:
        a, b = (float(p) for p in parts)
    except ValueError:
        raise ValueError(f"{name} must look like a,b (two numbers), got {text!r}") from None
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

    claims = select(_claims_or_error(), source=args.source, quick=args.quick)
    if args.list:
        for claim in claims:
            print(f"{claim.id:<60} {claim.check.kind:<26} {'quick' if claim.quick else 'full'}")
        return
    start = time.perf_counter()
    results = run_claims(claims)
    seconds = time.perf_counter() - start
    if args.json == "-":
        print(json.dumps(results_json(results, seconds), indent=2))
    else:
        print(table(results))
        print(summary(results, seconds))
        if args.json:
            Path(args.json).write_text(json.dumps(results_json(results, seconds), indent=2) + "\n")
    if args.markdown:
        Path(args.markdown).write_text(markdown_report(results, seconds))
    if args.report:
        from ..claims.latex import report

        Path(args.report).write_text(report(results))
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
    p.add_argument(
        "--json",
        nargs="?",
        const="-",
        metavar="FILE",
        help="write the results as JSON to FILE (no FILE: print JSON instead of the table)",
    )
    p.add_argument("--report", metavar="FILE.tex", help="write a LaTeX report")
    p.add_argument("--markdown", metavar="FILE.md", help="write the Markdown claims report")
    p.add_argument("--figures", metavar="DIR", help="write phase diagrams and exponent-fit plots")
    p.add_argument("--list", action="store_true", help="list the selected claims, run nothing")
    p.set_defaults(func=_cmd_verify)
    return p


def _cmd_derive(args: argparse.Namespace) -> None:
    from ..claims import ProofsUnavailableError
    from ..claims.latex import compile_pdf, derive

    try:
        tex = derive(args.claim_id)
    except ProofsUnavailableError as exc:
        raise ValueError(str(exc)) from None
    if args.pdf:
        target = Path(args.output or f"{_slug(args.claim_id)}.tex").with_suffix(".pdf")
        try:
            compile_pdf(tex, target)
        except FileNotFoundError as exc:
            raise ValueError(str(exc)) from None
        if args.output:
            Path(args.output).write_text(tex)
        print(f"wrote {target}", file=sys.stderr)
        return
    if args.output:
        Path(args.output).write_text(tex)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
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
        "-o", "--output", metavar="FILE.tex", help="write the .tex here (default stdout)"
    )
    p.add_argument("--pdf", action="store_true", help="also compile it with pdflatex")
    p.set_defaults(func=_cmd_derive)

    p = sub.add_parser("phase", help="order/chaos phase diagram of a feedforward activation")
    p.add_argument("--activation", required=True, help="registry name (asymptote activations)")
    p.add_argument("--alpha", help="alpha of alpha_relu (> -1/2)")
    p.add_argument("--a", help="positive-side slope of ab_relu")
    p.add_argument("--b", help="negative-side slope of ab_relu / leaky_relu")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--sigma-w-range", default="0.5,3", help="a,b (default 0.5,3)")
    p.add_argument("--sigma-b-range", default="0,1", help="a,b (default 0,1)")
    p.add_argument("--out", required=True, help="output PNG file")
    p.set_defaults(func=_cmd_phase)
