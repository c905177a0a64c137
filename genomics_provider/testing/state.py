"""In-memory state of both emulated services: plain dicts keyed by id, easy to read from tests.

One Codex objects are stored as the API shows them (``"$uri"``, links as ``{"$ref": "/api/v1/..."}``);
:meth:`OneCodexState.sample_tag_ids` and friends read them as ids. Seven Bridges files are stored as the API shows
them, minus ``href`` (which depends on the server's URL).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from genomics_provider.onecodex.limits import ID_HEX_DIGITS

OC_ID = re.compile(rf"^[0-9a-f]{{{ID_HEX_DIGITS}}}$")

Obj = dict[str, Any]


def oc_timestamp(now: float) -> str:
    """Format a One Codex timestamp (RFC 3339 with offset).

    :param now: Epoch seconds.
    :return: E.g. ``"2024-03-01T10:00:00.000000+00:00"``.
    """
    return datetime.fromtimestamp(now, UTC).isoformat(timespec="microseconds")


def sb_timestamp(now: float) -> str:
    """Format a Seven Bridges timestamp.

    :param now: Epoch seconds.
    :return: E.g. ``"2024-03-01T10:00:00Z"``.
    """
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _derived_id(kind: str, counter: int, length: int) -> str:
    return hashlib.sha256(f"emulator:{kind}:{counter}".encode()).hexdigest()[:length]


def json_copy(value: Any) -> Any:
    """Copy a stored JSON value's dicts and lists, so a rendered answer never shares them with the state.

    :param value: A JSON-like value.
    :return: The copy (scalars as they are).
    """
    if isinstance(value, dict):
        return {k: json_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_copy(v) for v in value]
    return value


def link_id(value: Any) -> str | None:
    """Return the id a One Codex link points to.

    :param value: ``{"$ref": "/api/v1/<resource>/<id>"}``, an object with ``$uri``, a bare id, or ``None``.
    :return: The id, or ``None``.
    """
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("$ref") or value.get("$uri") or ""
    return str(value).rsplit("/", 1)[-1]


@dataclass
class OneCodexState:
    """One Codex data, each object stored exactly as the API shows it (``$uri``, links as ``{"$ref"}``):
    ``users``, ``accounts`` (by user id), ``samples``, ``tags``, ``projects``, ``metadata``, all keyed by id.

    ``caller`` is the user id the configured API key belongs to; ``organizations`` maps user ids to their
    organisation. ``imports`` maps an importing sample id to ``(started_at, delay_s)``; a ``None`` delay means
    "the emulator's ``config.import_delay_s`` at the time of the check". The sample becomes ``available`` once the
    delay has passed (applied when the emulator handles a One Codex request, or by :meth:`advance_imports`).
    """

    caller: str = ""
    organizations: dict[str, str] = field(default_factory=dict)
    users: dict[str, Obj] = field(default_factory=dict)
    accounts: dict[str, Obj] = field(default_factory=dict)
    samples: dict[str, Obj] = field(default_factory=dict)
    tags: dict[str, Obj] = field(default_factory=dict)
    projects: dict[str, Obj] = field(default_factory=dict)
    metadata: dict[str, Obj] = field(default_factory=dict)
    imports: dict[str, tuple[float, float | None]] = field(default_factory=dict)
    _counter: int = 0

    def sample_tag_ids(self, sample_id: str) -> list[str]:
        """Return a sample's tag ids, in order.

        :param sample_id: Sample id.
        :return: Tag ids.
        """
        return [tid for tid in (link_id(tag) for tag in self.samples[sample_id]["tags"]) if tid]

    def sample_tag_names(self, sample_id: str) -> list[str]:
        """Return a sample's tag names, in order.

        :param sample_id: Sample id.
        :return: Tag names (unknown tag ids are skipped).
        """
        return [self.tags[tid]["name"] for tid in self.sample_tag_ids(sample_id) if tid in self.tags]

    def metadata_for_sample(self, sample_id: str) -> Obj:
        """Return a sample's metadata record.

        :param sample_id: Sample id.
        :return: The stored record.
        :raises KeyError: If the sample or its record does not exist.
        """
        return self.metadata[link_id(self.samples[sample_id]["metadata"]) or ""]

    def tag_ids_named(self, name: str) -> list[str]:
        """Find tags by exact name.

        :param name: Tag name (case-sensitive).
        :return: Matching tag ids, oldest first.
        """
        return [tid for tid, tag in self.tags.items() if tag["name"] == name]

    def new_id(self, kind: str) -> str:
        """Allocate a fresh, deterministic 16-hex id not used by any object.

        :param kind: Resource name, mixed into the id.
        :return: The id.
        """
        taken = (self.samples, self.tags, self.projects, self.metadata, self.users)
        while True:
            self._counter += 1
            candidate = _derived_id(kind, self._counter, 16)
            if not any(candidate in table for table in taken):
                return candidate

    def start_import(self, sample_id: str, now: float, delay_s: float | None = None) -> None:
        """Put a sample into the ``importing`` state; it becomes ``available`` after the delay.

        :param sample_id: Sample id.
        :param now: Current epoch seconds.
        :param delay_s: Seconds until the import finishes; ``None`` follows ``config.import_delay_s``.
        """
        sample = self.samples[sample_id]
        sample.update(status="importing", visibility="importing", primary_classification=None)
        self.imports[sample_id] = (now, delay_s)

    def advance_imports(self, now: float, default_delay_s: float) -> list[str]:
        """Finish every import whose delay has passed.

        :param now: Current epoch seconds.
        :param default_delay_s: Delay for imports started without one (the emulator's ``config.import_delay_s``).
        :return: The ids of samples that just became available.
        """
        done = [
            sid
            for sid, (started, delay) in self.imports.items()
            if started + (default_delay_s if delay is None else delay) <= now
        ]
        for sample_id in done:
            del self.imports[sample_id]
            sample = self.samples.get(sample_id)
            if sample is None or sample["status"] != "importing":
                continue
            sample.update(status="available", visibility="private", updated_at=oc_timestamp(now))
            classification = _derived_id("classification", int(sample_id, 16) % 10**9, 16)
            sample["primary_classification"] = {"$ref": f"/api/v1/classifications/{classification}"}
        return done

    def org_of(self, user_id: str | None) -> str | None:
        """Return a user's organisation.

        :param user_id: User id.
        :return: The organisation name, or ``None``.
        """
        return self.organizations.get(user_id or "")


@dataclass
class SevenBridgesState:
    """Seven Bridges data: ``users`` (by username), ``projects`` (by ``owner/project``), ``files`` (files and
    folders by id). ``read_only`` holds ids of files whose tags and metadata cannot change (5009/5011);
    ``root_folders`` maps a project's root folder id to the project id. ``caller`` is the token's username.

    Listing uses an index of children per parent, so a page costs the same at any offset; it is rebuilt
    automatically when the number of files changes behind :meth:`add_file`'s back (an entry added to or deleted from
    ``files`` directly). After changing a file's ``parent`` or ``project`` in place, or deleting one file and adding
    another directly, call :meth:`reindex`.
    """

    caller: str = ""
    users: dict[str, Obj] = field(default_factory=dict)
    projects: dict[str, Obj] = field(default_factory=dict)
    files: dict[str, Obj] = field(default_factory=dict)
    read_only: set[str] = field(default_factory=set)
    root_folders: dict[str, str] = field(default_factory=dict)
    _children: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _indexed: int = -1
    _counter: int = 0

    def reindex(self) -> None:
        """Rebuild the children-per-parent index."""
        children: dict[str, list[str]] = {}
        for file_id, item in self.files.items():
            children.setdefault(item.get("parent") or "", []).append(file_id)
        self._children = children
        self._indexed = len(self.files)

    def children(self, parent: str) -> list[str]:
        """Return the ids directly under a folder (or a project's root folder), in creation order.

        :param parent: Folder id.
        :return: Child ids (do not modify the list).
        """
        if self._indexed != len(self.files):
            self.reindex()
        return self._children.get(parent, [])

    def new_id(self) -> str:
        """Allocate a fresh, deterministic 24-hex id.

        :return: The id.
        """
        while True:
            self._counter += 1
            candidate = _derived_id("sbfile", self._counter, 24)
            if candidate not in self.files and candidate not in self.root_folders:
                return candidate

    def add_file(self, item: Obj, read_only: bool = False) -> Obj:
        """Add a file or folder (fills defaults, keeps the index up to date).

        :param item: At least ``name`` and ``project``; ``parent`` defaults to the project's root folder.
        :param read_only: Mark the file read-only.
        :return: The stored dict.
        """
        stored = dict(item)
        stored.setdefault("id", self.new_id())
        stored.setdefault("type", "file")
        stored.setdefault("parent", self.projects[stored["project"]]["root_folder"])
        stored.setdefault("created_on", "2024-01-01T00:00:00Z")
        stored.setdefault("modified_on", stored["created_on"])
        if stored["type"] == "file":
            stored.setdefault("size", 0)
            stored.setdefault("storage", {"type": "PLATFORM", "hosted_on_locations": ["aws:us-east-1"]})
            stored.setdefault("origin", {})
            stored.setdefault("tags", [])
            stored.setdefault("metadata", {})
        index_current = self._indexed == len(self.files) and stored["id"] not in self.files
        self.files[stored["id"]] = stored
        if index_current:
            self._children.setdefault(stored["parent"], []).append(stored["id"])
            self._indexed = len(self.files)
        else:
            self._indexed = -1  # changed behind our back, or an id replaced: rebuild on the next listing
        if read_only:
            self.read_only.add(stored["id"])
        return stored
