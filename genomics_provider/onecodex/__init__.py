"""The One Codex domain: vendor rules, plans, writers and status checks, below the Airflow classes.

Nothing here imports Airflow, and HTTP goes only through :class:`~genomics_provider.hooks.onecodex.OneCodexHook`.
Dependencies run one way: hooks ← this package ← operators / sensors / triggers; the hook reads only the leaves
``types`` and ``limits``, which import no hook.

* :mod:`~genomics_provider.onecodex.types` — wire helpers: the API prefix, the id rule, ``$ref`` links.
* :mod:`~genomics_provider.onecodex.rules` — vendor rules and limits: visibilities, modes, tag names, metadata
  fields, ``custom`` values, ``where`` fields.
* :mod:`~genomics_provider.onecodex.plan` — current state + request → the PATCH body of only what differs.
* :mod:`~genomics_provider.onecodex.fresh` — sending each PATCH within ``max_read_age`` of a read of its item.
* :mod:`~genomics_provider.onecodex.writers` — the sample and metadata writers the reconcile loop drives.
* :mod:`~genomics_provider.onecodex.run` — walking the selection page by page: read, plan, write, drop.
* :mod:`~genomics_provider.onecodex.status` — the sensor's and trigger's one decision per poll.
* :mod:`~genomics_provider.onecodex.sheet` — a sample sheet's rows (by ``id`` or ``filename``) and the
  state each asks for, checked whole before any request; :mod:`~genomics_provider.onecodex.sheet_cells` reads each
  cell; :mod:`~genomics_provider.onecodex.sheet_run` resolves filenames and writes the sheet 100 rows at a time.
"""
