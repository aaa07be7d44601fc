//! What-if: the score a shop would have if some of its orders had gone
//! differently, without changing the engine.
//!
//! Why: a seller deciding what to fix first asks "what does my score become
//! if this refund had been completed within a day, or that dispute won?".
//! The answer must come from the same rules as the published score, so a
//! scenario is not a second scoring model: each listed order is copied as
//! known at `as_of`, given the supposed facts (a completion, a ruling for
//! the seller, a pickup in time, a receipt), and moves in a copy of its
//! shop's counters from its increments now to its increments as supposed —
//! the same contributions ingestion counts (see `known`). The shop's
//! category is then scored twice from the same windows, once with the shop
//! as it is and once as supposed, so the deltas are exact, pooled means and
//! percentiles included.

use crate::ids::{OrderId, ShopId};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::counters::Counter;
use crate::engine::Engine;
use crate::error::Error;
use crate::event::{AppealScope, DisputeWinner, RefundKind, Timestamp};
use crate::ledger::ShopState;
use crate::order::{Appealed, OrderState, RefundDone, Shipment};
use crate::problem::{hours_to_secs, Reason};
use crate::score::{Grade, Raw, ShopScore};
use crate::time::DAY;

/// Most changes one scenario may list.
pub const MAX_CHANGES: usize = 10_000;
/// Most hours a resolution may name (one year).
pub const MAX_HOURS: u32 = 24 * 366;

/// How an order is supposed to have gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Resolution {
    /// Every refund request of the order completed `hours` after it was
    /// made (a completion already earlier stays as it was).
    RefundCompletedWithin {
        /// Hours from each request to its completion.
        hours: u32,
    },
    /// The platform ruled the order's dispute for the seller (a dispute
    /// requested but not yet ruled is ruled at the request's moment).
    DisputeWon,
    /// The parcel was picked up in time: by the earlier of the ship-by
    /// moment and payment + `problems.pickup_within_hours` (a pickup
    /// already earlier stays as it was).
    PickedUpInTime,
    /// The parcel was received `hours` after payment (a receipt already
    /// earlier stays as it was). The order must have been shipped (or be
    /// supposed picked up in an earlier change).
    DeliveredWithin {
        /// Hours from payment to receipt.
        hours: u32,
    },
    /// An appeal granted at `as_of` takes out the review, the dispute
    /// ruling or one label (see `appeal_granted` events). The buyers'
    /// monthly rating cap is not decided again.
    AppealGranted {
        /// What it takes out.
        scope: AppealScope,
        /// The label (`scope` `label` only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<Reason>,
    },
}

impl Resolution {
    fn check(&self) -> Result<(), String> {
        match *self {
            Resolution::RefundCompletedWithin { hours } | Resolution::DeliveredWithin { hours }
                if hours > MAX_HOURS =>
            {
                Err(format!(
                    "{hours} hours is more than the {MAX_HOURS} allowed"
                ))
            }
            Resolution::AppealGranted {
                scope: AppealScope::Label,
                reason: None,
            } => Err("an appeal of a label names its reason".into()),
            Resolution::AppealGranted {
                scope: AppealScope::Review | AppealScope::Dispute,
                reason: Some(_),
            } => Err("only an appeal of a label names a reason".into()),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Resolution {
    /// The short form [`Resolution::from_str`] reads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Resolution::RefundCompletedWithin { hours } => {
                write!(f, "refund_completed_within:{hours}")
            }
            Resolution::DisputeWon => f.write_str("dispute_won"),
            Resolution::PickedUpInTime => f.write_str("picked_up_in_time"),
            Resolution::DeliveredWithin { hours } => write!(f, "delivered_within:{hours}"),
            Resolution::AppealGranted { scope, reason } => match (scope, reason) {
                (AppealScope::Review, _) => f.write_str("appeal_review"),
                (AppealScope::Dispute, _) => f.write_str("appeal_dispute"),
                (AppealScope::Label, r) => {
                    let name = r.and_then(|r| serde_json::to_value(r).ok());
                    let name = name.as_ref().and_then(|v| v.as_str()).unwrap_or("?");
                    write!(f, "appeal_label:{name}")
                }
            },
        }
    }
}

