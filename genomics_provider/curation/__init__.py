"""The vendor-neutral curation engine: the per-item outcome and the write / verify loop every operator shares.

Nothing here knows Airflow or HTTP; the vendor writers (:mod:`genomics_provider.onecodex.writers` and
:mod:`genomics_provider.sevenbridges.writers`) plug into :mod:`genomics_provider.curation.reconcile` (the loop and
why it keeps every change), record each round in :mod:`genomics_provider.curation.rounds` and tell conflicting asks
apart with :mod:`genomics_provider.curation.conflict`; the argument checks every operator, sensor and trigger shares
are in :mod:`genomics_provider.curation.arguments`; what one check of a sensor or trigger decided is a
:class:`~genomics_provider.curation.waiting.WaitVerdict`; a sample sheet is read row by row by
:mod:`genomics_provider.curation.sheet`.
"""
