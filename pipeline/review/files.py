"""Atomic file writes for review exports and the corrections store (see `pipeline.record.io`)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ..record.io import atomic_path, write_text_atomic

__all__ = ["write_text_atomic", "write_zip_atomic"]


def write_zip_atomic(path: str | Path, members: dict[str, str]) -> None:
    """Write a ZIP of text members (name → UTF-8 text) through a temporary file and a rename."""
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text.encode("utf-8"))
