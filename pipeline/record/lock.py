"""One writer per output: an exclusive lock on `PATH.lock` beside what a command writes.

`claims run` holds it on OUT for the whole run, `claims review import` on the corrections store,
`claims report` and `claims review export` on the page or folder they write. A second command onto
the same output fails at once (E060, naming the holder's pid), or waits for it with `wait=True`.

The lock is `flock(2)` on the lock file: the kernel drops it when the holder exits, however it
exits (a crash, `kill -9`), so a stale lock cannot outlive its process. The file itself stays (it
holds the pid of the current holder, or nothing): removing it would let a third process lock a
new file while a second still waits on the old one. Where `fcntl` is missing (Windows) there is no
lock and one writer at a time is up to the user.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

from ..errors import ClaimsError, Errors

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None


def lock_path(path: str | Path) -> Path:
    """`PATH.lock` beside a file or folder (`out/claims.jsonl.lock`, `review.lock` for `review/`)."""
    path = Path(path)
    return path.with_name(path.name + ".lock")


def _holder(fd: int) -> str:
    """The pid the holder wrote into the lock file, or '?' if it has not written it yet."""
    try:
        text = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
    except OSError:
        return "?"
    return text if text.isdigit() else "?"


def _lock_error(path: Path, lock: Path, err: OSError) -> ClaimsError:
    return ClaimsError(
        Errors.E061.format(lock=lock, detail=err.strerror or err),
        path=str(path),
        stage="lock",
        code="LockFailed",
    )


@contextlib.contextmanager
def output_lock(path: str | Path, *, wait: bool = False) -> Iterator[Path]:
    """Hold the exclusive lock of `path` (see the module docstring); yields the lock file's path.

    Not re-entrant: taking it twice in one process blocks (or fails) like a second process would.
    """
    path = Path(path)
    lock = lock_path(path)
    if fcntl is None:  # pragma: no cover
        yield lock
        return
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as err:
        raise _lock_error(path, lock, err) from err
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            if err.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise _lock_error(path, lock, err) from err
            if not wait:
                raise ClaimsError(
                    Errors.E060.format(path=path, pid=_holder(fd), lock=lock),
                    path=str(path),
                    stage="lock",
                    code="Locked",
                ) from None
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        try:
            yield lock
        finally:
            # Empty it before letting go, so a reader never takes a finished run's pid for a holder.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the last descriptor releases the flock
