"""Where each table lives under the silver root, and what is inside it."""

from __future__ import annotations

import re
from pathlib import Path

from pointline_tui.storage.models import UnknownTableError

_TABLE_NAME = re.compile(r"[a-z][a-z0-9_]*")


def table_path(silver_root: Path, table_name: str) -> Path:
    """Return ``silver_root / table_name``.

    Raises:
        UnknownTableError: (a ``ValueError``) ``table_name`` is not a plain table name
            (``^[a-z][a-z0-9_]*$``), so it could never escape the silver root through
            separators, ``..`` or an absolute path.
    """
    if not isinstance(table_name, str) or not _TABLE_NAME.fullmatch(table_name):
        raise UnknownTableError(
            f"invalid table name {table_name!r}: expected lowercase letters, digits and "
            "underscores, starting with a letter"
        )
    return Path(silver_root) / table_name


def inside(path: Path, root: Path) -> bool:
    """Whether ``path`` resolves (all symlinks followed) inside ``root``."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        return False
