"""The tables of a silver lake: every sub-folder of the root, with its group and state."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pointline_tui.lake.errors import DamagedTableError, LakeRootError
from pointline_tui.storage.delta.layout import inside
from pointline_tui.storage.models import StorageError, TableNotFoundError, UnknownTableError
from pointline_tui.storage.schemas import TABLES
from pointline_tui.text import short_error

if TYPE_CHECKING:
    from deltalake import DeltaTable

TableGroup = Literal["events", "dimensions", "control", "other"]
TableState = Literal["delta", "empty", "not_delta", "damaged"]

GROUP_ORDER: tuple[TableGroup, ...] = ("events", "dimensions", "control", "other")
_GROUP_OF_KIND: dict[str, TableGroup] = {
    "event": "events",
    "dimension": "dimensions",
    "control": "control",
}
DELTA_LOG = "_delta_log"
OUTSIDE_REASON = "the folder leads outside the lake root; it is never opened (pointline-tui check)"
_COUNT_CAP = 10_000
"""Stop counting a stray folder's files here: it is not a table, so not worth a long walk."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TableEntry:
    """One sub-folder of the silver root."""

    name: str
    group: TableGroup
    state: TableState
    reason: str | None
    """Why the folder is not a usable Delta table (``None`` for ``delta`` and ``empty``)."""
    path: Path


TableOpener = Callable[[str, Path], object]
"""Opens (and may cache) the table ``name`` at ``path``; raises ``DamagedTableError``."""


def group_of(name: str) -> TableGroup:
    """The group of a table name in the schema registry (``"other"`` for unknown names)."""
    spec = TABLES.get(name)
    return _GROUP_OF_KIND[spec.kind] if spec is not None else "other"


def check_root(root: Path) -> None:
    """Make sure the silver root is a readable folder.

    Raises:
        LakeRootError: the root is missing, not a folder or unreadable.
    """
    if not root.exists():
        raise LakeRootError(f"silver root {root} does not exist")
    if not root.is_dir():
        raise LakeRootError(f"silver root {root} is not a folder")
    if not os.access(root, os.R_OK | os.X_OK):
        raise LakeRootError(f"silver root {root} cannot be read (permission denied)")


def table_dir(root: Path, name: str) -> Path:
    """The folder of table ``name``: a direct, visible sub-folder name of the root.

    Unlike ``storage.delta.layout.table_path`` any folder name the catalog lists is accepted,
    so that tables written by other tools can be inspected too.

    Raises:
        UnknownTableError: ``name`` is not a plain folder name (separators, ``..``, hidden).
    """
    if (
        not isinstance(name, str)
        or not name
        or name[0] in "._"
        or "/" in name
        or "\\" in name
        or "\x00" in name
    ):
        raise UnknownTableError(f"invalid table name {name!r}")
    return root / name


def check_table_dir(name: str, path: Path) -> None:
    """Make sure the folder ``path`` of table ``name`` may be read as a Delta table.

    Raises:
        DamagedTableError: the folder leads outside the lake root.
        TableNotFoundError: the folder does not exist or has no ``_delta_log``.
    """
    if not inside(path, path.parent):
        raise DamagedTableError(name, OUTSIDE_REASON)
    if not (path / DELTA_LOG).exists():
        raise TableNotFoundError(f"table {name!r} is not a Delta table (no {DELTA_LOG} in {path})")


def open_delta(
    name: str, path: Path, *, version: int | None = None, without_files: bool = False
) -> DeltaTable:
    """Open the Delta table ``name`` at ``path``.

    Args:
        name: the table's name, for messages.
        path: its folder.
        version: the version to load (default: the newest).
        without_files: load no file list (metadata, schema and history only).

    Raises:
        TableNotFoundError: the folder does not exist or has no ``_delta_log``.
        DamagedTableError: the log exists but delta-rs fails to load it.
    """
    check_table_dir(name, path)
    from deltalake import DeltaTable

    try:
        return DeltaTable(str(path), version=version, without_files=without_files)
    except Exception as err:  # delta-rs raises several unrelated types for a bad log
        raise DamagedTableError(name, damage_reason(name, path, err)) from err


