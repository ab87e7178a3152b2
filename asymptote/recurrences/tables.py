r"""Tabulated Gaussian transforms of a smooth non-homogeneous activation, for the compiled
long-depth loop (:mod:`asymptote.recurrences.tabulated`).

On :math:`q \in [q_{\min}, q_{\max}]` (``Q_MIN``, ``Q_MAX``), with :math:`x = \log q`, piecewise
Chebyshev series hold :math:`\log\mathcal{V}\phi(q)`, :math:`\log\mathcal{V}\phi'(q)`,
:math:`\mathcal{M}\phi(q)` (1-D, in :math:`x`) and the *normalized gap*

.. math::

    H(q, \theta) = \frac{\mathcal{V}\phi(q) - \mathcal{W}\phi(q, q\cos\theta)}{q\,(1 - \cos\theta)},
    \qquad H(q, 0) = \mathcal{V}\phi'(q),

as :math:`\log H` on a tensor grid of panels in :math:`(x, \theta)`, graded towards
:math:`\theta = 0`. With :math:`\delta = 1 - c = 2\sin^2(\theta/2)` computed from the iteration's
:math:`1 - e` directly, the gap :math:`\mathcal{V}\phi - \mathcal{W}\phi = q\,\delta\,H` keeps
the table's *relative* accuracy however small :math:`\delta` is (the deep dynamics are driven by
small gaps).

**Construction (Mehler).** With the normalized Hermite coefficients
:math:`a_n(q) = E[\phi(\sqrt q z)\,He_n(z)]/\sqrt{n!}`, Mehler's formula (DLMF 18.18.28) gives
:math:`\mathcal{W}\phi(q, qc) = \sum_n a_n^2 c^n`, hence

.. math::

    H(q, \theta) = \frac1q \sum_{n \ge 1} a_n^2\, \frac{1 - c^n}{1 - c}, \qquad
    \mathcal{V}\phi(q) = \sum_n a_n^2, \qquad q\,\mathcal{V}\phi'(q) = \sum_n n\, a_n^2

(Price's theorem [P58] term by term), a sum of *nonnegative* terms for :math:`|c| \le 1`
(:math:`(1 - c^n)/(1 - c) = -\operatorname{expm1}(n \log(1 - \delta))/\delta` for
:math:`c \ge 0`): no cancellation at any :math:`\delta`. The :math:`a_n` come from the
trapezoidal rule in :math:`z` (geometric convergence for integrands analytic in a strip:
:math:`\phi(\sqrt q z)` is analytic in :math:`|\mathrm{Im}\,z| < d/\sqrt q`, :math:`d` the
activation's ``singularity_distance``) with :math:`He_n\varphi/\sqrt{n!}` from the
normalized three-term recurrence (DLMF 18.9.1), from samples of :math:`\phi'` by Stein's
identity (:func:`asymptote.numeric.mehler_gram.hermite_coefficients`, the builder the
float64 Gram matrices use too); the series is cut where :math:`\sum_{n > N} n a_n^2 <
10^{-17}\sum_n n a_n^2`.

**Measured errors** (attributes, set at build): ``mehler_error`` -- the largest relative
difference of :math:`\sum a_n^2` and :math:`\sum n a_n^2/q` from the independent float64
1-D transforms :math:`\mathcal{V}\phi, \mathcal{V}\phi'` (:func:`asymptote.transforms.transform`)
over the :math:`q` nodes (the series' worst case, :math:`c = 1`); ``interpolation_error`` --
the largest relative error of the Chebyshev tables at points halfway between nodes (cell
points :math:`\xi = \pm 1/2` in each variable) against the series / the 1-D transforms, by
quantity. The tests compare the table with mpmath at 30 digits off the grid. Below
:math:`q_{\min}` the table does not extrapolate: the compiled loop reports the layer where
:math:`q` left it and :func:`asymptote.recurrences.iterate.iterate` falls back to its
quadrature path.

**Large q** (:class:`TailTransforms`, :func:`tail_values`). Above :math:`q_{\max}` the
transforms follow from splitting :math:`\phi = L + \rho` into its large-scale limit
:math:`L` (:math:`\alpha + \beta\,\mathrm{sign}` for bounded activations, :math:`a\,
\mathrm{relu}` for GELU, SiLU, softplus) and a rest :math:`\rho` that decays fast. The limit
has closed-form kernels: the arcsine kernel :math:`\alpha^2 + \beta^2\frac2\pi\arcsin c`
[W97, eq. (11)] and the degree-one arc-cosine kernel [CS09, eq. (6)], whose gaps
:math:`\mathcal{V}L - \mathcal{W}L` are written without cancellation (:math:`\beta^2\,2\theta/
\pi`; an odd Taylor bracket); Price's theorem [P58] gives their :math:`\mathcal{V}L'`. The
cross terms :math:`E[L(y_1)\rho(y_2)]` are 1-D integrals by conditioning on :math:`y_2`, and
:math:`E[\rho(y_1)\rho(y_2)]` is an entire series in :math:`c = \cos\theta` of squared
moments of :math:`\rho` against :math:`e^{-y^2/(2\kappa^2)}`, :math:`\kappa = \sqrt q
\sin\theta`; its terms fall fast only for :math:`\kappa \ge \kappa_{\min}`, chosen at build
(the smallest of ``_KAPPA_CANDIDATES`` whose series at :math:`c = \pm1, 0` is below
``1e-18`` of its sum by term 40). Below :math:`\kappa_{\min}` (nearly aligned inputs at large
:math:`q`) the compiled loop hands the grid back to quadrature, as below the table. The
tail's errors against the float64 quadratures are measured at build
(``TailTransforms.errors``, ``tail_*`` in :attr:`TransformTable.errors`).

**Disk cache.** A build takes seconds (mostly the Hermite coefficients and the checks), so
:func:`transform_table` keeps tables in the process and in ``.npz`` files under
:func:`cache_dir` (``$ASYMPTOTE_CACHE_DIR``, ``off`` to disable; else
``$XDG_CACHE_HOME/asymptote`` or ``~/.cache/asymptote``), named by :func:`table_key`: a
SHA-256 of the activation's SymPy declaration and parameter values, the table format
``TABLE_FORMAT``, the package version and this module's source. The build-time errors are
stored and loaded with the coefficients. A file that is unreadable, truncated, of another key
or format, of the wrong shapes or not finite is rebuilt and replaced; files are written to a
temporary name in the same folder and renamed (:func:`os.replace`), so a reader never sees a
partial file; an unwritable folder only skips the store.
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..activations import BoundActivation
from ..numeric import mehler_gram
from ..numeric.mehler_gram import hermite_coefficients
from ..transforms import transform
from .bind import mean_transform
from .gap_tables import clenshaw

__all__ = ["Q_MAX", "Q_MIN", "TABLE_FORMAT", "TailTransforms", "TransformTable", "cache_dir",
           "load_or_build", "load_table", "save_table", "supports_table", "table_key",
           "tail_values", "transform_table"]

FloatArray = NDArray[np.float64]

#: the table's domain in q (variance of the pre-activation)
Q_MIN = 1e-4
Q_MAX = 64.0
#: Chebyshev degree + 1 per panel, in x = log q and in theta
NX = 14
NT = 14
#: panel edges in theta, graded towards 0 and pi where H varies on the scale 1/sqrt(q)
#: (c^n ~ exp(-n theta^2 / 2) near c = 1, |c|^n ~ exp(-n (pi - theta)^2 / 2) near c = -1)
_GRADED = np.array([1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2])
THETA_EDGES = np.concatenate(
    [[0.0], _GRADED, [0.75, 1.0, 1.5, 2.0, 2.4], math.pi - _GRADED[::-1], [math.pi]]
)
#: panel width in x = log q
X_PANEL = 1.0
#: largest Hermite order used (a build needing more fails)
_N_CAP = 20000


def supports_table(act: BoundActivation) -> bool:
    r"""Smooth (no kinks), not positively homogeneous, every transform defined, and no closed
    form for :math:`\mathcal{W}\phi` at these parameters.

    With a closed form (erf, sin) the quadrature path evaluates the transforms exactly and
    cheaply, while a table in :math:`x = \log q` would only approximate them: for sin, whose
    transforms carry :math:`e^{-2q}`, a double exponential in :math:`x`, the unit panels give
    relative errors of ``3e-13`` (V) and ``7e-11`` (H), measured.
    """
    return (  # cheap checks first: the homogeneity degree is derived with SymPy (~0.5 s)
        not act.kinks
        and all(act.undefined_reason(k) is None for k in ("V", "W", "Vd", "Wd"))
        and not act.closed_form_valid("W")
        and act.homogeneity_degree_exact is None
    )


def _cheb_nodes(n: int) -> FloatArray:
    return np.cos(np.pi * (np.arange(n) + 0.5) / n)


def _hermite_coefficients(act: BoundActivation, q: float) -> FloatArray:
    r""":math:`a_n(q)`, :math:`n = 0..N`, by the trapezoidal rule (module docstring), from the
    one float64 builder :func:`asymptote.numeric.mehler_gram.hermite_coefficients` (up to
    ``_N_CAP`` orders)."""
    coef = hermite_coefficients(act.phi_np, act.dphi_np, float(act.spec.singularity_distance),
                                np.array([q]), max_terms=_N_CAP)
    if coef is None:
        raise RuntimeError(f"Hermite series of {act!r} at q = {q:.3g} did not converge")
    return np.asarray(coef[0])


def _normalized_gap(coef: FloatArray, q: float, theta: FloatArray) -> FloatArray:
    r""":math:`H(q, \theta)` from the Hermite coefficients (nonnegative terms)."""
    n = np.arange(coef.size, dtype=float)[1:, None]
    w = (coef[1:] ** 2)[:, None]
    th = np.asarray(theta, dtype=float)[None, :]
    delta = 2.0 * np.sin(0.5 * th) ** 2
    c = np.cos(th)
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = -np.expm1(n * np.log1p(-np.minimum(delta, 1.0))) / delta
        neg = (1.0 - c**n) / (1.0 - c)
    ratio = np.where(c >= 0.0, pos, neg)
    ratio = np.where(th == 0.0, n, ratio)
    return np.asarray(np.sum(w * ratio, axis=0) / q)


class TransformTable:
    """Piecewise-Chebyshev tables of one activation's transforms (module docstring)."""

    def __init__(self, act: BoundActivation, q_min: float = Q_MIN, q_max: float = Q_MAX) -> None:
        if not supports_table(act):
            raise ValueError(f"transform tables need a smooth non-homogeneous activation, "
                             f"got {act!r}")
        self.activation = act
        x_lo, x_hi = math.log(q_min), math.log(q_max)
        n_panels = max(1, int(math.ceil((x_hi - x_lo) / X_PANEL)))
        self.x_edges = np.linspace(x_lo, x_hi, n_panels + 1)
        self.t_edges = THETA_EDGES.astype(float)
        nx, nt = _cheb_nodes(NX), _cheb_nodes(NT)
        xs = np.array([0.5 * (a + b) + 0.5 * (b - a) * nx
                       for a, b in zip(self.x_edges[:-1], self.x_edges[1:], strict=True)])
        ts = np.array([0.5 * (a + b) + 0.5 * (b - a) * nt
                       for a, b in zip(self.t_edges[:-1], self.t_edges[1:], strict=True)])
        qs = np.exp(xs)
        v = np.asarray(transform("V", act, qs), dtype=float)
        vd = np.asarray(transform("Vd", act, qs), dtype=float)
        mean = np.asarray(mean_transform(act, qs), dtype=float)
        fit = np.polynomial.chebyshev.chebfit
        self.v_coef = np.array([fit(nx, np.log(row), NX - 1) for row in v])
        self.vd_coef = np.array([fit(nx, np.log(row), NX - 1) for row in vd])
        self.m_coef = np.array([fit(nx, row, NX - 1) for row in mean])
        # 2-D: log H on each (x panel, theta panel) cell, coefficients [i (x), j (theta)]
        coef_cache: dict[float, FloatArray] = {}
        mehler = 0.0
        log_h = np.empty((*xs.shape, *ts.shape))
        for i, row in enumerate(qs):
            for k, q in enumerate(row):
                a = _hermite_coefficients(act, float(q))
                coef_cache[float(q)] = a
                mehler = max(mehler, abs(float(np.sum(a * a)) / v[i, k] - 1),
                             abs(float(np.sum(np.arange(a.size) * a * a)) / q / vd[i, k] - 1))
                log_h[i, k] = np.log(_normalized_gap(a, float(q), ts.ravel())).reshape(ts.shape)
        self.h_coef = np.empty((len(xs), len(ts), NX, NT))
        vander_x = np.polynomial.chebyshev.chebvander(nx, NX - 1)
        vander_t = np.polynomial.chebyshev.chebvander(nt, NT - 1)
        inv_x, inv_t = np.linalg.pinv(vander_x), np.linalg.pinv(vander_t)
        for i in range(len(xs)):
            for j in range(len(ts)):
                self.h_coef[i, j] = inv_x @ log_h[i, :, j, :] @ inv_t.T
        self.mehler_error = mehler
        self.interpolation_error = self._measure(act)
        shape = _limit_shape(act)
        self.tail: TailTransforms | None = None
        if shape is not None and q_max == Q_MAX:
            self.tail = TailTransforms(act, shape)
            self.tail.errors = _measure_tail(act, self.tail, q_max)

    @property
    def errors(self) -> dict[str, float]:
        """Every measured relative error bound, by name: ``V, Vd, M, H`` (the Chebyshev
        tables), ``mehler`` and, with a tail, ``tail_V, tail_Vd, tail_M, tail_H``."""
        out = {k: float(v) for k, v in self.interpolation_error.items()}
        out["mehler"] = float(self.mehler_error)
        if self.tail is not None:
            out.update({f"tail_{k}": float(v) for k, v in self.tail.errors.items()})
        return out

    # ---------------------------------------------------------------- evaluation (numpy)
    def _panel(self, edges: FloatArray, y: float) -> tuple[int, float]:
        k = int(np.clip(np.searchsorted(edges, y, side="right") - 1, 0, len(edges) - 2))
        a, b = edges[k], edges[k + 1]
        return k, (2.0 * y - (a + b)) / (b - a)

    def in_domain(self, q: float) -> bool:
        """Whether ``q`` lies in the table's domain."""
        return bool(self.x_edges[0] <= math.log(q) <= self.x_edges[-1])

    def one_d(self, q: float) -> tuple[float, float, float]:
        """``(V, Vd, M)`` at ``q`` from the tables."""
        i, xi = self._panel(self.x_edges, math.log(q))
        return (math.exp(float(clenshaw(xi, self.v_coef[i]))),
                math.exp(float(clenshaw(xi, self.vd_coef[i]))),
                float(clenshaw(xi, self.m_coef[i])))

    def normalized_gap(self, q: float, theta: float) -> float:
        """``H(q, theta)`` from the table."""
        i, xi = self._panel(self.x_edges, math.log(q))
        j, eta = self._panel(self.t_edges, theta)
        tx = np.polynomial.chebyshev.chebvander(np.array([xi]), NX - 1)[0]
        tt = np.polynomial.chebyshev.chebvander(np.array([eta]), NT - 1)[0]
        return math.exp(float(tx @ self.h_coef[i, j] @ tt))

    def _measure(self, act: BoundActivation) -> dict[str, float]:
        """Relative errors halfway between nodes (module docstring)."""
        errs = {"V": 0.0, "Vd": 0.0, "M": 0.0, "H": 0.0}
        xs = [0.5 * (a + b) + 0.5 * (b - a) * s
              for a, b in zip(self.x_edges[:-1], self.x_edges[1:], strict=True)
              for s in (-0.5, 0.5)]
        qs = np.exp(np.array(xs))
        v = np.asarray(transform("V", act, qs), dtype=float)
        vd = np.asarray(transform("Vd", act, qs), dtype=float)
        mean = np.asarray(mean_transform(act, qs), dtype=float)
        scale_m = max(float(np.max(np.abs(mean))), 1e-300)
        ts = np.array([0.5 * (a + b) + 0.5 * (b - a) * s
                       for a, b in zip(self.t_edges[:-1], self.t_edges[1:], strict=True)
                       for s in (-0.5, 0.5)])
        for k, q in enumerate(qs):
            tv, tvd, tm = self.one_d(float(q))
            errs["V"] = max(errs["V"], abs(tv / v[k] - 1))
            errs["Vd"] = max(errs["Vd"], abs(tvd / vd[k] - 1))
            # M may vanish (odd phi): error relative to its largest value on the domain
            errs["M"] = max(errs["M"], abs(tm - mean[k]) / scale_m)
            if k % 2 == 0 and k % 4 != 0:
                continue  # the 2-D check at every other x point keeps the build short
            h = _normalized_gap(_hermite_coefficients(act, float(q)), float(q), ts)
            got = np.array([self.normalized_gap(float(q), float(t)) for t in ts])
            errs["H"] = max(errs["H"], float(np.max(np.abs(got / h - 1))))
        return errs


