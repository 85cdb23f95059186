"""Settings errors in one line each, naming the variable: never a traceback.

``load_settings`` reads ``Settings`` and turns every problem pydantic finds
into ``GATEWAY_<NAME>: <what is wrong> (got <value>); for example <value>``;
``unknown_variables`` finds ``GATEWAY_*`` names no setting has, with the
closest real one (``GATEWAY_REDIS_ULR`` -> ``GATEWAY_REDIS_URL``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from pydantic_settings import SettingsError

from gateway.settings import FIELDS, GROUPS, LIST_FIELDS, Settings

PREFIX = "GATEWAY_"


class ConfigError(Exception):
    """Invalid settings; ``lines`` holds one message per problem."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def example(field: str) -> str:
    info = FIELDS[field]
    if field in LIST_FIELDS:
        return f'{PREFIX}{field.upper()}=a,b or \'["a", "b"]\''
    default = info.get_default(call_default_factory=True)
    if default is None or default == "":
        return ""
    shown = str(default).lower() if isinstance(default, bool) else str(default)
    return f"{PREFIX}{field.upper()}={shown}"


# Settings whose values may carry a password or key: an error never echoes them.
MAY_HOLD_SECRETS = frozenset({"redis_url", "history_url", "api_keys"})


def load_settings(**overrides: Any) -> Settings:
    """``Settings(**overrides)``, or ConfigError with one line per invalid variable."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise ConfigError([_line(e) for e in error.errors()]) from None
    except SettingsError as error:
        found = re.search(r'field "(\w+)"', str(error))
        name = f"{PREFIX}{found.group(1).upper()}" if found else "a GATEWAY_ variable"
        raise ConfigError([f"{name}: could not be read ({error})"]) from None


def _line(error: Mapping[str, Any]) -> str:
    location = [str(part) for part in error.get("loc", ())]
    if location and location[0] in GROUPS:
        location = location[1:]  # groups sort the settings; no variable is named after one
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    if not location:  # a check across settings: its message names the variables
        return message
    field = location[0]
    name = f"{PREFIX}{field.upper()}"
    where = "" if len(location) < 2 else f" at {'.'.join(location[1:])}"
    value = error.get("input")
    shown = isinstance(value, str | int | float) and field not in MAY_HOLD_SECRETS
    got = f" (got {str(value)[:80]!r})" if shown else ""
    hint = example(field) if field in FIELDS else ""
    return f"{name}{where}: {message}{got}" + (f"; for example {hint}" if hint else "")


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """Warnings for ``GATEWAY_*`` variables that no setting reads (typos)."""
    known = [f"{PREFIX}{name.upper()}" for name in FIELDS]
    warnings = []
    for variable in sorted(v for v in environ if v.startswith(PREFIX) and v not in known):
        close = difflib.get_close_matches(variable, known, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        warnings.append(f"{variable} is not a setting of the gateway and is ignored{hint}")
    return warnings
