"""The incremental JSON array reader behind :func:`genomics_provider.curation.sheet.iter_rows`'s ``json`` format.

``json.load`` would hold the whole sheet; this reads one chunk of text and one array item at a time, so a 100,000-row
JSON sheet costs the memory of its longest row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, Final, TextIO

from genomics_provider.exceptions import InvalidInputError

__all__ = ["CHUNK", "MAX_ROW_CHARS", "iter_json_array"]

#: Characters of JSON read at a time.
CHUNK: Final = 1 << 16
#: A JSON row longer than this is refused (it is not a sample sheet row, or the JSON is broken).
MAX_ROW_CHARS: Final = 1 << 24


def iter_json_array(stream: TextIO | Iterable[str]) -> Iterator[tuple[int, Any]]:
    """Read a JSON array one item at a time, holding at most one item and one chunk of text.

    :param stream: The text.
    :return: ``(number, item)`` pairs, numbered from 1.
    :raises InvalidInputError: When the text is not one JSON array.
    """
    text = _JsonText(_chunks(stream))
    if text.peek() != "[":
        raise InvalidInputError("sheet: not a JSON array; a JSON sheet is one array of objects, [{...}, {...}]")
    text.pos += 1
    number = 0
    while (next_char := text.peek()) != "]":
        if number:
            if next_char != ",":
                raise InvalidInputError(f"sheet: after row {number}: expected ',' or ']' in the JSON array")
            text.pos += 1
            text.peek()
        number += 1
        yield number, text.value(number)
    text.pos += 1
    if text.peek():
        raise InvalidInputError("sheet: text follows the JSON array's closing ']'")


def _chunks(stream: TextIO | Iterable[str]) -> Iterator[str]:
    read = getattr(stream, "read", None)
    if read is None:
        yield from stream
        return
    while chunk := read(CHUNK):
        yield chunk


class _JsonText:
    """A window on a JSON text: the unread rest of the chunks read so far, and a position in it.

    :param chunks: The text, in pieces.
    """

    def __init__(self, chunks: Iterator[str]) -> None:
        self.chunks = chunks
        self.buffer = next(chunks, "").removeprefix("\ufeff")
        self.pos = 0
        self.decoder = json.JSONDecoder()

    def more(self) -> bool:
        """Read the next chunk, dropping what was already read.

        :return: ``False`` when the text has ended.
        """
        chunk = next(self.chunks, None)
        if chunk is None:
            return False
        self.buffer, self.pos = self.buffer[self.pos :] + chunk, 0
        return True

    def peek(self) -> str:
        """Skip whitespace, reading on as needed.

        :return: The next character, or ``""`` at the end of the text.
        """
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self.more():
                return ""

    def value(self, number: int) -> Any:
        """Decode the JSON value at the position, reading on until it is whole.

        :param number: The row number, for messages.
        :return: The value.
        :raises InvalidInputError: When it is not JSON, or the text ends first.
        """
        while True:
            try:
                value, self.pos = self.decoder.raw_decode(self.buffer, self.pos)
                return value
            except json.JSONDecodeError as exc:
                if len(self.buffer) - self.pos > MAX_ROW_CHARS or not self.more():
                    raise InvalidInputError(f"sheet: row {number}: not valid JSON ({exc.msg})") from None