impl FromStr for Resolution {
    type Err = String;

    /// `refund_completed_within:HOURS`, `dispute_won`, `picked_up_in_time`
    /// or `delivered_within:HOURS`.
    fn from_str(s: &str) -> Result<Self, String> {
        let hours = |v: Option<&str>| -> Result<u32, String> {
            let v = v.ok_or_else(|| format!("`{s}` needs hours: `{s}:24`"))?;
            v.parse::<u32>()
                .map_err(|_| format!("`{v}` is not a whole number of hours"))
        };
        let (kind, arg) = match s.split_once(':') {
            Some((k, v)) => (k, Some(v)),
            None => (s, None),
        };
        let no_arg = |r: Resolution| match arg {
            None => Ok(r),
            Some(_) => Err(format!("`{kind}` takes no value")),
        };
        let r = match kind {
            "refund_completed_within" => Resolution::RefundCompletedWithin { hours: hours(arg)? },
            "dispute_won" => no_arg(Resolution::DisputeWon)?,
            "picked_up_in_time" => no_arg(Resolution::PickedUpInTime)?,
            "delivered_within" => Resolution::DeliveredWithin { hours: hours(arg)? },
            "appeal_review" => no_arg(Resolution::AppealGranted {
                scope: AppealScope::Review,
                reason: None,
            })?,
            "appeal_dispute" => no_arg(Resolution::AppealGranted {
                scope: AppealScope::Dispute,
                reason: None,
            })?,
            "appeal_label" => {
                let name = arg.ok_or_else(|| {
                    format!("`{s}` needs the label: `appeal_label:no_pickup_in_time`")
                })?;
                let reason: Reason = serde_json::from_value(serde_json::Value::from(name))
                    .map_err(|_| format!("`{name}` is not a problem label"))?;
                Resolution::AppealGranted {
                    scope: AppealScope::Label,
                    reason: Some(reason),
                }
            }
            _ => {
                return Err(format!(
                    "unknown resolution `{kind}` (refund_completed_within:HOURS, dispute_won, \
                     picked_up_in_time, delivered_within:HOURS, appeal_review, appeal_dispute, \
                     appeal_label:LABEL)"
                ))
            }
        };
        r.check()?;
        Ok(r)
    }
}

/// One order supposed to have gone differently.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// The order (of the shop asked about, paid by `as_of`).
    pub order_id: String,
    /// How it went instead.
    pub resolution: Resolution,
}

impl FromStr for Change {
    type Err = String;

    /// `ORDER=RESOLUTION`, e.g. `o17=refund_completed_within:24`.
    fn from_str(s: &str) -> Result<Self, String> {
        let (order, resolution) = s
            .rsplit_once('=')
            .ok_or_else(|| format!("`{s}`: expected ORDER=RESOLUTION"))?;
        Ok(Change {
            order_id: order.to_owned(),
            resolution: resolution.parse()?,
        })
    }
}

/// The days ahead supposed to run as the last ones did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Projection {
    /// Days ahead (1..=366): the score is projected at `as_of` plus as many days.
    pub days: u32,
    /// Each day ahead repeats the daily average of this many days up to
    /// `as_of`'s (1..=366; default 30).
    #[serde(default = "default_basis_days")]
    pub basis_days: u32,
}

fn default_basis_days() -> u32 {
    30
}

/// Most days a projection may look ahead or back.
pub const MAX_PROJECTION_DAYS: u32 = 366;

impl Projection {
    fn check(&self) -> Result<(), Error> {
        for (name, v) in [("days", self.days), ("basis_days", self.basis_days)] {
            if !(1..=MAX_PROJECTION_DAYS).contains(&v) {
                return Err(Error::OutOfRange {
                    name: "scenario",
                    message: format!(
                        "next_days.{name}: {v} is not within 1..={MAX_PROJECTION_DAYS}"
                    ),
                });
            }
        }
        Ok(())
    }
}