def damage_reason(name: str, path: Path, err: BaseException) -> str:
    """Why the log at ``path`` does not load, for a person.

    ``check``'s finding when it has one (it names the file), else delta-rs's message, short.
    """
    from pointline_tui.storage.delta.check import check_table  # polars: not for a listing

    try:
        findings = check_table(path.parent, name, scan_files=False)
    except StorageError:
        findings = ()
    errors = [f for f in findings if f.severity == "error"]
    return errors[0].message.removeprefix(f"{name}: ") if errors else short_error(err)


class LakeCatalog:
    """Lists the tables of a silver lake.

    Args:
        silver_root: folder holding one table per sub-folder.
        opener: opens a Delta table to check that its log loads; the reader passes its cache
            here so each table is opened once. Defaults to opening (and dropping) it.
    """

    def __init__(self, silver_root: Path, *, opener: TableOpener | None = None) -> None:
        self.silver_root = Path(silver_root)
        self._opener: TableOpener = opener or open_delta

    def tables(self, *, open_tables: bool = True) -> tuple[TableEntry, ...]:
        """Every visible sub-folder of the root, sorted by group then name.

        Folders starting with ``.`` or ``_`` are skipped. A folder that cannot be opened
        becomes an entry with its state and reason; it never hides the others.

        Args:
            open_tables: open every Delta log to tell sound ones from damaged ones. Without
                it, a folder with a ``_delta_log`` is listed as "delta" unchecked: a listing
                that costs a folder scan, not a log replay per table (seconds on big tables).

        Returns:
            The entries, events first, then dimensions, control tables and other folders.

        Raises:
            LakeRootError: the root is missing, not a folder or unreadable.
        """
        root = self.silver_root
        check_root(root)
        try:
            names = [
                entry.name
                for entry in os.scandir(root)
                if entry.name[0] not in "._" and entry.is_dir()
            ]
        except OSError as err:
            raise LakeRootError(f"silver root {root} cannot be read: {err.strerror}") from err
        entries = [self._entry(name, root / name, open_tables=open_tables) for name in names]
        return tuple(sorted(entries, key=lambda e: (GROUP_ORDER.index(e.group), e.name)))

    def entry(self, name: str, *, open_table: bool = True) -> TableEntry | None:
        """The entry of the folder ``name`` alone, ``None`` when it is not there.

        What a command about one table needs, without opening every other table's log.
        ``open_table``: open its log (see ``tables``' ``open_tables``).

        Raises:
            UnknownTableError: ``name`` is not a plain folder name.
            LakeRootError: the root is missing, not a folder or unreadable.
        """
        check_root(self.silver_root)
        path = table_dir(self.silver_root, name)
        if not path.is_dir():
            return None
        return self._entry(name, path, open_tables=open_table)

    def _entry(self, name: str, path: Path, *, open_tables: bool) -> TableEntry:
        state, reason = self._classify(name, path, open_tables=open_tables)
        return TableEntry(name=name, group=group_of(name), state=state, reason=reason, path=path)

    def _classify(
        self,
        name: str,
        path: Path,
        *,
        open_tables: bool,
    ) -> tuple[TableState, str | None]:
        if not inside(path, self.silver_root):
            return "damaged", OUTSIDE_REASON
        if (path / DELTA_LOG).exists():
            if not open_tables:
                return "delta", None
            try:
                self._opener(name, path)
            except DamagedTableError as err:
                return "damaged", err.reason
            except TableNotFoundError as err:  # the log vanished in between
                return "not_delta", str(err)
            return "delta", None
        try:
            parquet, other = _count_files(path)
        except OSError as err:
            return "not_delta", f"no {DELTA_LOG}; folder cannot be read: {err.strerror}"
        if parquet == 0 and other == 0:
            return "empty", None
        return "not_delta", f"no {DELTA_LOG}; {_describe(parquet, other)}"


def _count_files(path: Path) -> tuple[int, int]:
    """Parquet and other files below ``path`` (hidden ones skipped), each capped."""
    parquet = other = 0
    stack = [path]
    while stack and parquet + other < _COUNT_CAP:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    stack.append(Path(entry.path))
                elif entry.name.endswith(".parquet"):
                    parquet += 1
                else:
                    other += 1
    return parquet, other


def _describe(parquet: int, other: int) -> str:
    def count(n: int, what: str) -> str:
        more = "+" if parquet + other >= _COUNT_CAP else ""
        return f"{n}{more} {what} file{'' if n == 1 else 's'}"

    text = count(parquet, "parquet")
    return text if not other else f"{text}, {count(other, 'other')}"
