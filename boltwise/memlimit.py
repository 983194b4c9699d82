"""A ceiling on one process's memory, and telling whether a job ran into it.

The extraction workers parse whatever pages arrive; a page of a million elements takes lxml and
trafilatura past 1.8 GB. The ceiling is a limit on the process's address space (``RLIMIT_AS``),
set above what the worker already holds when it starts (about 320 MB: interpreter, trafilatura,
the memory-mapped language model). Measured: the address-space limit and the data-segment limit
stop the same pages at the same points, but only the address space has a peak the kernel keeps
(``VmPeak``), and that is what tells a job that ran into the ceiling: lxml and trafilatura often
swallow the failed allocation and return an unparseable tree, no text or a fallback skipped,
rather than raise ``MemoryError``.

Linux only (``/proc/self/status``); elsewhere there is no ceiling.
"""

from __future__ import annotations

import resource
from pathlib import Path

# more than the largest allocation seen failing at the ceiling (39 MB), far less than a normal page
# leaves between its peak and the ceiling (a de-news page peaks within 18 MB of the start)
_SLACK = 128 * 1024 * 1024
_STATUS = Path("/proc/self/status")


def _vm(field: str) -> int | None:
    """A ``Vm*`` figure of this process in bytes; None where /proc does not tell."""
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


class MemoryCeiling:
    """Set in the process it limits: ``extra`` bytes more than the process holds now."""

    def __init__(self, extra: int) -> None:
        start = _vm("VmSize")
        self.limit = start + extra if extra and start is not None else None
        self.start = start or 0
        self.slack = min(_SLACK, extra // 4)  # a small ceiling must leave the jobs room
        if self.limit is not None:
            resource.setrlimit(resource.RLIMIT_AS, (self.limit, resource.getrlimit(resource.RLIMIT_AS)[1]))

    def reached(self) -> bool:
        """Whether this process came within reach of the ceiling: a job since then may have
        failed because of it, whatever it returned."""
        if self.limit is None:
            return False
        peak = _vm("VmPeak")
        return peak is not None and peak >= self.limit - self.slack

    def bloated(self) -> bool:
        """Whether the process holds more than half its headroom after a job: memory a big page
        took is not given back to the system, and would leave the next pages less room."""
        if self.limit is None:
            return False
        size = _vm("VmSize")
        return size is not None and size > (self.start + self.limit) / 2