@cache
def transform_table(act: BoundActivation) -> TransformTable:
    """The :class:`TransformTable` of ``act``: cached in the process, and on disk
    (:func:`load_or_build`) between processes."""
    return load_or_build(act)


# --------------------------------------------------------------------------- disk cache
#: version of the stored table format; bump it when the stored arrays or their meaning change
#: (the key also hashes this module's source, so any change of the builder invalidates)
TABLE_FORMAT = 1
#: the arrays of a stored table (``TailTransforms`` ones prefixed ``tail_``)
_TABLE_ARRAYS = ("x_edges", "t_edges", "v_coef", "vd_coef", "m_coef", "h_coef")
_TAIL_ARRAYS = ("y", "f_v", "f_r2", "f_m", "f_vd", "f_cross", "w_rho")
_ERROR_NAMES = ("V", "Vd", "M", "H")


def cache_dir() -> Path | None:
    """Where built tables are stored: ``$ASYMPTOTE_CACHE_DIR`` (``off`` disables the disk
    cache: ``None``), else ``$XDG_CACHE_HOME/asymptote``, else ``~/.cache/asymptote``."""
    env = os.environ.get("ASYMPTOTE_CACHE_DIR")
    if env is not None and env.strip():
        return None if env.strip().lower() == "off" else Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "asymptote"


