"""Errors of the read model: a bad lake root and a Delta log that does not load."""

from __future__ import annotations

from pointline_tui.storage.models import StorageError


class LakeRootError(StorageError, OSError):
    """The silver root is missing, not a folder or unreadable."""

    def __str__(self) -> str:  # OSError would prefix an errno when given two args
        return str(self.args[0]) if self.args else ""


class DamagedTableError(StorageError):
    """A table whose Delta log exists but fails to load.

    Attributes:
        table_name: the table's folder name.
        reason: delta-rs's error text.
    """

    def __init__(self, table_name: str, reason: str) -> None:
        super().__init__(f"table {table_name!r} has a damaged Delta log: {reason}")
        self.table_name = table_name
        self.reason = reason
