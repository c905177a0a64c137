"""Seven Bridges platform limits: the one source the rules, the emulator and the consistency tests read.

A leaf module (it imports nothing from the provider), so :mod:`genomics_provider.sevenbridges.rules` (the operators'
validation), the hook and the emulator (:mod:`genomics_provider.testing`) can all import it. Values are the API
reference's: custom metadata keys are at most 100 UTF-8 bytes, values 300, a file holds at most 1000 pairs; bulk
calls take at most 100 items; a list page is 50 items by default and 100 at most; the rate limit is a fixed window of
1000 requests per 5 minutes.
"""

from __future__ import annotations

from typing import Final

MAX_KEY_BYTES: Final = 100
MAX_VALUE_BYTES: Final = 300
MAX_PAIRS: Final = 1000
#: Items per bulk call (``/bulk/files/get``, ``/edit``, ``/update``).
BULK_LIMIT: Final = 100
#: ``limit`` of a list call: the default and the maximum.
PAGE_SIZE_DEFAULT: Final = 50
PAGE_SIZE_MAX: Final = 100
#: The rate limit: requests per fixed window, and the window's length in seconds.
RATE_LIMIT_REQUESTS: Final = 1000
RATE_LIMIT_WINDOW_S: Final = 300.0
#: An id is 24 lowercase hex characters (the rule lives in :data:`genomics_provider.validation.SEVENBRIDGES_ID`).
ID_HEX_DIGITS: Final = 24
