"""Debian's headless Chromium for the tests of pages people look at (review pages, the report)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")
# As root, with no network and a fresh profile: without the networking flags Chromium keeps
# trying hosts this machine cannot reach.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def run_chromium(tmp_path: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run headless Chromium with a new profile under `tmp_path` (e.g. `--dump-dom URL`)."""
    profile = tmp_path / f"chromium-profile-{len(list(tmp_path.glob('chromium-profile-*')))}"
    profile.mkdir()
    cmd = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=check)
