"""``python -m genomics_provider.testing serve ...``."""

from __future__ import annotations

import sys

from genomics_provider.testing.cli import main

if __name__ == "__main__":
    sys.exit(main())
