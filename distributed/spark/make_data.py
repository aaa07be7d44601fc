"""Turns `truexp generate` JSON Lines into the Spark test's harder input.

usage: make_data.py IN.jsonl OUT.jsonl [SEED]

- a hot shop: the generator's first shop takes 20% of all orders (their
  order_paid is reassigned to it, with its category; follow-ups carry only
  order_id and follow the order), so one partition holds far more than the rest;
- duplicated events: 2% of lines appear twice (truexp counts them once);
- arrival order shuffled: follow-ups before their order, late events anywhere
  (the generator already writes late deliveries, refunds after price drops).
"""

import json
import random
import sys


def main() -> int:
    src, dst = sys.argv[1:3]
    rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 17)
    events = [json.loads(l) for l in open(src) if l.strip()]
    profiles = [e for e in events if e["type"] == "shop_profile"]
    hot = profiles[0]
    orders = [e for e in events if e["type"] == "order_paid"]
    own = sum(1 for e in orders if e["shop_id"] == hot["shop_id"])
    want = len(orders) // 5 - own
    others = [e for e in orders if e["shop_id"] != hot["shop_id"]]
    for e in rnd.sample(others, max(want, 0)):
        e["shop_id"] = hot["shop_id"]
        e["category"] = hot["category"]
    lines = [json.dumps(e, separators=(",", ":")) for e in events]
    dups = rnd.sample(lines, len(lines) // 50)
    lines += dups
    rnd.shuffle(lines)
    with open(dst, "w") as f:
        f.write("\n".join(lines) + "\n")
    hot_orders = sum(1 for e in orders if e["shop_id"] == hot["shop_id"])
    print(f"{dst}: {len(lines)} lines, hot shop {hot['shop_id']} with {hot_orders} of "
          f"{len(orders)} orders, {len(dups)} duplicated lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
