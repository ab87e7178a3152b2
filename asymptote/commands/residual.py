"""``asymptote exponents``, ``asymptote iterate`` and ``asymptote recurrence`` (issue 3)."""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np
import sympy

from .._io import atomic_write
from .._precision import to_float
from .._validate import architecture_sigmas, standard_deviation
from ._common import (
    activation_args,
    add_dps,
    add_int,
    add_number,
    add_output,
    bound_activation,
    fmt,
)

__all__ = ["register"]


def _arch_args(p: argparse.ArgumentParser, *, sigmas: bool = True, dps_default: int | None = None) -> None:
    from ..recurrences.catalog import ARCHITECTURES

    p.add_argument("--arch", required=True, choices=sorted(ARCHITECTURES))
    activation_args(p, dps=False, json_flag=False)
    if sigmas:
        add_number(p, "--sigma-w", minimum=0, required=True, help="weight standard deviation")
        add_number(p, "--sigma-b", minimum=0, required=True, help="bias standard deviation")
        add_number(p, "--sigma-v", minimum=0, help="FRN output-weight standard deviation")
        add_number(p, "--sigma-a", minimum=0, help="FRN output-bias standard deviation")
        add_number(p, "--e0", minimum=0, default="0.5",
                   help="cosine distance 1 - c of the two inputs, in [0, 2] (default 0.5)")  # fmt: skip
        add_number(p, "--p0", positive=True, default="1", help="input length ||x||^2/N (default 1)")
        add_number(p, "--m0", default="0", help="mean of the input coordinates (default 0)")
    p.add_argument("--json", action="store_true", help="print a JSON object")


def _sigmas(args: argparse.Namespace) -> dict[str, Any]:
    """The standard deviations ``--arch`` declares, as given (text)."""
    return architecture_sigmas(
        args.arch, option=True, sigma_w=args.sigma_w, sigma_b=args.sigma_b,
        sigma_v=args.sigma_v, sigma_a=args.sigma_a,
    )  # fmt: skip


def _floats(args: argparse.Namespace) -> dict[str, Any]:
    """The float64 arguments of :func:`~asymptote.recurrences.iterate.iterate`."""
    out: dict[str, Any] = {
        name: standard_deviation(value, "--" + name.replace("_", "-"))
        for name, value in _sigmas(args).items()
    }
    for name in ("p0", "e0", "m0"):
        out[name] = to_float(getattr(args, name), f"--{name}")
    if out["e0"] > 2:
        raise ValueError(f"--e0 is a cosine distance 1 - c and must lie in [0, 2], got {args.e0}")
    return out


def _cmd_exponents(args: argparse.Namespace) -> None:
    from ..asymptotics import leading_laws
    from ..asymptotics.fits import fit, fit_doubly_exponential
    from ..recurrences.iterate import iterate

    act = bound_activation(args)
    laws = leading_laws(args.arch, act, dps=args.dps, **_sigmas(args))
    nums = _floats(args)
    traj = None
    doubly = any(law.law == "doubly_exponential" for law in laws.values())
    if args.depth and args.depth < 100 and not doubly:
        raise ValueError(f"--depth must be >= 100 for a fit, got {args.depth}")
    mp_run: dict[str, Any] | None = None
    if args.depth and doubly:
        # log log p ~ l log k: float64 overflows within tens of layers, so the fit uses the
        # mpmath iteration (unbounded exponents) for at most 40 layers
        mp_run = iterate(args.arch, act, depth=min(args.depth, 40), dps=20, **nums)
    elif args.depth:
        traj = iterate(args.arch, act, depth=args.depth, **nums)
    result: dict[str, Any] = {}
    for name, law in laws.items():
        value = law.value(dps=args.dps)
        entry: dict[str, Any] = {
            "law": law.law,
            "exponent": None if law.exponent is None else str(law.exponent),
            "value": None if value is None else fmt(value, args.dps),
        }
        if law.log_power != 0:
            entry["log_power"] = str(law.log_power)
        if law.limit is not None:
            lim = law.value(law.limit, dps=args.dps)
            entry["limit"] = str(law.limit)
            entry["limit_value"] = None if lim is None else fmt(lim, args.dps)
        if law.note:
            entry["note"] = law.note
        entry["fitted"] = None
        if mp_run is not None and law.law == "doubly_exponential":
            series = _mp_log_series(mp_run, name)
            if series is not None:
                entry["fitted"] = repr(fit_doubly_exponential(series))
        elif traj is not None and law.law not in ("divergent", "unknown", "zero",
                                                  "doubly_exponential"):
            result_fit = fit(law, traj)
            entry["fitted"] = repr(result_fit.fitted)
            entry["fit_uncertainty"] = repr(result_fit.uncertainty)
            entry["digits"] = None if result_fit.digits is None else round(result_fit.digits, 2)
        result[name] = entry
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for name, e in result.items():
        digits = f" ({e['digits']} digits)" if e.get("digits") is not None else ""
        fitted = "" if e["fitted"] is None else f"  fitted {float(e['fitted']):.10g}{digits}"
        reason = f"  ({e['note']})" if e["law"] in ("unknown", "divergent") and "note" in e else ""
        print(f"{name:>7}: {e['law']:<24} {e['exponent'] or '-'} = {e['value'] or '-'}"
              f"{fitted}{reason}")


