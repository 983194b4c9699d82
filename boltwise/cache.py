"""Data boltwise derives once from installed packages and keeps in the user's cache directory.

Each entry is a directory named for what it was derived from (package release, file size), so an
upgrade makes a new one instead of reading a stale one. Deleting any of them is always safe.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/boltwise``, by default ``~/.cache/boltwise``."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "boltwise"


def filled(directory: Path, fill: Callable[[Path], None]) -> Path:
    """``directory``, which ``fill`` writes into on first use.

    ``fill`` writes into a fresh temporary directory that is then renamed, so ``directory`` is
    whole or absent, also when several crawls start at once. Raises OSError when it cannot be
    written.
    """
    if not directory.is_dir():
        directory.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=".partial-", dir=directory.parent))
        try:
            fill(partial)
            os.rename(partial, directory)
        except OSError:
            shutil.rmtree(partial, ignore_errors=True)
            if not directory.is_dir():  # and not just another crawl that was quicker
                raise
    return directory