/// A what-if question: changes applied in the order listed (two changes
/// of one order both apply), then, optionally, the days ahead.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The orders supposed to have gone differently.
    #[serde(default)]
    pub changes: Vec<Change>,
    /// Score the shop this many days later, the days ahead running at its
    /// recent daily rates (see [`Projection`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_days: Option<Projection>,
}

impl Scenario {
    /// Every order of `orders` supposed to have gone as `resolution`, with
    /// no projection: "what if these problem orders had been picked up in
    /// time".
    pub fn resolving(orders: impl IntoIterator<Item = String>, resolution: Resolution) -> Self {
        Scenario {
            changes: (orders.into_iter())
                .map(|order_id| Change {
                    order_id,
                    resolution,
                })
                .collect(),
            next_days: None,
        }
    }

    /// A scenario from its JSON form, `{"changes":[{"order_id":"o1",
    /// "resolution":{"kind":"dispute_won"}}]}`.
    pub fn from_json(text: &str) -> Result<Scenario, Error> {
        serde_json::from_str(text).map_err(|e| Error::OutOfRange {
            name: "scenario",
            message: e.to_string(),
        })
    }
}

/// A figure before and after.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Delta {
    /// As the shop stands.
    pub before: f64,
    /// As supposed.
    pub after: f64,
    /// `after - before`.
    pub delta: f64,
}

impl Delta {
    fn of(before: f64, after: f64) -> Delta {
        Delta {
            before,
            after,
            delta: after - before,
        }
    }

    /// With the delta rounded to two decimals, as the figures themselves are.
    fn rounded(self) -> Delta {
        Delta {
            delta: crate::score::round2(self.delta),
            ..self
        }
    }
}

/// A named figure (a block, an indicator's score) before and after.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NamedDelta {
    /// The block or indicator.
    pub name: String,
    /// Its 0–5 score before and after.
    pub score: Delta,
    /// The indicator's raw value before and after (absent for blocks and
    /// for indicators without a sample).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<(Option<f64>, Option<f64>)>,
}

/// What one change did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// The order.
    pub order_id: String,
    /// The resolution supposed.
    pub resolution: Resolution,
    /// False when the order already went that way, or counts nowhere (a
    /// fake order, or a supposed fact after `as_of`).
    pub changed: bool,
}

/// The shop's score as it stands and as supposed, at `as_of`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WhatIf {
    /// The shop.
    pub shop_id: String,
    /// The moment scored.
    pub as_of: Timestamp,
    /// The moment of the "after" figures: `as_of`, or later with `next_days`.
    pub after_as_of: Timestamp,
    /// The overall score.
    pub overall: Delta,
    /// The stars shown to buyers.
    pub stars: Delta,
    /// The grade as it stands.
    pub grade_before: Grade,
    /// The grade as supposed.
    pub grade_after: Grade,
    /// The problem-order rate (a share, 0..=1).
    pub problem_rate: Delta,
    /// Problem orders in the window, before and after.
    pub problem_orders: (u64, u64),
    /// Share of category peers with a lower overall score.
    pub percentile: (Option<f64>, Option<f64>),
    /// Every block.
    pub blocks: Vec<NamedDelta>,
    /// Every configured indicator.
    pub indicators: Vec<NamedDelta>,
    /// The changes, in the order given.
    pub changes: Vec<Applied>,
}