def table_key(act: BoundActivation) -> str:
    r"""Hex key of ``act``'s table: SHA-256 of the table format (``TABLE_FORMAT``), the
    source of this module and of the Hermite-coefficient builder it uses
    (:mod:`asymptote.numeric.mehler_gram`), the package version, the domain and degrees, the activation's SymPy
    declaration (``srepr`` of :math:`\phi`, its name and singularity distance) and its
    parameter values (exact text and float)."""
    import sympy

    from .. import __version__

    h = hashlib.sha256()
    h.update(f"format={TABLE_FORMAT};version={__version__};".encode())
    h.update(Path(__file__).read_bytes())
    h.update(Path(mehler_gram.__file__).read_bytes())
    h.update(f"q=[{Q_MIN!r},{Q_MAX!r}];NX={NX};NT={NT};theta={THETA_EDGES.tolist()!r};".encode())
    spec = act.spec
    h.update(f"name={spec.name};phi={sympy.srepr(spec.phi)};"
             f"d={float(spec.singularity_distance)!r};".encode())
    for name in sorted(act.params):
        h.update(f"{name}={act.params[name]!r}:{act.float_params[name]!r};".encode())
    return h.hexdigest()


def _table_path(act: BoundActivation) -> Path | None:
    root = cache_dir()
    if root is None:
        return None
    return root / f"table-{act.spec.name}-{table_key(act)[:32]}.npz"


