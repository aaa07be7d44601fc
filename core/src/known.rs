//! Scores as known at a moment: only facts that happened by then count.
//!
//! Why: sellers appeal yesterday's score, and the day-over-day change must
//! compare with yesterday as it was published, not as later events rewrote
//! it. The counters hold every fact ever applied. A shop whose last fact
//! lies after the moment asked about is copied, and each of its orders
//! with a later fact moves in the copy from its increments now to its
//! increments as it stood then — the same contributions ingestion counts,
//! so no second set of rules. Chats started later are taken out. Shops
//! with nothing later, the common case at the present moment, are read in
//! place.

use crate::ids::{OrderId, ShopId, Table};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use crate::counters::{self, Increment};
use crate::engine::Engine;
use crate::event::Timestamp;
use crate::ledger::ShopState;
use crate::order::OrderState;
use crate::review_cap::GroupKey;

impl Engine {
    /// Shop `s` as known at `t`: itself when none of its facts happened
    /// after `t`, else a copy of its counters without them.
    ///
    /// The rating cap is decided again as at `t`: a review or a risk
    /// verdict after `t` can change which of a buyer's ratings in a month
    /// were among the first that count, so every order of a rating group
    /// such an order belongs to (now or at `t`) is recounted.
    pub(crate) fn shop_known_at(&self, s: ShopId, t: Timestamp) -> Cow<'_, ShopState> {
        let shop = &self.ledger().shops[s];
        if shop.last_fact_at <= t {
            return Cow::Borrowed(shop);
        }
        self.shop_known_given(s, t, self.orders_later(shop, t))
    }

    /// [`Engine::shop_known_at`] given `later`: the orders of the shop with
    /// a fact after `t` (any order), as [`Engine::orders_later`] lists them.
    pub(crate) fn shop_known_given(
        &self,
        s: ShopId,
        t: Timestamp,
        later: Vec<OrderId>,
    ) -> Cow<'_, ShopState> {
        let shop = &self.ledger().shops[s];
        if shop.last_fact_at <= t {
            return Cow::Borrowed(shop);
        }
        let then = self.changed_orders_then(t, later);
        let mut copy = shop.counters_only();
        let mut incs: Vec<Increment> = Vec::new();
        for (&o, before) in &then {
            let order = &self.orders()[o];
            let tags = self.lists().tags.get(order.tags);
            self.order_increments(order, &mut incs);
            for &inc in &incs {
                copy.count_increment(order.paid_at, tags, inc, false);
            }
            if let Some(before) = before {
                self.order_increments(before, &mut incs);
                for &inc in &incs {
                    copy.count_increment(order.paid_at, tags, inc, true);
                }
            }
        }
        for c in shop.chats.iter().filter(|c| c.started_at > t) {
            copy.count_chat(self.cfg(), self.clock().day(c.started_at), c, false);
        }
        copy.last_fact_at = t;
        Cow::Owned(copy)
    }

    /// The orders of each of `shops` with a fact after `t`: found at once
    /// by one pass over the order table's fact bounds when the shops hold
    /// most of the orders (a scoreboard), else shop by shop as each is
    /// asked for (a category: the pass would read the row of every order
    /// with a later bound, of any shop, to learn its shop; and a shop's
    /// rows read just before its counters are copied are still in cache).
    pub(crate) fn later_orders(&self, shops: &[ShopId], t: Timestamp) -> LaterOrders {
        let held: usize = (shops.iter())
            .map(|&s| &self.ledger().shops[s])
            .filter(|shop| shop.last_fact_at > t)
            .map(|shop| shop.orders.len())
            .sum();
        if held > self.orders().len() / 2 {
            self.later_orders_scanned(shops, t)
        } else {
            LaterOrders { t, scanned: None }
        }
    }

    /// [`Engine::later_orders`] by one pass over every order's fact bound.
    fn later_orders_scanned(&self, shops: &[ShopId], t: Timestamp) -> LaterOrders {
        let mut wanted = Table::from_vec(vec![false; self.ledger().shops.len()]);
        for &s in shops {
            wanted[s] = self.ledger().shops[s].last_fact_at > t;
        }
        let mut by_shop: Vec<(ShopId, OrderId)> = (self.orders().bounded_after(t))
            .filter_map(|o| {
                let order = &self.orders()[o];
                (wanted[order.shop] && order.last_fact_at() > t).then_some((order.shop, o))
            })
            .collect();
        by_shop.sort_unstable();
        if cfg!(debug_assertions) {
            for (o, order) in self.orders().handles().zip(self.orders().iter()) {
                assert!(
                    self.orders().fact_bound(o) >= order.last_fact_at(),
                    "order {o:?}: a fact after its bound"
                );
            }
        }
        LaterOrders {
            t,
            scanned: Some(by_shop),
        }
    }

    /// The orders of a shop with a fact after `t`: those whose fact bound
    /// lies after `t`, each checked by walking its facts.
    pub(crate) fn orders_later(&self, shop: &ShopState, t: Timestamp) -> Vec<OrderId> {
        (shop.orders.iter().copied())
            .filter(|&o| {
                let later = self.orders().fact_bound(o) > t;
                debug_assert!(
                    later || self.orders()[o].last_fact_at() <= t,
                    "order {o:?}: a fact after its bound"
                );
                later && self.orders()[o].last_fact_at() > t
            })
            .collect()
    }

    /// The orders `later` (of one shop, with a fact after `t`), and the
    /// members of the rating groups they belong to (now or at `t`), each
    /// as it stood at `t` with the rating cap decided again (`None`: paid
    /// after `t`).
    fn changed_orders_then(
        &self,
        t: Timestamp,
        later: Vec<OrderId>,
    ) -> BTreeMap<OrderId, Option<OrderState>> {
        let mut then: BTreeMap<OrderId, Option<OrderState>> = later
            .iter()
            .map(|&o| (o, self.orders()[o].known_at(t)))
            .collect();
        // rating groups a changed order belongs to, now or at `t`
        let mut groups: BTreeSet<GroupKey> = BTreeSet::new();
        for &o in &later {
            groups.extend(self.rating_group(&self.orders()[o]));
            groups.extend(then[&o].as_ref().and_then(|b| self.rating_group(b)));
        }
        // changed orders by the rating group of their rating at `t`
        let mut later_in: Vec<(GroupKey, OrderId)> = (later.iter())
            .filter_map(|&o| Some((self.rating_group(then[&o].as_ref()?)?, o)))
            .collect();
        later_in.sort_unstable();
        let cap = self.cfg().max_reviews_per_buyer_month;
        let (mut members, mut rated) = (Vec::new(), Vec::new());
        for &key in &groups {
            // members at `t`: members now still honest at `t`, and changed
            // orders whose rating at `t` falls in the group
            members.clear();
            members.extend(self.review_cap().members(key).iter().copied());
            let from = later_in.partition_point(|&(g, _)| g < key);
            members.extend(
                later_in[from..]
                    .iter()
                    .take_while(|&&(g, _)| g == key)
                    .map(|&(_, o)| o),
            );
            members.sort_unstable();
            members.dedup();
            for &o in &members {
                then.entry(o)
                    .or_insert_with(|| Some(self.orders()[o].clone()));
            }
            rated.clear();
            rated.extend(members.iter().filter_map(|&o| {
                let b = then[&o].as_ref()?;
                (self.rating_group(b) == Some(key)).then(|| {
                    let r = b.review.get().expect("a rating group holds a review");
                    (r.at(), r.event, o)
                })
            }));
            if rated.len() > cap {
                // the first `cap` by (time, event id) count
                rated.sort_unstable_by(|a, b| {
                    (a.0, self.catalog().events.name(a.1), a.2).cmp(&(
                        b.0,
                        self.catalog().events.name(b.1),
                        b.2,
                    ))
                });
            }
            for (rank, &(_, _, o)) in rated.iter().enumerate() {
                if let Some(b) = then.get_mut(&o).and_then(Option::as_mut) {
                    b.review_counted = rank < cap;
                }
            }
        }
        then
    }

    /// The orders of shop `s` paid by `t` with their numbers, each as it
    /// stood at `t` (the rating cap decided as at `t`), in the shop's order.
    /// Lazy: a shop with no fact after `t` (every shop at the present)
    /// yields its rows in place, nothing copied or collected.
    pub(crate) fn orders_known_at(
        &self,
        s: ShopId,
        t: Timestamp,
    ) -> impl Iterator<Item = (OrderId, Cow<'_, OrderState>)> + '_ {
        let shop = &self.ledger().shops[s];
        let mut then = if shop.last_fact_at <= t {
            BTreeMap::new()
        } else {
            self.changed_orders_then(t, self.orders_later(shop, t))
        };
        (shop.orders.iter()).filter_map(move |&o| match then.remove(&o) {
            Some(changed) => changed.map(|c| (o, Cow::Owned(c))),
            None => Some((o, Cow::Borrowed(&self.orders()[o]))),
        })
    }

    /// The rating group of an order's honest review, if any.
    pub(crate) fn rating_group(&self, o: &OrderState) -> Option<GroupKey> {
        o.honest_review()
            .map(|r| (o.shop, r.value.reviewer, self.clock().month(r.at())))
    }

    /// The increments `order` contributes, into `out`.
    pub(crate) fn order_increments(&self, order: &OrderState, out: &mut Vec<Increment>) {
        out.clear();
        counters::contributions(order, self.rules(), &self.clock(), |target, day, n| {
            out.push((target, day, n))
        });
    }
}

