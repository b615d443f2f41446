"""`tandem replay` on every input form, checked against pycrdt fed the same updates.

Inputs: a .ylog log, a JSON array of base64 strings, a JSON array of int arrays, a server document folder
(state.bin, then wal.ylog with a torn last record, as a crash leaves it) and a data directory with --document.
`--stats` numbers are checked against what pycrdt reports for the same document: the clients and clocks of its
state vector, the size of its encoded state, and the deleted length (the update's delete set, decoded here).
"""
import base64
import json
import os
import pathlib
import subprocess

import pytest
from pycrdt import Doc, Text, get_state, merge_updates


def shared(shared_dir: pathlib.Path) -> pathlib.Path:
    if os.environ.get("TANDEM_SHARED"):
        return pathlib.Path(os.environ["TANDEM_SHARED"])
    return shared_dir if shared_dir.exists() else pathlib.Path("/work/shared")


def var_uint(data: bytes, i: int):
    n = shift = 0
    while True:
        c = data[i]
        i += 1
        n |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return n, i


def records(data: bytes):
    i, out = 0, []
    while i < len(data):
        n, i = var_uint(data, i)
        out.append(data[i : i + n])
        i += n
    return out


def ylog(updates) -> bytes:
    out = bytearray()
    for u in updates:
        n = len(u)
        while n >= 0x80:
            out.append((n & 0x7F) | 0x80)
            n >>= 7
        out.append(n)
        out += u
    return bytes(out)


def state_vector(sv: bytes) -> dict:
    count, i = var_uint(sv, 0)
    out = {}
    for _ in range(count):
        client, i = var_uint(sv, i)
        clock, i = var_uint(sv, i)
        out[client] = clock
    return out


def deleted_length(update: bytes) -> int:
    """Total length of the delete set of a v1 update: pycrdt's diff against the document's own state vector holds
    no structs, only the delete set, which is simple to read."""
    doc = Doc()
    doc.apply_update(update)
    only_ds = doc.get_update(doc.get_state())
    count, i = var_uint(only_ds, 0)
    assert count == 0
    clients, i = var_uint(only_ds, i)
    total = 0
    for _ in range(clients):
        _, i = var_uint(only_ds, i)
        ranges, i = var_uint(only_ds, i)
        for _ in range(ranges):
            _, i = var_uint(only_ds, i)
            length, i = var_uint(only_ds, i)
            total += length
    return total


def replay(tandem_bin, *args):
    out = subprocess.run([tandem_bin, "replay", *map(str, args)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out


@pytest.fixture(scope="module")
def session(shared_dir):
    path = shared(shared_dir) / "fixtures" / "yjs" / "conformance" / "session-01" / "updates.ylog"
    if not path.exists():
        pytest.skip("shared fixtures not found")
    updates = records(path.read_bytes())
    doc = Doc()
    for u in updates:
        doc.apply_update(u)
    return path, updates, doc


def check_stats(stats, updates_count, doc):
    sv = state_vector(doc.get_state())
    state = doc.get_update()
    assert stats["updates"] == updates_count
    assert stats["clients"] == len(sv)
    assert stats["totalLength"] == sum(sv.values())
    assert stats["stateBytes"] == len(state)
    assert stats["deletedLength"] == deleted_length(state)
    assert stats["deletedRatio"] == pytest.approx(stats["deletedLength"] / stats["totalLength"], abs=1e-4)
    assert stats["pendingStructs"] == 0
    assert stats["structs"] > 0


def test_stats_of_a_ylog_match_pycrdt(tandem_bin, session):
    path, updates, doc = session
    out = json.loads(replay(tandem_bin, path, "--format", "json", "--stats").stdout)
    check_stats(out["stats"], len(updates), doc)
    assert out["roots"]["text"] == str(doc.get("text", type=Text))


def test_stats_text_summary(tandem_bin, session):
    path, updates, _ = session
    text = replay(tandem_bin, path, "--stats").stdout
    lines = dict(line.split(None, 1) for line in text.strip().splitlines())
    assert lines["updates"] == str(len(updates))
    assert lines["input"].split() == ["bytes", str(sum(len(u) for u in updates))]
    assert "%" in lines["deleted"]


@pytest.mark.parametrize("form", ["base64", "ints"])
def test_json_inputs_give_the_same_document(tandem_bin, session, tmp_path, form):
    path, updates, doc = session
    items = [base64.b64encode(u).decode() for u in updates] if form == "base64" else [list(u) for u in updates]
    json_path = tmp_path / "updates.json"
    json_path.write_text(json.dumps(items))
    out = json.loads(replay(tandem_bin, json_path, "--format", "json", "--stats").stdout)
    check_stats(out["stats"], len(updates), doc)


def test_until_applies_a_prefix(tandem_bin, session):
    path, updates, _ = session
    doc = Doc()
    for u in updates[:10]:
        doc.apply_update(u)
    out = json.loads(replay(tandem_bin, path, "--until", "10", "--format", "json", "--stats").stdout)
    check_stats(out["stats"], 10, doc)


def test_server_document_folder_and_data_directory(tandem_bin, session, tmp_path):
    path, updates, doc = session
    half = len(updates) // 2
    folder = tmp_path / "data" / "documents" / "note-1"
    folder.mkdir(parents=True)
    (folder / "id").write_text("note-1")
    (folder / "state.bin").write_bytes(merge_updates(*updates[:half]))
    # The rest in the WAL, plus a torn record (a length promising more bytes than follow), as a crash leaves it.
    (folder / "wal.ylog").write_bytes(ylog(updates[half:]) + b"\x40\x01\x02")
    out = replay(tandem_bin, folder, "--format", "json", "--stats")
    assert "torn" in out.stderr
    stats = json.loads(out.stdout)["stats"]
    check_stats(stats, 1 + len(updates) - half, doc)
    # The data directory needs --document; with it, the same document.
    refused = subprocess.run([tandem_bin, "replay", str(tmp_path / "data")], capture_output=True, text=True)
    assert refused.returncode == 1 and "--document" in refused.stderr and "note-1" in refused.stderr
    via_data = json.loads(replay(tandem_bin, tmp_path / "data", "--document", "note-1", "--format", "json", "--stats").stdout)
    assert via_data["stats"] == stats
    assert via_data["roots"]["text"] == str(doc.get("text", type=Text))


def test_bad_input_names_the_update_and_offset(tandem_bin, session, tmp_path):
    path, updates, _ = session
    bad = tmp_path / "bad.ylog"
    broken = bytes(updates[3][:-1])
    bad.write_bytes(ylog(updates[:3] + [broken]))
    out = subprocess.run([tandem_bin, "replay", str(bad)], capture_output=True, text=True)
    assert out.returncode == 1
    assert "update 3" in out.stderr and "file byte" in out.stderr