def _to_arrays(table: TransformTable, key: str) -> dict[str, Any]:
    out: dict[str, Any] = {"key": np.array(key), "format": np.array(TABLE_FORMAT)}
    for name in _TABLE_ARRAYS:
        out[name] = np.asarray(getattr(table, name))
    out["errors"] = np.array([table.interpolation_error[k] for k in _ERROR_NAMES])
    out["mehler_error"] = np.array(table.mehler_error)
    tail = table.tail
    out["has_tail"] = np.array(tail is not None)
    if tail is not None:
        out["tail_scalars"] = np.array([tail.kind, tail.alpha, tail.beta, tail.amplitude,
                                        tail.kappa_min], dtype=float)
        out["tail_errors"] = np.array([tail.errors[k] for k in _ERROR_NAMES])
        for name in _TAIL_ARRAYS:
            out[f"tail_{name}"] = np.asarray(getattr(tail, name))
    return out


def _from_arrays(act: BoundActivation, data: Any, key: str) -> TransformTable:
    """A table from stored arrays; ``ValueError`` when the key, format or shapes mismatch."""
    if str(data["key"]) != key or int(data["format"]) != TABLE_FORMAT:
        raise ValueError("stored table has another key or format")
    table = TransformTable.__new__(TransformTable)
    table.activation = act
    for name in _TABLE_ARRAYS:
        setattr(table, name, np.ascontiguousarray(data[name], dtype=float))
    n_x, n_t = table.x_edges.size - 1, table.t_edges.size - 1
    if (table.v_coef.shape != (n_x, NX) or table.vd_coef.shape != (n_x, NX)
            or table.m_coef.shape != (n_x, NX) or table.h_coef.shape != (n_x, n_t, NX, NT)):
        raise ValueError("stored table has the wrong shape")
    errors = np.asarray(data["errors"], dtype=float)
    table.interpolation_error = dict(zip(_ERROR_NAMES, map(float, errors), strict=True))
    table.mehler_error = float(data["mehler_error"])
    table.tail = None
    if bool(data["has_tail"]):
        tail = TailTransforms.__new__(TailTransforms)
        kind, alpha, beta, amp, kappa_min = (float(v) for v in data["tail_scalars"])
        tail.kind, tail.alpha, tail.beta = int(kind), alpha, beta
        tail.amplitude, tail.kappa_min = amp, kappa_min
        for name in _TAIL_ARRAYS:
            setattr(tail, name, np.ascontiguousarray(data[f"tail_{name}"], dtype=float))
        if len({getattr(tail, name).shape for name in _TAIL_ARRAYS}) != 1:
            raise ValueError("stored tail arrays differ in shape")
        tail.errors = dict(zip(_ERROR_NAMES, map(float, data["tail_errors"]), strict=True))
        table.tail = tail
    values = [*errors, table.mehler_error, *table.errors.values()]
    if not all(math.isfinite(v) for v in values) or not all(
            np.all(np.isfinite(getattr(table, name))) for name in _TABLE_ARRAYS):
        raise ValueError("stored table is not finite")
    return table


