"""The vendor-neutral curation engine: the per-item outcome and the write / verify loop every operator shares.

Nothing here knows Airflow or HTTP; the vendor writers (``genomics_provider.operators._onecodex_apply`` and
``_sevenbridges_apply``) plug into :mod:`genomics_provider.curation.reconcile`.
"""
