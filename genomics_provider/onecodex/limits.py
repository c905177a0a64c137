"""One Codex's vendor limits and value sets: the one source the rules, the emulator and the contract tests read.

A leaf module (it imports nothing from the provider), so :mod:`genomics_provider.onecodex.rules` (the operators'
validation), the hook and the emulator (:mod:`genomics_provider.testing`) can all import it. The JSON contract
``genomics_provider/testing/contracts/onecodex_requests.json`` restates some of these values because it is a subset
of the vendor's OpenAPI document; ``tests/testing/test_contract_sources.py`` fails when the two disagree.

Why ``starred`` refuses null is written in :mod:`genomics_provider.onecodex.rules`.
"""

from __future__ import annotations

from typing import Any, Final, Literal

Visibility = Literal["public", "shared", "private"]
#: Visibilities the operators set.
VISIBILITIES: Final[tuple[Visibility, ...]] = ("private", "shared", "public")
#: Every visibility a sample PATCH accepts (OpenAPI ``ApiV1Visibility``); the last two are set by the service.
API_VISIBILITIES: Final = ("public", "shared", "private", "importing", "awaiting data")
#: A tag name is 1 to 30 characters (OpenAPI ``TagCreateSchema`` / ``InlineTag``).
TAG_NAME_MAX: Final = 30
#: The fields a sample PATCH may carry (OpenAPI ``SampleUpdateSchema``).
SAMPLE_WRITABLE: Final = frozenset({"project", "tags", "visibility"})
#: Sample fields One Codex accepts in ``where``.
SAMPLE_WHERE_FIELDS: Final = frozenset(
    {"$uri", "created_at", "updated_at", "filename", "metadata", "owner", "primary_classification", "project",
     "size", "tags", "visibility", "status", "error_msg"}
)  # fmt: skip
#: Largest ``per_page`` of a list call ([L] caps it at 1000), and the default when it is left out.
PAGE_SIZE_MAX: Final = 1000
PAGE_SIZE_DEFAULT: Final = 50
#: The documented rate limit: requests per second per client.
RATE_PER_S: Final = 10.0
#: An id is 16 lowercase hex characters (the rule lives in :data:`genomics_provider.validation.ONECODEX_ID`).
ID_HEX_DIGITS: Final = 16

PLATFORMS: Final = (
    "454 sequencing", "454 GS FLX", "454 GS FLX Titanium", "Illumina", "Illumina Genome Analyzer II",
    "Illumina HiSeq", "Illumina HiSeq 1500", "Illumina HiSeq 2000", "Illumina HiSeq 2500", "Illumina HiSeq 3000",
    "Illumina HiSeq 4000", "Illumina HiSeq X", "Illumina iSeq 100", "Illumina MiniSeq", "Illumina MiSeq",
    "Illumina NextSeq", "Illumina NextSeq 500", "Illumina NextSeq 550", "Illumina NovaSeq", "Illumina NovaSeq 5000",
    "Illumina NovaSeq 6000", "BGISEQ", "BGISEQ 50", "Element", "Element AVITI", "Ion", "Ion S5", "Ion S5 XL",
    "Ion PGM", "Ion Proton", "Ion Torrent", "Oxford Nanopore", "Oxford Nanopore GridION X5",
    "Oxford Nanopore MinION", "Oxford Nanopore PromethION", "PacBio", "PacBio RS II", "PacBio Sequel",
    "PacBio Sequel II System", "PacBio Revio", "PacBio Onso", "SOLiD", "Solexa Genome Analyzer", "Sanger", "Other",
)  # fmt: skip
"""``SequencingPlatform`` enum of One Codex's OpenAPI document."""
LIBRARY_TYPES: Final = ("WGS", "Targeted/16S", "Other")
SAMPLE_TYPES: Final = ("Isolate", "Metagenomic", "Other")

#: Writable metadata fields and their rule: ("str", max length) | ("enum", values) | ("date",) | ("num", lo, hi) |
#: ("bool",). Every field is nullable except those in :data:`NOT_NULLABLE_METADATA`.
METADATA_FIELDS: Final[dict[str, tuple[Any, ...]]] = {
    "name": ("str", 255),
    "description": ("str", None),
    "external_sample_id": ("str", 60),
    "platform": ("enum", PLATFORMS),
    "library_type": ("enum", LIBRARY_TYPES),
    "sample_type": ("enum", SAMPLE_TYPES),
    "date_collected": ("date",),
    "date_sequenced": ("date",),
    "location_lat": ("num", -90.0, 90.0),
    "location_lon": ("num", -180.0, 180.0),
    "location_string": ("str", 255),
    "starred": ("bool",),
}
#: Metadata fields that refuse null (why ``starred`` is one: :mod:`genomics_provider.onecodex.rules`).
NOT_NULLABLE_METADATA: Final = frozenset({"starred"})
#: Metadata fields the service sets and a PATCH must never send.
METADATA_READ_ONLY: Final = ("$uri", "sample", "updated_at")
#: ``custom`` is a flat object; a value is a string, a number, a boolean or null.
CUSTOM_VALUE_TYPES: Final = (str, int, float, bool, type(None))
#: An RFC 3339 date-time as the service accepts it (what a metadata date field must match).
DATETIME_PATTERN: Final = r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$"