def load_table(act: BoundActivation, path: Path) -> TransformTable | None:
    """The table stored at ``path`` for ``act``, or ``None`` when the file is missing,
    unreadable, corrupted or made for another key (activation, parameters, format)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return _from_arrays(act, data, table_key(act))
    except Exception:  # a damaged file raises OSError, ValueError, zipfile.BadZipFile, ...
        return None


def save_table(table: TransformTable, path: Path) -> bool:
    """Store ``table`` at ``path`` atomically (a temporary file in the same folder, then
    :func:`os.replace`); ``False`` when the folder cannot be written (the cache is skipped)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, **_to_arrays(table, table_key(table.activation)))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return False
    return True


def load_or_build(act: BoundActivation) -> TransformTable:
    """``act``'s table from the disk cache (:func:`cache_dir`, key :func:`table_key`) with the
    build-time errors stored with it, or built (:class:`TransformTable`) and stored when the
    file is missing, corrupted or mismatched, or the cache is off."""
    path = _table_path(act)
    if path is not None:
        table = load_table(act, path)
        if table is not None:
            return table
    table = TransformTable(act)
    if path is not None:
        save_table(table, path)
    return table


# ------------------------------------------------------------------------------ large q
_SQRT2PI = math.sqrt(2.0 * math.pi)
#: Gauss-Legendre nodes per unit panel of the tail quadrature in y (module ``TailTransforms``)
_TAIL_NODES = 10
#: largest number of terms of the correlation series of E[rho rho]
_SERIES_TERMS = 60
#: candidate lower bounds on kappa = sqrt(q) sin(theta), smallest first
_KAPPA_CANDIDATES = (2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0)


def _limit_shape(act: BoundActivation) -> tuple[int, float, float] | None:
    r"""The large-scale limit :math:`L` of :math:`\phi`: ``(0, alpha, beta)`` for
    :math:`L = \alpha + \beta\,\mathrm{sign}(y)` (bounded activations) or ``(1, a, 0)`` for
    :math:`L = a\,\mathrm{relu}(y)`, when :math:`\phi - L` has decayed below ``1e-25`` at
    :math:`|y| = 80`; ``None`` otherwise (no tail)."""
    import mpmath

    with mpmath.workdps(40):
        f = [act.phi_mp(mpmath.mpf(v)) for v in (-81, -80, 80, 81)]
    slope_m, slope_p = f[1] - f[0], f[3] - f[2]
    tiny = mpmath.mpf("1e-25")
    if abs(slope_m) < tiny and abs(slope_p) < tiny:
        return 0, float((f[2] + f[1]) / 2), float((f[2] - f[1]) / 2)
    if abs(slope_m) < tiny and abs(f[1]) < tiny and abs(f[2] - 80 * slope_p) < tiny * 80:
        return 1, float(slope_p), 0.0
    return None


