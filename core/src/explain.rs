//! Explanations: a score's parts and the orders that cost it most.
//!
//! Why separate from scoring: scoring reads only counters; an explanation
//! also walks the shop's own orders (never the whole history) to name the
//! orders behind the losses, which only a human reader needs.

use std::sync::Arc;

use serde::Serialize;

use crate::config::Measure;
use crate::engine::Engine;
use crate::error::Error;
use crate::event::{Money, Timestamp};
use crate::ids::OrderId;
use crate::order::OrderState;
use crate::problem::{self, Label, Reason};
use crate::score::ShopScore;

/// A problem order of a shop with its labels and evidence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProblemOrder {
    /// Order id.
    pub order_id: String,
    /// Payment time.
    pub paid_at: Timestamp,
    /// Paid amount, minor units.
    pub amount: Money,
    /// Every label, with the event that shows it.
    pub labels: Vec<Label>,
}

/// An order that lowered the score, with an estimate of the points it cost.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CostlyOrder {
    /// The order and its labels.
    #[serde(flatten)]
    pub order: ProblemOrder,
    /// Estimated points of the overall score lost through this order: for
    /// each indicator it counts against, the indicator's share of the overall
    /// score (block weight × effective weight × 5) divided by its sample.
    pub estimated_cost: f64,
    /// The indicators it counts against.
    pub indicators: Vec<&'static str>,
}

/// A score with its parts and the orders that cost it most.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation {
    /// The score and its parts (indicators, blocks, add-ons, penalty).
    pub score: ShopScore,
    /// Up to ten orders, highest estimated cost first.
    pub costly_orders: Vec<CostlyOrder>,
    /// What appeals granted to the seller took out of the shop's orders
    /// (known at `as_of`), by order id then what.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub appeals: Vec<AppealNote>,
    /// Labels of the shop's orders (known at `as_of`) that an exclusion
    /// window excused, by order id then label.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exclusions: Vec<ExclusionNote>,
}

/// One label an exclusion window excused: which order, which window, why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExclusionNote {
    /// The order.
    pub order_id: String,
    /// The label not given.
    pub label: Reason,
    /// The window's name (`exclusions[].name`).
    pub window: String,
    /// The window's reason.
    pub reason: String,
    /// The order's delivery region (the window's).
    pub region: String,
}

/// One appeal granted: what it took out of which order, and its grant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AppealNote {
    /// The order.
    pub order_id: String,
    /// `review`, `dispute` or `label`.
    pub scope: crate::event::AppealScope,
    /// The label taken out (scope `label`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<crate::problem::Reason>,
    /// The `appeal_granted` event.
    pub event: Arc<str>,
    /// When it was granted.
    pub at: Timestamp,
}

impl Engine {
    /// The shop's problem orders paid within the problem-order window ending at
    /// `as_of`, newest first, each with every label and its evidence.
    pub fn problem_orders(
        &self,
        shop_id: &str,
        as_of: Timestamp,
    ) -> Result<Vec<ProblemOrder>, Error> {
        let idx = self
            .find_shop(shop_id)
            .ok_or_else(|| Error::UnknownShop(shop_id.to_owned()))?;
        let t = self.clock().day(as_of);
        let from = t.window_start(self.cfg().problems.window_days);
        let mut out: Vec<ProblemOrder> = self
            .orders_known_at(idx, as_of)
            .filter(|(_, o)| (from..=t).contains(&self.clock().day(o.paid_at)))
            .filter_map(|(i, o)| {
                let labels = self.labels_at(&o, as_of);
                (!labels.is_empty()).then(|| ProblemOrder {
                    order_id: self.order_name(i).to_owned(),
                    paid_at: o.paid_at,
                    amount: o.amount,
                    labels,
                })
            })
            .collect();
        out.sort_by(|a, b| {
            b.paid_at
                .cmp(&a.paid_at)
                .then_with(|| a.order_id.cmp(&b.order_id))
        });
        Ok(out)
    }

    /// Labels of an order as of a moment, with those time alone brought
    /// by then (an overdue pickup, open cases past their deadlines; their
    /// `at` is the deadline).
    fn labels_at(&self, o: &OrderState, as_of: Timestamp) -> Vec<Label> {
        self.labels_under(self.rules(), o, as_of)
    }

    /// [`Engine::labels_at`] under `rules` (with or without the windows).
    fn labels_under(
        &self,
        rules: problem::Rules<'_>,
        o: &OrderState,
        as_of: Timestamp,
    ) -> Vec<Label> {
        let mut labels = Vec::new();
        problem::classify(o, rules, |e| self.event_id(e), |l| labels.push(l));
        let names = |e| self.event_id(e);
        problem::overdue_labels(o, rules, as_of, Some(&names), |reason, event, at| {
            labels.push(Label {
                reason,
                family: reason.family(),
                event: self.event_id(event),
                at,
            })
        });
        labels
    }

