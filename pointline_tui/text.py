"""Text from outside (lake names, library errors) made fit to show: the one place for both rules.

Folder names and partition values can hold anything a writer put there, and delta-rs's errors
carry ANSI colour, Rust debug structures and, with ``RUST_BACKTRACE`` set, backtraces. Nothing
shown may restyle or move the terminal, and nothing is ever read as markup: callers render
these strings literally (``rich.text.Text``, ``markup=False``).
"""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e]")
_BACKTRACE = re.compile(r"(?:\n\s*Stack backtrace:|\n\s+\d+: ).*", re.DOTALL)
_RUST_STRUCT = re.compile(r"\b[A-Z][A-Za-z]+ \{ .*", re.DOTALL)
_RUST_PATH = re.compile(r'\bpath: "([^"]+)"')
_PREFIXES = (
    "Kernel error: ",
    "Generic delta kernel error: ",
    "Generic DeltaTable error: ",
    "Generic error: ",
)
MAX_ERROR_CHARS = 300
"""An error's short text is cut here; the whole text stays on the exception (``--verbose``)."""


def safe_text(value: object) -> str:
    r"""``value`` as text whose control characters and escape sequences are shown, not obeyed.

    An escape character becomes the four characters ``\x1b``: an operator sees that the name
    holds an escape, and the terminal is left alone. Square brackets stay (nothing renders
    markup).
    """
    return _UNPRINTABLE.sub(_visible, str(value))


def one_line(value: object) -> str:
    """``safe_text`` on a single line (newlines and tabs become spaces), for a table cell."""
    return safe_text(" ".join(str(value).split()))


def short_error(err: BaseException | str) -> str:
    """The first useful line of an error, for a person: what failed and which file.

    ANSI colour, backtraces (whatever ``RUST_BACKTRACE`` says) and Rust debug structures go;
    a path named inside such a structure is kept. The result is ``safe_text``.
    """
    text = _ANSI.sub("", str(err)).replace("\r", "")
    text = _BACKTRACE.sub("", text)
    struct = _RUST_STRUCT.search(text)
    if struct is not None:
        paths = list(dict.fromkeys(_RUST_PATH.findall(struct.group(0))))
        text = text[: struct.start()].rstrip(" :") + (": " + ", ".join(paths) if paths else "")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else type(err).__name__ if isinstance(err, BaseException) else ""
    for prefix in _PREFIXES:  # delta-rs nests these wrappers; they say nothing
        first = first.replace(prefix, "")
    first = " ".join(first.split())
    if len(first) > MAX_ERROR_CHARS:
        first = first[: MAX_ERROR_CHARS - 1] + "…"
    return safe_text(first)


def full_error(err: BaseException) -> str:
    """Every message of ``err`` and its causes, colour removed, for ``--verbose`` and details."""
    parts = []
    seen: BaseException | None = err
    while seen is not None:
        parts.append(f"{type(seen).__name__}: {_ANSI.sub('', str(seen))}")
        seen = seen.__cause__ or seen.__context__
    return "\n".join(safe_text(line) for part in parts for line in part.splitlines())


def _visible(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