class TailTransforms:
    r"""The transforms at large :math:`q` (beyond the Chebyshev table) from the limit shape.

    Write :math:`\phi = L + \rho` with :math:`L` the large-scale limit of :math:`\phi`
    (:math:`L = \alpha + \beta\,\mathrm{sign}` for bounded activations such as tanh or the
    sigmoid; :math:`L = a\,\mathrm{relu}` for GELU, SiLU, softplus) and :math:`\rho` decaying
    fast (exponentially or faster; it vanishes below ``1e-18`` beyond :math:`|y| = Y`).
    For :math:`(y_1, y_2)` centred Gaussian with variances :math:`q` and correlation
    :math:`c = \cos\theta`, :math:`\kappa = \sqrt q\sin\theta`, :math:`s = q^{-1/2}`:

    * :math:`\mathcal{W}L`: the arcsine kernel :math:`\alpha^2 + \beta^2\frac2\pi\arcsin c`
      [W97, eq. (11)] (Price's theorem [P58]), so :math:`\mathcal{V}L - \mathcal{W}L =
      \beta^2\,2\theta/\pi` exactly; the arc-cosine kernel of degree one [CS09, eq. (6)],
      :math:`\mathcal{V}L - \mathcal{W}L = a^2 q\,J(\theta)`, :math:`J(\theta) =
      [2\pi\sin^2(\theta/2) - (\sin\theta - \theta\cos\theta)]/(2\pi)` (the odd bracket by its
      Taylor series for :math:`\theta < 1`, no cancellation);
    * the cross term, by conditioning (:math:`y_1 \mid y_2 \sim N(c y_2, \kappa^2)`):
      :math:`E[L(y_1)\rho(y_2)] = E[\rho(y_2)\,m_L(y_2)]`, :math:`m_L(y) = \alpha +
      \beta\,\mathrm{erf}(c y/(\sqrt2\kappa))` resp. :math:`a[c y\,\Phi(cy/\kappa) +
      \kappa\varphi(cy/\kappa)]`, so the gap carries :math:`2E[\rho(y)(L(y) - m_L(y))]` with
      :math:`L - m_L = \beta\,\mathrm{sign}(y)\,\mathrm{erfc}(c|y|/(\sqrt2\kappa))` (no
      cancellation) resp. :math:`a[\mathrm{relu}(y) - cy\Phi(cy/\kappa) - \kappa\varphi(cy/\kappa)]`;
    * :math:`E[\rho(y_1)\rho(y_2)] = \frac{s}{2\pi\kappa}\sum_k \frac{c^k}{k!}\mu_k^2`,
      :math:`\mu_k = \int\rho(y)(y/\kappa)^k e^{-y^2/(2\kappa^2)}dy`, expanding
      :math:`e^{c y_1 y_2/\kappa^2}` in the bivariate density (an entire series; used for
      :math:`\kappa \ge \kappa_{\min}`, chosen at build so that its terms fall below
      ``1e-18`` of the sum by term 40 at :math:`c = \pm 1`);
    * 1-D expectations :math:`E[f(y)] = \frac{s}{\sqrt{2\pi}}\int f(y)e^{-s^2y^2/2}dy` of the
      localized :math:`2L\rho + \rho^2` (:math:`\mathcal{V}\phi`), :math:`\rho`
      (:math:`\mathcal{M}\phi`), :math:`\phi'^2` resp. :math:`2a\,\mathrm{step}\,\rho' +
      \rho'^2` (:math:`\mathcal{V}\phi'`, plus :math:`a^2/2`).

    All integrals in :math:`y` use Gauss-Legendre rules on unit panels of :math:`(0, Y]` and
    :math:`[-Y, 0)` (the jump of :math:`\rho` at 0 is a panel edge), with :math:`\rho,
    \rho'` at the nodes from mpmath. The gap :math:`\mathcal{V}\phi - \mathcal{W}\phi` is the
    sum of the limit gap (:math:`\ge \beta^2 2\kappa s/\pi` resp. :math:`\approx a^2 q
    \theta^2/4`) and corrections smaller by :math:`O(1/\kappa)` resp. :math:`O(s^2/\theta)`:
    it keeps its relative accuracy at any small :math:`\delta` allowed by
    :math:`\kappa \ge \kappa_{\min}`. ``errors`` holds the relative differences from the float64
    quadratures of :mod:`asymptote.transforms` measured at build (for the gap, where the
    reference's own subtraction error :math:`\epsilon(\mathcal{V}+|\mathcal{W}|)/(\mathcal{V}
    - \mathcal{W})` stays below ``1e-14``; larger differences make the build fail).
    """

    def __init__(self, act: BoundActivation, shape: tuple[int, float, float]) -> None:
        import mpmath

        self.kind, first, second = shape
        self.alpha, self.beta = (first, second) if self.kind == 0 else (0.0, 0.0)
        self.amplitude = first if self.kind == 1 else 0.0
        d = float(act.spec.singularity_distance)
        width = min(1.0, d / 3.2)  # Bernstein ellipse r > 12: r^-20 < 1e-20 for 10 nodes
        cut = self._decay_cut(act)
        # graded panels: width doubles past y = 4 and 8, where rho < 1e-3 resp. 1e-6 (for the
        # slowest decay, e^{-y}), so the larger quadrature error r^-20 is scaled down by it
        edges = [0.0]
        while edges[-1] < cut:
            edges.append(edges[-1] + width * (1 if edges[-1] < 4 else 2 if edges[-1] < 8 else 4))
        gl_x, gl_w = np.polynomial.legendre.leggauss(_TAIL_NODES)
        half = np.concatenate([0.5 * (a + b) + 0.5 * (b - a) * gl_x
                               for a, b in zip(edges[:-1], edges[1:], strict=True)])
        half_w = np.concatenate([0.5 * (b - a) * gl_w
                                 for a, b in zip(edges[:-1], edges[1:], strict=True)])
        y = np.concatenate([-half[::-1], half])
        w = np.concatenate([half_w[::-1], half_w])
        rho, drho, dphi2 = [], [], []
        with mpmath.workdps(30):
            for v in y:
                ym = mpmath.mpf(float(v))
                lim = self._limit_mp(ym)
                rho.append(float(act.phi_mp(ym) - lim))
                dp = act.dphi_mp(ym)
                dlim = self.amplitude if (self.kind == 1 and v > 0) else 0
                drho.append(float(dp - dlim))
                dphi2.append(float(dp * dp))
        r, dr = np.array(rho), np.array(drho)
        limit = np.array([float(self._limit_mp(mpmath.mpf(float(v)))) for v in y])
        wq = w / _SQRT2PI
        self.y = y
        self.f_v = wq * (2.0 * limit * r + r * r)
        self.f_r2 = wq * r * r
        self.f_m = wq * r
        if self.kind == 0:
            self.f_vd = wq * np.array(dphi2)
            self.f_cross = wq * r * self.beta * np.sign(y)
        else:
            a = self.amplitude
            self.f_vd = wq * (2.0 * a * (y > 0) * dr + dr * dr)
            self.f_cross = wq * r * a
        self.w_rho = w * r  # for mu_k (no 1/sqrt(2 pi))
        self.kappa_min = self._choose_kappa_min()
        self.errors: dict[str, float] = {}

    def _limit_mp(self, y: object) -> Any:
        import mpmath

        yv = mpmath.mpf(y)  # type: ignore[arg-type]
        if self.kind == 0:
            return self.alpha + self.beta * mpmath.sign(yv)
        return self.amplitude * max(yv, mpmath.mpf(0))

    def _decay_cut(self, act: BoundActivation) -> float:
        import mpmath

        with mpmath.workdps(30):
            for cut in range(4, 61):
                vals = []
                for v in (cut, cut + 0.5, cut + 2, -cut, -cut - 0.5, -cut - 2):
                    ym = mpmath.mpf(v)
                    vals.append(abs(act.phi_mp(ym) - self._limit_mp(ym)))
                    dlim = self.amplitude if (self.kind == 1 and v > 0) else 0
                    vals.append(abs(act.dphi_mp(ym) - dlim))
                if max(vals) < mpmath.mpf("1e-18"):
                    return float(cut)
        raise RuntimeError(f"phi - L of {act!r} does not decay below 1e-18 by |y| = 60 (needed for the tail)")

    def _series_terms(self, kappa: float, c: float) -> FloatArray:
        z = self.y / kappa
        t = self.w_rho * np.exp(-0.5 * z * z)
        out = []
        fact = 1.0
        for k in range(_SERIES_TERMS):
            if k:
                fact *= c / k
            out.append(fact * float(np.sum(t)) ** 2)
            t = t * z
        return np.array(out)

    def _choose_kappa_min(self) -> float:
        for kappa in _KAPPA_CANDIDATES:
            ok = True
            for c in (1.0, -1.0, 0.0):
                terms = self._series_terms(kappa, c)
                scale = max(abs(float(np.sum(terms))), 1e-300)
                mag = float(np.max(np.abs(terms)))
                if np.max(np.abs(terms[40:])) > 1e-18 * max(scale, mag) or mag > 10 * scale:
                    ok = False
            if ok:
                return kappa
        raise RuntimeError("the correlation series does not converge for kappa <= 16")

    def arrays(self) -> tuple[Any, ...]:
        """Contiguous arrays and scalars for the compiled evaluation (``_tail`` in
        :mod:`asymptote.recurrences.tabulated`)."""
        return (self.kind, self.alpha, self.beta, self.amplitude, self.kappa_min,
                np.ascontiguousarray(self.y), np.ascontiguousarray(self.f_v),
                np.ascontiguousarray(self.f_r2), np.ascontiguousarray(self.f_m),
                np.ascontiguousarray(self.f_vd), np.ascontiguousarray(self.f_cross),
                np.ascontiguousarray(self.w_rho))


