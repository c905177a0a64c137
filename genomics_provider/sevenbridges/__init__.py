"""The Seven Bridges domain: what the operators, sensors and triggers decide, with no Airflow and no HTTP inside.

Dependencies run one way: :mod:`genomics_provider.hooks.sevenbridges` ← this package ← the operators, sensors and
triggers. Requests go only through the hook. The hook reads only this package's leaves: ``types``, ``limits`` and
``query`` (the ``FileQuery`` it takes), which import no hook.

* :mod:`~genomics_provider.sevenbridges.types` — the wire shapes (``SbFile``, ``BulkItem``, ``BulkRecord``,
  ``FilePage``), which the hook re-exports.
* :mod:`~genomics_provider.sevenbridges.rules` — the input rules and platform limits, and how a file's tags and
  metadata are read.
* :mod:`~genomics_provider.sevenbridges.query` — the file query (``FileQuery``), its validation and serialisation.
* :mod:`~genomics_provider.sevenbridges.plan` — the pure plan: desired state and per-file difference.
* :mod:`~genomics_provider.sevenbridges.progress` — what a paged run remembers of the files it has seen.
* :mod:`~genomics_provider.sevenbridges.results` — reading bulk write results.
* :mod:`~genomics_provider.sevenbridges.writers` — the bulk and rename writers the curation engine drives.
* :mod:`~genomics_provider.sevenbridges.run` — the page-by-page run of a files operator.
* :mod:`~genomics_provider.sevenbridges.status` — the file-count decision the sensor and the trigger share.
* :mod:`~genomics_provider.sevenbridges.sheet` — a manifest row by row: which file, and the tags and metadata it
  asks for (the sample-sheet operators' vendor rules, issue 15).
"""
