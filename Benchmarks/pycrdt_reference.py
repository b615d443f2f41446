"""Reference numbers for `tandem-bench codec` and `tandem-bench doc`: the same operations in pycrdt (yrs).

Run by tandem-bench with the venv python ($TANDEM_VENV, else .venv, else /work/venv):
    python Benchmarks/pycrdt_reference.py --log automerge-paper.ylog --trace automerge-paper.json.gz \
        --ops doc,codec,b --repeat 3
Prints one JSON object: {"pycrdt": version, "results": {name: milliseconds or bytes}}. Names match the rows of
tandem-bench (apply, encode, state_bytes, load, merge_<N>, B1.1 ... B4). Best of --repeat runs for the log operations;
the crdt-benchmarks B1-B4 cases (N = 6000) run once each, one transaction per operation, as the harness does.
"""
import argparse
import gzip
import json
import random
import sys
import time

import pycrdt
from pycrdt import Array, Doc, Map, Text, merge_updates

N = 6000


def read_ylog(path):
    data = open(path, "rb").read()
    out, i = [], 0
    while i < len(data):
        length, shift = 0, 0
        while True:
            b = data[i]
            i += 1
            length |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                break
        out.append(data[i:i + length])
        i += length
    return out


def ms(f):
    start = time.perf_counter()
    value = f()
    return (time.perf_counter() - start) * 1000, value


def best(repeat, f):
    times, value = [], None
    for _ in range(repeat):
        t, value = ms(f)
        times.append(t)
    return min(times), value


def log_ops(results, updates, repeat, merge_counts):
    def apply_all():
        doc = Doc()
        for u in updates:
            doc.apply_update(u)
        return doc

    results["apply"], doc = best(repeat, apply_all)
    results["encode"], state = best(max(repeat, 5), doc.get_update)
    results["state_bytes"] = len(state)

    def load():
        d = Doc()
        d.apply_update(state)
        return d

    results["load"], _ = best(max(repeat, 5), load)
    text = str(doc.get("text", type=Text))
    results["text_length"] = len(text)
    return merge_counts


def merge_ops(results, updates, repeat, merge_counts):
    for n in merge_counts:
        results[f"merge_{n}"], merged = best(repeat, lambda: merge_updates(*updates[:n]))
        results[f"merge_{n}_bytes"] = len(merged)


def local(body):
    doc = Doc(client_id=1)
    updates = []
    doc.observe(lambda event: updates.append(event.update))
    t, _ = ms(lambda: body(doc))
    return t


def b_ops(results, trace_path):
    rng = random.Random(42)
    chars = [chr(97 + rng.randrange(26)) for _ in range(N)]
    string = "".join(chars)
    positions = [rng.randrange(i + 1) for i in range(N)]
    words = ["w" * (2 + rng.randrange(8)) for _ in range(N)]
    numbers = [rng.randrange(0x7FFFFFFF) for _ in range(N)]

    def b11(doc):
        text = doc.get("text", type=Text)
        for i in range(N):
            with doc.transaction():
                text.insert(i, chars[i])

    def b12(doc):
        text = doc.get("text", type=Text)
        with doc.transaction():
            text.insert(0, string)

    def b13(doc):
        text = doc.get("text", type=Text)
        for i in range(N):
            with doc.transaction():
                text.insert(0, chars[i])

    def b14(doc):
        text = doc.get("text", type=Text)
        for i in range(N):
            with doc.transaction():
                text.insert(positions[i], chars[i])

    def b15(doc):
        text = doc.get("text", type=Text)
        length = 0
        for i in range(N):
            with doc.transaction():
                text.insert(positions[i] % (length + 1), words[i])
            length += len(words[i])

    def b16(doc):
        text = doc.get("text", type=Text)
        with doc.transaction():
            text.insert(0, string)
        with doc.transaction():
            del text[0:N]

    def b18(doc):
        array = doc.get("array", type=Array)
        for i in range(N):
            with doc.transaction():
                array.insert(i, numbers[i])

    def b19(doc):
        array = doc.get("array", type=Array)
        with doc.transaction():
            array.extend(numbers)

    def b110(doc):
        array = doc.get("array", type=Array)
        for i in range(N):
            with doc.transaction():
                array.insert(0, numbers[i])

    for name, body in [("B1.1", b11), ("B1.2", b12), ("B1.3", b13), ("B1.4", b14), ("B1.5", b15), ("B1.6", b16),
                       ("B1.8", b18), ("B1.9", b19), ("B1.10", b110)]:
        results[name] = local(body)

    def b21():
        a, b = Doc(client_id=1), Doc(client_id=2)
        with a.transaction():
            a.get("text", type=Text).insert(0, string)
        with b.transaction():
            b.get("text", type=Text).insert(0, string[::-1])
        ua, ub = a.get_update(), b.get_update()
        a.apply_update(ub)
        b.apply_update(ua)

    results["B2.1"], _ = ms(b21)

    def b22():
        a, b = Doc(client_id=1), Doc(client_id=2)
        ua, ub = [], []
        a.observe(lambda e: ua.append(e.update))
        b.observe(lambda e: ub.append(e.update))
        ta, tb = a.get("text", type=Text), b.get("text", type=Text)
        for i in range(N):
            with a.transaction():
                ta.insert(positions[i], chars[i])
            with b.transaction():
                tb.insert(positions[N - 1 - i] % (i + 1), chars[i])
        for u in list(ub):
            a.apply_update(u)
        for u in list(ua):
            b.apply_update(u)

    results["B2.2"], _ = ms(b22)
    clients = round(20 * N ** 0.5)

    def b31():
        updates = []
        for c in range(clients):
            peer = Doc(client_id=c + 10)
            with peer.transaction():
                peer.get("map", type=Map)["v"] = c
            updates.append(peer.get_update())
        doc = Doc(client_id=1)
        for u in updates:
            doc.apply_update(u)

    results["B3.1"], _ = ms(b31)
    if trace_path:
        trace = json.loads(gzip.open(trace_path).read())
        patches = [p for txn in trace["txns"] for p in txn["patches"]]

        def b4(doc):
            text = doc.get("text", type=Text)
            for p in patches:
                pos, dels = p[0], p[1]
                ins = p[2] if len(p) > 2 else ""
                if dels:
                    with doc.transaction():
                        del text[pos:pos + dels]
                if ins:
                    with doc.transaction():
                        text.insert(pos, ins)
            if str(text) != trace["endContent"]:
                results["B4_check"] = 1

        results["B4"] = local(b4)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log")
    parser.add_argument("--trace")
    parser.add_argument("--ops", default="doc,codec,b")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--merge", default="1000,10000")
    args = parser.parse_args()
    ops = set(args.ops.split(","))
    results = {}
    updates = read_ylog(args.log) if args.log else []
    merge_counts = [int(n) for n in args.merge.split(",") if n]
    if "doc" in ops and updates:
        log_ops(results, updates, args.repeat, merge_counts)
    if "codec" in ops and updates:
        merge_ops(results, updates, args.repeat, merge_counts)
    if "b" in ops:
        b_ops(results, args.trace)
    version = getattr(pycrdt, "__version__", "?")
    json.dump({"pycrdt": version, "python": sys.version.split()[0], "results": results}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
