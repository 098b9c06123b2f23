"""pointline-tui: operator's console and Delta Lake storage for a pointline silver lake."""

__version__ = "0.1.0"