impl Engine {
    /// The score shop `shop_id` would have at `as_of` had the scenario's
    /// orders gone as it says. The engine is not changed.
    ///
    /// Exact under the published rules: the shop's whole category is
    /// scored from the same windows with the shop as it stands and as
    /// supposed, so pooled means, unassessed blocks' category mean and
    /// percentiles move as they would. Bonus rules see the supposed
    /// window integers; the tag counts they are also given stay as known.
    ///
    /// ```
    /// # use truexp::Timestamp;
    /// use truexp::what_if::Scenario;
    /// let mut engine = truexp::Engine::default();
    /// let events = r#"
    /// {"type":"order_paid","id":"e1","order_id":"o1","shop_id":"s1","buyer_id":"b1","category":"pet","lines":[{"sku":"k1","quantity":1,"unit_price":1990}],"paid_at":1790000000,"ship_by":1790172800}
    /// "#;
    /// engine.ingest_jsonl(events.as_bytes());
    /// let s = Scenario { changes: vec!["o1=picked_up_in_time".parse().unwrap()], next_days: None };
    /// let w = engine.what_if("s1", Timestamp::constant(1_790_400_000), &s).unwrap();
    /// assert_eq!(w.problem_orders, (1, 0)); // no pickup in time: a problem order; picked up: none
    /// assert!(w.changes[0].changed);
    /// ```
    pub fn what_if(
        &self,
        shop_id: &str,
        as_of: Timestamp,
        scenario: &Scenario,
    ) -> Result<WhatIf, Error> {
        let idx = self
            .find_shop(shop_id)
            .ok_or_else(|| Error::UnknownShop(shop_id.to_owned()))?;
        let bad = |i: usize, message: String| Error::OutOfRange {
            name: "scenario",
            message: format!("change {}: {message}", i + 1),
        };
        if scenario.changes.len() > MAX_CHANGES {
            return Err(Error::OutOfRange {
                name: "scenario",
                message: format!(
                    "{} changes, more than the {MAX_CHANGES} allowed",
                    scenario.changes.len()
                ),
            });
        }
        if let Some(p) = &scenario.next_days {
            p.check()?;
        }
        let mut targets = Vec::with_capacity(scenario.changes.len());
        for (i, c) in scenario.changes.iter().enumerate() {
            c.resolution.check().map_err(|m| bad(i, m))?;
            let o = (self.find_order(&c.order_id))
                .ok_or_else(|| bad(i, format!("unknown order `{}`", c.order_id)))?;
            let order = &self.orders()[o];
            if order.shop != idx {
                return Err(bad(
                    i,
                    format!("order `{}` is not an order of `{shop_id}`", c.order_id),
                ));
            }
            if order.paid_at > as_of {
                return Err(bad(
                    i,
                    format!("order `{}` was paid after as_of", c.order_id),
                ));
            }
            targets.push(o);
        }

        // the orders as known at `as_of`, then as supposed
        let mut known: BTreeMap<OrderId, Cow<'_, OrderState>> = BTreeMap::new();
        if !targets.is_empty() {
            known = self
                .orders_known_at(idx, as_of)
                .filter(|(o, _)| targets.contains(o))
                .collect();
        }
        let mut supposed: BTreeMap<OrderId, OrderState> = BTreeMap::new();
        let mut changes = Vec::with_capacity(targets.len());
        for (i, (c, &o)) in scenario.changes.iter().zip(&targets).enumerate() {
            let order = supposed
                .entry(o)
                .or_insert_with(|| known[&o].clone().into_owned());
            let before = order.clone();
            self.suppose(order, c.resolution, as_of)
                .map_err(|m| bad(i, format!("order `{}`: {m}", c.order_id)))?;
            changes.push((before, order.clone(), c));
        }

        // the shop's counters as supposed
        let mut shop = self.shop_known_at(idx, as_of).into_owned();
        let mut incs = Vec::new();
        for (&o, after) in &supposed {
            let tags = self.lists().tags.get(after.tags);
            self.order_increments(&known[&o], &mut incs);
            for &inc in &incs {
                shop.count_increment(after.paid_at, tags, inc, false);
            }
            self.order_increments(after, &mut incs);
            for &inc in &incs {
                shop.count_increment(after.paid_at, tags, inc, true);
            }
        }
        let applied = changes
            .into_iter()
            .map(|(before, after, c)| {
                let mut a = Vec::new();
                let mut b = Vec::new();
                self.order_increments(&before, &mut a);
                self.order_increments(&after, &mut b);
                Applied {
                    order_id: c.order_id.clone(),
                    resolution: c.resolution,
                    changed: a != b,
                }
            })
            .collect();

        // the category scored with the shop as it stands (kept by the live
        // scoreboard when it is current at `as_of`) and as supposed
        let figures = self.category_figures(idx, as_of);
        let (after_as_of, raw) = match scenario.next_days {
            None => {
                let mut sums = self.window_sums(as_of);
                sums.fill(&shop.days);
                (as_of, self.raw_from(&shop, idx, as_of, &sums))
            }
            Some(p) => self.projected_raw(&mut shop, idx, as_of, p),
        };
        let before = self.category_shop_score(&figures);
        let supposed = if raw == figures.raw() {
            figures // nothing moved: the category stands as it is
        } else {
            self.category_with(&figures, raw)
        };
        let after = self.category_shop_score(&supposed);
        let mut w = report(shop_id, as_of, &before, &after, applied);
        w.after_as_of = after_as_of;
        Ok(w)
    }

