"""What a paged Seven Bridges run remembers of the files it has already planned: their ids, and what the link needs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from genomics_provider.sevenbridges.plan import FilePlan
from genomics_provider.sevenbridges.types import SbFile


@dataclass
class SeenFiles:
    """What a paged run remembers of the files it has already planned: their ids, and what the extra link needs.

    Only ids are kept (not the files or their plans), so memory grows by an id per file, not by a file.

    :param ids: Every file id listed so far (planned, skipped or failed); a repeat is not planned again.
    :param first: The first file planned, with its project.
    :param count: How many files were planned (not skipped).
    :param known_projects: The projects of the planned files (at most two are kept: one is all the link needs).
    """

    ids: set[str] = field(default_factory=set)
    first: tuple[str, str | None] | None = None
    count: int = 0
    known_projects: set[str] = field(default_factory=set)

    def fresh(self, files: Iterable[SbFile]) -> list[SbFile]:
        """Drop the files already seen (offset paging repeats an item when the listing shifts).

        :param files: One page of files.
        :return: The files not seen before, in order.
        """
        return [file for file in files if file.get("id") not in self.ids]

    def add(self, files: Iterable[SbFile], plan: FilePlan) -> None:
        """Remember a page: its ids, and the projects of the files planned.

        :param files: The page's files.
        :param plan: The page's plan.
        """
        self.ids.update(file_id for file in files if isinstance(file_id := file.get("id"), str))
        for file_id, project in plan.projects.items():
            if self.first is None:
                self.first = (file_id, project)
            if project and len(self.known_projects) < 2:
                self.known_projects.add(project)
        self.count += len(plan.projects)

    def link_target(self, project: str | None) -> tuple[str, str | None] | None:
        """Choose what the extra link opens: one file's page, or the project's files page.

        :param project: Optional. The project the query named.
        :return: ``(project, file_id)`` for a single file, ``(project, None)`` for several, ``None`` when the files
            span several projects or none is known.
        """
        if self.count == 1 and self.first is not None:
            file_id, file_project = self.first
            if file_project or project:
                return (file_project or project or "", file_id)
        if project:
            return (project, None)
        known = set(self.known_projects)
        return (known.pop(), None) if len(known) == 1 else None
