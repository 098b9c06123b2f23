"""What counts as a small file and a hot partition: the numbers, apart from the frames."""

SMALL_FILE_BYTES = 32 * 2**20
"""Files below this size count as small."""
HOT_MIN_SMALL_FILES = 8
"""A partition with at least this many small files is hot (worth compacting)."""