def _mp_log_series(run: dict[str, Any], name: str) -> list[Any] | None:
    """log p, log q, log s or log chi of an mpmath iteration (``None`` for the others)."""
    import mpmath

    if name == "chi":
        return list(run["log_chi"])
    if name in ("p", "q"):
        return [mpmath.log(x) for x in run[name]]
    if name == "s":
        return [mpmath.log(2 * (pl - g)) for pl, g in zip(run["p"], run["gamma"], strict=True)]
    return None


def _cmd_iterate(args: argparse.Namespace) -> None:
    from ..asymptotics import leading_laws
    from ..recurrences.iterate import iterate

    act = bound_activation(args)
    traj = iterate(args.arch, act, depth=args.depth, progress=True, **_floats(args))
    arrays: dict[str, Any] = {
        "layers": traj.layers, "log_p": traj.log_p, "log_q": traj.log_q,
        "one_minus_e": traj.one_minus_e, "mean_ratio": traj.mean_ratio,
        "log_chi": traj.log_chi,
    }
    for name, values in traj.log_multipliers.items():
        arrays[f"log_multiplier_{name}"] = values
    if args.out:
        atomic_write(args.out, lambda handle: np.savez_compressed(handle, **arrays))
    if args.plot:
        from ..plotting_residual import plot_trajectory

        laws = leading_laws(args.arch, act, **_sigmas(args))
        plot_trajectory(traj, laws, args.plot)
    summary = {
        "depth": args.depth,
        "log_p": fmt(float(traj.log_p[-1]), None),
        "one_minus_e": fmt(float(traj.one_minus_e[-1]), None),
        "log_chi": fmt(float(traj.log_chi[-1]), None),
        "out": args.out,
        "plot": args.plot,
    }
    print(json.dumps(summary, indent=2) if args.json else "\n".join(f"{k}: {v}" for k, v in summary.items()))


def _cmd_recurrence(args: argparse.Namespace) -> None:
    from ..recurrences import recurrence

    rec = recurrence(args.arch)
    act = bound_activation(args)
    body = rec.latex()
    if args.latex:
        print(r"% " + rec.architecture.title + ": " + rec.architecture.latex_definition)
        print(r"% activation: " + repr(act) + "; assumptions: " + "; ".join(rec.architecture.assumptions))
        print("\\begin{align*}\n" + body + "\n\\end{align*}")
        return
    out = {
        "architecture": rec.architecture.title,
        "definition": rec.architecture.latex_definition,
        "pre": {str(k): str(v) for k, v in rec.pre.items()},
        "state": {str(k): str(v) for k, v in rec.state.items()},
        "gradient_factor": str(rec.gradient_factor),
        "parameter_gradients": {k: str(v) for k, v in rec.parameter_gradients.items()},
    }
    print(json.dumps(out, indent=2) if args.json else sympy.pretty(rec.state))


def register(sub: Any) -> None:
    """Add ``exponents``, ``iterate`` and ``recurrence`` to the ``asymptote`` CLI."""
    p = sub.add_parser("exponents", help="leading depth laws (exact) and fitted exponents")
    _arch_args(p)
    add_int(p, "--depth", minimum=0, limit="depth", default=0,
            help="iterate this deep and fit (>= 100, or any depth for doubly exponential "
                 "laws, fitted on <= 40 layers at 20 digits; 0: laws only)")  # fmt: skip
    add_dps(p, default=20, help="digits of the exact values (default 20)")
    p.set_defaults(func=_cmd_exponents)

    p = sub.add_parser("iterate", help="iterate the mean-field recurrence to depth L")
    _arch_args(p)
    add_int(p, "--depth", minimum=1, limit="depth", required=True, help="number of layers")
    add_output(p, "--out", suffixes=(".npz",), help="save trajectories to FILE.npz")
    add_output(p, "--plot", suffixes=(".png", ".pdf", ".svg"),
               help="draw log-log trajectories with the symbolic laws to FILE.png")  # fmt: skip
    p.set_defaults(func=_cmd_iterate)

    p = sub.add_parser("recurrence", help="print the derived mean-field recurrences")
    _arch_args(p, sigmas=False)
    p.add_argument("--latex", action="store_true", help="LaTeX align* environment")
    p.set_defaults(func=_cmd_recurrence)
