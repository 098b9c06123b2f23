"""A file-size histogram as text: one bar of files and one of bytes per size bucket."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from pointline_tui.formatting import count, human_bytes, short_bytes, short_count
from pointline_tui.lake.histogram import MIB, SizeBucket
from pointline_tui.lake.thresholds import SMALL_FILE_BYTES

BAR_WIDTH = 7
"""Cells per bar: two bars and their figures fit the detail pane at 80 columns."""
_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(value: int, maximum: int, width: int = BAR_WIDTH) -> str:
    """``value`` of ``maximum`` as a bar of block characters, in eighths of a cell.

    Any value above zero shows at least a sliver, so that a bucket holding one file among a
    million still shows; without colour the blocks read as they are.
    """
    if value <= 0 or maximum <= 0:
        return " " * width
    eighths = max(1, round(value / maximum * width * 8))
    full, part = divmod(min(eighths, width * 8), 8)
    return ("█" * full + (_EIGHTHS[part] if part else "")).ljust(width)


def histogram_text(buckets: Sequence[SizeBucket]) -> Text:
    """The buckets as aligned lines: label, files bar and count, bytes bar and size.

    Buckets of small files (below ``SMALL_FILE_BYTES``) are drawn in the hot colour.
    """
    most_files = max((b.files for b in buckets), default=0)
    most_bytes = max((b.bytes for b in buckets), default=0)
    files = sum(b.files for b in buckets)
    small = sum(b.files for b in buckets if b.high is not None and b.high <= SMALL_FILE_BYTES)
    text = Text()
    text.append(f"{'file size':<11}", style="dim")
    text.append(f"{'files':<{BAR_WIDTH + 6}}  bytes\n", style="dim")
    for b in buckets:
        style = "yellow" if b.high is not None and b.high <= SMALL_FILE_BYTES else "green"
        text.append(f"{b.label:<11}")
        text.append(bar(b.files, most_files), style=style)
        text.append(f"{short_count(b.files):>5}  ")
        text.append(bar(b.bytes, most_bytes), style=style)
        text.append(f"{short_bytes(b.bytes):>5}\n")
    text.append(f"{'in all':<11}", style="dim")
    total = human_bytes(sum(b.bytes for b in buckets))
    text.append(
        f"{count(files)} files · {total} · {count(small)} small (< {SMALL_FILE_BYTES // MIB} MiB)"
    )
    return text
