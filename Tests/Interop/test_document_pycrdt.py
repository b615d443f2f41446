"""Our Document against pycrdt (yrs): the same update streams must give the same content.

Streams: Tests/Fixtures/document/convergence-*.ylog (concurrent edits of formatted text, nested maps and arrays
and XML, written by ConvergenceTests with TANDEM_WRITE_FIXTURES=1) and the Yjs conformance session logs. Each is
applied in order by pycrdt and by `tandem replay --format json`, and the roots are compared.
"""
import json
import math
import pathlib
import subprocess

import pytest
from pycrdt import Array, Doc, Map, Text, XmlFragment

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Tests" / "Fixtures" / "document"


def records(data: bytes):
    i = 0
    while i < len(data):
        n = shift = 0
        while True:
            c = data[i]
            i += 1
            n |= (c & 0x7F) << shift
            shift += 7
            if c < 0x80:
                break
        yield data[i : i + n]
        i += n


def normalize(value):
    """Python values as JSON.stringify shows them: numbers as floats, bytes as {"0": b0, ...}."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, (bytes, bytearray)):
        return {str(i): float(b) for i, b in enumerate(value)}
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalize(v) for v in value]
    return str(value)


def same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return a == b or math.isclose(a, b, rel_tol=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def streams(shared_dir):
    if not shared_dir.exists():
        import os

        shared_dir = pathlib.Path(os.environ.get("TANDEM_SHARED", "/work/shared"))
    logs = sorted(FIXTURES.glob("convergence-*.ylog"))
    logs += sorted((shared_dir / "fixtures" / "yjs" / "conformance").glob("session-*/updates.ylog"))
    return logs


def pycrdt_state(path: pathlib.Path):
    doc = Doc()
    for update in records(path.read_bytes()):
        doc.apply_update(update)
    text = doc.get("text", type=Text)
    return {
        "text": str(text),
        "delta": [
            {"insert": insert, **({"attributes": attrs} if attrs else {})} for insert, attrs in text.diff()
        ],
        "map": doc.get("map", type=Map).to_py(),
        "array": doc.get("array", type=Array).to_py(),
        "prosemirror": str(doc.get("prosemirror", type=XmlFragment)),
    }


def test_streams_exist(shared_dir):
    assert len(streams(shared_dir)) >= 4


@pytest.mark.parametrize("index", range(12))
def test_document_agrees_with_pycrdt(tandem_bin, shared_dir, index):
    logs = streams(shared_dir)
    if index >= len(logs):
        pytest.skip("no such stream")
    path = logs[index]
    expected = pycrdt_state(path)
    out = subprocess.run(
        [tandem_bin, "replay", str(path), "--format", "json"], check=True, capture_output=True, text=True
    )
    ours = json.loads(out.stdout)
    roots = ours["roots"]
    assert roots.get("text", "") == expected["text"]
    assert same(normalize(ours["deltas"].get("text", [])), normalize(expected["delta"]))
    assert same(normalize(roots.get("map", {})), normalize(expected["map"]))
    assert same(normalize(roots.get("array", [])), normalize(expected["array"]))
    assert roots.get("prosemirror", "") == expected["prosemirror"]
    assert ours["pending"]["structs"] == 0