    /// The windows of `shop` (number `idx`, as known at `as_of`) `p.days`
    /// later, each day ahead holding the daily average of every counter
    /// over the `p.basis_days` days up to `as_of`'s (rounded down over the
    /// days ahead together, the remainder spread so no count is lost to
    /// rounding day by day). Open cases count as they stand at `as_of`:
    /// those already overdue count; orders awaiting a pickup not yet late
    /// are supposed picked up (their share of late pickups is in the
    /// average).
    fn projected_raw(
        &self,
        shop: &mut ShopState,
        idx: ShopId,
        as_of: Timestamp,
        p: Projection,
    ) -> (Timestamp, Raw) {
        use Counter as C;
        let t = self.clock().day(as_of);
        let later = as_of.plus_secs(i64::from(p.days) * DAY);
        let from_later = (self.clock().day(later)).window_start(self.cfg().problems.window_days);
        let mut now = self.window_sums(as_of);
        now.fill(&shop.days);
        let overdue = self.overdue(shop, &now, from_later, as_of);
        let awaiting = [
            C::AwaitingPickup,
            C::AwaitingPickupNoLabel,
            C::AwaitingPickupNoLogisticsLabel,
        ];
        // awaiting pickups not yet late at `as_of` (those of the deadline's
        // own day late by then are in `overdue`, earlier days' in the counters)
        let cutoff = as_of.minus_secs(hours_to_secs(self.cfg().problems.pickup_within_hours));
        for c in awaiting {
            for day in self.clock().day(cutoff).max(from_later).through(t) {
                let n = shop.days.day(day, c);
                if n > 0 {
                    shop.days.sub(day, c, u32::try_from(n).unwrap_or(u32::MAX));
                }
            }
        }
        let (ahead, basis) = (u128::from(p.days), u128::from(p.basis_days));
        for c in C::ALL.into_iter().filter(|c| !awaiting.contains(c)) {
            let total = u128::from(shop.days.sum(t.window_start(p.basis_days), t, c));
            if total == 0 {
                continue;
            }
            for j in 1..=ahead {
                let share = total * j / basis - total * (j - 1) / basis;
                let share = u32::try_from(share).unwrap_or(u32::MAX);
                shop.days.add(t.plus(j as i32), c, share);
            }
        }
        let mut sums = self.window_sums(later);
        sums.fill(&shop.days);
        (
            later,
            self.settled_raw(idx, later, &sums).with_overdue(overdue),
        )
    }