def _limit_gap(kind: int, beta: float, amp: float, delta: float, theta: float) -> float:
    r"""The limit kernel's gap (scaled by :math:`q^{-k}`): :math:`\beta^2\,2\theta/\pi`
    [W97, eq. (11)] or :math:`a^2[\pi\delta - (\sin\theta - \theta\cos\theta)]/(2\pi)`
    [CS09, eq. (6)], the odd bracket by its Taylor series below 1 (no cancellation)."""
    if kind == 0:
        return beta * beta * 2.0 * theta / math.pi
    if theta >= 1.0:
        odd = math.sin(theta) - theta * math.cos(theta)
    else:
        t2 = theta * theta
        term = theta * t2 / 6.0
        odd = 2.0 * term
        for k in range(2, 13):
            term *= -t2 / ((2 * k) * (2 * k + 1))
            odd += 2 * k * term
    return amp * amp * (math.pi * delta - odd) / (2.0 * math.pi)


try:  # tail_values is jitted by the compiled loop, and calls this helper
    import numba as _numba

    _limit_gap = _numba.njit(cache=False)(_limit_gap)
except ImportError:  # pragma: no cover - numba missing: plain Python
    pass


def tail_values(log_q: float, delta: float, kind: int, alpha: float, beta: float, amp: float,
                kappa_min: float, y: Any, f_v: Any, f_r2: Any, f_m: Any, f_vd: Any,
                f_cross: Any, w_rho: Any, buf: Any) -> tuple[float, float, float, float, bool]:
    r"""``(log V_k, M_k, V', G_k, ok)`` at large q (:class:`TailTransforms`), with
    :math:`V = e^{\log V_k} q^k`, :math:`\mathcal{M}\phi = M_k q^{k/2}`, :math:`\mathcal{V}\phi
    - \mathcal{W}\phi(q, q(1 - \delta)) = G_k q^k` (``k = kind``); ``ok`` is false where
    :math:`\kappa < \kappa_{\min}` (the gap is then not evaluated). Plain ``math``: jitted by
    :mod:`asymptote.recurrences.tabulated`. ``buf``: scratch array of ``y``'s size."""
    s = math.exp(-0.5 * log_q)
    n = y.shape[0]
    sv = 0.0
    sr2 = 0.0
    sm = 0.0
    svd = 0.0
    for i in range(n):
        g = math.exp(-0.5 * (s * y[i]) ** 2)
        buf[i] = g
        sv += f_v[i] * g
        sr2 += f_r2[i] * g
        sm += f_m[i] * g
        svd += f_vd[i] * g
    sv *= s
    sr2 *= s
    sm *= s
    svd *= s
    if kind == 0:
        v_k = alpha * alpha + beta * beta + sv
        m_k = alpha + sm
        vd = svd
    else:
        v_k = 0.5 * amp * amp + s * s * sv
        m_k = amp / _SQRT2PI + s * sm
        vd = 0.5 * amp * amp + svd
    log_vk = math.log(v_k)
    dl = min(max(delta, 0.0), 2.0)
    sin_t = math.sqrt(dl * (2.0 - dl))
    c = 1.0 - dl
    theta = 2.0 * math.asin(math.sqrt(0.5 * dl))
    if s < 1e-150:  # corrections below 1e-290 relative (s / theta resp. s^2 / theta)
        if sin_t == 0.0:
            return log_vk, m_k, vd, 0.0, False
        return log_vk, m_k, vd, _limit_gap(kind, beta, amp, dl, theta), True
    kappa = sin_t / s
    if kappa < kappa_min:
        return log_vk, m_k, vd, 0.0, False
    cross = 0.0
    if kind == 0:
        scale = c / (math.sqrt(2.0) * kappa)
        for i in range(n):
            cross += f_cross[i] * buf[i] * math.erfc(scale * abs(y[i]))
    else:
        for i in range(n):
            x = c * y[i] / kappa
            ramp = y[i] if y[i] > 0.0 else 0.0
            m_l = c * y[i] * 0.5 * math.erfc(-x / math.sqrt(2.0)) + kappa * math.exp(
                -0.5 * x * x) / _SQRT2PI
            cross += f_cross[i] * buf[i] * (ramp - m_l)
    cross *= 2.0 * s
    # E[rho rho]: sum_k c^k mu_k^2 / k!, mu_k = sum w rho (y/kappa)^k exp(-y^2/(2 kappa^2))
    for i in range(n):
        z = y[i] / kappa
        buf[i] = w_rho[i] * math.exp(-0.5 * z * z)
    total = 0.0
    fact = 1.0
    small = 0
    for k in range(_SERIES_TERMS):
        if k > 0:
            fact *= c / k
            for i in range(n):
                buf[i] *= y[i] / kappa
        mu = 0.0
        for i in range(n):
            mu += buf[i]
        term = fact * mu * mu
        total += term
        if abs(term) <= 1e-18 * abs(total):
            small += 1
            if small >= 3 and k >= 4:
                break
        else:
            small = 0
    rr = s / (2.0 * math.pi * kappa) * total
    if kind == 0:
        g_k = _limit_gap(kind, beta, amp, dl, theta) + cross + sr2 - rr
    else:
        g_k = _limit_gap(kind, beta, amp, dl, theta) + s * s * (cross + sr2 - rr)
    return log_vk, m_k, vd, g_k, True



