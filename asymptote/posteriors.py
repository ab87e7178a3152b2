r"""Functional posteriors of wide networks: NNGP Bayesian inference and gradient-descent ensembles.

A network ``[Dense(sigma_w, sigma_b), phi] * depth + Dense(sigma_w, sigma_b)`` at infinite width
is a Gaussian process with the NNGP kernel :math:`K` [LBNSSP18, eq. (4)]; trained by
continuous-time gradient descent on the mean squared error it evolves as its linearization, with
the NTK :math:`\Theta` [JGH18, Thm. 1; LXSBNSP19, eq. (9)-(16)]. This module gives, for training
inputs :math:`X`, targets :math:`Y` and test inputs :math:`x`:

- the **Bayesian posterior** with the NNGP prior and observation-noise variance
  :math:`\sigma_\epsilon^2` [RW06, eq. (2.24)]:

  .. math:: \mu = K_{xX}(K_{XX} + \sigma_\epsilon^2 I)^{-1} Y, \qquad
            \Sigma = K_{xx} - K_{xX}(K_{XX} + \sigma_\epsilon^2 I)^{-1} K_{Xx};

- the **gradient-descent ensemble** (mean and covariance of :math:`f_t(x)` over random
  initializations), training all layers (``kernel="ntk"``) or only the readout
  (``kernel="nngp"``, :math:`\Theta \to K`) [LXSBNSP19, eq. (15)-(16)]:

  .. math:: \mu_t = \Theta_{xX} A_t Y, \qquad
            \Sigma_t = K_{xx} - \Theta_{xX} A_t K_{Xx} - K_{xX} A_t \Theta_{Xx}
                       + \Theta_{xX} A_t K_{XX} A_t \Theta_{Xx},

  .. math:: A_t = \Theta_{XX}^{-1}\bigl(I - e^{-\eta \Theta_{XX} t / n}\bigr).

Convention (neural-tangents' ``predict.gradient_descent_mse_ensemble``): input kernel
:math:`x\cdot x'/d`; loss :math:`\frac{1}{2n}\sum_i (f(X_i) - Y_i)^2` where :math:`n` is the number
of training targets (``train_y.size``); learning rate :math:`\eta`, so that
:math:`f_t(X) = Y + e^{-\eta\Theta t/n}(f_0(X) - Y)`; ``time="inf"`` is the limit
:math:`A_\infty = \Theta_{XX}^{-1}`.

Numerics: :math:`A_t` is formed in the eigenbasis of the symmetric :math:`\Theta_{XX}` with the
gain :math:`(1 - e^{-\eta\lambda t/n})/\lambda = (\eta t/n)\,\varphi_1(\eta\lambda t/n)`,
:math:`\varphi_1(z) = -\mathrm{expm1}(-z)/z` (accurate as :math:`\lambda \to 0`, no inverse needed
at finite time); the covariance is evaluated as :math:`C P C^T` with :math:`C = [-B,\ I]`,
:math:`B = \Theta_{xX} A_t`, and :math:`P` the joint prior Gram matrix over :math:`[X; x]`, which
is positive semi-definite by construction. Where an inverse is needed (``time="inf"``, Bayes
without noise) a kernel that is singular at working precision raises ``ValueError`` unless a
diagonal regularizer ``diag_reg`` is given. ``dps=int`` runs everything (kernels included) in
mpmath with ``mpmath.eigsy``.
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np

from ._precision import GUARD_DIGITS, check_dps, round_mpf, to_mpf, workdps
from ._validate import LIMITS, nonnegative, parse_number
from .kernels import nngp_ntk

__all__ = [
    "Posterior",
    "gd_ensemble_from_gram",
    "gp_posterior_from_gram",
    "gradient_descent_ensemble",
    "load_points",
    "nngp_posterior",
]

#: Eigenvalues below ``RCOND_FACTOR * n * eps * lambda_max`` count as zero (singular kernel).
RCOND_FACTOR = 10


@dataclass(frozen=True)
class Posterior:
    """Mean and covariance of the network outputs at the test points.

    ``mean`` has shape ``(m,)`` (or ``(m, k)`` for ``k`` outputs) and ``covariance`` shape
    ``(m, m)``; ``ndarray`` for ``dps=None``, ``mpmath.matrix`` (``mean`` as ``m x k``) for
    ``dps=int``. ``mode`` is ``"bayes"`` or ``"gd"``; ``kernel`` the kernel that is trained
    (``"nngp"`` or ``"ntk"``); ``time`` the training time (``math.inf`` or an ``mpf``).
    """

    mean: Any
    covariance: Any
    mode: str
    kernel: str
    time: Any
    learning_rate: Any
    noise: Any
    diag_reg: Any

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (mean flattened to one value per test point when there is one output)."""
        mean = self.mean
        if isinstance(mean, mpmath.matrix):
            rows = [[mean[i, j] for j in range(mean.cols)] for i in range(mean.rows)]
            mean_out: Any = [r[0] for r in rows] if mean.cols == 1 else rows
        else:
            mean_out = np.asarray(mean)
        return {
            "mode": self.mode,
            "kernel": self.kernel,
            "time": "inf" if self.time == math.inf else self.time,
            "learning_rate": self.learning_rate,
            "noise": self.noise,
            "diag_reg": self.diag_reg,
            "mean": mean_out,
            "covariance": self.covariance,
        }


