"""Generate yrs (pycrdt) update fixtures: random multi-client editing sessions.

Run with the project's venv:  /work/venv/bin/python Tests/Fixtures/yrs/generate.py
Writes Tests/Fixtures/yrs/session-NN/ with:
  updates.ylog   every local update of every client, in emission order (v1, varUint length-prefixed)
  merged.bin     pycrdt merge_updates(*updates)
  state.bin      doc.get_update() of a document that applied the log in order;  sv.bin: its doc.get_state()
  half-sv.bin    state vector after applying the first half of the log;  diff.bin: get_update(merged, half-sv)
  expected.json  text, text delta, map, array and XML of that document
Random sessions use Text (formatting, embeds, non-ASCII), Map (JSON kinds, nested maps), Array (values, nested
texts and maps), XmlFragment with XmlElement / XmlText children (attributes, formatted text), and deletions.
Seeds are fixed, so re-running gives the same sessions (pycrdt 0.14.13 / yrs 0.28).
"""
import json
import pathlib
import random
import sys

from pycrdt import Array, Doc, Map, Text, XmlElement, XmlFragment, XmlText, get_update, merge_updates

OUT = pathlib.Path(__file__).resolve().parent
WORDS = ["a", "hello ", "world", "😀", "ß", "日本", "x\ny", " ", "Tandem", "é"]
# Text edits stay in the BMP: with astral characters, code-point and UTF-16 offsets differ and a random index can
# split a surrogate pair, after which neither Yjs nor yrs converge (see ../../shared/fixtures/yjs/README.md).
TEXT_WORDS = [w for w in WORDS if w != "😀"]


def var_uint(n: int) -> bytes:
    out = bytearray()
    while n > 127:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    out.append(n)
    return bytes(out)


def roots(doc: Doc):
    return (doc.get("text", type=Text), doc.get("map", type=Map), doc.get("array", type=Array),
            doc.get("prosemirror", type=XmlFragment))


def json_value(rng: random.Random):
    return rng.choice([
        lambda: rng.randint(-1000, 1000),
        lambda: rng.random() * 100,
        lambda: rng.choice(WORDS),
        lambda: rng.choice([True, False]),
        lambda: None,
        lambda: [rng.randint(0, 9), rng.choice(WORDS)],
        lambda: {"k": rng.choice(WORDS), "n": rng.randint(0, 99)},
        lambda: 2 ** 40,
    ])()


def text_len(text) -> int:
    return len(str(text))


def edit(doc: Doc, rng: random.Random):
    text, ymap, array, frag = roots(doc)
    op = rng.randrange(12)
    if op <= 2:
        n = text_len(text)
        i = rng.randint(0, n)
        attrs = rng.choice([None, None, {"bold": True}, {"italic": True, "color": "#f00"}])
        word = rng.choice(TEXT_WORDS)
        if attrs:
            text.insert(i, word, attrs)
        else:
            text.insert(i, word)
    elif op == 3:
        n = text_len(text)
        if n > 0:
            i = rng.randrange(n)
            text.format(i, rng.randint(1, min(5, n - i)), rng.choice([{"bold": True}, {"bold": None}, {"link": "https://x"}]))
    elif op == 4:
        text.insert_embed(rng.randint(0, text_len(text)), {"image": rng.choice(["a.png", "b.png"])})
    elif op == 5:
        n = text_len(text)
        if n > 0:
            i = rng.randrange(n)
            del text[i:i + rng.randint(1, min(4, n - i))]
    elif op == 6:
        key = rng.choice(["a", "b", "c", "d", "nested"])
        if key == "nested":
            ymap[key] = Map({"inner": json_value(rng)})
        elif rng.random() < 0.2 and key in ymap:
            del ymap[key]
        else:
            ymap[key] = json_value(rng)
    elif op == 7:
        i = rng.randint(0, len(array))
        choice = rng.random()
        if choice < 0.2:
            array.insert(i, Text(rng.choice(TEXT_WORDS)))
        elif choice < 0.3:
            array.insert(i, Map({"m": json_value(rng)}))
        else:
            array.insert(i, json_value(rng))
    elif op == 8:
        if len(array) > 0:
            del array[rng.randrange(len(array))]
    elif op == 9:
        tag = rng.choice(["paragraph", "heading", "blockquote"])
        el = XmlElement(tag, {"level": str(rng.randint(1, 3))} if tag == "heading" else None, [XmlText(rng.choice(TEXT_WORDS))])
        frag.children.insert(rng.randint(0, len(frag.children)), el)
    elif op == 10:
        children = list(frag.children)
        if children:
            el = rng.choice(children)
            if isinstance(el, XmlElement) and len(el.children) > 0:
                xt = el.children[0]
                if isinstance(xt, XmlText):
                    n = len(str(xt))
                    xt.insert(rng.randint(0, n), rng.choice(TEXT_WORDS), rng.choice([None, {"bold": True}]) or {})
    else:
        if len(frag.children) > 0 and rng.random() < 0.5:
            del frag.children[rng.randrange(len(frag.children))]


