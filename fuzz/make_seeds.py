#!/usr/bin/env python3
"""Cuts the committed seed corpora out of the demo data and the examples.

Writes fuzz/seeds/<target>/ and fuzz/fixtures/events.jsonl (all small: the
committed corpora stay well under 1 MB). Deterministic: rerunning it gives
the same files. Usage: python3 fuzz/make_seeds.py
"""
import hashlib
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEMO = os.path.join(ROOT, "examples", "data", "demo.jsonl")
CLAIM = os.path.join(ROOT, "examples", "claims", "jd_window.json")
AUTO = os.path.join(ROOT, "examples", "claims", "auto_events.jsonl")


def put(target, data):
    d = os.path.join(HERE, "seeds", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    for t in ("jsonl", "config", "claim", "ffi_sequence", "differential", "arrow_events", "standard", "parquet"):
        shutil.rmtree(os.path.join(HERE, "seeds", t), ignore_errors=True)
    with open(DEMO) as f:
        lines = f.read().splitlines()

    # one line of each event type, and the variants of optional fields
    seen = set()
    singles = []
    for line in lines:
        e = json.loads(line)
        key = (e["type"], tuple(sorted(e.keys())))
        if key not in seen:
            seen.add(key)
            singles.append(line)
    # every event of a few orders of two shops, with their profiles: a small
    # but complete world (orders, shipments, reviews, refunds, chats, prices)
    events = [json.loads(l) for l in lines]
    shops = {"s31", "s0"}
    orders = set()
    for e in events:
        if e["type"] == "order_paid" and e["shop_id"] in shops and len(orders) < 24:
            orders.add(e["order_id"])
    skus = set()
    world = []
    for line, e in zip(lines, events):
        if e["type"] == "shop_profile" and e["shop_id"] in shops:
            world.append(line)
        elif e.get("order_id") in orders:
            world.append(line)
            if e["type"] == "order_paid":
                skus.update(l["sku"] for l in e["lines"])
        elif e["type"] == "chat" and e["shop_id"] in shops and len(world) < 400:
            world.append(line)
        elif e["type"] == "price_change" and e["sku"] in skus:
            world.append(line)
    world = world[:300]
    os.makedirs(os.path.join(HERE, "fixtures"), exist_ok=True)
    with open(os.path.join(HERE, "fixtures", "events.jsonl"), "w") as f:
        f.write("\n".join(world) + "\n")

    # jsonl: single lines, short buffers of consecutive lines, the world
    for line in singles:
        put("jsonl", line + "\n")
    for start in range(0, 400, 40):
        put("jsonl", "\n".join(lines[start:start + 8]) + "\n")
    put("jsonl", "\n".join(world[:60]) + "\n")
    with open(AUTO) as f:
        put("jsonl", f.read())
    # a refused follow-up, a duplicate, a blank and a broken line
    put("jsonl", singles[0] + "\n" + singles[0] + "\n\n{\"type\":\n" +
        '{"type":"delivered","id":"zz","order_id":"no-such-order","at":4102444799}\n')

    # config: the default written by the core tests' JSON form is made by the
    # target itself (mode byte 1); seed the raw mode with small variants
    put("config", b"\x00{}")
    put("config", b"\x00{\"version\":1}")
    for i in range(8):
        put("config", bytes([1, i, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))

    # claim: the example claim raw, and structured mutations of it
    with open(CLAIM) as f:
        claim = f.read()
    put("claim", b"\x00" + claim.encode())
    compact = json.dumps(json.loads(claim), separators=(",", ":"))
    put("claim", b"\x00" + compact.encode())
    for i in range(8):
        put("claim", bytes([1, i, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))

    # the structured targets start from a few byte patterns
    for n in (16, 64, 256):
        put("ffi_sequence", bytes(range(n)))
        put("differential", bytes((i * 37) % 251 for i in range(n)))
    arrow_seeds()
    standard_seeds()
    parquet_seeds()


def arrow_seeds():
    """arrow_events: each jsonl seed (those written above and any added by
    hand) up to 8 KiB, after a knob byte (batch size, damaged column, kind
    of damage) taken from the seed's hash."""
    d = os.path.join(HERE, "seeds", "jsonl")
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as f:
            data = f.read()
        if len(data) <= 8192:
            put("arrow_events", hashlib.sha1(data).digest()[:1] + data)


def standard_seeds():
    """standard: raw JSON (mode 0), and number replacements in each preset
    (mode byte 1, 2, 3: Amazon, eBay, Tmall)."""
    put("standard", b"\x00{}")
    put("standard", b'\x00{"name":"s","metrics":[{"metric":"problem_order_rate",'
        b'"window_days":30}],"tiers":[{"name":"ok","rules":[]}]}')
    for mode in (1, 2, 3):
        for i in range(4):
            put("standard", bytes([mode, i, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))



def parquet_seeds():
    """parquet: the valid file unedited (mode 1, no edits), a few edit
    lists, and a raw (mode 0) stub of the magic bytes."""
    put("parquet", b"\x01")
    for i in range(6):
        put("parquet", bytes([1]) + bytes((i * 53 + k * 17) % 256 for k in range(5 * (i + 1))))
    put("parquet", b"\x00PAR1PAR1")


if __name__ == "__main__":
    main()
