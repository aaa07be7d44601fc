"""Agreement check: every integer of every shop, truexp against a peer.

Why plain csv and no dataframe library: the oracle's verdict should not
depend on the tools under test; this reads two files of integers and
compares them cell by cell. Integers are compared exactly (no tolerance:
every compared value is a count, a sum of whole minutes or a day number).
"""

from __future__ import annotations

import csv
import sys


def load(path: str) -> tuple[list[str], dict[str, list[str]]]:
    with open(path, newline="") as f:
        rows = csv.reader(f)
        header = next(rows)
        return header, {r[0]: r[1:] for r in rows}


def compare(truexp_csv: str, peer_csv: str, limit: int = 10) -> tuple[bool, list[str], int]:
    """(agree, first `limit` mismatches, number of cells compared)."""
    th, trows = load(truexp_csv)
    ph, prows = load(peer_csv)
    problems: list[str] = []
    if th != ph:
        return False, [f"header differs: truexp {th} vs peer {ph}"], 0
    cells = 0
    total_bad = 0
    for shop in sorted(set(trows) | set(prows)):
        t, p = trows.get(shop), prows.get(shop)
        if t is None or p is None:
            total_bad += 1
            if len(problems) < limit:
                problems.append(f"shop {shop}: only in {'peer' if t is None else 'truexp'}")
            continue
        for name, a, b in zip(th[1:], t, p):
            cells += 1
            if int(a) != int(b):
                total_bad += 1
                if len(problems) < limit:
                    problems.append(f"shop {shop} {name}: truexp {a} peer {b}")
    if total_bad > len(problems):
        problems.append(f"... {total_bad} mismatches in all")
    return total_bad == 0, problems, cells


def compare_keyed(truexp_csv: str, peer_csv: str, key_cols: int, limit: int = 10):
    """Like `compare`, for files keyed by their first `key_cols` columns (price protection)."""
    def rows(path):
        with open(path, newline="") as f:
            r = csv.reader(f)
            header = next(r)
            return header, {tuple(x[:key_cols]): x[key_cols:] for x in r}

    th, t = rows(truexp_csv)
    ph, p = rows(peer_csv)
    if th != ph:
        return False, [f"header differs: truexp {th} vs peer {ph}"], 0
    bad, msgs, cells = 0, [], 0
    for k in sorted(set(t) | set(p)):
        a, b = t.get(k), p.get(k)
        if a is None or b is None or a != b:
            bad += 1
            if len(msgs) < limit:
                msgs.append(f"{'/'.join(k)}: truexp {a} peer {b}")
        cells += len(th) - key_cols
    if bad > len(msgs):
        msgs.append(f"... {bad} mismatching rows in all")
    return bad == 0, msgs, cells


if __name__ == "__main__":
    ok, msgs, n = compare(sys.argv[1], sys.argv[2])
    print(f"{n} cells compared: {'agree' if ok else 'DISAGREE'}")
    for m in msgs:
        print("  " + m)
    sys.exit(0 if ok else 1)
