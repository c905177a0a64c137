"""The checked arguments of :class:`~genomics_provider.operators.sevenbridges.UpdateFilesFromManifestOperator`.

Kept beside the operator module so that module stays one screenful per operator; the rules it applies live in the
domain (:mod:`genomics_provider.sevenbridges.sheet`) and the sheet source in :mod:`genomics_provider.operators.sheets`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from genomics_provider.curation.arguments import check_choice
from genomics_provider.curation.sheet import SheetProblems, check_ignore_columns, check_tag_separator
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.operators.sheets import check_sheet_argument, describe_sheet, open_sheet
from genomics_provider.sevenbridges.rules import METADATA_MODES, TAG_MODES, MetadataMode, TagMode
from genomics_provider.sevenbridges.sheet import (
    CheckedManifest,
    FileRow,
    ManifestColumns,
    check_manifest,
    read_manifest,
)
from genomics_provider.validation import check_id

__all__ = ["ManifestRequest"]


@dataclass(frozen=True)
class ManifestRequest:
    """The manifest operator's arguments, checked.

    :param sheet: The rendered ``sheet`` argument.
    :param fmt: The ``format`` argument.
    :param conn_id: The ``sheet_conn_id`` argument.
    :param project: The ``project`` argument.
    :param separator: The tag separator.
    :param tag_mode: The tag mode.
    :param metadata_mode: The metadata mode.
    :param ignore_columns: The columns to leave out.
    """

    sheet: Any
    fmt: str | None
    conn_id: str | None
    project: str | None
    separator: str
    tag_mode: TagMode
    metadata_mode: MetadataMode
    ignore_columns: tuple[str, ...]

    @classmethod
    def check(cls, operator: Any) -> ManifestRequest:
        """Check the operator's (rendered) arguments, before anything is read or sent.

        :param operator: The operator.
        :return: The checked arguments.
        :raises InvalidInputError: Naming the argument and the rule.
        """
        check_sheet_argument(operator.sheet, operator.format)
        separator = check_tag_separator(operator.tag_separator)
        project = operator.project
        if project is not None:
            project = check_id(project, argument="project", kind="sevenbridges project")
        ignore = check_ignore_columns(operator.ignore_columns)
        return cls(
            operator.sheet, operator.format, operator.sheet_conn_id, project, separator,
            cast(TagMode, check_choice(operator.tag_mode, argument="tag_mode", choices=TAG_MODES)),
            cast(MetadataMode, check_choice(operator.metadata_mode, argument="metadata_mode", choices=METADATA_MODES)),
            ignore,
        )  # fmt: skip

    def check_sheet(self) -> CheckedManifest | None:
        """Read the whole sheet once and raise every problem in it at once (nothing is sent).

        :return: What the check found, or ``None`` for a sheet without rows.
        :raises InvalidInputError: When the sheet has problems, or names files by name without ``project``.
        """
        problems = SheetProblems(describe_sheet(self.sheet))
        with open_sheet(self.sheet, self.fmt, self.conn_id) as rows:
            checked = check_manifest(
                rows, problems, ignore_columns=self.ignore_columns, separator=self.separator,
                tag_mode=self.tag_mode, metadata_mode=self.metadata_mode,
            )  # fmt: skip
        problems.raise_if_any()
        if checked is not None and checked.names and self.project is None:
            raise InvalidInputError(
                f"project: the sheet names {len(checked.names)} file(s) by {checked.columns.key!r}; give project="
                "'owner/project' to look them up in (or key the sheet by id)"
            )
        return checked

    @contextmanager
    def rows(self, columns: ManifestColumns) -> Iterator[Iterator[FileRow]]:
        """Open the sheet again for the pass that writes, and yield its checked rows.

        :param columns: What the check found the columns to mean.
        :return: A context manager yielding the rows' requests.
        """
        with open_sheet(self.sheet, self.fmt, self.conn_id) as rows:
            yield read_manifest(
                rows, columns, separator=self.separator, tag_mode=self.tag_mode, metadata_mode=self.metadata_mode
            )
