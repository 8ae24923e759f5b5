"""A function run in a forked copy of this process, its result sent back pickled through a pipe.

Used where work is split across cores without a pool (``scanner.scan._parallel``, the
multi-pattern pass's cold compile ``scanner.prepass.compile_all``): the child has everything the
parent had at the fork, so nothing is sent to it; it leaves with ``os._exit`` (no exit handlers, no
flush of the parent's buffered output). POSIX only: callers check for ``os.fork`` first.
"""
from __future__ import annotations

import os
import pickle

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable


def start(fn: Callable[[], Any], close: Iterable[int] = ()) -> tuple[int, int] | None:
    """Fork; the child runs ``fn`` (after closing the descriptors ``close``), pickles its result
    into a pipe and exits 0, or 1 if anything failed. Returns (child pid, read end of the pipe; the
    caller closes it), or None when the fork itself failed."""
    r, w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return None
    if pid == 0:
        code = 1
        try:
            os.close(r)
            for fd in close:
                os.close(fd)
            with open(w, "wb") as fh:
                pickle.dump(fn(), fh, protocol=pickle.HIGHEST_PROTOCOL)
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    return pid, r


def collect(pid: int, fd: int) -> tuple[bool, Any]:
    """(True, the child's result), or (False, None) if it failed or died; reads ``fd`` to its end
    and reaps the child (``fd`` stays open: the caller closes it)."""
    with open(fd, "rb", closefd=False) as fh:
        data = fh.read()
    if os.waitpid(pid, 0)[1] != 0 or not data:
        return False, None
    try:
        return True, pickle.loads(data)
    except Exception:  # noqa: BLE001 - a torn message counts as a failure
        return False, None