#: where the tail is checked at build: q and theta (those with kappa >= 1.2 kappa_min)
_TAIL_CHECK_Q = (1.1, 5.0, 50.0, 1600.0)
_TAIL_CHECK_THETA = (0.5, 1.5, 2.6)


def _measure_tail(act: BoundActivation, tail: TailTransforms, q_top: float) -> dict[str, float]:
    r"""Relative differences of the tail from the float64 quadratures
    (:func:`asymptote.transforms.transform`) at ``q_top`` times ``_TAIL_CHECK_Q`` (up to
    :math:`10^5` for the default top), :math:`\theta` in ``_TAIL_CHECK_THETA`` and at
    :math:`\kappa = 1.2\kappa_{\min}`. The gap is referred to :math:`\mathcal{V}\phi -
    \mathcal{W}\phi` by subtraction, whose own rounding error is about
    :math:`\epsilon(\mathcal{V}\phi + |\mathcal{W}\phi|)/(\mathcal{V}\phi - \mathcal{W}\phi)`;
    ``H`` is the largest difference where that floor is below ``1e-14`` (at the smallest
    :math:`\theta` and largest :math:`q` it is ~1e-13 and the difference, measured, is within
    a few floors: 3e-13 for tanh at :math:`q = 10^5`)."""
    errs = {"V": 0.0, "Vd": 0.0, "M": 0.0, "H": 0.0}
    buf = np.empty(tail.y.size)
    arrays = tail.arrays()
    k = tail.kind
    for factor in _TAIL_CHECK_Q:
        q = q_top * factor
        log_q = math.log(q)
        v_ref = float(transform("V", act, q))
        vd_ref = float(transform("Vd", act, q))
        m_ref = float(np.asarray(mean_transform(act, np.array([q])), dtype=float)[0])
        log_vk, m_k, vd, _, _ = tail_values(log_q, 1.0, *arrays, buf)  # type: ignore[call-arg]
        errs["V"] = max(errs["V"], abs(math.exp(log_vk) * q**k / v_ref - 1))
        errs["Vd"] = max(errs["Vd"], abs(vd / vd_ref - 1))
        errs["M"] = max(errs["M"], abs(m_k * q ** (0.5 * k) - m_ref) / math.sqrt(v_ref))
        theta_low = math.asin(min(1.0, 1.2 * tail.kappa_min / math.sqrt(q)))
        for theta in (theta_low, *_TAIL_CHECK_THETA):
            if math.sqrt(q) * math.sin(theta) < 1.2 * tail.kappa_min:
                continue
            delta = 2.0 * math.sin(0.5 * theta) ** 2
            got = tail_values(log_q, delta, *arrays, buf)[3] * q**k  # type: ignore[call-arg]
            w_ref = float(transform("W", act, q, q, q * math.cos(theta)))
            ref = v_ref - w_ref
            if 2.3e-16 * (v_ref + abs(w_ref)) / ref > 1e-14:
                continue
            errs["H"] = max(errs["H"], abs(got / ref - 1))
    return errs
