"""Writing files safely: output paths checked before work starts, every write atomic.

Every file asymptote writes (reports, figures, trajectories, PDFs) is first written to a
temporary file in the target's own directory and then moved into place with
:func:`os.replace`, so an interrupted or failed write never leaves a truncated file behind and
never destroys the previous version.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_write", "atomic_write_text", "check_output_path"]


def check_output_path(
    path: str | os.PathLike[str],
    option: str,
    *,
    suffixes: Iterable[str] = (),
    force: bool = True,
    directory: bool = False,
) -> Path:
    """Check, before any work, that ``path`` can be written; return it as a :class:`Path`.

    Parameters
    ----------
    path : str or path-like
        Where the output will go.
    option : str
        Name used in messages (``"--out"``, ``"path"``).
    suffixes : iterable of str, optional
        Allowed file suffixes (lower case, with the dot); empty allows any.
    force : bool, optional
        Allow replacing an existing file (default ``True`` for library calls; the command line
        passes ``--force``).
    directory : bool, optional
        The output is a directory (created if missing; its parent must exist).

    Raises
    ------
    ValueError
        Empty path, wrong suffix, missing or non-writable parent directory, a directory where
        a file is expected (or the reverse), or an existing file without ``force``.
    """
    text = os.fspath(path)
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{option} needs a file name, got {text!r}")
    target = Path(text)
    allowed = tuple(suffixes)
    if allowed and target.suffix.lower() not in allowed:
        raise ValueError(f"{option} must end in {' or '.join(allowed)}, got {text!r}")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise ValueError(f"{option}: directory {str(parent)!r} does not exist (for {text!r})")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"{option}: directory {str(parent)!r} is not writable (for {text!r})")
    if directory:
        if target.exists() and not target.is_dir():
            raise ValueError(f"{option} must be a directory, but {text!r} is a file")
        return target
    if target.is_dir():
        raise ValueError(f"{option} must be a file name, but {text!r} is a directory")
    if target.exists() and not force:
        raise ValueError(f"{option}: {text!r} exists; pass --force to replace it")
    return target


def atomic_write(path: str | os.PathLike[str], write: Callable[[IO[bytes]], Any]) -> Path:
    """Call ``write(fileobj)`` on a temporary file beside ``path``, then move it into place.

    The temporary file is removed if ``write`` raises (also on ``KeyboardInterrupt``), so the
    old content of ``path``, if any, survives untouched.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`atomic_write`)."""
    data = text.encode("utf-8")
    return atomic_write(path, lambda handle: handle.write(data))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