# ----------------------------------------------------------------------------- input handling


#: Longest CSV cell accepted (characters): a number of up to 4000 digits and blanks.
_MAX_CSV_CELL = 4096


def _check_file_size(path: str, name: str) -> None:
    """Refuse files beyond ``LIMITS['data_bytes']`` before reading them into memory."""
    cap = LIMITS["data_bytes"].cap
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise ValueError(f"{name}: cannot read file {path!r} ({exc.strerror})") from None
    if size > cap:
        raise ValueError(f"{name}: file {path!r} is {size} bytes; at most {cap} are read")


def _read_csv(path: str, name: str, exact: bool) -> np.ndarray:
    _check_file_size(path, name)
    limit = csv.field_size_limit()
    try:
        csv.field_size_limit(_MAX_CSV_CELL)
        with open(path, newline="", encoding="utf-8") as handle:
            rows = [
                [cell.strip() for cell in row]
                for row in csv.reader(handle)
                if row and any(c.strip() for c in row)
            ]
    except OSError as exc:
        raise ValueError(f"{name}: cannot read file {path!r} ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ValueError(f"{name}: file {path!r} is not UTF-8 text") from None
    except csv.Error as exc:
        raise ValueError(
            f"{name}: file {path!r} is not valid CSV of numbers ({exc}; cells hold at most "
            f"{_MAX_CSV_CELL} characters)"
        ) from None
    finally:
        csv.field_size_limit(limit)
    cap = LIMITS["data_rows"].cap
    if len(rows) > cap:
        raise ValueError(f"{name}: file {path!r} has {len(rows)} rows; at most {cap} are read")
    if not rows:
        raise ValueError(f"{name}: file {path!r} holds no numbers")
    width = len(rows[0])
    for number, row in enumerate(rows, 1):
        if len(row) != width:
            raise ValueError(
                f"{name}: row {number} of {path!r} has {len(row)} values, expected {width}"
            )
        for cell in row:
            try:
                parse_number(cell, name)
            except ValueError:
                raise ValueError(
                    f"{name}: {path!r} row {number} holds a non-number {cell[:40]!r}"
                ) from None
    if exact:
        return np.array(rows, dtype=object)
    return np.array(rows, dtype=float)


def load_points(source: Any, name: str = "points", *, exact: bool = False) -> np.ndarray:
    """Read an array given as an array-like or as a ``.npy`` / ``.csv`` path (one point a row).

    Parameters
    ----------
    source : array_like or str or os.PathLike
        The data, or a path ending in ``.npy`` (numpy) or ``.csv`` (comma separated).
    name : str
        Parameter name used in error messages.
    exact : bool
        Keep CSV cells as decimal strings (an object array) so that ``dps=int`` callers
        convert ``"0.1"`` exactly; floats otherwise.

    Returns
    -------
    numpy.ndarray
        Float array (object array of strings for an exact CSV read).

    Raises
    ------
    ValueError
        Unreadable file, unknown extension, ragged rows or non-numbers.

    Examples
    --------
    >>> load_points([[1, 2], [3, 4]], "train_x").shape
    (2, 2)
    """
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        lower = path.lower()
        if lower.endswith(".npy"):
            _check_file_size(path, name)
            try:
                arr = np.load(path, allow_pickle=False)
            except (OSError, ValueError, EOFError) as exc:
                raise ValueError(f"{name}: cannot read .npy file {path!r} ({exc})") from None
            if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "biuf":
                kind = getattr(getattr(arr, "dtype", None), "name", type(arr).__name__)
                raise ValueError(
                    f"{name}: .npy file {path!r} must hold real numbers (int or float), got {kind}"
                )
            return np.asarray(arr, dtype=float)
        if lower.endswith(".csv") or lower.endswith(".txt"):
            return _read_csv(path, name, exact)
        raise ValueError(f"{name}: file {path!r} must end in .npy or .csv")
    if isinstance(source, np.ndarray) and source.dtype == object:
        return source
    if np.iscomplexobj(source):
        raise TypeError(f"{name} must hold real numbers, got complex values")
    try:
        return np.asarray(source, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of real numbers or a file path") from None


def _as_float(arr: np.ndarray) -> np.ndarray:
    return np.asarray(arr, dtype=float)


def _check_data(
    train_x: Any, train_y: Any, test_x: Any, exact: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    tx = load_points(train_x, "train_x", exact=exact)
    ty = load_points(train_y, "train_y", exact=exact)
    sx = load_points(test_x, "test_x", exact=exact)
    for arr, name in ((tx, "train_x"), (sx, "test_x")):
        if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
            raise ValueError(
                f"{name} must be a 2-D array (n_points, n_features), one point a row; "
                f"got shape {arr.shape}"
            )
    if ty.ndim == 2 and ty.shape[1] == 1 and isinstance(train_y, (str, os.PathLike)):
        ty = ty[:, 0]  # a one-column CSV file is one target a row
    if ty.ndim not in (1, 2) or ty.shape[0] == 0 or (ty.ndim == 2 and ty.shape[1] == 0):
        raise ValueError(f"train_y must have shape (n,) or (n, k), got {ty.shape}")
    if tx.shape[0] != ty.shape[0]:
        raise ValueError(
            f"train_x and train_y need the same number of rows, got {tx.shape[0]} and {ty.shape[0]}"
        )
    if tx.shape[1] != sx.shape[1]:
        raise ValueError(
            f"train_x and test_x need the same number of features, got {tx.shape[1]} and "
            f"{sx.shape[1]}"
        )
    for arr, name in ((tx, "train_x"), (ty, "train_y"), (sx, "test_x")):
        if not np.all(np.isfinite(_as_float(arr))):
            raise ValueError(f"{name} must hold finite numbers only")
    return tx, ty, sx


def _nonnegative(value: Any, name: str, dps: int | None) -> Any:
    """``value >= 0`` as a float, or an mpf converted at ``dps`` plus the guard digits."""
    return nonnegative(value, name, dps=None if dps is None else dps + GUARD_DIGITS)


def _parse_time(value: Any, dps: int | None) -> Any:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("inf", "infinity")):
        return math.inf
    if isinstance(value, float) and math.isinf(value) and value > 0:
        return math.inf
    if isinstance(value, mpmath.mpf) and mpmath.isinf(value) and value > 0:
        return math.inf
    return _nonnegative(value, "time", dps)


def _check_learning_rate(value: Any, dps: int | None) -> Any:
    out = _nonnegative(value, "learning_rate", dps)
    if out == 0:
        raise ValueError(f"learning_rate must be > 0, got {value!r}")
    return out


# ----------------------------------------------------------------------------- float64 core


def _phi1_np(z: np.ndarray) -> np.ndarray:
    """(1 - exp(-z)) / z, equal to 1 at z = 0, accurate for small |z|."""
    out = np.ones_like(z)
    small = np.abs(z) < 1e-8
    big = ~small
    out[big] = -np.expm1(-z[big]) / z[big]
    out[small] = 1.0 - z[small] / 2.0
    return out


def _eigen_np(train_block: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
    lam, vec = np.linalg.eigh(train_block)
    n = train_block.shape[0]
    top = max(float(lam[-1]), 0.0)
    floor = RCOND_FACTOR * n * np.finfo(float).eps * top
    if top == 0.0 or lam[0] < -floor:
        raise ValueError(
            f"the {what} training kernel is not positive semi-definite (eigenvalues from "
            f"{lam[0]:.3e} to {lam[-1]:.3e})"
        )
    return lam, vec


def _singular_message(what: str, smallest: Any, largest: Any) -> str:
    return (
        f"the {what} training kernel is singular at working precision (smallest eigenvalue "
        f"{mpmath.nstr(smallest, 3)}, largest {mpmath.nstr(largest, 3)}): pass diag_reg > 0 "
        f"(a diagonal regularizer), or a finite time"
    )


def _gain_np(lam: np.ndarray, scale: float, what: str) -> np.ndarray:
    """Eigenvalues of A: (1 - exp(-scale lam)) / lam, or 1/lam at scale = inf."""
    n = lam.size
    floor = RCOND_FACTOR * n * np.finfo(float).eps * float(lam[-1])
    if math.isinf(scale):
        if lam[0] <= floor:
            raise ValueError(_singular_message(what, lam[0], lam[-1]))
        return 1.0 / lam
    lam = np.where(np.abs(lam) <= floor, np.maximum(lam, 0.0), lam)
    return scale * _phi1_np(lam * scale)


def _posterior_np(
    prior: np.ndarray,
    trained: np.ndarray,
    y: np.ndarray,
    n: int,
    scale: float,
    reg_prior: float,
    reg_trained: float,
    what: str,
) -> tuple[np.ndarray, np.ndarray]:
    m = prior.shape[0] - n
    t_train = trained[:n, :n] + reg_trained * np.eye(n)
    lam, vec = _eigen_np(t_train, what)
    gain = _gain_np(lam, scale, what)
    b = ((trained[n:, :n] @ vec) * gain) @ vec.T
    mean = b @ y
    p = prior.copy()
    p[:n, :n] += reg_prior * np.eye(n)
    c = np.hstack([-b, np.eye(m)])
    cov = c @ p @ c.T
    cov = (cov + cov.T) / 2
    return mean, cov


# ----------------------------------------------------------------------------- mpmath core


def _posterior_mp(
    prior: Any,
    trained: Any,
    y: Any,
    n: int,
    scale: Any,
    reg_prior: Any,
    reg_trained: Any,
    what: str,
    digits: int,
) -> tuple[Any, Any]:
    size = prior.rows
    m = size - n
    t_train = mpmath.matrix(n, n)
    for i in range(n):
        for j in range(n):
            t_train[i, j] = (trained[i, j] + trained[j, i]) / 2
        t_train[i, i] += reg_trained
    lam, vec = mpmath.eigsy(t_train)
    order = sorted(range(n), key=lambda i: lam[i])
    lam_sorted = [lam[i] for i in order]
    top = lam_sorted[-1]
    floor = RCOND_FACTOR * n * mpmath.mpf(10) ** (-digits) * abs(top)
    if top <= 0 or lam_sorted[0] < -floor:
        raise ValueError(
            f"the {what} training kernel is not positive semi-definite (eigenvalues from "
            f"{mpmath.nstr(lam_sorted[0], 3)} to {mpmath.nstr(top, 3)})"
        )
    gain = []
    for i in range(n):
        value = lam[i]
        if scale == math.inf:
            if min(lam_sorted) <= floor:
                raise ValueError(_singular_message(what, lam_sorted[0], top))
            gain.append(1 / value)
        else:
            if abs(value) <= floor:
                value = max(value, mpmath.mpf(0))
            z = value * scale
            gain.append(scale if z == 0 else -mpmath.expm1(-z) / value)
    # B = Theta_xX V diag(gain) V^T
    txv = mpmath.matrix(m, n)
    for a in range(m):
        for k in range(n):
            txv[a, k] = mpmath.fsum(trained[n + a, j] * vec[j, k] for j in range(n)) * gain[k]
    b = mpmath.matrix(m, n)
    for a in range(m):
        for j in range(n):
            b[a, j] = mpmath.fsum(txv[a, k] * vec[j, k] for k in range(n))
    outputs = y.cols
    mean = mpmath.matrix(m, outputs)
    for a in range(m):
        for o in range(outputs):
            mean[a, o] = mpmath.fsum(b[a, j] * y[j, o] for j in range(n))
    c = mpmath.matrix(m, size)
    for a in range(m):
        for j in range(n):
            c[a, j] = -b[a, j]
        c[a, n + a] = mpmath.mpf(1)
    p = prior.copy()
    for i in range(n):
        p[i, i] += reg_prior
    cp = c * p
    cov = mpmath.matrix(m, m)
    for a in range(m):
        for e in range(a, m):
            value = mpmath.fsum(cp[a, j] * c[e, j] for j in range(size))
            cov[a, e] = value
            cov[e, a] = value
    return mean, cov


def _round_matrix(mat: Any, dps: int) -> Any:
    out = mpmath.matrix(mat.rows, mat.cols)
    for i in range(mat.rows):
        for j in range(mat.cols):
            out[i, j] = round_mpf(mat[i, j], dps)
    return out


def _regularizer(diag_reg: Any, absolute: bool, block_trace: Any, n: int) -> Any:
    return diag_reg if absolute else diag_reg * block_trace / n


def _to_mp_matrix(arr: Any) -> Any:
    if isinstance(arr, mpmath.matrix):
        return arr
    a = np.asarray(arr, dtype=object)
    if a.ndim == 1:
        a = a[:, None]
    out = mpmath.matrix(a.shape[0], a.shape[1])
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            out[i, j] = to_mpf(a[i, j], "kernel entry")
    return out


def _run(
    prior: Any,
    trained: Any,
    train_y: Any,
    n: int,
    *,
    mode: str,
    kernel: str,
    time: Any,
    learning_rate: Any,
    noise: Any,
    diag_reg: Any,
    diag_reg_absolute_scale: bool,
    dps: int | None,
) -> Posterior:
    what = kernel.upper()
    scale: Any
    n_targets = int(np.asarray(train_y, dtype=object).size)
    if dps is None:
        prior_np = np.asarray(prior, dtype=float)
        trained_np = np.asarray(trained, dtype=float)
        y = np.asarray(train_y, dtype=float)
        reg_t = _regularizer(diag_reg, diag_reg_absolute_scale, np.trace(trained_np[:n, :n]), n)
        if mode == "bayes":
            scale = math.inf
            reg_p = reg_t = reg_t + noise
        else:
            scale = math.inf if time == math.inf else learning_rate * time / n_targets
            reg_p = reg_t if kernel == "nngp" else 0.0
        mean, cov = _posterior_np(prior_np, trained_np, y, n, scale, reg_p, reg_t, what)
        return Posterior(mean, cov, mode, kernel, time, learning_rate, noise, diag_reg)
    digits = dps + 12
    with workdps(dps):
        prior_mp = _to_mp_matrix(prior)
        trained_mp = _to_mp_matrix(trained)
        y_mp = _to_mp_matrix(train_y)
        block_trace = mpmath.fsum(trained_mp[i, i] for i in range(n))
        reg_t = _regularizer(diag_reg, diag_reg_absolute_scale, block_trace, n)
        if mode == "bayes":
            scale = math.inf
            reg_p = reg_t = reg_t + noise
        else:
            scale = math.inf if time == math.inf else learning_rate * time / n_targets
            reg_p = reg_t if kernel == "nngp" else mpmath.mpf(0)
        mean, cov = _posterior_mp(prior_mp, trained_mp, y_mp, n, scale, reg_p, reg_t, what, digits)
        mean, cov = _round_matrix(mean, dps), _round_matrix(cov, dps)
    return Posterior(mean, cov, mode, kernel, time, learning_rate, noise, diag_reg)


def _check_gram(gram: Any, name: str, n: int) -> tuple[int, int]:
    rows, cols = (gram.rows, gram.cols) if isinstance(gram, mpmath.matrix) else np.shape(gram)
    if rows != cols or rows <= n:
        raise ValueError(
            f"{name} must be a square Gram matrix over [train; test] points with more than "
            f"n_train = {n} rows, got shape ({rows}, {cols})"
        )
    return rows, cols


def _check_y_for_gram(train_y: Any, n: int) -> Any:
    if isinstance(train_y, mpmath.matrix):
        rows = train_y.rows
    else:
        arr = np.asarray(train_y, dtype=object)
        if arr.ndim not in (1, 2):
            raise ValueError(f"train_y must have shape (n,) or (n, k), got {arr.shape}")
        rows = arr.shape[0]
    if rows != n:
        raise ValueError(f"train_y must have n_train = {n} rows, got {rows}")
    return train_y


# ----------------------------------------------------------------------------- public API


def gp_posterior_from_gram(
    gram: Any,
    train_y: Any,
    *,
    noise: Any = 0.0,
    diag_reg: Any = 0.0,
    diag_reg_absolute_scale: bool = False,
    dps: int | None = None,
) -> Posterior:
    r"""Gaussian-process regression posterior from a joint Gram matrix over ``[train; test]``.

    Parameters
    ----------
    gram : array_like or mpmath.matrix, shape (n + m, n + m)
        Prior covariance over the ``n`` training points followed by the ``m`` test points.
    train_y : array_like, shape (n,) or (n, k)
    noise : float, default 0
        Observation-noise variance :math:`\sigma_\epsilon^2 \ge 0` (added to the training block).
    diag_reg : float, default 0
        Diagonal regularizer, relative to the mean of the training diagonal unless
        ``diag_reg_absolute_scale`` (neural-tangents' convention).
    diag_reg_absolute_scale : bool, default False
    dps : int or None
        ``None``: float64; int: mpmath at that many digits.

    Returns
    -------
    Posterior
        Latent-function posterior mean and covariance at the test points.

    Raises
    ------
    ValueError
        Bad shapes, negative ``noise`` / ``diag_reg``, or a singular training block with
        ``noise = diag_reg = 0``.

    Notes
    -----
    :math:`\mu = K_{xX}(K_{XX} + \rho I)^{-1}Y`, :math:`\Sigma = K_{xx} - K_{xX}(K_{XX} + \rho
    I)^{-1}K_{Xx}`, :math:`\rho = \sigma_\epsilon^2 + ` regularizer [RW06, eq. (2.24)], computed
    as :math:`C P C^T` with :math:`C = [-B, I]`, :math:`B = K_{xX}(K_{XX}+\rho I)^{-1}` and
    :math:`P` the Gram matrix with :math:`\rho` added to its training block (an identity that
    keeps the result positive semi-definite).

    Examples
    --------
    >>> post = gp_posterior_from_gram([[1.0, 0.5], [0.5, 1.0]], [1.0])
    >>> float(post.mean[0]), float(post.covariance[0, 0])
    (0.5, 0.75)
    """
    dps = None if dps is None else check_dps(dps)
    gram = gram if isinstance(gram, mpmath.matrix) else np.asarray(gram, dtype=object)
    train_y = train_y if isinstance(train_y, mpmath.matrix) else np.asarray(train_y, dtype=object)
    n = train_y.rows if isinstance(train_y, mpmath.matrix) else train_y.shape[0]
    _check_gram(gram, "gram", n)
    _check_y_for_gram(train_y, n)
    noise = _nonnegative(noise, "noise", dps)
    diag_reg = _nonnegative(diag_reg, "diag_reg", dps)
    return _run(
        gram,
        gram,
        train_y,
        n,
        mode="bayes",
        kernel="nngp",
        time=math.inf,
        learning_rate=None,
        noise=noise,
        diag_reg=diag_reg,
        diag_reg_absolute_scale=diag_reg_absolute_scale,
        dps=dps,
    )


def gd_ensemble_from_gram(
    nngp_gram: Any,
    trained_gram: Any,
    train_y: Any,
    *,
    time: Any = "inf",
    learning_rate: Any = 1.0,
    diag_reg: Any = 0.0,
    diag_reg_absolute_scale: bool = False,
    trained_is_nngp: bool = False,
    dps: int | None = None,
) -> Posterior:
    r"""Gradient-descent ensemble from joint Gram matrices over ``[train; test]`` points.

    Parameters
    ----------
    nngp_gram : array_like or mpmath.matrix, shape (n + m, n + m)
        Prior (NNGP) covariance of the outputs at initialization.
    trained_gram : array_like or mpmath.matrix, shape (n + m, n + m)
        Kernel that drives training: the NTK (all layers trained) or the NNGP (readout only).
    train_y : array_like, shape (n,) or (n, k)
    time : float or "inf", default "inf"
        Training time :math:`t \ge 0` (neural-tangents' steps).
    learning_rate : float, default 1
        :math:`\eta > 0`.
    diag_reg : float, default 0
        Regularizer added to the training block of ``trained_gram`` (relative to its mean
        diagonal unless ``diag_reg_absolute_scale``); also to the prior when
        ``trained_is_nngp`` (then prior and trained kernel are one matrix).
    diag_reg_absolute_scale : bool, default False
    trained_is_nngp : bool, default False
    dps : int or None

    Returns
    -------
    Posterior

    Raises
    ------
    ValueError
        Bad shapes, negative time, non-positive learning rate, a kernel that is not positive
        semi-definite, or a singular training kernel at ``time="inf"`` without ``diag_reg``.

    Notes
    -----
    [LXSBNSP19, eq. (15)-(16)] with :math:`A_t = V \mathrm{diag}(g(\lambda)) V^T`,
    :math:`g(\lambda) = (1 - e^{-s\lambda})/\lambda = s\,\varphi_1(s\lambda)`,
    :math:`s = \eta t / n` (``n = train_y.size``), and :math:`g = 1/\lambda` at
    :math:`t = \infty`; covariance :math:`C P C^T` with :math:`C = [-\Theta_{xX}A_t,\ I]`.

    Examples
    --------
    >>> g = [[1.0, 0.5], [0.5, 1.0]]
    >>> float(gd_ensemble_from_gram(g, g, [1.0], time=0).covariance[0, 0])
    1.0
    """
    dps = None if dps is None else check_dps(dps)
    nngp_gram = nngp_gram if isinstance(nngp_gram, mpmath.matrix) else np.asarray(nngp_gram)
    trained_gram = (
        trained_gram if isinstance(trained_gram, mpmath.matrix) else np.asarray(trained_gram)
    )
    train_y = train_y if isinstance(train_y, mpmath.matrix) else np.asarray(train_y, dtype=object)
    n = train_y.rows if isinstance(train_y, mpmath.matrix) else train_y.shape[0]
    shape_p = _check_gram(nngp_gram, "nngp_gram", n)
    shape_t = _check_gram(trained_gram, "trained_gram", n)
    if shape_p != shape_t:
        raise ValueError(f"nngp_gram and trained_gram shapes differ: {shape_p} vs {shape_t}")
    _check_y_for_gram(train_y, n)
    time = _parse_time(time, dps)
    learning_rate = _check_learning_rate(learning_rate, dps)
    diag_reg = _nonnegative(diag_reg, "diag_reg", dps)
    return _run(
        nngp_gram,
        trained_gram,
        train_y,
        n,
        mode="gd",
        kernel="nngp" if trained_is_nngp else "ntk",
        time=time,
        learning_rate=learning_rate,
        noise=0.0 if dps is None else mpmath.mpf(0),
        diag_reg=diag_reg,
        diag_reg_absolute_scale=diag_reg_absolute_scale,
        dps=dps,
    )


def _joint_kernels(
    activation: Any,
    sigma_w: Any,
    sigma_b: Any,
    train_x: np.ndarray,
    test_x: np.ndarray,
    depth: int,
    dps: int | None,
    params: dict[str, object],
) -> Any:
    points = np.concatenate([train_x, test_x], axis=0)
    inner = None if dps is None else dps + 12
    return nngp_ntk(activation, sigma_w, sigma_b, points, depth=depth, dps=inner, **params)  # type: ignore[arg-type]


def _targets(train_y: np.ndarray, dps: int | None) -> Any:
    if dps is None:
        return np.asarray(train_y, dtype=float)
    return np.asarray(train_y, dtype=object)


def nngp_posterior(
    activation: Any,
    sigma_w: Any,
    sigma_b: Any,
    train_x: Any,
    train_y: Any,
    test_x: Any,
    *,
    depth: int,
    noise: Any = 0.0,
    diag_reg: Any = 0.0,
    diag_reg_absolute_scale: bool = False,
    dps: int | None = None,
    **params: object,
) -> Posterior:
    r"""Bayesian posterior of an infinitely wide network (GP regression with the NNGP kernel).

    Parameters
    ----------
    activation : str or BoundActivation
    sigma_w, sigma_b : float or str
        Weight and bias standard deviations of every Dense layer.
    train_x : array_like (n, d) or path to ``.npy`` / ``.csv`` (one point a row)
    train_y : array_like (n,) or (n, k), or path
    test_x : array_like (m, d), or path
    depth : int
        Number of nonlinearities (``>= 0``).
    noise : float, default 0
        Observation-noise variance.
    diag_reg : float, default 0
        Diagonal regularizer (relative to the mean training diagonal unless
        ``diag_reg_absolute_scale``), needed when the NNGP training block is singular and
        ``noise = 0``.
    diag_reg_absolute_scale : bool, default False
    dps : int or None
        ``None``: float64; int: mpmath (kernel included) at that many digits.
    **params
        Activation parameters (e.g. ``alpha``).

    Returns
    -------
    Posterior

    Raises
    ------
    ValueError, TypeError
        Bad shapes, non-finite data, negative ``noise``, unreadable files, or a singular
        kernel without ``noise`` / ``diag_reg``.

    Notes
    -----
    NNGP kernel of [LBNSSP18, eq. (4)] (:func:`asymptote.nngp_ntk`) and the GP posterior
    [RW06, eq. (2.24)]: :math:`\mu = K_{xX}(K_{XX}+\sigma_\epsilon^2 I)^{-1}Y`,
    :math:`\Sigma = K_{xx} - K_{xX}(K_{XX}+\sigma_\epsilon^2 I)^{-1}K_{Xx}`.

    Examples
    --------
    >>> post = nngp_posterior("relu", 1.4, 0.2, [[1.0, 0.0], [0.0, 1.0]], [1.0, -1.0],
    ...                       [[0.6, 0.8]], depth=2)
    >>> round(float(post.mean[0]), 10)
    -0.2269687899
    """
    dps = None if dps is None else check_dps(dps)
    tx, ty, sx = _check_data(train_x, train_y, test_x, exact=dps is not None)
    noise = _nonnegative(noise, "noise", dps)
    diag_reg = _nonnegative(diag_reg, "diag_reg", dps)
    pair = _joint_kernels(activation, sigma_w, sigma_b, tx, sx, depth, dps, dict(params))
    return _run(
        pair.nngp,
        pair.nngp,
        _targets(ty, dps),
        tx.shape[0],
        mode="bayes",
        kernel="nngp",
        time=math.inf,
        learning_rate=None,
        noise=noise,
        diag_reg=diag_reg,
        diag_reg_absolute_scale=diag_reg_absolute_scale,
        dps=dps,
    )


def gradient_descent_ensemble(
    activation: Any,
    sigma_w: Any,
    sigma_b: Any,
    train_x: Any,
    train_y: Any,
    test_x: Any,
    *,
    depth: int,
    kernel: str = "ntk",
    time: Any = "inf",
    learning_rate: Any = 1.0,
    diag_reg: Any = 0.0,
    diag_reg_absolute_scale: bool = False,
    dps: int | None = None,
    **params: object,
) -> Posterior:
    r"""Mean and covariance over initializations of a wide network trained by gradient descent.

    Parameters
    ----------
    activation : str or BoundActivation
    sigma_w, sigma_b : float or str
    train_x, train_y, test_x : array_like or path to ``.npy`` / ``.csv``
        As in :func:`nngp_posterior`.
    depth : int
        Number of nonlinearities (``>= 0``).
    kernel : {"ntk", "nngp"}, default "ntk"
        ``"ntk"``: all layers trained; ``"nngp"``: only the readout layer.
    time : float or "inf", default "inf"
        Continuous training time :math:`t \ge 0` (neural-tangents' units: steps of size
        ``learning_rate``).
    learning_rate : float, default 1
    diag_reg : float, default 0
        Diagonal regularizer of the training kernel (relative to its mean diagonal unless
        ``diag_reg_absolute_scale``), needed at ``time="inf"`` when it is singular.
    diag_reg_absolute_scale : bool, default False
    dps : int or None
    **params
        Activation parameters.

    Returns
    -------
    Posterior

    Raises
    ------
    ValueError, TypeError
        Bad shapes or values (``time < 0``, ``learning_rate <= 0``, unknown ``kernel``),
        unreadable files, or a singular kernel at ``time="inf"`` without ``diag_reg``.

    Notes
    -----
    Continuous-time gradient descent on :math:`\frac{1}{2n}\sum_i (f(X_i)-Y_i)^2` makes the
    infinitely wide network linear in its parameters, so
    :math:`f_t(x) = f_0(x) + \Theta_{xX} A_t (Y - f_0(X))` with
    :math:`A_t = \Theta_{XX}^{-1}(I - e^{-\eta\Theta_{XX}t/n})` and :math:`f_0 \sim GP(0, K)`
    [LXSBNSP19, eq. (15)-(16); JGH18, Thm. 1]; kernels from :func:`asymptote.nngp_ntk`.

    Examples
    --------
    >>> ens = gradient_descent_ensemble("relu", 1.4, 0.2, [[1.0, 0.0], [0.0, 1.0]],
    ...                                 [1.0, -1.0], [[0.6, 0.8]], depth=2, time=1.0)
    >>> round(float(ens.mean[0]), 10), round(float(ens.covariance[0, 0]), 10)
    (-0.1422050423, 0.17897668)
    """
    if kernel not in ("ntk", "nngp"):
        raise ValueError(f"kernel must be 'ntk' or 'nngp', got {kernel!r}")
    dps = None if dps is None else check_dps(dps)
    tx, ty, sx = _check_data(train_x, train_y, test_x, exact=dps is not None)
    time = _parse_time(time, dps)
    learning_rate = _check_learning_rate(learning_rate, dps)
    diag_reg = _nonnegative(diag_reg, "diag_reg", dps)
    pair = _joint_kernels(activation, sigma_w, sigma_b, tx, sx, depth, dps, dict(params))
    trained = pair.ntk if kernel == "ntk" else pair.nngp
    return _run(
        pair.nngp,
        trained,
        _targets(ty, dps),
        tx.shape[0],
        mode="gd",
        kernel=kernel,
        time=time,
        learning_rate=learning_rate,
        noise=0.0 if dps is None else mpmath.mpf(0),
        diag_reg=diag_reg,
        diag_reg_absolute_scale=diag_reg_absolute_scale,
        dps=dps,
    )
