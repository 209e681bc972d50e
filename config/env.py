"""How an environment variable reads as a boolean: one rule for `config/settings.py` and for
`gunicorn.conf.py` (which runs before Django is set up, so this module imports only the standard library)."""

import os

TRUE_VALUES = {"1", "true", "yes", "on"}


def env_bool(name: str, default: bool = False) -> bool:
    """`1`, `true`, `yes` or `on` (any case) is true; unset or blank is `default`; anything else is false."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in TRUE_VALUES