/// The orders with a fact after one moment, of the shops they were asked
/// for ([`Engine::later_orders`]).
pub(crate) struct LaterOrders {
    /// The moment.
    pub(crate) t: Timestamp,
    /// (shop, order), sorted, when found in one pass; else each shop's are
    /// found when asked for.
    scanned: Option<Vec<(ShopId, OrderId)>>,
}

impl LaterOrders {
    /// Shop `s`'s orders with a fact after the moment, in index order
    /// (`s` one of the shops they were found for).
    pub(crate) fn of_shop(&self, engine: &Engine, s: ShopId) -> Vec<OrderId> {
        match &self.scanned {
            Some(by_shop) => {
                let from = by_shop.partition_point(|&(x, _)| x < s);
                (by_shop[from..].iter())
                    .take_while(|&&(x, _)| x == s)
                    .map(|&(_, o)| o)
                    .collect()
            }
            None => {
                let shop = &engine.ledger().shops[s];
                if shop.last_fact_at > self.t {
                    engine.orders_later(shop, self.t)
                } else {
                    Vec::new()
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::Config;
    use crate::ids::Handle;
    use crate::time::ts;
    use crate::time::DAY;

    /// Orders over 20 days, some shipped twice (the earlier shipment
    /// arriving second displaces the later one: the order's last fact
    /// moves back, its bound stays), reviews days later.
    pub(crate) fn engine() -> (Engine, Timestamp) {
        let mut rng = crate::seeded::SeededRng::new(5);
        let start: Timestamp = ts(1_790_000_000);
        let mut lines = Vec::new();
        let mut n = 0;
        let mut event = |lines: &mut Vec<String>, body: String| {
            n += 1;
            lines.push(format!(r#"{{"id":"e{n}",{body}}}"#));
        };
        for o in 0..600 {
            let shop = rng.below(9);
            let paid = start.plus_secs(rng.range(0, 20 * DAY));
            event(
                &mut lines,
                format!(
                    r#""type":"order_paid","order_id":"o{o}","shop_id":"s{shop}","buyer_id":"b{}","category":"c{}","lines":[{{"sku":"k1","quantity":1,"unit_price":990}}],"paid_at":{paid},"ship_by":{}"#,
                    rng.below(200),
                    shop % 2,
                    paid.plus_days(2)
                ),
            );
            let at = paid.plus_secs(rng.range(3600, 3 * DAY));
            if rng.chance(0.3) {
                let later = at.plus_secs(rng.range(DAY, 4 * DAY));
                event(
                    &mut lines,
                    format!(
                        r#""type":"shipped","order_id":"o{o}","at":{later},"tracking_valid":true"#
                    ),
                );
            }
            event(
                &mut lines,
                format!(r#""type":"shipped","order_id":"o{o}","at":{at},"tracking_valid":true"#),
            );
            if rng.chance(0.5) {
                let at = paid.plus_secs(rng.range(DAY, 9 * DAY));
                event(
                    &mut lines,
                    format!(
                        r#""type":"review","order_id":"o{o}","reviewer":"b{}","at":{at},"product_stars":{}"#,
                        rng.below(200),
                        1 + rng.below(5)
                    ),
                );
            }
        }
        let mut e = Engine::default();
        let report = e.ingest_jsonl(lines.join("\n").as_bytes());
        assert!(report.rejected.is_empty(), "{:?}", report.rejected.first());
        (e, start)
    }

    /// Every shop's orders with a fact after `t`, walking every fact.
    fn walked(e: &Engine, shops: &[ShopId], t: Timestamp) -> Vec<(ShopId, OrderId)> {
        let mut out: Vec<(ShopId, OrderId)> = (shops.iter())
            .flat_map(|&s| e.ledger().shops[s].orders.iter().map(move |&o| (s, o)))
            .filter(|&(_, o)| e.orders()[o].last_fact_at() > t)
            .collect();
        out.sort_unstable();
        out
    }

    #[test]
    fn fact_bounds_find_the_orders_with_a_later_fact() {
        let (e, start) = engine();
        let (restored, _) =
            Engine::from_snapshot_bytes(&e.snapshot_bytes(b"").unwrap(), Config::default())
                .unwrap();
        let all: Vec<ShopId> = e.ledger().shops.handles().collect();
        let some: Vec<ShopId> = all.iter().copied().filter(|s| s.index() % 3 != 1).collect();
        // an earlier shipment displaced a later one: a bound above the last fact
        assert!(e
            .orders()
            .handles()
            .any(|o| e.orders().fact_bound(o) > e.orders()[o].last_fact_at()));
        let mut nonempty = 0;
        for half_days in -2..=60 {
            let t = start.plus_secs(half_days * DAY / 2);
            for engine in [&e, &restored] {
                for shops in [&all, &some] {
                    let expected = walked(engine, shops, t);
                    nonempty += usize::from(!expected.is_empty());
                    for found in [
                        engine.later_orders(shops, t),
                        engine.later_orders_scanned(shops, t),
                        LaterOrders { t, scanned: None },
                    ] {
                        assert_eq!(found.t, t);
                        let listed: Vec<(ShopId, OrderId)> = (shops.iter())
                            .flat_map(|&s| {
                                found.of_shop(engine, s).into_iter().map(move |o| (s, o))
                            })
                            .collect();
                        assert_eq!(listed, expected, "at {t}");
                    }
                }
            }
        }
        assert!(nonempty > 100);
    }
}
