"""JSON records judged before they are parsed: a text's shape (how many values, how deep) read off its bytes,
so a hostile line or item is rejected without being built; a .json array cut into its items by its
brackets and commas outside strings, so each item is judged and parsed alone, as a JSONL line is."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import numpy as np

from clustering.config import ReadConfig
from clustering.ingest.fields import RawRecord
from clustering.records import Reject

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_OPENING, _CLOSING = np.frombuffer(b"{[", dtype=np.uint8), np.frombuffer(b"}]", dtype=np.uint8)


def json_shape_problem(raw: bytes, config: ReadConfig) -> str | None:
    """Why a JSON text is too large to parse (more values than ``config.max_json_items``, containers
    included, or nested deeper than ``config.max_json_depth``), judged from its bytes before parsing;
    ``None`` when it is not."""
    opening = raw.count(b"{") + raw.count(b"[")
    if 1 + opening + raw.count(b",") <= config.max_json_items and opening <= config.max_json_depth:
        return None  # bounds, even if every bracket and comma were outside strings
    structure = np.frombuffer(_JSON_STRING.sub(b"0", raw), dtype=np.uint8)
    structure = structure[~np.isin(structure, np.frombuffer(b" \t\r\n", dtype=np.uint8))]
    opens = np.isin(structure, np.frombuffer(b"{[", dtype=np.uint8))
    closes = np.isin(structure, np.frombuffer(b"}]", dtype=np.uint8))
    # Values: the outermost one, one more than its commas in each container that is not empty.
    empty = int((opens[:-1] & closes[1:]).sum())
    values = 1 + int((structure == ord(",")).sum()) + int(opens.sum()) - empty
    if values > config.max_json_items:
        return f"over {config.max_json_items:,} JSON values"
    if structure.size and int(np.cumsum(opens.astype(np.int32) - closes).max()) > config.max_json_depth:
        return f"JSON nested deeper than {config.max_json_depth} levels"
    return None


def json_record(raw: bytes, path: Path, number: int, config: ReadConfig, what: str) -> RawRecord | Reject:
    """The JSON object of ``raw`` (a JSONL line, an item of a .json array: ``what``) as a raw record, or the
    reject saying why not; its shape is judged before it is parsed."""
    origin = str(path)
    if (problem := json_shape_problem(raw, config)) is not None:
        return Reject(origin=origin, reason=f"{what} holds {problem}: not read", line=number)
    try:
        fields = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return Reject(origin=origin, reason=f"{what} is not UTF-8 text", line=number)
    except json.JSONDecodeError as error:
        return Reject(origin=origin, reason=f"malformed JSON: {error.msg}", line=number)
    except RecursionError:
        return Reject(origin=origin, reason="JSON nested too deeply to read", line=number)
    except ValueError as error:  # an integer of more digits than Python converts
        return Reject(origin=origin, reason=f"malformed JSON: {error}", line=number)
    if not isinstance(fields, dict):
        return Reject(origin=origin, reason=f"{what} is not a JSON object", line=number)
    return RawRecord(fields, origin, number, f"{path.stem}:{number}")


def array_items(content: bytes) -> list[bytes] | None:
    """The bytes of each item of the JSON array ``content`` holds, found by its brackets and commas outside
    strings (so each item is judged and parsed alone, as a JSONL line is); ``None`` when ``content`` is no
    array. ``ValueError`` saying why when the array does not close where the content ends."""
    body = content.removeprefix(b"\xef\xbb\xbf")
    start = len(body) - len(body.lstrip())
    if body[start : start + 1] != b"[":
        return None
    # Strings masked to the same length: their brackets and commas are text.
    masked = _JSON_STRING.sub(lambda match: b"0" * len(match.group()), body)
    structure = np.frombuffer(masked, dtype=np.uint8)
    depth = np.cumsum(np.isin(structure, _OPENING).astype(np.int32) - np.isin(structure, _CLOSING))
    closed = np.flatnonzero(depth[start:] == 0)
    if not closed.size:
        raise ValueError("the JSON array does not close")
    end = start + int(closed[0])
    if body[end + 1 :].strip():
        raise ValueError("content after the JSON array")
    commas = np.flatnonzero((structure[start:end] == ord(",")) & (depth[start:end] == 1)) + start
    bounds = [start, *commas.tolist(), end]
    items = [body[first + 1 : last] for first, last in itertools.pairwise(bounds)]
    return [] if len(items) == 1 and not items[0].strip() else items
