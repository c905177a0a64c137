"""Hook for the Seven Bridges public API v2 (CGC, Seven Bridges Platform, CAVATICA, BioData Catalyst, China).

Wire choices (the emulator behaves the same way):

* **Base URL.** The connection's ``host`` holds the full API base including ``/v2``. When it is empty, extra
  ``platform`` picks one from :data:`PLATFORM_BASE_URLS` (``cgc`` by default).
* **Authentication.** ``X-SBG-Auth-Token: <token>`` (extra ``auth_scheme`` = ``token``, the default) or
  ``Authorization: Bearer <token>`` (``bearer``, for OAuth/SSO tokens). Extra ``advance_access`` true adds
  ``X-SBG-Advance-Access: advance``.
* **Rate limit.** No client-side token bucket by default: the limit is a fixed window of 1000 requests per 5 minutes,
  paced from the ``X-RateLimit-Remaining`` / ``X-RateLimit-Reset`` headers by the shared limiter (once the window is
  spent, the next request waits until the reset). A 429 (code 1000) waits until ``X-RateLimit-Reset``; a maintenance
  503 (code 0) is retried with backoff up to ``max_attempts``; both within ``max_wait`` (see
  :class:`genomics_provider.hooks._retry.AttemptCounts`). Extra
  ``rate_limit`` (requests per second) still adds a bucket when set.
* **Lists** ask for ``limit=100`` and ``fields=_all`` and follow the ``links`` entry with ``rel=next`` (an absolute
  URL, which must be on the base URL's origin) until there is none, yielding one page at a time
  (:meth:`SevenBridgesHook.iter_files`), each file id once. A ``next`` link back to a page already read (its own
  page included) or a page that lists no new file ends the listing with ``GenomicsApiError`` instead of a loop. A
  caller that writes between pages, and so may move files out of the listing, asks for each page's ``offset`` itself
  instead (:meth:`SevenBridgesHook.list_files_page`).
* **Bulk calls** are chunked at 100 items and send the item key ``id`` (what the official client sends). A bulk get
  is retried like any read; a bulk edit or update like any write: only when the platform certainly did not act on it
  (429, 503, no connection), because re-sending a stale complete value after an unknown outcome could overwrite
  another writer's change; the operators re-read and re-send what still differs instead. They return one
  ``{"resource": ...}`` or ``{"error": ...}`` record per item, in request order; an error item's ``message`` and
  ``more_info`` are scrubbed of the token before anything reads them.
* **Checked before sending** (ids, projects, bodies and filters, in ``_sevenbridges_query``) and **after** (one
  object where one is expected, listed items with string ids, in ``_sevenbridges_answers``); anything else is a
  ``GenomicsApiError`` naming the method and path, and a bulk result without a string id an error record.
* **Errors** keep the body's ``code`` and ``message``, and its ``more_info`` link as the exception's ``more_info``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from typing import Any, ClassVar, Literal, cast
from urllib.parse import quote, urlsplit

from genomics_provider import SEVENBRIDGES_CONNECTION_TYPE
from genomics_provider._compat import legacy_connection_form
from genomics_provider.exceptions import GenomicsApiError, InvalidInputError
from genomics_provider.hooks._deprecation import deprecated_alias
from genomics_provider.hooks._sevenbridges_answers import (
    bulk_records,
    file_id_of,
    iter_listing,
    next_link,
    page_items,
    repeated_page_error,
)
from genomics_provider.hooks._sevenbridges_connection import (
    AUTH_SCHEMES,
    DEFAULT_PLATFORM,
    PLATFORM_BASE_URLS,
    WEB_HOSTS,
    auth_headers,
    platform_base_url,
    web_origin,
    web_page,
)
from genomics_provider.hooks._sevenbridges_query import (
    BULK_LIMIT,
    check_pairs,
    checked_id,
    checked_items,
    list_params,
    query_of,
)
from genomics_provider.hooks.base import GenomicsRestHook
from genomics_provider.sevenbridges.query import FileQuery
from genomics_provider.sevenbridges.types import BulkItem as BulkItem
from genomics_provider.sevenbridges.types import BulkRecord as BulkRecord
from genomics_provider.sevenbridges.types import FilePage as FilePage
from genomics_provider.sevenbridges.types import SbFile as SbFile
from genomics_provider.validation import SEVENBRIDGES_ID, check_file_name, check_id, check_text, expect_object

__all__ = ["AUTH_SCHEMES", "BULK_LIMIT", "DEFAULT_PLATFORM", "FILE_ID_PATTERN", "PLATFORM_BASE_URLS", "WEB_HOSTS",
           "BulkAction", "BulkItem", "BulkRecord", "FilePage", "SbFile", "SevenBridgesHook", "file_id_of",
           "repeated_page_error"]  # fmt: skip

#: File and folder ids: 24 lowercase hex characters (the rule lives in genomics_provider.validation).
FILE_ID_PATTERN = SEVENBRIDGES_ID
BulkAction = Literal["get", "edit", "update"]


@legacy_connection_form(SEVENBRIDGES_CONNECTION_TYPE)
class SevenBridgesHook(GenomicsRestHook):
    """Talk to the Seven Bridges public API v2.

    Connection: ``host`` is the API base URL including ``/v2`` (``https://cgc-api.sbgenomics.com/v2``, or
    ``http://127.0.0.1:PORT/v2`` for the emulator); ``password`` is the authentication token. Extra: ``platform``
    (used when ``host`` is empty: ``cgc`` (default), ``aws-us``, ``aws-eu``, ``ali-cn``, ``cavatica``, ``f4c``),
    ``auth_scheme`` (``token`` | ``bearer``), ``advance_access`` (bool), ``timeout`` / ``connect_timeout`` (seconds),
    ``max_attempts`` (default 5), ``rate_limit`` (requests per second; unset by default).

    :param sevenbridges_conn_id: Optional. Airflow connection id (``sevenbridges_default``).
    :param kwargs: Optional. Passed to :class:`~genomics_provider.hooks.base.GenomicsRestHook`.
    """

    conn_name_attr = "sevenbridges_conn_id"
    default_conn_name = "sevenbridges_default"
    conn_type = "sevenbridges"
    hook_name = "Seven Bridges"

    service_name: ClassVar[str] = "Seven Bridges"
    credential_label: ClassVar[str] = "authentication token"
    default_base_url: ClassVar[str] = PLATFORM_BASE_URLS[DEFAULT_PLATFORM]
    default_rate_limit: ClassVar[float | None] = None
    status_hints: ClassVar[dict[int, str]] = {
        401: "check the authentication token in connection {conn_id!r}",
        403: "the token's user may not make this change; check the project permissions",
        404: "it does not exist, or is not visible to this token",
    }

    def __init__(self, sevenbridges_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(sevenbridges_conn_id, **kwargs)
        self.sevenbridges_conn_id = sevenbridges_conn_id

    # -- connection ------------------------------------------------------------------------------------------

    def resolve_default_base_url(self) -> str:
        """Pick the API base URL from extra ``platform`` when the connection has no host.

        :return: The platform's API base URL (``cgc`` when the extra is unset).
        :raises InvalidInputError: On an unknown platform.
        """
        return platform_base_url(self.extra.get("platform"), conn_id=self.conn_id)

    def auth_headers(self) -> dict[str, str]:
        """Build the auth headers for extra ``auth_scheme`` and ``advance_access``.

        :return: Header name to value.
        :raises InvalidInputError: On an unknown scheme or a non-boolean ``advance_access``.
        """
        return auth_headers(self.extra, self.credential, conn_id=self.conn_id)

    def probe(self) -> str:
        """Read the authenticated user (``GET /user``) for ``test_connection``.

        :return: The user name.
        """
        user = self.get_user()
        return str(user.get("username") or "the token's user")

    # -- web UI ----------------------------------------------------------------------------------------------

    @cached_property
    def web_base_url(self) -> str:
        """The platform's web UI origin, derived from the API host.

        Known API hosts map through :data:`WEB_HOSTS` (``cgc-api.sbgenomics.com`` → ``cgc.sbgenomics.com``,
        ``api.sbgenomics.com`` → ``igor.sbgenomics.com``, ``eu-api.`` → ``eu.``, ``cavatica-api.`` → ``cavatica.``,
        ``api.sb.biodatacatalyst.nhlbi.nih.gov`` and ``api.sevenbridges.cn`` → ``platform.`` of the same domain).
        Other hosts: ``<name>-api.<domain>`` becomes ``<name>.<domain>``, ``api.<domain>`` becomes
        ``platform.<domain>``. A loopback host (the emulator) keeps its scheme, port and path, minus ``/v2``.
        """
        return web_origin(self.base_url)

    def web_url_for(self, project: str | None = None, file_id: str | None = None) -> str:
        """Build a web UI URL: the project's files page, one file's page, or the platform's home page.

        :param project: Optional. ``owner/project``; without it the platform's home page is returned.
        :param file_id: Optional. A file id; with ``project``, the file's page.
        :return: ``{web}/u/{owner}/{project}/files/`` or ``{web}/u/{owner}/{project}/files/{file_id}/``.
        """
        return web_page(self.web_base_url, project, file_id)

    # -- user and projects -----------------------------------------------------------------------------------

    def get_user(self) -> dict[str, Any]:
        """Return the authenticated user (``GET /user``).

        :return: The user object (``username``, ``email``, ...).
        """
        return self._json_object("GET", "/user")

    def get_project(self, owner_project: str) -> dict[str, Any]:
        """Return one project (``GET /projects/{owner}/{project}``).

        :param owner_project: ``owner/project-short-name`` (the owner is case-sensitive).
        :return: The project object.
        :raises InvalidInputError: When the id is not ``owner/project`` (nothing is sent).
        """
        owner, short = check_id(owner_project, argument="project", kind="sevenbridges project").split("/")
        return self._json_object("GET", f"/projects/{quote(owner, safe='')}/{quote(short, safe='')}")

    # -- single files ----------------------------------------------------------------------------------------

    def get_file(self, file_id: str) -> SbFile:
        """Return one file or folder with all its fields (``GET /files/{id}``).

        :param file_id: 24-hex file id.
        :return: The file object.
        """
        return self._file("GET", f"/files/{checked_id(file_id)}")

    def update_file(self, file_id: str, *, name: str) -> SbFile:
        """Rename a file (``PATCH /files/{id}`` with only ``name``, so tags and metadata are left alone).

        :param file_id: 24-hex file id.
        :param name: The new name: printable text without ``/``, not ``.`` or ``..``.
        :return: The updated file.
        :raises InvalidInputError: On a bad id or name (nothing is sent).
        :raises GenomicsApiError: When the answer is not a file object with a string ``id``.
        """
        body = {"name": check_file_name(name)}
        return self._file("PATCH", f"/files/{checked_id(file_id)}", json_body=body)

    def merge_file_metadata(self, file_id: str, metadata: Mapping[str, str]) -> dict[str, Any]:
        """Merge metadata keys into a file (``PATCH /files/{id}/metadata``); other keys are kept.

        :param file_id: 24-hex file id.
        :param metadata: The keys to set. ``None`` values are refused (the API's handling of null is undocumented);
            use :meth:`replace_file_metadata` to remove keys.
        :return: The file's full metadata after the merge.
        :raises InvalidInputError: On a ``None`` value, or a key or value with a control character.
        """
        check_pairs(metadata)
        nulls = sorted(key for key, value in metadata.items() if value is None)
        if nulls:
            raise InvalidInputError(
                f"metadata: {', '.join(nulls)} set to None; null is never sent, use replace_file_metadata to remove "
                "keys"
            )
        return self._json_object("PATCH", f"/files/{checked_id(file_id)}/metadata", json_body=dict(metadata))

    def replace_file_metadata(self, file_id: str, metadata: Mapping[str, str]) -> dict[str, Any]:
        """Replace a file's metadata (``PUT /files/{id}/metadata``); keys left out are removed.

        :param file_id: 24-hex file id.
        :param metadata: The complete desired metadata.
        :return: The file's metadata.
        :raises InvalidInputError: On a key or value with a control character.
        """
        check_pairs(metadata)
        return self._json_object("PUT", f"/files/{checked_id(file_id)}/metadata", json_body=dict(metadata))

    def replace_file_tags(self, file_id: str, tags: Sequence[str]) -> list[str]:
        """Replace a file's tags (``PUT /files/{id}/tags`` with a bare JSON array).

        :param file_id: 24-hex file id.
        :param tags: The complete desired tag list.
        :return: The tag list the API returned.
        :raises GenomicsApiError: When the response is not a JSON array.
        """
        path = f"/files/{checked_id(file_id)}/tags"
        tags = [check_text(tag, label=f"tags[{index}]", noun="tags") for index, tag in enumerate(tags)]
        result = self.request_json("PUT", path, json_body=list(tags))
        if not isinstance(result, list):
            raise GenomicsApiError(f"expected a JSON array, got {type(result).__name__}", method="PUT", path=path)
        return [str(tag) for tag in result]

    patch_file_metadata = deprecated_alias(merge_file_metadata, "patch_file_metadata")
    put_file_metadata = deprecated_alias(replace_file_metadata, "put_file_metadata")
    put_file_tags = deprecated_alias(replace_file_tags, "put_file_tags")

    # -- listing ---------------------------------------------------------------------------------------------

    def iter_files(
        self,
        *,
        project: str | None = None,
        parent: str | None = None,
        names: Sequence[str] | None = None,
        tags: Sequence[str] | None = None,
        metadata: Mapping[str, str | Sequence[str]] | None = None,
        origin: Mapping[str, str] | None = None,
        fields: str = "_all",
        page_size: int = BULK_LIMIT,
        query: FileQuery | None = None,
    ) -> Iterator[SbFile]:
        """Yield every file and folder of one project root or one folder that matches the filters, page by page.

        Repeated values of one filter match any of them (OR); different filters must all match (AND), as the API
        does. Only one page is held at a time; the ``links`` entry with ``rel=next`` is followed to the end.

        :param project: Optional. ``owner/project``; give exactly one of ``project`` and ``parent``.
        :param parent: Optional. Folder id; give exactly one of ``project`` and ``parent``.
        :param names: Optional. Exact file names.
        :param tags: Optional. Tags.
        :param metadata: Optional. ``{key: value or [values]}``, sent as ``metadata.<key>=<value>``.
        :param origin: Optional. ``{"task": uuid}`` or ``{"dataset": name}``, sent as ``origin.<key>``.
        :param fields: Optional. Field selector (``_all`` by default, so tags and metadata come back).
        :param page_size: Optional. Items per page, 1 to 100 (default 100).
        :param query: Optional. The whole selection as one validated query, instead of ``project``, ``parent`` and
            the filters.
        :return: An iterator of file objects.
        :raises InvalidInputError: When both or neither of ``project`` and ``parent`` are given, on a bad page size,
            or when ``query`` comes with ``project``, ``parent`` or a filter.
        """
        where = query_of(query, project, parent, names, tags, metadata, origin)
        return iter_listing(
            self._json_object, self.url_for, "/files", list_params(where, fields, page_size), self.scrub
        )

    def list_files_page(
        self,
        *,
        offset: int = 0,
        project: str | None = None,
        parent: str | None = None,
        names: Sequence[str] | None = None,
        tags: Sequence[str] | None = None,
        metadata: Mapping[str, str | Sequence[str]] | None = None,
        origin: Mapping[str, str] | None = None,
        fields: str = "_all",
        page_size: int = BULK_LIMIT,
        query: FileQuery | None = None,
    ) -> FilePage:
        """Read one page of a file listing at a given offset (``GET /files?offset=…&limit=…``).

        For callers that write between pages: a write that moves files out of the filtered listing shifts every
        later file to a lower offset, so the caller computes the next offset itself rather than following
        ``rel=next``. The filters are those of :meth:`iter_files`; ``offset`` is left out when it is 0.

        :param offset: Optional. 0-based position of the page's first item (default 0).
        :param project: Optional. ``owner/project``; give exactly one of ``project`` and ``parent``.
        :param parent: Optional. Folder id.
        :param names: Optional. Exact file names.
        :param tags: Optional. Tags.
        :param metadata: Optional. ``{key: value or [values]}``.
        :param origin: Optional. ``{"task": uuid}`` or ``{"dataset": name}``.
        :param fields: Optional. Field selector (``_all`` by default).
        :param page_size: Optional. Items per page, 1 to 100 (default 100).
        :param query: Optional. The whole selection as one validated query (see :meth:`iter_files`).
        :return: The page's items and whether the listing went on after it.
        :raises InvalidInputError: On a negative offset, a bad page size, not exactly one of ``project`` and
            ``parent``, or ``query`` together with ``project``, ``parent`` or a filter.
        :raises GenomicsApiError: When the request fails or the body is not a list envelope.
        """
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise InvalidInputError(f"offset: {offset!r} must be an integer >= 0")
        where = query_of(query, project, parent, names, tags, metadata, origin, caller="list_files_page")
        params = list_params(where, fields, page_size, caller="list_files_page")
        if offset:
            params.insert(0, ("offset", offset))
        body = self._json_object("GET", "/files", params=params)
        path = urlsplit(self.url_for("/files")).path
        return FilePage(page_items(body, "/files"), next_link(body) is not None, path)

    # -- bulk ------------------------------------------------------------------------------------------------

    def bulk_get_files(self, file_ids: Sequence[str]) -> list[BulkRecord]:
        """Get many files (``POST /bulk/files/get``), 100 ids per call.

        :param file_ids: 24-hex file ids.
        :return: One ``{"resource"}`` or ``{"error"}`` record per id, in the given order.
        """
        return self._bulk("get", [checked_id(file_id) for file_id in file_ids])

    def bulk_edit_files(self, items: Sequence[BulkItem], *, send_by: float | None = None) -> list[BulkRecord]:
        """Modify many files (``POST /bulk/files/edit``), 100 items per call; fields left out are preserved.

        :param items: ``{"id", ...fields to set}`` per file; send complete ``tags`` / ``metadata`` values.
        :param send_by: Optional. Deadline for sending each call (see :meth:`~GenomicsRestHook.request`).
        :return: One ``{"resource"}`` or ``{"error"}`` record per item, in the given order.
        :raises StaleReadError: When the deadline passed before a call could be sent (that call was not sent).
        :raises InvalidInputError: When an item's ``id`` is not 24 lowercase hex characters (nothing is sent).
        """
        return self._bulk("edit", checked_items(items), send_by=send_by)

    def bulk_update_files(self, items: Sequence[BulkItem], *, send_by: float | None = None) -> list[BulkRecord]:
        """Replace many files' details (``POST /bulk/files/update``), 100 items per call.

        Fields left out are erased, so every item should carry ``name``, ``tags`` and ``metadata``.

        :param items: ``{"id", "name", "tags", "metadata"}`` per file.
        :param send_by: Optional. Deadline for sending each call (see :meth:`~GenomicsRestHook.request`).
        :return: One ``{"resource"}`` or ``{"error"}`` record per item, in the given order.
        :raises StaleReadError: When the deadline passed before a call could be sent (that call was not sent).
        :raises InvalidInputError: When an item's ``id`` is not 24 lowercase hex characters (nothing is sent).
        """
        return self._bulk("update", checked_items(items), send_by=send_by)

    def _bulk(self, action: BulkAction, entries: Sequence[Any], *, send_by: float | None = None) -> list[BulkRecord]:
        path = f"/bulk/files/{action}"
        records: list[BulkRecord] = []
        for start in range(0, len(entries), BULK_LIMIT):
            chunk = list(entries[start : start + BULK_LIMIT])
            body = {"file_ids": chunk} if action == "get" else {"items": chunk}
            result = self._json_object("POST", path, json_body=body, idempotent=action == "get", send_by=send_by)
            records.extend(bulk_records(result, len(chunk), path, self.scrub))
        return records

    def _json_object(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        result = self.request_json(method, path, **kwargs)
        return expect_object(result, method=method, path=urlsplit(path).path)

    def _file(self, method: str, path: str, **kwargs: Any) -> SbFile:
        result = self.request_json(method, path, **kwargs)
        return cast(SbFile, expect_object(result, method=method, path=urlsplit(path).path, id_of=file_id_of))
