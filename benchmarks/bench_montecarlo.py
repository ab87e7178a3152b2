"""Benchmark: Monte Carlo of random networks (asymptote.finite_width.montecarlo.simulate).

Run: ``python benchmarks/bench_montecarlo.py [--width 1000] [--depth 100] [--samples 20]
[--repeats 3] [--full]``.

Prints the median wall time over ``repeats`` and the throughput in networks * layers *
width^2 per second (the work an explicit network would do: one width x width matmul per
layer), for the default ``'conditional'`` sampler (O(width) random numbers per layer) and,
at a smaller size, the ``'explicit'`` one (every weight matrix drawn). The time for width
1000, depth 1000, 100 networks is extrapolated linearly in networks * layers from the
measured size (``--full`` runs it for real).
"""

from __future__ import annotations

import argparse
import statistics
import time

from asymptote.finite_width.montecarlo import simulate


def timed(repeats: int, **kw: object) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        simulate(**kw)  # type: ignore[arg-type]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--width", type=int, default=1000)
    ap.add_argument("--depth", type=int, default=100)
    ap.add_argument("--samples", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--full", action="store_true", help="also run width 1000, depth 1000, 100 nets")
    args = ap.parse_args()
    for arch, sw, extra in (("feedforward", 2**0.5, {}), ("frn", 1.0, {"sigma_v": 0.1})):
        t = timed(
            args.repeats,
            arch=arch,
            activation="relu",
            width=args.width,
            depth=args.depth,
            sigma_w=sw,
            sigma_b=0.0,
            samples=args.samples,
            **extra,
        )
        work = args.samples * args.depth * args.width**2
        print(
            f"{arch:12s} conditional  N={args.width} L={args.depth} nets={args.samples}: "
            f"median {t:.2f} s, {work / t:.3g} nets*layers*N^2/s, "
            f"extrapolated N=1000 L=1000 100 nets: {t * 100 * 1000 / (args.samples * args.depth) * (1000 / args.width):.0f} s"
        )
    small = dict(activation="relu", width=200, depth=20, sigma_w=2**0.5, sigma_b=0.0, samples=10)
    te = timed(args.repeats, arch="feedforward", method="explicit", **small)
    tc = timed(args.repeats, arch="feedforward", method="conditional", **small)
    work = 10 * 20 * 200**2
    print(
        f"feedforward  explicit     N=200 L=20 nets=10: median {te:.3f} s ({work / te:.3g}/s); "
        f"conditional {tc:.3f} s ({work / tc:.3g}/s); ratio explicit/conditional {te / tc:.1f}"
    )
    if args.full:
        start = time.perf_counter()
        simulate(
            "feedforward", "relu", 2**0.5, 0.0, width=1000, depth=1000, samples=100, progress=True
        )
        print(f"full run N=1000 L=1000 100 nets: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
