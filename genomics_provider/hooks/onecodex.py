"""Hook for the One Codex REST API v1 (``https://app.onecodex.com/api/v1``).

Wire choices (see the README's "Wire choices" section; the emulator behaves the same way):

* Authentication is the ``X-API-Key`` header by default; extra ``auth_scheme`` may pick ``basic`` (the key as the
  user name, empty password, as the official client sends) or ``bearer`` (a JWT).
* Lists use cursor pagination (``X-Pagination-Style: cursor`` / ``X-Next-Cursor``), falling back to page mode for a
  server that ignores the header, each id once and never endless (see ``_onecodex_paging``).
* Errors read ``message``, then ``msg`` (the 429 body), and survive HTML gateway pages.
* Every id a method puts into a URL path, a ``$ref`` or a ``where`` filter is checked first (16 lowercase hex, see
  :mod:`genomics_provider.validation`), so ``update_metadata("../samples/<id>", ...)`` is refused before any request.
  What the operators read back is checked too: one object where one is expected, and lists of objects whose
  ``$uri`` holds an id; anything else is a ``GenomicsApiError`` naming the method and path.
* Tag names are looked up and compared in Unicode NFC form.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any, ClassVar

from genomics_provider import ONECODEX_CONNECTION_TYPE
from genomics_provider._compat import legacy_connection_form
from genomics_provider.exceptions import (
    ApiConnectionError,
    InvalidInputError,
    NotFoundError,
    ServerError,
)
from genomics_provider.hooks._deprecation import deprecated_alias
from genomics_provider.hooks._onecodex_paging import ID_FIELD, ListPage, iter_list, iter_pages
from genomics_provider.hooks.base import GenomicsRestHook
from genomics_provider.onecodex.types import API, ID_PATTERN, id_from_link, ref
from genomics_provider.validation import (
    SETTING_RANGES,
    check_finite_body,
    check_id,
    check_number,
    check_project_reference,
    check_text,
    expect_object,
    nfc,
    shown,
)

ONECODEX_BASE_URL = "https://app.onecodex.com"
AUTH_SCHEMES: tuple[str, ...] = ("api_key", "basic", "bearer")


@legacy_connection_form(ONECODEX_CONNECTION_TYPE)
class OneCodexHook(GenomicsRestHook):
    """Talk to the One Codex API v1.

    Connection: ``host`` is the API base URL (empty means ``https://app.onecodex.com``; ``http://127.0.0.1:PORT``
    works for the emulator), ``password`` is the API key. Extra: ``auth_scheme`` (``api_key`` | ``basic`` |
    ``bearer``), ``timeout`` / ``connect_timeout`` (seconds), ``rate_limit`` (requests per second, default 10),
    ``max_attempts`` (default 5).

    :param onecodex_conn_id: Airflow connection id.
    :param kwargs: Passed to :class:`~genomics_provider.hooks.base.GenomicsRestHook`.
    """

    conn_name_attr = "onecodex_conn_id"
    default_conn_name = "onecodex_default"
    conn_type = "onecodex"
    hook_name = "One Codex"

    service_name: ClassVar[str] = "One Codex"
    default_base_url: ClassVar[str] = ONECODEX_BASE_URL
    default_rate_limit: ClassVar[float | None] = 10.0
    status_hints: ClassVar[dict[int, str]] = {
        401: "check the API key in connection {conn_id!r}",
        403: "the API key's account may not make this change",
        404: "it does not exist, or is not visible to this API key",
    }
    page_size: ClassVar[int] = 100

    def __init__(self, onecodex_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(onecodex_conn_id, **kwargs)
        self.onecodex_conn_id = onecodex_conn_id

    def auth_headers(self) -> dict[str, str]:
        """Build the auth header for the connection's ``auth_scheme``.

        :return: Header name to value.
        :raises InvalidInputError: On an unknown scheme.
        """
        scheme = str(self.extra.get("auth_scheme") or "api_key").lower()
        key = self.credential
        if scheme == "api_key":
            return {"X-API-Key": key}
        if scheme == "basic":
            encoded = base64.b64encode(f"{key}:".encode()).decode()
            self.register_secret(encoded)  # a derived secret: mask it too
            return {"Authorization": f"Basic {encoded}"}
        if scheme == "bearer":
            return {"Authorization": f"Bearer {key}"}
        raise InvalidInputError(
            f"connection {self.conn_id!r}: extra 'auth_scheme' = {scheme!r} is not one of {', '.join(AUTH_SCHEMES)}"
        )

    def probe(self) -> str:
        """Read the caller's account (``GET /api/v1/account``).

        :return: The account's e-mail address.
        """
        account = self.get_account()
        return str(account.get("email") or account.get("$uri") or "the account")

    def get_account(self) -> dict[str, Any]:
        """Return the authenticated account (``GET /api/v1/account``).

        :return: The account object.
        """
        return self._object("GET", f"{API}/account", with_id=False)

    @property
    def web_url(self) -> str:
        """Base URL of the web app: extra ``web_url``, else the API host (``https://app.onecodex.com``)."""
        return str(self.extra.get("web_url") or self.base_url).rstrip("/")

    def web_url_for_samples(self, sample_ids: list[str]) -> str:
        """Link to samples in the web app: the sample's page for one, the samples list for several.

        The web app's URL layout is not part of the documented API; set extra ``web_url`` if yours differs.

        :param sample_ids: The samples the task touched.
        :return: A URL.
        """
        if len(sample_ids) == 1:
            return f"{self.web_url}/samples/{sample_ids[0]}"
        return f"{self.web_url}/samples"

    # -- samples ---------------------------------------------------------------------------------------------

    def get_sample(self, sample_id: str, *, expand: bool = False) -> dict[str, Any]:
        """Return one sample.

        :param sample_id: 16-hex sample id.
        :param expand: Optional. Ask for linked objects (tags, project, metadata) inline (``expand=all``).
        :return: The sample object.
        :raises InvalidInputError: When the id is not 16 lowercase hex characters (nothing is sent).
        """
        params = {"expand": "all"} if expand else None
        return self._object("GET", f"{API}/samples/{_sample(sample_id)}", params=params)

    def iter_samples(
        self,
        where: dict[str, Any] | None = None,
        sort: dict[str, bool] | None = None,
        page_size: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield every sample matching ``where``, page by page (cursor mode, falling back to page mode).

        :param where: Optional. One Codex ``where`` filter, e.g. ``{"project": "4b53797444f846c4"}``.
        :param sort: Optional. ``{"created_at": true}`` (``true`` = descending).
        :param page_size: Optional. Items per page, 1 to 1000 (default 100).
        :return: An iterator of sample objects.
        :raises InvalidInputError: On a page size outside 1 to 1000 (nothing is sent).
        """
        return iter_list(self, f"{API}/samples", where, sort, _page_size(page_size) or self.page_size)

    def iter_sample_pages(
        self, where: dict[str, Any] | None = None, sort: dict[str, bool] | None = None, page_size: int | None = None
    ) -> Iterator[ListPage]:
        """Yield the samples matching ``where`` a listing page at a time, each asked for only once the last is taken.

        :param where: Optional. One Codex ``where`` filter, e.g. ``{"project": "4b53797444f846c4"}``.
        :param sort: Optional. ``{"created_at": true}`` (``true`` = descending).
        :param page_size: Optional. Items per page, 1 to 1000 (default 100).
        :return: Pages, each sample once; ``page.paged`` tells page mode (offsets, which writes shift) from cursor mode.
        :raises InvalidInputError: On a page size outside 1 to 1000 (nothing is sent).
        """
        return iter_pages(self, f"{API}/samples", where, sort, _page_size(page_size) or self.page_size)

    def list_samples_by_id(self, sample_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Read many samples with one list call per 100 ids (``where={"$uri": {"$in": [...]}}``).

        Ids the API does not return are missing from the result: they do not exist or are not visible to the key.

        :param sample_ids: 16-hex sample ids.
        :return: Samples by id.
        :raises InvalidInputError: When an id is not 16 lowercase hex characters (nothing is sent).
        """
        return self._list_by_id(f"{API}/samples", [_sample(sample_id) for sample_id in sample_ids])

    get_samples_by_id = deprecated_alias(list_samples_by_id, "get_samples_by_id")

    def _list_by_id(self, path: str, ids: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), self.page_size):
            chunk = ids[start : start + self.page_size]
            for item in iter_list(self, path, {"$uri": {"$in": chunk}}, None, self.page_size):
                found[str(id_from_link(item))] = item
        return found

    def update_sample(self, sample_id: str, body: dict[str, Any], *, send_by: float | None = None) -> dict[str, Any]:
        """PATCH a sample with exactly the given keys (``project``, ``tags``, ``visibility``).

        :param sample_id: 16-hex sample id.
        :param body: Only the keys to change; ``tags`` replaces the whole list.
        :param send_by: Optional. Deadline for sending (see :meth:`~GenomicsRestHook.request`).
        :return: The updated sample.
        :raises StaleReadError: When the deadline passed before the PATCH could be sent (nothing was sent).
        :raises InvalidInputError: When the id is not 16 lowercase hex characters, or the body holds NaN or Infinity
            (nothing is sent).
        :raises GenomicsApiError: When the answer is not a sample object.
        """
        return self._patch(f"{API}/samples/{_sample(sample_id)}", body, send_by)

    # -- tags ------------------------------------------------------------------------------------------------

    def get_tag(self, tag_id: str) -> dict[str, Any]:
        """Return one tag.

        :param tag_id: 16-hex tag id.
        :return: ``{"$uri", "name"}``.
        :raises InvalidInputError: When the id is not 16 lowercase hex characters (nothing is sent).
        """
        return self._object("GET", f"{API}/tags/{check_id(tag_id, argument='tag id', kind='onecodex')}")

    def find_tag(self, name: str) -> dict[str, Any] | None:
        """Look a tag up by exact name.

        :param name: Tag name (case-sensitive; compared in Unicode NFC form, and looked up in that form).
        :return: The tag, or ``None`` when no tag has that name.
        :raises InvalidInputError: When several tags share the name, or the name holds a control character.
        """
        name = nfc(check_text(_string(name, "tag name"), label="tag name", noun="tag names"))
        matches = list(iter_list(self, f"{API}/tags", {"name": name}, None, self.page_size, cursor=False))
        matches = [tag for tag in matches if isinstance(tag.get("name"), str) and nfc(tag["name"]) == name]
        if len(matches) > 1:
            ids = ", ".join(sorted(str(id_from_link(tag)) for tag in matches))
            raise InvalidInputError(
                f"tags: the name {name!r} matches {len(matches)} One Codex tags ({ids}); "
                "tag names must be unique for this operator"
            )
        return matches[0] if matches else None

    def create_tag(self, name: str, sample_id: str) -> dict[str, Any]:
        """Create a tag and attach it to a sample (``POST /api/v1/tags``).

        A POST is re-sent only when the server certainly did not act on it (429, 503, no connection). When its outcome
        is unknown (connection lost, read timeout, 500/502/504) the name is looked up again, and a tag the server did
        create is returned instead of creating a second one.

        :param name: Tag name, 1 to 30 characters (sent in Unicode NFC form).
        :param sample_id: The sample to tag.
        :return: The created tag.
        :raises InvalidInputError: On a sample id that is not 16 hex or a name with a control character (nothing is
            sent).
        :raises GenomicsApiError: When the answer is not a tag object with a ``$uri``.
        """
        name = nfc(check_text(_string(name, "tag name"), label="tag name", noun="tag names"))
        body = {"name": name, "sample": ref("samples", _sample(sample_id))}
        try:
            result = self._object("POST", f"{API}/tags", json_body=body)
        except (ApiConnectionError, ServerError):
            existing = self.find_tag(name)
            if existing is None:
                raise
            self.log.warning("One Codex POST /api/v1/tags: outcome unknown, but tag %r now exists; using it", name)
            return existing
        return result

    # -- projects --------------------------------------------------------------------------------------------

    def get_project(self, project_id: str) -> dict[str, Any]:
        """Return one project.

        :param project_id: 16-hex project id.
        :return: The project object.
        :raises InvalidInputError: When the id is not 16 lowercase hex characters (nothing is sent).
        """
        return self._object("GET", f"{API}/projects/{check_id(project_id, argument='project id', kind='onecodex')}")

    def resolve_project(self, id_or_name: str) -> dict[str, Any]:
        """Find a project by id, then by ``name``, then by ``project_name`` (as the official client does).

        The id lookup is tried only for a 16-hex string. Unlike the official client, several matches are an error
        instead of taking the first.

        :param id_or_name: Project id, name or short name.
        :return: The project object.
        :raises InvalidInputError: When nothing or more than one project matches, or the argument is not a non-empty
            string of printable text (then nothing is sent).
        """
        id_or_name = check_project_reference(id_or_name, argument="project")
        if ID_PATTERN.fullmatch(id_or_name):
            try:
                return self.get_project(id_or_name)
            except NotFoundError:
                pass
        for field in ("name", "project_name"):
            listed = iter_list(self, f"{API}/projects", {field: id_or_name}, None, self.page_size, cursor=False)
            matches = [project for project in listed if project.get(field) == id_or_name]
            if len(matches) > 1:
                ids = ", ".join(sorted(str(id_from_link(project)) for project in matches))
                raise InvalidInputError(
                    f"project: {id_or_name!r} matches {len(matches)} One Codex projects by {field} ({ids}); "
                    "pass the project id instead"
                )
            if matches:
                return matches[0]
        raise InvalidInputError(
            f"project: no One Codex project visible to connection {self.conn_id!r} has the id, name or short "
            f"name {id_or_name!r}"
        )

    # -- metadata --------------------------------------------------------------------------------------------

    def get_metadata(self, metadata_id: str) -> dict[str, Any]:
        """Return one metadata record.

        :param metadata_id: 16-hex metadata id (from ``sample["metadata"]["$ref"]``).
        :return: The metadata record.
        :raises InvalidInputError: When the id is not 16 lowercase hex characters (nothing is sent).
        """
        return self._object("GET", f"{API}/metadata/{_metadata(metadata_id)}")

    def iter_metadata(
        self, where: dict[str, Any] | None = None, page_size: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Yield every metadata record matching ``where`` (cursor mode, falling back to page mode).

        :param where: Optional. ``where`` filter on scalar fields or ``$uri``.
        :param page_size: Optional. Items per page, 1 to 1000 (default 100).
        :return: An iterator of metadata records.
        :raises InvalidInputError: On a page size outside 1 to 1000 (nothing is sent).
        """
        return iter_list(self, f"{API}/metadata", where, None, _page_size(page_size) or self.page_size)

    def list_metadata_by_id(self, metadata_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Read many metadata records with one list call per 100 ids.

        :param metadata_ids: 16-hex metadata ids.
        :return: Records by id.
        :raises InvalidInputError: When an id is not 16 lowercase hex characters (nothing is sent).
        """
        return self._list_by_id(f"{API}/metadata", [_metadata(metadata_id) for metadata_id in metadata_ids])

    get_metadata_by_id = deprecated_alias(list_metadata_by_id, "get_metadata_by_id")

    def update_metadata(
        self, metadata_id: str, body: dict[str, Any], *, send_by: float | None = None
    ) -> dict[str, Any]:
        """PATCH a metadata record with exactly the given keys (``custom`` is replaced whole).

        :param metadata_id: 16-hex metadata id.
        :param body: Only the keys to change; never ``$uri``, ``sample`` or ``updated_at``.
        :param send_by: Optional. Deadline for sending (see :meth:`~GenomicsRestHook.request`).
        :return: The updated record.
        :raises StaleReadError: When the deadline passed before the PATCH could be sent (nothing was sent).
        :raises InvalidInputError: When the id is not 16 lowercase hex characters, or the body holds NaN or Infinity
            (nothing is sent).
        :raises GenomicsApiError: When the answer is not a metadata object.
        """
        return self._patch(f"{API}/metadata/{_metadata(metadata_id)}", body, send_by)

    def _patch(self, path: str, body: dict[str, Any], send_by: float | None) -> dict[str, Any]:
        return self._object("PATCH", path, json_body=check_finite_body(body, label="body:"), send_by=send_by)

    def _object(self, method: str, path: str, *, with_id: bool = True, **kwargs: Any) -> dict[str, Any]:
        """Send a request whose answer must be one JSON object (with a ``$uri`` id unless ``with_id`` is false).

        :param method: HTTP method.
        :param path: API path.
        :param with_id: Optional. Require the object's ``$uri`` (the operators read ids from it).
        :param kwargs: Passed to :meth:`~GenomicsRestHook.request_json`.
        :return: The object.
        :raises GenomicsApiError: When the answer has another shape.
        """
        result = self.request_json(method, path, **kwargs)
        id_of = id_from_link if with_id else None
        return expect_object(result, method=method, path=path, id_of=id_of, id_name=ID_FIELD)


def _sample(sample_id: Any) -> str:
    return check_id(sample_id, argument="sample id", kind="onecodex")


def _metadata(metadata_id: Any) -> str:
    return check_id(metadata_id, argument="metadata id", kind="onecodex")


def _string(value: Any, argument: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{argument}: {shown(value)} is not allowed; give a non-empty string")
    return value


def _page_size(page_size: Any) -> int | None:
    # None means the hook's default; anything given is checked, so 0 is not silently read as "the default".
    if page_size is None:
        return None
    bounds = SETTING_RANGES["onecodex page_size"]
    return int(check_number(page_size, label="page_size", bounds=bounds))
