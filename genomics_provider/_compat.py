"""Where each Airflow name lives on the Airflow versions we support (3.1, 3.2, 3.3): the only module that knows.

Everything else imports these names from here and never branches on the Airflow version. Each name is looked up in
its Airflow 3.2+ home first (``airflow.sdk``, warning-free there), then in its Airflow 3.1 home, where the 3.2+ home
does not have it yet (3.2 and 3.3 still serve most old homes, but with a ``DeprecatedImportWarning``). On 3.1
``airflow.sdk.exceptions`` re-exports only ``AirflowException``. The exceptions, ``TaskDeferred``, the serde
functions, ``DagBag`` and ``TaskInstanceKey`` beyond the package's own needs are here for the tests.

==============================  ==================================  =================================
Name                            Airflow 3.1                         Airflow 3.2 and 3.3
==============================  ==================================  =================================
``AirflowException``            ``airflow.exceptions``              ``airflow.sdk.exceptions``
``AirflowFailException``        ``airflow.exceptions``              ``airflow.sdk.exceptions``
``AirflowSkipException``        ``airflow.exceptions``              ``airflow.sdk.exceptions``
``AirflowNotFoundException``    ``airflow.exceptions``              ``airflow.sdk.exceptions``
``AirflowRescheduleException``  ``airflow.exceptions``              ``airflow.sdk.exceptions``
``AirflowTaskTimeout``          ``airflow.exceptions``              ``airflow.sdk.exceptions``
``AirflowSensorTimeout``        ``airflow.exceptions``              ``airflow.sdk.exceptions``
``TaskDeferred``                ``airflow.exceptions``              ``airflow.sdk.exceptions``
``conf``                        ``airflow.configuration``           ``airflow.sdk``
``serialize``, ``deserialize``  ``airflow.serialization.serde``     ``airflow.sdk.serde``
``DagBag``                      ``airflow.models.dagbag``           ``airflow.dag_processing.dagbag``
``TaskInstanceKey``             ``airflow.models.taskinstancekey``  ``airflow.sdk.types``
==============================  ==================================  =================================

Names in ``airflow.sdk`` on every supported version (import them from there directly): ``BaseHook``,
``BaseOperator``, ``BaseSensorOperator``, ``BaseOperatorLink``, ``PokeReturnValue``, ``DAG``, ``Param``,
``Connection``, ``Context``; ``airflow.sdk.log.mask_secret``; ``airflow.triggers.base.BaseTrigger``/``TriggerEvent``.

Connection forms: Airflow 3.2+ reads ``conn-fields`` and ``ui-field-behaviour`` from the provider info, and warns
when a hook still defines ``get_ui_field_behaviour()``; Airflow 3.1 reads only the hook method (and only when
``wtforms`` imports, i.e. with the FAB provider installed). :func:`legacy_connection_form` adds the method on 3.1
alone. The ``conn-fields`` (extra form fields) cannot be rendered on 3.1: users set them as JSON in ``extra``.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import airflow
from packaging.version import Version

if TYPE_CHECKING:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import conf
    from airflow.sdk.exceptions import (
        AirflowException,
        AirflowFailException,
        AirflowNotFoundException,
        AirflowRescheduleException,
        AirflowSensorTimeout,
        AirflowSkipException,
        AirflowTaskTimeout,
        TaskDeferred,
    )
    from airflow.sdk.serde import deserialize, serialize
    from airflow.sdk.types import TaskInstanceKey

__all__ = [
    "PROVIDER_INFO_FORMS",
    "AirflowException",
    "AirflowFailException",
    "AirflowNotFoundException",
    "AirflowRescheduleException",
    "AirflowSensorTimeout",
    "AirflowSkipException",
    "AirflowTaskTimeout",
    "DagBag",
    "TaskDeferred",
    "TaskInstanceKey",
    "conf",
    "deserialize",
    "legacy_connection_form",
    "serialize",
    "ui_field_behaviour",
]

_EXCEPTIONS = ("airflow.sdk.exceptions", "airflow.exceptions")

#: Names resolved at import: cheap, because airflow.sdk and airflow.exceptions are loaded with airflow itself.
_EAGER: dict[str, tuple[str, ...]] = {
    "AirflowException": _EXCEPTIONS,
    "AirflowFailException": _EXCEPTIONS,
    "AirflowSkipException": _EXCEPTIONS,
    "AirflowNotFoundException": _EXCEPTIONS,
    "AirflowTaskTimeout": _EXCEPTIONS,
    "AirflowSensorTimeout": _EXCEPTIONS,
    "AirflowRescheduleException": _EXCEPTIONS,
    "TaskDeferred": _EXCEPTIONS,
    "conf": ("airflow.sdk", "airflow.configuration"),
}
#: Names resolved on first use: their modules are heavy (DAG parsing, serialization) and only tests need them.
_LAZY: dict[str, tuple[str, ...]] = {
    "DagBag": ("airflow.dag_processing.dagbag", "airflow.models.dagbag"),
    "serialize": ("airflow.sdk.serde", "airflow.serialization.serde"),
    "deserialize": ("airflow.sdk.serde", "airflow.serialization.serde"),
    "TaskInstanceKey": ("airflow.sdk.types", "airflow.models.taskinstancekey"),
}

#: Whether the running Airflow reads connection forms from the provider info (3.2+) rather than from the hooks.
PROVIDER_INFO_FORMS: bool = Version(airflow.__version__).release[:2] >= (3, 2)

_METHOD = "get_ui_field_behaviour"
_H = TypeVar("_H", bound=type)


def _resolve(name: str, modules: tuple[str, ...]) -> Any:
    """Return ``name`` from the first of ``modules`` that has it.

    :param name: The attribute name.
    :param modules: Module paths, newest home first.
    :return: The object.
    :raises ImportError: When no module has it (an Airflow version outside the supported range).
    """
    for module in modules:
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
    raise ImportError(f"{name} is in none of {', '.join(modules)}: is this Airflow {airflow.__version__} supported?")


if not TYPE_CHECKING:
    globals().update({name: _resolve(name, modules) for name, modules in _EAGER.items()})


def __getattr__(name: str) -> Any:
    """Resolve a lazily imported name on first access (PEP 562).

    :param name: The attribute asked for.
    :return: The object, cached in the module afterwards.
    :raises AttributeError: For a name this module does not provide.
    """
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = _resolve(name, _LAZY[name])
    globals()[name] = value
    return value


def ui_field_behaviour(connection_type: Mapping[str, Any]) -> dict[str, Any]:
    """Convert a provider-info ``ui-field-behaviour`` into the dict ``get_ui_field_behaviour()`` returns.

    :param connection_type: One ``connection-types`` entry of the provider info.
    :return: ``{"hidden_fields": [...], "relabeling": {...}, "placeholders": {...}}``.
    """
    behaviour = connection_type.get("ui-field-behaviour", {})
    return {
        "hidden_fields": list(behaviour.get("hidden-fields", [])),
        "relabeling": dict(behaviour.get("relabeling", {})),
        "placeholders": dict(behaviour.get("placeholders", {})),
    }


def legacy_connection_form(connection_type: Mapping[str, Any]) -> Callable[[_H], _H]:
    """Give a hook class ``get_ui_field_behaviour()`` when the running Airflow reads the form from hooks (3.1).

    On Airflow 3.2+ the class is returned unchanged: the provider info already carries the form, and Airflow warns
    about hooks that define the method.

    :param connection_type: The hook's ``connection-types`` entry of the provider info (the one source of truth).
    :return: A class decorator.
    """

    def decorate(hook_class: _H) -> _H:
        if PROVIDER_INFO_FORMS:
            return hook_class
        behaviour = ui_field_behaviour(connection_type)

        def get_ui_field_behaviour(cls: type) -> dict[str, Any]:
            return copy.deepcopy(behaviour)

        get_ui_field_behaviour.__doc__ = "Return the connection form's hidden, relabelled and placeholder fields."
        # Airflow 3.1 looks the method up in the class's own __dict__, so it must be set on this class itself.
        setattr(hook_class, _METHOD, classmethod(get_ui_field_behaviour))
        return hook_class

    return decorate
