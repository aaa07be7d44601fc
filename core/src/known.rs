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
    pub(crate) fn shop_known_at(&self, s: u32, t: Timestamp) -> Cow<'_, ShopState> {
        let shop = &self.ledger.shops[s as usize];
        if shop.last_fact_at <= t {
            return Cow::Borrowed(shop);
        }
        self.shop_known_given(s, t, self.orders_later(shop, t))
    }

    /// [`Engine::shop_known_at`] given `later`: the orders of the shop with
    /// a fact after `t` (any order), as [`Engine::orders_later`] lists them.
    pub(crate) fn shop_known_given(
        &self,
        s: u32,
        t: Timestamp,
        later: Vec<u32>,
    ) -> Cow<'_, ShopState> {
        let shop = &self.ledger.shops[s as usize];
        if shop.last_fact_at <= t {
            return Cow::Borrowed(shop);
        }
        let then = self.changed_orders_then(t, later);
        let mut copy = shop.counters_only();
        let mut incs: Vec<Increment> = Vec::new();
        for (&o, before) in &then {
            let order = &self.orders[o as usize];
            let tags = self.lists.tags.get(order.tags);
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
            copy.count_chat(&self.cfg, self.clock.day(c.started_at), c, false);
        }
        copy.last_fact_at = t;
        Cow::Owned(copy)
    }

    /// The orders of a shop with a fact after `t`, walking each one's facts.
    pub(crate) fn orders_later(&self, shop: &ShopState, t: Timestamp) -> Vec<u32> {
        (shop.orders.iter().copied())
            .filter(|&o| self.orders[o as usize].last_fact_at() > t)
            .collect()
    }

    /// The orders `later` (of one shop, with a fact after `t`), and the
    /// members of the rating groups they belong to (now or at `t`), each
    /// as it stood at `t` with the rating cap decided again (`None`: paid
    /// after `t`).
    fn changed_orders_then(
        &self,
        t: Timestamp,
        later: Vec<u32>,
    ) -> BTreeMap<u32, Option<OrderState>> {
        let mut then: BTreeMap<u32, Option<OrderState>> = later
            .iter()
            .map(|&o| (o, self.orders[o as usize].known_at(t)))
            .collect();
        // rating groups a changed order belongs to, now or at `t`
        let mut groups: BTreeSet<GroupKey> = BTreeSet::new();
        for &o in &later {
            groups.extend(self.rating_group(&self.orders[o as usize]));
            groups.extend(then[&o].as_ref().and_then(|b| self.rating_group(b)));
        }
        // changed orders by the rating group of their rating at `t`
        let mut later_in: Vec<(GroupKey, u32)> = (later.iter())
            .filter_map(|&o| Some((self.rating_group(then[&o].as_ref()?)?, o)))
            .collect();
        later_in.sort_unstable();
        let cap = self.cfg.max_reviews_per_buyer_month;
        let (mut members, mut rated) = (Vec::new(), Vec::new());
        for &key in &groups {
            // members at `t`: members now still honest at `t`, and changed
            // orders whose rating at `t` falls in the group
            members.clear();
            members.extend(self.review_cap.members(key).iter().copied());
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
                    .or_insert_with(|| Some(self.orders[o as usize].clone()));
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
                    (a.0, self.catalog.events.name(a.1), a.2).cmp(&(
                        b.0,
                        self.catalog.events.name(b.1),
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
    pub(crate) fn orders_known_at(&self, s: u32, t: Timestamp) -> Vec<(u32, Cow<'_, OrderState>)> {
        let shop = &self.ledger.shops[s as usize];
        let mut then = if shop.last_fact_at <= t {
            BTreeMap::new()
        } else {
            self.changed_orders_then(t, self.orders_later(shop, t))
        };
        (shop.orders.iter())
            .filter_map(|&o| match then.remove(&o) {
                Some(changed) => changed.map(|c| (o, Cow::Owned(c))),
                None => Some((o, Cow::Borrowed(&self.orders[o as usize]))),
            })
            .collect()
    }

    /// The rating group of an order's honest review, if any.
    pub(crate) fn rating_group(&self, o: &OrderState) -> Option<GroupKey> {
        o.honest_review()
            .map(|r| (o.shop, r.value.reviewer, self.clock.month(r.at())))
    }

    /// The increments `order` contributes, into `out`.
    pub(crate) fn order_increments(&self, order: &OrderState, out: &mut Vec<Increment>) {
        out.clear();
        counters::contributions(order, self.rules(), &self.clock, |target, day, n| {
            out.push((target, day, n))
        });
    }
}