    /// Gives `order` (as known at `as_of`) the facts `r` supposes, then
    /// takes out whatever would happen after `as_of`.
    fn suppose(
        &self,
        order: &mut OrderState,
        r: Resolution,
        as_of: Timestamp,
    ) -> Result<(), String> {
        let paid_event = order.paid_event;
        match r {
            Resolution::RefundCompletedWithin { hours } => {
                let cases = &mut order.rare_mut().refunds;
                if !cases.iter().any(|c| c.requested.get().is_some()) {
                    return Err("no refund was requested".into());
                }
                for case in cases.iter_mut() {
                    let Some(req) = case.requested.get().copied() else {
                        continue;
                    };
                    let due = req.at().plus_secs(hours_to_secs(i64::from(hours)));
                    let (event, value) = match case.completed.get() {
                        Some(done) if done.at() <= due => continue,
                        Some(done) => (done.event, done.value),
                        None => (
                            req.event,
                            RefundDone {
                                amount: req.value.amount,
                                units_returned: (req.value.kind == RefundKind::ReturnAndRefund)
                                    .then_some(req.value.units)
                                    .flatten(),
                            },
                        ),
                    };
                    case.completed.suppose(due, event, value);
                }
            }
            Resolution::DisputeWon => {
                let rare = order.rare_mut();
                match (
                    rare.dispute.get().copied(),
                    rare.intervention.get().copied(),
                ) {
                    (Some(d), _) => rare.dispute.suppose(d.at(), d.event, DisputeWinner::Seller),
                    (None, Some(i)) => rare.dispute.suppose(i.at(), i.event, DisputeWinner::Seller),
                    (None, None) => return Err("no dispute was requested or ruled".into()),
                }
            }
            Resolution::PickedUpInTime => {
                let due = order.ship_by().min(
                    order
                        .paid_at
                        .plus_secs(hours_to_secs(self.cfg().problems.pickup_within_hours)),
                );
                let held = order.shipped.get().copied();
                let in_time = held.is_some_and(|s| {
                    s.at() <= due && s.value.pickup_at().is_some_and(|p| p <= due)
                });
                if !in_time {
                    let valid = held.is_none_or(|s| s.value.tracking_valid);
                    let event = held.map_or(paid_event, |s| s.event);
                    let at = due.max(order.paid_at);
                    order
                        .shipped
                        .suppose(at, event, Shipment::new(Some(at), valid));
                }
            }
            Resolution::DeliveredWithin { hours } => {
                let Some(shipped) = order.shipped.get().copied() else {
                    return Err("the order was never shipped".into());
                };
                let due = order.paid_at.plus_secs(hours_to_secs(i64::from(hours)));
                let pickup = shipped.value.pickup_at().unwrap_or(shipped.at());
                if due < pickup {
                    return Err(format!(
                        "a receipt {hours} hours after payment would come before the pickup"
                    ));
                }
                match order.delivered.get().copied() {
                    Some(d) if d.at() <= due => {}
                    held => {
                        let event = held.map_or(shipped.event, |d| d.event);
                        order.delivered.suppose(due, event, ());
                    }
                }
            }
            Resolution::AppealGranted { scope, reason } => {
                let what = Appealed::of(scope, reason).ok_or("no label named")?;
                if order.appeal(what).is_none_or(|g| g.at() > as_of) {
                    order.rare_mut().appeals.retain(|(k, _)| *k != what);
                    let appeals = &mut order.rare_mut().appeals;
                    let mut grant = crate::order::Slot::default();
                    grant.suppose(as_of, paid_event, ());
                    appeals.push((what, grant));
                    appeals.sort_by_key(|(k, _)| *k);
                }
            }
        }
        let review_counted = order.review_counted;
        *order = order.known_at(as_of).expect("paid by as_of");
        order.review_counted = review_counted;
        Ok(())
    }
}

fn report(
    shop_id: &str,
    as_of: Timestamp,
    before: &ShopScore,
    after: &ShopScore,
    changes: Vec<Applied>,
) -> WhatIf {
    let blocks = (before.blocks.iter().zip(&after.blocks))
        .map(|(b, a)| NamedDelta {
            name: b.name.to_string(),
            score: Delta::of(b.score, a.score),
            value: None,
        })
        .collect();
    let indicators = (before.indicators.iter().zip(&after.indicators))
        .map(|(b, a)| NamedDelta {
            name: b.name.to_owned(),
            score: Delta::of(b.score, a.score),
            value: Some((b.value, a.value)),
        })
        .collect();
    WhatIf {
        shop_id: shop_id.to_owned(),
        as_of,
        after_as_of: as_of,
        overall: Delta::of(before.overall, after.overall).rounded(),
        stars: Delta::of(before.stars, after.stars).rounded(),
        grade_before: before.grade,
        grade_after: after.grade,
        problem_rate: Delta::of(before.problem_rate.rate, after.problem_rate.rate),
        problem_orders: (
            before.problem_rate.problem_orders,
            after.problem_rate.problem_orders,
        ),
        percentile: (before.percentile, after.percentile),
        blocks,
        indicators,
        changes,
    }
}
