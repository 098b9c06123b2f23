"""What screens get from the app: the lake's services, and the navigation the app owns.

Screens ask ``lake_context(self)`` for the reader, the stores and the read-only flag, and
``navigator(self)`` to open another screen, so that no screen casts ``self.app`` to the app
class or imports another screen module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from textual.app import App

    from pointline_tui.lake.plan import PartitionKey
    from pointline_tui.lake.reader import LakeReader
    from pointline_tui.maintenance import LockingOptimizer, PartitionVacuum
    from pointline_tui.screens.orphans import OrphanRemoval


@dataclass(frozen=True, slots=True, kw_only=True)
class LakeContext:
    """The lake the app was opened on, and the stores that change it."""

    reader: LakeReader
    optimizer: LockingOptimizer
    vacuum: PartitionVacuum
    orphans: OrphanRemoval
    read_only: bool = False
    """Offer the plans and dry runs, but refuse (and the stores refuse) every write."""


@runtime_checkable
class LakeNavigator(Protocol):
    """The screens the app opens on request (``PointlineApp`` implements it)."""

    def show_lake(self) -> None:
        """Back to the lake screen."""

    def show_table(self, table: str) -> None:
        """Back to the lake screen with ``table`` selected."""

    def show_history(self, table: str) -> None:
        """Open ``table``'s Delta history."""

    def show_manifest(self, *, file_id: int | None = None) -> None:
        """Open the manifest (at ``file_id``'s entry)."""

    def show_quarantine(self, *, file_id: int | None = None) -> None:
        """Open the quarantine (of ``file_id``'s rows)."""

    def show_help(self) -> None:
        """Open the keys of every screen."""

    def plan_compaction(self, table: str, partitions: Sequence[PartitionKey]) -> None:
        """Open the compaction plan of ``partitions``; ``(None, None)``: the whole table."""

    def compact_hot(self, table: str) -> None:
        """Plan compacting ``table``'s hot partitions."""

    def vacuum_dry_run(self, table: str, partitions: Sequence[PartitionKey] | None = None) -> None:
        """Open the vacuum dry run of ``table`` (only inside ``partitions``, if given)."""

    def remove_orphans(self, table: str) -> None:
        """Open the list of ``table``'s orphaned files."""


class _Attached(Protocol):
    """A widget, screen or command provider: anything that knows its app."""

    @property
    def app(self) -> App[Any]: ...


def lake_context(node: _Attached) -> LakeContext:
    """The lake services of ``node``'s app.

    Raises:
        TypeError: the app holds no ``LakeContext`` (it is not a ``PointlineApp``).
    """
    context = getattr(node.app, "context", None)
    if not isinstance(context, LakeContext):
        raise TypeError(f"{type(node.app).__name__} holds no LakeContext")
    return context


def navigator(node: _Attached) -> LakeNavigator:
    """``node``'s app, as what opens the other screens.

    Raises:
        TypeError: the app does not implement ``LakeNavigator``.
    """
    app = node.app
    if not isinstance(app, LakeNavigator):
        raise TypeError(f"{type(app).__name__} does not open the lake's screens")
    return app
