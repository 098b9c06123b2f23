"""Bindings that several screens share."""

from __future__ import annotations

from textual.binding import Binding

QUIET_VIEW_KEYS = [
    Binding("m", "app.show_manifest", "Manifest", show=False),
    Binding("q", "app.show_quarantine", "Quarantine", show=False),
]
"""The app's ``m`` and ``q``, still working but left out of the footer, so that a screen's own
keys and the app's ``? Help`` fit 60 columns (the help lists them)."""
