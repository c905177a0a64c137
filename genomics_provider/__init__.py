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

ONECODEX_CONNECTION_TYPE: dict[str, Any] = {
    "connection-type": "onecodex",
    "hook-class-name": "genomics_provider.hooks.onecodex.OneCodexHook",
    "hook-name": "One Codex",
    "ui-field-behaviour": {
        "hidden-fields": ["login", "port", "schema"],
        "relabeling": {"host": "API base URL", "password": "API key"},
        "placeholders": {
            "host": "https://app.onecodex.com (leave empty for the default)",
            "password": "32-character One Codex API key",
            "extra": '{"auth_scheme": "api_key", "timeout": 60, "rate_limit": 10}',
        },
    },
    "conn-fields": {
        "auth_scheme": {
            "label": "Auth scheme",
            "description": "How the key is sent: X-API-Key header (default), HTTP Basic 'key:', or Bearer (JWT).",
            "schema": {
                "type": ["string", "null"],
                "enum": ["api_key", "basic", "bearer", None],
                "default": "api_key",
            },
        },
        **_TRANSPORT_FIELDS,
        "rate_limit": {
            "label": "Rate limit (requests/s)",
            "description": "Client-side pacing; One Codex allows 10 requests per second per key.",
            "schema": {"type": ["number", "null"], "minimum": 0, "default": 10},
        },
    },
}

SEVENBRIDGES_CONNECTION_TYPE: dict[str, Any] = {
    "connection-type": "sevenbridges",
    "hook-class-name": "genomics_provider.hooks.sevenbridges.SevenBridgesHook",
    "hook-name": "Seven Bridges",
    "ui-field-behaviour": {
        "hidden-fields": ["login", "port", "schema"],
        "relabeling": {"host": "API base URL (with /v2)", "password": "Authentication token"},
        "placeholders": {
            "host": "https://cgc-api.sbgenomics.com/v2 (leave empty to pick by platform)",
            "password": "Developer token from the platform's Developer page",
            "extra": '{"platform": "cgc", "auth_scheme": "token", "timeout": 60}',
        },
    },
    "conn-fields": {
        "platform": {
            "label": "Platform",
            "description": "Used when the host is empty: cgc (Cancer Genomics Cloud), aws-us, aws-eu, ali-cn, "
            "cavatica, f4c (BioData Catalyst).",
            "schema": {
                "type": ["string", "null"],
                "enum": ["cgc", "aws-us", "aws-eu", "ali-cn", "cavatica", "f4c", None],
                "default": "cgc",
            },
        },
        "auth_scheme": {
            "label": "Auth scheme",
            "description": "token: X-SBG-Auth-Token header (developer token, default); bearer: OAuth/SSO token.",
            "schema": {"type": ["string", "null"], "enum": ["token", "bearer", None], "default": "token"},
        },
        **_TRANSPORT_FIELDS,
        "advance_access": {
            "label": "Advance access",
            "description": "Send X-SBG-Advance-Access: advance (opt in to beta API features).",
            "schema": {"type": ["boolean", "null"], "default": False},
        },
    },
}


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
        "hooks": [
            {"integration-name": "One Codex", "python-modules": ["genomics_provider.hooks.onecodex"]},
            {"integration-name": "Seven Bridges", "python-modules": ["genomics_provider.hooks.sevenbridges"]},
        ],
        "operators": [
            {"integration-name": "One Codex", "python-modules": ["genomics_provider.operators.onecodex"]},
            {
                "integration-name": "Seven Bridges",
                "python-modules": ["genomics_provider.operators.sevenbridges"],
            },
        ],
        "sensors": [
            {"integration-name": "One Codex", "python-modules": ["genomics_provider.sensors.onecodex"]},
            {"integration-name": "Seven Bridges", "python-modules": ["genomics_provider.sensors.sevenbridges"]},
        ],
        "triggers": [
            {"integration-name": "One Codex", "python-modules": ["genomics_provider.triggers.onecodex"]},
            {"integration-name": "Seven Bridges", "python-modules": ["genomics_provider.triggers.sevenbridges"]},
        ],
        "connection-types": [ONECODEX_CONNECTION_TYPE, SEVENBRIDGES_CONNECTION_TYPE],
        "extra-links": [
            "genomics_provider.links.genomics.OneCodexSamplesLink",
            "genomics_provider.links.genomics.SevenBridgesFilesLink",
        ],
    }
