"""Apache Airflow 3 provider for curating samples and files on genomics clouds (One Codex, Seven Bridges)."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

#: Connection-form fields every hook reads through the shared transport (genomics_provider.hooks.base).
_TRANSPORT_FIELDS: dict[str, Any] = {
    "timeout": {
        "label": "Read timeout (s)",
        "schema": {"type": ["number", "null"], "minimum": 0, "default": 60},
    },
    "connect_timeout": {
        "label": "Connect timeout (s)",
        "schema": {"type": ["number", "null"], "minimum": 0, "default": 10},
    },
    "max_attempts": {
        "label": "Attempts per request",
        "schema": {"type": ["integer", "null"], "minimum": 1, "default": 5},
    },
}


def _choice(label: str, description: str, choices: list[str]) -> dict[str, Any]:
    """Describe a connection field that takes one of a few names, the first being the default.

    :param label: The form's label.
    :param description: The form's help text.
    :param choices: The names it takes, the default first (empty means the default too).
    :return: The ``conn-fields`` entry.
    """
    return {
        "label": label,
        "description": description,
        "schema": {"type": ["string", "null"], "enum": [*choices, None], "default": choices[0]},
    }


def _connection_type(
    conn_type: str,
    name: str,
    hook: str,
    *,
    relabeling: dict[str, str],
    placeholders: dict[str, str],
    fields_before: dict[str, Any],
    fields_after: dict[str, Any],
) -> dict[str, Any]:
    """Describe one connection type: its hook, its form, and the vendor's fields around the shared transport ones.

    :param conn_type: The connection type, e.g. ``onecodex`` (never renamed once released).
    :param name: The hook's display name, e.g. ``One Codex``.
    :param hook: The hook class's path.
    :param relabeling: The connection form's labels for the standard fields.
    :param placeholders: The connection form's placeholders.
    :param fields_before: The vendor's extra fields listed before the transport fields.
    :param fields_after: The vendor's extra fields listed after them.
    :return: The ``connection-types`` entry.
    """
    return {
        "connection-type": conn_type,
        "hook-class-name": hook,
        "hook-name": name,
        "ui-field-behaviour": {
            "hidden-fields": ["login", "port", "schema"],
            "relabeling": relabeling,
            "placeholders": placeholders,
        },
        "conn-fields": {**fields_before, **_TRANSPORT_FIELDS, **fields_after},
    }


ONECODEX_CONNECTION_TYPE: dict[str, Any] = _connection_type(
    "onecodex",
    "One Codex",
    "genomics_provider.hooks.onecodex.OneCodexHook",
    relabeling={"host": "API base URL", "password": "API key"},
    placeholders={
        "host": "https://app.onecodex.com (leave empty for the default)",
        "password": "32-character One Codex API key",
        "extra": '{"auth_scheme": "api_key", "timeout": 60, "rate_limit": 10}',
    },
    fields_before={
        "auth_scheme": _choice(
            "Auth scheme",
            "How the key is sent: X-API-Key header (default), HTTP Basic 'key:', or Bearer (JWT).",
            ["api_key", "basic", "bearer"],
        ),
    },
    fields_after={
        "rate_limit": {
            "label": "Rate limit (requests/s)",
            "description": "Client-side pacing; One Codex allows 10 requests per second per key.",
            "schema": {"type": ["number", "null"], "minimum": 0, "default": 10},
        },
    },
)

SEVENBRIDGES_CONNECTION_TYPE: dict[str, Any] = _connection_type(
    "sevenbridges",
    "Seven Bridges",
    "genomics_provider.hooks.sevenbridges.SevenBridgesHook",
    relabeling={"host": "API base URL (with /v2)", "password": "Authentication token"},
    placeholders={
        "host": "https://cgc-api.sbgenomics.com/v2 (leave empty to pick by platform)",
        "password": "Developer token from the platform's Developer page",
        "extra": '{"platform": "cgc", "auth_scheme": "token", "timeout": 60}',
    },
    fields_before={
        "platform": _choice(
            "Platform",
            "Used when the host is empty: cgc (Cancer Genomics Cloud), aws-us, aws-eu, ali-cn, cavatica, f4c "
            "(BioData Catalyst).",
            ["cgc", "aws-us", "aws-eu", "ali-cn", "cavatica", "f4c"],
        ),
        "auth_scheme": _choice(
            "Auth scheme",
            "token: X-SBG-Auth-Token header (developer token, default); bearer: OAuth/SSO token.",
            ["token", "bearer"],
        ),
    },
    fields_after={
        "advance_access": {
            "label": "Advance access",
            "description": "Send X-SBG-Advance-Access: advance (opt in to beta API features).",
            "schema": {"type": ["boolean", "null"], "default": False},
        },
    },
)

#: The two integrations, by name and by module name under hooks/, operators/, sensors/ and triggers/.
_INTEGRATIONS = {"One Codex": "onecodex", "Seven Bridges": "sevenbridges"}


def _modules(kind: str) -> list[dict[str, Any]]:
    """List each integration's module of one kind, e.g. ``genomics_provider.hooks.onecodex``.

    :param kind: ``hooks``, ``operators``, ``sensors`` or ``triggers``.
    :return: The provider info entries.
    """
    return [
        {"integration-name": name, "python-modules": [f"genomics_provider.{kind}.{module}"]}
        for name, module in _INTEGRATIONS.items()
    ]


def get_provider_info() -> dict[str, Any]:
    """Describe this provider to Airflow's ProvidersManager (the ``apache_airflow_provider`` entry point).

    :return: The provider info dict.
    """
    return {
        "package-name": "airflow-provider-genomics",
        "name": "Genomics (One Codex, Seven Bridges)",
        "description": "Curate samples and files on One Codex and the Seven Bridges platforms "
        "(CGC, CAVATICA, BioData Catalyst) from Airflow: idempotent, rate-limited, tested on a local emulator.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "One Codex",
                "external-doc-url": "https://developer.onecodex.com/",
                "tags": ["service"],
            },
            {
                "integration-name": "Seven Bridges",
                "external-doc-url": "https://docs.sevenbridges.com/reference",
                "tags": ["service"],
            },
        ],
        "hooks": _modules("hooks"),
        "operators": _modules("operators"),
        "sensors": _modules("sensors"),
        "triggers": _modules("triggers"),
        "connection-types": [ONECODEX_CONNECTION_TYPE, SEVENBRIDGES_CONNECTION_TYPE],
        "extra-links": [
            "genomics_provider.links.genomics.OneCodexSamplesLink",
            "genomics_provider.links.genomics.SevenBridgesFilesLink",
        ],
    }
