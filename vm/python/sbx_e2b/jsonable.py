"""Turning Python values into strictly valid JSON data.

Two formatters need this.  ``application/json`` mirrors what E2B gets from
``orjson.dumps(obj, OPT_SERIALIZE_NUMPY | OPT_NON_STR_KEYS)``: numpy values
become numbers and lists, dict keys become strings, NaN becomes null, and
anything orjson would reject raises TypeError so the stock formatter takes
over.  ``e2b/data`` is lenient instead: a DataFrame cell of any type must
still produce a value, so unknown objects fall back to ``str()``.

Nothing here imports numpy or pandas; they are consulted through
``sys.modules`` only when the value could be one of theirs.
"""

import dataclasses
import datetime
import decimal
import enum
import math
import sys
import uuid

_MAX_DEPTH = 254          # orjson's recursion limit
_INT_MIN = -(1 << 63)     # orjson serialises i64 and u64, nothing wider
_INT_MAX = (1 << 64) - 1


def _float(value):
    value = float(value)
    return value if math.isfinite(value) else None


def _numpy_value(value, convert, depth):
    """Convert a numpy array or scalar, or return NotImplemented if it is neither."""
    numpy = sys.modules.get("numpy")
    if numpy is None:
        return NotImplemented
    if isinstance(value, numpy.ndarray):
        if value.dtype.kind == "M":
            return [convert(v, depth + 1) for v in value.astype("datetime64[us]").tolist()]
        return convert(value.tolist(), depth)
    if isinstance(value, numpy.datetime64):
        if numpy.isnat(value):
            return None
        return convert(value.astype("datetime64[us]").item(), depth)
    if isinstance(value, numpy.generic):
        return convert(value.item(), depth)
    return NotImplemented


def _key(key):
    """A dict key as orjson's OPT_NON_STR_KEYS writes it."""
    if isinstance(key, str):
        return str(key)
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        return str(int(key))
    if isinstance(key, float):
        return repr(float(key))
    if isinstance(key, enum.Enum):
        return _key(key.value)
    if isinstance(key, (datetime.date, datetime.time)):
        return key.isoformat()
    if isinstance(key, uuid.UUID):
        return str(key)
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(key, numpy.generic):
        return _key(key.item())
    raise TypeError(f"dict key of type {type(key).__name__} is not JSON serializable")


def to_json_strict(value, depth=0):
    """Convert like orjson would; raise TypeError for what it would reject."""
    if depth > _MAX_DEPTH:
        raise TypeError("recursion limit reached")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        if not _INT_MIN <= value <= _INT_MAX:
            raise TypeError("integer exceeds 64-bit range")
        return int(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, dict):
        return {_key(k): to_json_strict(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_strict(v, depth + 1) for v in value]
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return to_json_strict(value.value, depth + 1)
    if isinstance(value, uuid.UUID):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json_strict(getattr(value, f.name), depth + 1)
                for f in dataclasses.fields(value)}
    converted = _numpy_value(value, to_json_strict, depth)
    if converted is not NotImplemented:
        return converted
    raise TypeError(f"type {type(value).__name__} is not JSON serializable")


def to_json_lenient(value, depth=0):
    """Convert anything: known types faithfully, the rest through ``str()``."""
    if depth > _MAX_DEPTH:
        return str(value)
    if value is None:
        return None
    pandas = sys.modules.get("pandas")
    if pandas is not None and (value is pandas.NaT or value is getattr(pandas, "NA", None)):
        return None     # NaT is a datetime subclass, so test it first
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, decimal.Decimal):
        return _float(value) if value.is_finite() else None
    if isinstance(value, dict):
        return {(k if isinstance(k, str) else str(k)): to_json_lenient(v, depth + 1)
                for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json_lenient(v, depth + 1) for v in value]
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    converted = _numpy_value(value, to_json_lenient, depth)
    if converted is not NotImplemented:
        return converted
    return str(value)


def dataframe_to_dict(frame):
    """``DataFrame.to_dict(orient="list")`` made JSON-safe, the shape E2B sends.

    Timestamps become ISO strings (as in E2B); NaN, NaT and None become null;
    non-string column labels are stringified because JSON keys must be strings.
    """
    columns = frame.to_dict(orient="list")
    return {(k if isinstance(k, str) else str(k)): [to_json_lenient(v) for v in values]
            for k, values in columns.items()}
