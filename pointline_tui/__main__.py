"""Run the console with ``python -m pointline_tui``."""

from pointline_tui.cli import main

raise SystemExit(main())
