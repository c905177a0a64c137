"""Who may see and change which One Codex object."""

from __future__ import annotations

from genomics_provider.testing.context import Context
from genomics_provider.testing.errors import oc_error
from genomics_provider.testing.state import Obj, OneCodexState, link_id


def _in_visible_project(state: OneCodexState, sample: Obj, permission: str = "can_see_files") -> bool:
    project = state.projects.get(link_id(sample.get("project")) or "")
    return project is not None and permission in project["permissions"]


def can_see(state: OneCodexState, sample: Obj, user: str | None) -> bool:
    """Tell whether a user may read a sample.

    :param state: One Codex state.
    :param sample: Stored sample.
    :param user: Caller's user id.
    :return: Own samples, public ones, ``shared`` ones of the same organisation, and samples in projects the
        caller can see.
    """
    owner = link_id(sample["owner"])
    if owner == user or sample["visibility"] == "public":
        return True
    if sample["visibility"] == "shared" and state.org_of(owner) == state.org_of(user):
        return True
    return _in_visible_project(state, sample)


def can_edit_metadata(state: OneCodexState, sample: Obj, user: str | None) -> bool:
    """Tell whether a user may edit a sample's metadata or tag it.

    :param state: One Codex state.
    :param sample: Stored sample.
    :param user: Caller's user id.
    :return: Owners, and members of the sample's project holding ``can_edit_metadata``.
    """
    return link_id(sample["owner"]) == user or _in_visible_project(state, sample, "can_edit_metadata")


def scope_samples(state: OneCodexState, scope: str, user: str | None) -> list[Obj]:
    """Select the samples a list route covers (deleted samples never appear).

    :param state: One Codex state.
    :param scope: ``"mine"`` (``/samples``), ``"public"`` or ``"organization"``.
    :param user: Caller's user id.
    :return: Samples in creation order.
    """
    org = state.org_of(user)
    result = []
    for sample in state.samples.values():
        if sample["status"] == "deleted":
            continue
        owner = link_id(sample["owner"])
        if scope == "public":
            keep = sample["visibility"] == "public"
        elif scope == "organization":
            keep = state.org_of(owner) == org and (owner == user or sample["visibility"] in ("shared", "public"))
        else:
            keep = owner == user or _in_visible_project(state, sample)
        if keep:
            result.append(sample)
    return result


def visible_sample(ctx: Context, sample_id: str, user: str | None) -> Obj:
    """Fetch a sample the caller may read.

    :param ctx: Context.
    :param sample_id: Sample id.
    :param user: Caller's user id.
    :return: The stored sample.
    :raises ApiError: 404 when missing; 404 (or the configured status) when not visible.
    """
    sample = ctx.onecodex.samples.get(sample_id)
    if sample is None or sample["status"] == "deleted":
        raise oc_error(404)
    if not can_see(ctx.onecodex, sample, user):
        raise oc_error(ctx.config.hidden_sample_status)
    return sample


def visible_metadata(ctx: Context, metadata_id: str, user: str | None) -> tuple[Obj, Obj]:
    """Fetch a metadata record whose sample the caller may read.

    :param ctx: Context.
    :param metadata_id: Metadata id.
    :param user: Caller's user id.
    :return: ``(record, sample)``.
    :raises ApiError: 404 when missing or not visible.
    """
    record = ctx.onecodex.metadata.get(metadata_id)
    sample_id = link_id(record["sample"]) if record else None
    if record is None or sample_id not in ctx.onecodex.samples:
        raise oc_error(404)
    return record, visible_sample(ctx, sample_id or "", user)
