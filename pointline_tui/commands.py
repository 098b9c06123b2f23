"""Command palette entries: every screen, and every table of the lake."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from pointline_tui.context import LakeNavigator, lake_context, navigator


class LakeCommands(Provider):
    """``view: manifest``, ``table: trades``, ``table: trades history`` and so on."""

    async def startup(self) -> None:
        # Listing the lake touches the disk: keep it off the event loop.
        catalog = await asyncio.to_thread(lake_context(self).reader.catalog, open_tables=False)
        self._tables = [(entry.name, entry.group) for entry in catalog]

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = navigator(self)
        commands: list[tuple[str, Callable[[], object], str]] = [
            ("view: lake", app.show_lake, "The lake tree and table details"),
            ("view: manifest", app.show_manifest, "Ingest manifest by status"),
            ("view: quarantine", app.show_quarantine, "Quarantined rows by rule"),
            (
                "view: hot partitions",
                app.show_hot_partitions,
                "Hot partitions of every event table, worst first",
            ),
            ("view: reconcile", app.show_reconcile, "Manifest row counts against the lake's rows"),
            ("view: lake health", app.show_health, "Upkeep of every table, with what to do"),
            ("view: help", app.show_help, "Keys and screens"),
            ("view: errors", app.show_errors, "What failed in this run, in full"),
        ]
        for table, group in getattr(self, "_tables", []):
            commands.append((f"table: {table}", partial(app.show_table, table), "Select it"))
            commands.append(
                (f"table: {table} history", partial(app.show_history, table), "Delta commits")
            )
            if group == "events":
                commands.append(
                    (
                        f"table: {table} heat map",
                        partial(_heat_map, app, table),
                        "Small files by exchange and trading date",
                    )
                )
            if table == "dim_symbol":
                commands.append(
                    (
                        "table: dim_symbol symbol changes",
                        app.show_dim_history,
                        "Symbols added, closed and changed, version by version",
                    )
                )
            if lake_context(self).read_only:
                continue  # nothing that writes is offered
            commands.append(
                (
                    f"table: {table} vacuum (dry run)",
                    partial(_vacuum, app, table),
                    "Files no version needs, before deleting any",
                )
            )
            commands.append(
                (
                    f"table: {table} create checkpoint",
                    partial(app.create_checkpoint, table),
                    "Readers stop replaying its commits; plan first",
                )
            )
            commands.append(
                (
                    f"table: {table} clean up expired log files",
                    partial(app.clean_log, table),
                    "Log files past the log retention; plan first",
                )
            )
            if group == "events":
                commands.append(
                    (
                        f"table: {table} compact hot partitions",
                        partial(app.compact_hot, table),
                        "Plan first, then confirm",
                    )
                )
        return commands

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(Content(name), callback, text=name, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, _highlight(matcher, name), callback, text=name, help=help_text)


def _heat_map(app: LakeNavigator, table: str) -> None:
    """The heat map, over the lake screen with ``table`` selected."""
    app.show_table(table)
    app.show_heat_map(table)


def _vacuum(app: LakeNavigator, table: str) -> None:
    """The dry run, over the lake screen with ``table`` selected."""
    app.show_table(table)
    app.vacuum_dry_run(table)


def _highlight(matcher: Matcher, name: str) -> Content:
    """``name`` with the matched letters in bold: as text, since folder names may hold "[".

    (``Matcher.highlight`` would read the name as markup.)
    """
    _, offsets = matcher.fuzzy_search.match(matcher.query, name)
    content = Content(name)
    for offset in offsets:
        content = content.stylize("bold underline", offset, offset + 1)
    return content
