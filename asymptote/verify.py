"""``asymptote verify``: check the foundation's claims against independent routes.

Each check compares a result of the library with a reference that does not share its
code path: published neural-tangents numbers, high-precision quadrature of a closed form,
Price's theorem by numerical differentiation, or the defining equation of a fixed point.
The run prints one row per check (id, measured, expected, margin) and fails (exit 1) if any
check misses its tolerance.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import mpmath

from ._precision import workdps

__all__ = ["Check", "checks", "run_checks"]

#: neural-tangents 0.6.5 (float64) values, confirmed by an independent mpmath recursion:
#: sigma_w = 1.5, sigma_b = 0.1, x1 = (1, 0), x2 = (0.6, 0.8), depth 10 (issue #2).
NEURAL_TANGENTS_DEPTH10 = {
    "relu": {
        "nngp11": "3.865495045944117033",
        "nngp12": "3.517615928876390246",
        "ntk11": "41.70237436704803275",
        "ntk12": "16.92462888517441356",
    },
    "erf": {
        "nngp11": "1.093178279388191909",
        "nngp12": "0.339285426205482955",
        "ntk11": "43.16121407229329998",
        "ntk12": "3.823251015739241296",
    },
}


@dataclass(frozen=True)
class Check:
    """One verifiable claim: ``run(dps)`` returns ``(measured, expected, tolerance)``."""

    id: str
    source: str
    run: Callable[[int], tuple[Any, Any, Any]]


def _nt_checks() -> Iterator[Check]:
    from .kernels import nngp_ntk

    for name, values in NEURAL_TANGENTS_DEPTH10.items():
        for key, expected in values.items():

            def run(dps: int, name: str = name, key: str = key, expected: str = expected) -> Any:
                pair = nngp_ntk(name, "1.5", "0.1", [["1", "0"], ["0.6", "0.8"]], depth=10, dps=dps)
                mat = pair.nngp if key.startswith("nngp") else pair.ntk
                i, j = int(key[-2]) - 1, int(key[-1]) - 1
                # the reference carries 19 digits and was computed from float64 inputs
                return (
                    mat[i, j],
                    mpmath.mpf(expected),
                    mpmath.mpf("1e-15") * abs(mpmath.mpf(expected)),
                )

            yield Check(
                f"NT20/{name}/depth10/{key}", "neural-tangents 0.6.5 float64 (issue #2)", run
            )


def _closed_form_checks() -> Iterator[Check]:
    from .activations import activation
    from .numeric.gaussian_mp import expect_1d_mp, expect_2d_homogeneous_mp, expect_2d_mp
    from .transforms import transform

    cases = [
        ("relu", {}),
        ("abs", {}),
        ("leaky_relu", {}),
        ("alpha_relu", {"alpha": "0.7"}),
        ("alpha_relu", {"alpha": "2"}),
        ("erf", {}),
        ("sin", {}),
    ]
    for name, params in cases:
        act = activation(name, **params)
        for key in ("V", "Vd", "W", "Wd"):
            if not act.closed_form_valid(key) or act.undefined_reason(key):
                continue

            def run(dps: int, act: Any = act, key: str = key) -> Any:
                q1, q2, q12 = mpmath.mpf("0.8"), mpmath.mpf("1.7"), mpmath.mpf("0.55")
                f = act.phi_mp if key in ("V", "W") else act.dphi_mp
                measured = (
                    transform(key, act, q1, dps=dps)
                    if key in ("V", "Vd")
                    else transform(key, act, q1, q2, q12, dps=dps)
                )
                # 2-D quadrature of smooth integrands costs seconds per digit: <= 20 digits;
                # homogeneous activations use the 1-D angular route at full precision
                degree = act.homogeneity_degree_exact
                ref_dps = dps if key in ("V", "Vd") or degree is not None else min(dps, 20)
                with workdps(ref_dps):
                    if key in ("V", "Vd"):
                        ref = expect_1d_mp(lambda u: f(u) ** 2, q1, kinks=act.kinks)
                    elif degree is not None:
                        k = mpmath.mpf(degree) - (1 if key == "Wd" else 0)
                        ref = expect_2d_homogeneous_mp(f, f, k, q1, q2, q12)
                    else:
                        ref = expect_2d_mp(f, f, q1, q2, q12)
                return measured, ref, mpmath.mpf(10) ** (5 - ref_dps) * max(1, abs(ref))

            label = act.label + "".join(f"({k}={v})" for k, v in params.items())
            source = (
                act.spec.symbolic_forms[key][1] if key in act.spec.symbolic_forms else "closed form"
            )
            yield Check(f"closed-form/{label}/{key}", source, run)


def _price_checks() -> Iterator[Check]:
    from .activations import activation
    from .transforms import transform

    for name, params in (("relu", {}), ("erf", {}), ("sin", {}), ("alpha_relu", {"alpha": "0.7"})):
        act = activation(name, **params)

        def run(dps: int, act: Any = act) -> Any:
            q1, q2, q12 = mpmath.mpf("0.9"), mpmath.mpf("1.3"), mpmath.mpf("0.4")
            measured = transform("Wd", act, q1, q2, q12, dps=dps)
            # 4th-order central difference: truncation ~h^4, rounding ~10^-(2 dps)/h.
            with workdps(2 * dps + 10):
                h = mpmath.mpf(10) ** (-(dps // 4 + 3))

                def w(t: Any) -> Any:
                    return transform("W", act, q1, q2, t, dps=2 * dps + 10)

                ref = (8 * (w(q12 + h) - w(q12 - h)) - (w(q12 + 2 * h) - w(q12 - 2 * h))) / (12 * h)
            return measured, ref, mpmath.mpf(10) ** (5 - dps)

        yield Check(f"price/{act.label}/Wd=dW/dq12", "P58", run)


def _fixed_point_checks() -> Iterator[Check]:
    from .feedforward import mean_field
    from .transforms import transform

    for name, sw, sb in (("tanh", "1.3", "0.3"), ("erf", "2", "0.1"), ("gelu", "1.5", "0.2")):

        def run(dps: int, name: str = name, sw: str = sw, sb: str = sb) -> Any:
            point = mean_field(name, sw, sb, dps=dps)
            with workdps(dps):
                q = point.q_star
                image = (
                    mpmath.mpf(sw) ** 2 * transform("V", name, q, dps=dps + 10)
                    + mpmath.mpf(sb) ** 2
                )
            return q, image, mpmath.mpf(10) ** (3 - dps) * q

        yield Check(f"fixed-point/{name}/q*=length_map(q*)", "PLRSG16 eq. (4)", run)


def checks() -> list[Check]:
    """Every check of the foundation, in run order."""
    return [*_nt_checks(), *_closed_form_checks(), *_price_checks(), *_fixed_point_checks()]


def run_checks(*, dps: int = 30, as_json: bool = False, stream: Any = None) -> bool:
    """Run :func:`checks` at ``dps`` digits; print a table (or JSON); return success."""
    out = stream or sys.stdout
    rows = []
    all_checks = checks()
    ok = True
    for index, check in enumerate(all_checks, 1):
        start = time.perf_counter()
        try:
            measured, expected, tol = check.run(dps)
            with workdps(dps):
                margin = abs(measured - expected)
                passed = bool(margin <= tol)
            row = {
                "id": check.id,
                "source": check.source,
                "measured": mpmath.nstr(measured, dps),
                "expected": mpmath.nstr(expected, dps),
                "margin": mpmath.nstr(margin, 3),
                "tolerance": mpmath.nstr(tol, 3),
                "status": "verified" if passed else "FAILED",
            }
        except Exception as exc:  # a crashing check is a failed check, reported as such
            passed = False
            row = {"id": check.id, "source": check.source, "status": "ERROR", "error": repr(exc)}
        row["seconds"] = f"{time.perf_counter() - start:.2f}"
        ok &= passed
        rows.append(row)
        if not as_json:
            status = row["status"]
            detail = f"margin {row.get('margin', '-')} <= {row.get('tolerance', '-')}"
            if status == "ERROR":
                detail = row["error"]
            print(
                f"[{index:>2}/{len(all_checks)}] {status:<8} {check.id:<45} {detail}",
                file=out,
                flush=True,
            )
    if as_json:
        print(json.dumps({"dps": dps, "passed": ok, "checks": rows}, indent=2), file=out)
    else:
        n_ok = sum(r["status"] == "verified" for r in rows)
        print(f"{n_ok} of {len(rows)} checks verified at {dps} digits", file=out)
    return ok
