"""Reading Seven Bridges bulk results: an error item, or a written state that differs from what was sent."""

from __future__ import annotations

from genomics_provider.sevenbridges.plan import FileChange
from genomics_provider.sevenbridges.results import describe_error, read_records, result_problem
from tests.sevenbridges.helpers import A, sb_file


def test_bulk_results_become_failures_only_for_errors_or_a_state_that_differs() -> None:
    change = FileChange(A, "edit", {"id": A, "tags": ["a", "b"]}, ())
    error = {"status": 403, "code": 5011, "message": "Modifying file tags is not allowed."}

    assert result_problem(change, {"error": error}) == "HTTP 403, code 5011: Modifying file tags is not allowed."
    assert result_problem(change, {"resource": sb_file(A, tags=["b", "a"])}) is None
    assert result_problem(change, {"resource": {"id": A}}) is None
    assert "now has tags ['a', 'b', 'c']" in str(result_problem(change, {"resource": sb_file(A, tags=["a", "b", "c"])}))
    metadata_change = FileChange(A, "edit", {"id": A, "metadata": {"k": "v"}}, ())
    assert result_problem(metadata_change, {"resource": sb_file(A, metadata={"k": "v", "old": "x"})}) is not None
    assert describe_error({"message": "odd"}) == "error: odd"


def test_read_records_splits_files_from_errors_and_keeps_the_ids_asked_for() -> None:
    error = {"status": 404, "code": 5002, "message": "not found"}
    records = [{"resource": {"id": "f" * 24, "name": "a.bam"}}, {"error": error}, {}]

    files, errors = read_records(["a" * 24, "b" * 24, "c" * 24], records)  # type: ignore[arg-type]

    assert files == [{"id": "a" * 24, "name": "a.bam"}, {"id": "c" * 24}]
    assert errors == {"b" * 24: error}
