"""Triggers that wait, on the triggerer, for work already submitted: they only read (GET) and emit one event.

Every trigger of this provider yields exactly one :class:`~airflow.triggers.base.TriggerEvent` whose payload is one of::

    {"status": "success", <ids key>: [...]}
    {"status": "failed", "message": str, "failed": {id: status}}   # the condition can never be met
    {"status": "error", "message": str}                             # a request or an argument failed

and calls the synchronous hooks in a worker thread, so the provider's one retry and rate-limit policy applies.
"""

from __future__ import annotations