    /// The score with its parts and the orders that cost it most.
    pub fn explain(&self, shop_id: &str, as_of: Timestamp) -> Result<Explanation, Error> {
        let score = self.score(shop_id, as_of)?;
        let idx = self.find_shop(shop_id).expect("scored shops exist");
        let mut costly: Vec<CostlyOrder> = Vec::new();
        let mut appeals = Vec::new();
        let mut exclusions = Vec::new();
        for (o, order) in self.orders_known_at(idx, as_of) {
            let order = &*order;
            for (what, grant) in &order.rare().appeals {
                let Some(g) = grant.get() else { continue };
                let (scope, reason) = what.scope();
                appeals.push(AppealNote {
                    order_id: self.order_name(o).to_owned(),
                    scope,
                    reason,
                    event: self.catalog().events.name(g.event).into(),
                    at: g.at(),
                });
            }
            if order.is_fake() {
                continue;
            }
            if order.region.is_some() && !self.cfg().exclusions.is_empty() {
                self.note_exclusions(o, order, as_of, &mut exclusions);
            }
            let labels = self.labels_at(order, as_of);
            let mut cost = 0.0;
            let mut against = Vec::new();
            for ind in score
                .indicators
                .iter()
                .filter(|i| i.assessed && i.sample > 0)
            {
                let Some(measure) = crate::config::Measure::ALL
                    .iter()
                    .find(|m| m.name() == ind.name)
                else {
                    continue;
                };
                if self.counts_against(order, &labels, *measure, ind.window) {
                    let block_weight = score
                        .blocks
                        .iter()
                        .find(|b| b.name == ind.block)
                        .map_or(0.0, |b| b.weight);
                    cost += block_weight * ind.effective_weight * 5.0 / ind.sample as f64;
                    against.push(ind.name);
                }
            }
            if cost > 0.0 {
                costly.push(CostlyOrder {
                    order: ProblemOrder {
                        order_id: self.order_name(o).to_owned(),
                        paid_at: order.paid_at,
                        amount: order.amount,
                        labels,
                    },
                    estimated_cost: cost,
                    indicators: against,
                });
            }
        }
        costly.sort_by(|a, b| {
            b.estimated_cost
                .total_cmp(&a.estimated_cost)
                .then_with(|| a.order.order_id.cmp(&b.order.order_id))
        });
        costly.truncate(10);
        appeals.sort_by(|a, b| a.order_id.cmp(&b.order_id));
        exclusions.sort_by(|a, b| (&a.order_id, a.label).cmp(&(&b.order_id, b.label)));
        Ok(Explanation {
            score,
            costly_orders: costly,
            appeals,
            exclusions,
        })
    }

    /// The labels an exclusion window takes out of order `o` as of `as_of`:
    /// those it would have without the windows that a window excuses.
    fn note_exclusions(
        &self,
        o: OrderId,
        order: &OrderState,
        as_of: Timestamp,
        out: &mut Vec<ExclusionNote>,
    ) {
        let rules = self.rules();
        let mut seen: Vec<Reason> = Vec::new();
        for label in self.labels_under(rules.without_exclusions(), order, as_of) {
            if seen.contains(&label.reason) {
                continue;
            }
            seen.push(label.reason);
            if let Some(problem::Excuse::Window(w)) = problem::excuse(order, rules, label.reason) {
                let w = &self.cfg().exclusions[w];
                out.push(ExclusionNote {
                    order_id: self.order_name(o).to_owned(),
                    label: label.reason,
                    window: w.name.clone(),
                    reason: w.reason.clone(),
                    region: w.region.clone(),
                });
            }
        }
    }

    /// Whether an order is a failure of `measure` inside `window` (local days).
    fn counts_against(
        &self,
        o: &OrderState,
        labels: &[Label],
        measure: Measure,
        window: (i32, i32),
    ) -> bool {
        let in_window = |t: Timestamp| (window.0..=window.1).contains(&self.clock().day(t).get());
        let has = |r: Reason| labels.iter().any(|l| l.reason == r);
        match measure {
            Measure::ProductNegativeRate => {
                in_window(o.paid_at) && labels.iter().any(|l| l.family == problem::Family::Product)
            }
            Measure::GoodReviewRate => o.honest_review().is_some_and(|r| {
                o.review_counted
                    && in_window(r.at())
                    && i64::from(r.value.product) < self.cfg().good_review_min_stars
            }),
            Measure::Pickup48hRate => {
                in_window(o.paid_at)
                    && problem::pickup_due(o, self.cfg())
                    && problem::picked_up_in_time(o, self.cfg()) != Some(true)
            }
            Measure::DeliveryHours => in_window(o.paid_at) && has(Reason::SlowDelivery),
            Measure::RefundDurationHours => o.refunds().iter().any(|c| {
                c.completed.get().is_some_and(|d| in_window(d.at())) && has(Reason::SlowRefund)
            }),
            Measure::PlatformHelpRate => in_window(o.paid_at) && o.intervention().is_some(),
            Measure::ChatResponse3minRate
            | Measure::ChatSatisfaction
            | Measure::NextDayDeliveryShare => false,
        }
    }
}
