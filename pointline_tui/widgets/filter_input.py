"""The one-line filter of a list: text in any column; ``?`` still opens the help."""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class FilterInput(Input):
    """An ``Input`` that leaves ``?`` to the app's help binding.

    No exchange, date, table or file name holds a ``?``, and the footer keeps offering the
    help while the filter is typed (an Input hides every key it would type).
    """

    HELP_KEY = "?"

    def check_consume_key(self, key: str, character: str | None) -> bool:
        """Every printable key but ``?``."""
        return character != self.HELP_KEY and super().check_consume_key(key, character)

    async def _on_key(self, event: events.Key) -> None:
        if event.character == self.HELP_KEY:
            event.prevent_default()  # not typed; it bubbles on to the app's binding
