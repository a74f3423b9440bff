"""A small TOML writer for generated profiles and recipes (the stdlib only reads TOML)."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any


def value(item: Any) -> str:
    """One TOML value, inline (tables as inline tables)."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, float):
        if math.isnan(item):
            return "nan"
        if math.isinf(item):
            return "inf" if item > 0 else "-inf"
        return repr(item)
    if isinstance(item, str):
        return json.dumps(item, ensure_ascii=False)
    if isinstance(item, dt.date):
        return item.isoformat()
    if isinstance(item, list):
        return "[" + ", ".join(value(v) for v in item) + "]"
    if isinstance(item, dict):
        return "{ " + ", ".join(f"{key(k)} = {value(v)}" for k, v in item.items()) + " }"
    raise TypeError(type(item))


def key(name: str) -> str:
    """A key, always quoted (any text is a valid quoted key)."""
    return json.dumps(str(name), ensure_ascii=False)


def dumps(document: dict[str, Any]) -> str:
    """A document: scalars first, then one ``[section]`` per top-level table."""
    lines = [f"{key(k)} = {value(v)}" for k, v in document.items() if not isinstance(v, dict)]
    for name, table in document.items():
        if isinstance(table, dict):
            lines.append(f"\n[{key(name)}]")
            lines += [f"{key(k)} = {value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"