def snapshot(doc: Doc):
    text, ymap, array, frag = roots(doc)
    delta = []
    for chunk in text.diff():
        insert, attrs = chunk[0], chunk[1] if len(chunk) > 1 else None
        delta.append({"insert": insert if isinstance(insert, (str, dict)) else str(insert), "attributes": attrs})
    return {
        "text": str(text),
        "delta": delta,
        "map": json.loads(json.dumps(ymap.to_py(), sort_keys=True, default=str)),
        "array": json.loads(json.dumps(array.to_py(), default=str)),
        "prosemirror": str(frag),
    }


def session(seed: int, clients: int, steps: int):
    rng = random.Random(seed)
    docs = [Doc(client_id=1000 + seed * 100 + k * 7) for k in range(clients)]
    log: list[bytes] = []
    applying = {"on": False}
    for d in docs:
        roots(d)
        d.observe(lambda e: None if applying["on"] else log.append(e.update))
    for _ in range(steps):
        d = rng.choice(docs)
        with d.transaction():
            for _ in range(rng.randint(1, 3)):
                edit(d, rng)
        if rng.random() < 0.3:
            a, b = rng.sample(docs, 2)
            applying["on"] = True
            b.apply_update(a.get_update(b.get_state()))
            applying["on"] = False
    applying["on"] = True
    for _ in range(2):
        for a in docs:
            for b in docs:
                if a is not b:
                    b.apply_update(a.get_update(b.get_state()))
    applying["on"] = False
    # yrs 0.28 peers do not always converge on concurrent formatted text (y-crdt#632), so the reference is a fresh
    # document that applies the log in order, as in the Yjs fixtures.
    replay = Doc()
    for u in log:
        replay.apply_update(u)
    return replay, log, snapshot(replay)


def main():
    sessions = [(1, 2, 40), (2, 3, 120), (3, 4, 250), (4, 5, 300), (5, 3, 150), (6, 2, 80)]
    for n, (seed, clients, steps) in enumerate(sessions, start=1):
        doc, log, snap = session(seed, clients, steps)
        folder = OUT / f"session-{n:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "updates.ylog").write_bytes(b"".join(var_uint(len(u)) + u for u in log))
        merged = merge_updates(*log)
        (folder / "merged.bin").write_bytes(merged)
        (folder / "state.bin").write_bytes(doc.get_update())
        (folder / "sv.bin").write_bytes(doc.get_state())
        half = Doc()
        for u in log[: len(log) // 2]:
            half.apply_update(u)
        half_sv = half.get_state()
        (folder / "half-sv.bin").write_bytes(half_sv)
        (folder / "diff.bin").write_bytes(get_update(merged, half_sv))
        (folder / "expected.json").write_text(json.dumps(snap, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
        print(f"session-{n:02d}: {clients} clients, {len(log)} updates, merged {len(merged)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
