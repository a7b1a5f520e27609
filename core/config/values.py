"""Reading one setting's value (a choice, a whole number, a flag); a value that can never work is named."""

from __future__ import annotations

from core.domain.errors import InvalidSetting


def choice(values: dict[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = values.get(name, default).lower()
    if value not in allowed:
        raise InvalidSetting(f"{name}={value!r} is not supported: use one of {', '.join(allowed)}.")
    return value


def positive_int(values: dict[str, str], name: str, default: int, *, allow_zero: bool = False) -> int:
    raw = values.get(name)
    if raw is None:
        return default
    try:
        number = int(raw)
    except ValueError:
        raise InvalidSetting(f"{name} must be a whole number, got {raw!r}.") from None
    if number < 0 or (number == 0 and not allow_zero):
        raise InvalidSetting(f"{name} must be {'zero or more' if allow_zero else 'greater than zero'}, got {number}.")
    return number


def flag(values: dict[str, str], name: str, default: bool) -> bool:
    raw = values.get(name)
    if raw is None:
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise InvalidSetting(f"{name} must be true or false, got {raw!r}.")


def optional_int(values: dict[str, str], name: str) -> int | None:
    return positive_int(values, name, 0) if values.get(name) else None


class Secret:
    """A string that never shows itself in repr, str, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)
