//! Differential: one set of valid events, three engines that must agree.
//!
//! The input decodes (with `arbitrary`) into events over small id alphabets
//! — 3 shops, 6 orders, 3 buyers, 3 SKUs, 3 refund ids — so that events
//! collide on the same orders, slots and shops. Every event has its own id
//! and every order one payment (the engine keeps the first of two payments
//! with one id, a documented limit, not what this target looks at). Events
//! that `Event::validate` refuses are dropped before feeding.
//!
//! Engine A gets the events in input order, engine B in another order (a
//! rotation, reversed), engine C is two engines fed a split of the events
//! (chosen by the input) merged with `Engine::merge`. Checked equal across
//! the three: every scoreboard, explanation and problem-order list at several
//! times, shops, event count, pending follow-ups, the set of refused event
//! ids (at ingest or deferred), and every price-protection payout of
//! automatic mode.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use truexp::event::*;
use truexp::Engine;

const T0: Timestamp = Timestamp::constant(1_788_192_000);
const HOUR: i64 = 3600;

const SHOPS: [&str; 3] = ["s0", "s1", "s2"];
const BUYERS: [&str; 3] = ["b0", "b1", "b2"];
const SKUS: [&str; 3] = ["k0", "k1", "k2"];
const CATEGORIES: [&str; 3] = ["apparel", "pet", "jewelry"];

/// A time: hours around `T0` (about ±45 days).
#[derive(Arbitrary, Debug, Clone, Copy)]
struct Hours(i16);

impl Hours {
    fn t(self) -> Timestamp {
        T0.plus_hours(self.0 as i64 % 1100)
    }
}

#[derive(Arbitrary, Debug)]
struct Line {
    sku: u8,
    quantity: u8,
    unit_price: u16,
    discount: u8,
}

#[derive(Arbitrary, Debug)]
enum Input {
    OrderPaid {
        order: u8,
        shop: u8,
        buyer: u8,
        category: u8,
        lines: Vec<Line>,
        platform_discount: Option<u16>,
        ordered_before: Option<u8>,
        paid: Hours,
        ship_hours: u8,
        deliver_hours: Option<u8>,
        fake: bool,
        tag: Option<u8>,
    },
    RiskVerdict(u8, Hours, bool),
    Shipped(u8, Hours, Option<u8>, bool),
    Delivered(u8, Hours),
    TrackingAnomaly(u8, Hours, bool),
    Review {
        order: u8,
        reviewer: u8,
        at: Hours,
        stars: u8,
        logistics: Option<u8>,
        service: Option<u8>,
        suspicious: bool,
    },
    RefundRequested {
        order: u8,
        refund: u8,
        at: Hours,
        kind: u8,
        reason: u8,
        amount: u16,
        sku: Option<u8>,
        units: Option<u8>,
    },
    RefundCompleted {
        order: u8,
        refund: u8,
        at: Hours,
        amount: u16,
        units: Option<u8>,
    },
    Note(u8, u8, Hours),
    Dispute(u8, Hours, bool),
    Atoz(u8, Hours, u8),
    Chat {
        shop: u8,
        buyer: u8,
        at: Hours,
        secs: Option<u16>,
        rating: Option<u8>,
        certified: bool,
    },
    Profile {
        shop: u8,
        at: Hours,
        category: u8,
        window_days: Option<u8>,
        anchor: u8,
    },
    PriceChange(u8, u16, u8, Hours),
}

#[derive(Arbitrary, Debug)]
struct Case {
    events: Vec<Input>,
    rotate: u8,
    /// bit i: event i goes to the second engine of the merge
    split: Vec<bool>,
}

fn pick<T: Copy>(xs: &[T], i: u8) -> T {
    xs[i as usize % xs.len()]
}

fn order_id(i: u8) -> String {
    format!("o{}", i % 6)
}

fn promotion(i: u8) -> PromotionKind {
    use PromotionKind::*;
    pick(
        &[
            None,
            Public,
            PlatformCampaign,
            PersonalCoupon,
            PaymentChannel,
            MemberOnly,
        ],
        i,
    )
}

fn build(i: usize, input: &Input) -> Event {
    let id = format!("e{i}");
    match input {
        Input::OrderPaid {
            order,
            shop,
            buyer,
            category,
            lines,
            platform_discount,
            ordered_before,
            paid,
            ship_hours,
            deliver_hours,
            fake,
            tag,
        } => {
            let paid_at = paid.t();
            let order_id = order_id(*order);
            Event::OrderPaid(OrderPaid {
                id: format!("pay-{order_id}"),
                order_id,
                shop_id: pick(&SHOPS, *shop).into(),
                buyer_id: pick(&BUYERS, *buyer).into(),
                category: pick(&CATEGORIES, *category).into(),
                lines: lines
                    .iter()
                    .take(3)
                    .map(|l| OrderLine {
                        sku: pick(&SKUS, l.sku).into(),
                        quantity: 1 + (l.quantity % 4) as i64,
                        unit_price: Money::from(u32::from(l.unit_price)),
                        line_discount: Money::from(u32::from(l.discount)),
                    })
                    .collect(),
                discounts: platform_discount
                    .iter()
                    .map(|&a| OrderDiscount {
                        amount: Money::from(u32::from(a % 500)),
                        funded_by: if a % 2 == 0 {
                            Funder::Platform
                        } else {
                            Funder::Seller
                        },
                        kind: promotion(a as u8),
                    })
                    .collect(),
                ordered_at: ordered_before.map(|h| paid_at.minus_secs((h % 4) as i64 * HOUR)),
                paid_at,
                ship_by: paid_at.plus_hours(*ship_hours as i64 % 96 + 1),
                deliver_by: deliver_hours.map(|h| paid_at.plus_hours(h as i64 + 24)),
                risk: RiskFlags { fake: *fake },
                tags: tag.iter().map(|t| format!("tag{}", t % 3)).collect(),
                region: None,
            })
        }
        Input::RiskVerdict(o, at, fake) => Event::RiskVerdict(RiskVerdict {
            id,
            order_id: order_id(*o),
            at: at.t(),
            fake: *fake,
        }),
        Input::Shipped(o, at, pickup, valid) => Event::Shipped(Shipped {
            id,
            order_id: order_id(*o),
            at: at.t(),
            pickup_at: pickup.map(|h| at.t().plus_hours((h % 50) as i64)),
            tracking_valid: *valid,
        }),
        Input::Delivered(o, at) => Event::Delivered(Delivered {
            id,
            order_id: order_id(*o),
            at: at.t(),
        }),
        Input::TrackingAnomaly(o, at, fake) => Event::TrackingAnomaly(TrackingAnomaly {
            id,
            order_id: order_id(*o),
            at: at.t(),
            fake_shipment: *fake,
        }),
        Input::Review {
            order,
            reviewer,
            at,
            stars,
            logistics,
            service,
            suspicious,
        } => Event::Review(Review {
            id,
            order_id: order_id(*order),
            reviewer: pick(&BUYERS, *reviewer).into(),
            at: at.t(),
            product_stars: 1 + (stars % 5) as i64,
            logistics_stars: logistics.map(|s| 1 + (s % 5) as i64),
            service_stars: service.map(|s| 1 + (s % 5) as i64),
            suspicious: *suspicious,
        }),
        Input::RefundRequested {
            order,
            refund,
            at,
            kind,
            reason,
            amount,
            sku,
            units,
        } => {
            use RefundReason::*;
            Event::RefundRequested(RefundRequested {
                id,
                order_id: order_id(*order),
                refund_id: format!("r{}", refund % 3),
                at: at.t(),
                kind: pick(
                    &[
                        RefundKind::RefundOnly,
                        RefundKind::ReturnAndRefund,
                        RefundKind::Exchange,
                    ],
                    *kind,
                ),
                reason: pick(
                    &[
                        Quality,
                        NotAsDescribed,
                        Damaged,
                        Defective,
                        Expired,
                        Counterfeit,
                        WrongSize,
                        NoReason,
                        NotReceived,
                        Late,
                        Other,
                    ],
                    *reason,
                ),
                amount: Money::from(u32::from(*amount % 5000)),
                sku: sku.map(|s| pick(&SKUS, s).into()),
                units: units.map(|u| (u % 4) as i64),
            })
        }
        Input::RefundCompleted {
            order,
            refund,
            at,
            amount,
            units,
        } => Event::RefundCompleted(RefundCompleted {
            id,
            order_id: order_id(*order),
            refund_id: format!("r{}", refund % 3),
            at: at.t(),
            amount: Money::from(u32::from(*amount % 5000)),
            units_returned: units.map(|u| (u % 4) as i64),
        }),
        Input::Note(kind, o, at) => {
            let note = OrderNote {
                id,
                order_id: order_id(*o),
                at: at.t(),
            };
            match kind % 4 {
                0 => Event::PlatformIntervention(note),
                1 => Event::Complaint(note),
                2 => Event::Chargeback(note),
                _ => Event::SellerCancelled(note),
            }
        }
        Input::Dispute(o, at, buyer) => Event::DisputeRuled(DisputeRuled {
            id,
            order_id: order_id(*o),
            at: at.t(),
            for_party: if *buyer {
                DisputeWinner::Buyer
            } else {
                DisputeWinner::Seller
            },
        }),
        Input::Atoz(o, at, outcome) => Event::AtozClaim(AtozClaim {
            id,
            order_id: order_id(*o),
            at: at.t(),
            outcome: pick(
                &[
                    ClaimOutcome::Open,
                    ClaimOutcome::Granted,
                    ClaimOutcome::Denied,
                ],
                *outcome,
            ),
        }),
        Input::Chat {
            shop,
            buyer,
            at,
            secs,
            rating,
            certified,
        } => Event::Chat(ChatSession {
            id,
            shop_id: pick(&SHOPS, *shop).into(),
            buyer_id: pick(&BUYERS, *buyer).into(),
            started_at: at.t(),
            first_response_secs: secs.map(|s| (s % 3600) as i64),
            satisfaction: rating.map(|r| 1 + (r % 5) as i64),
            agent_certification: certified.then(|| "pet_doctor".into()),
            agent_id: None,
        }),
        Input::Profile {
            shop,
            at,
            category,
            window_days,
            anchor,
        } => Event::ShopProfile(ShopProfile {
            id,
            shop_id: pick(&SHOPS, *shop).into(),
            at: at.t(),
            name: None,
            category: pick(&CATEGORIES, *category).into(),
            certifications: vec![],
            services: vec![],
            price_protection: window_days.map(|d| PriceProtectionPolicy {
                window_days: pick(&[7, 15, 30, 90], d),
                anchor: pick(
                    &[
                        ProtectionAnchor::Order,
                        ProtectionAnchor::Payment,
                        ProtectionAnchor::Receipt,
                    ],
                    *anchor,
                ),
                counted_promotions: default_counted_promotions(),
                deduct_protected_units: anchor % 2 == 1,
            }),
        }),
        Input::PriceChange(sku, price, promo, at) => Event::PriceChange(PriceChange {
            id,
            sku: pick(&SKUS, *sku).into(),
            price: Money::from(u32::from(*price)),
            promotion: promotion(*promo),
            at: at.t(),
        }),
    }
}

/// Feeds `events`; returns the ids refused at once.
fn feed(engine: &mut Engine, events: &[&Event]) -> Vec<String> {
    let mut refused = Vec::new();
    for e in events {
        if engine.ingest((*e).clone()).is_err() {
            refused.push(e.id().to_owned());
        }
    }
    refused
}

fn refused_ids(engine: &Engine, mut at_once: Vec<String>) -> Vec<String> {
    at_once.extend(
        engine
            .deferred_errors()
            .iter()
            .filter_map(|e| e.event_id.clone()),
    );
    at_once.sort();
    at_once.dedup();
    at_once
}

type Payout = (String, String, u32, String, i64, LineOutcome);
type LineOutcome = (Money, Option<Money>, i64, Money, Money, Money);

/// Automatic mode's payouts, by drop, then order id and line.
fn payouts(engine: &mut Engine) -> Vec<Payout> {
    let runs = engine.run_price_drops().expect("price drops run");
    let book = engine.price_protection();
    let mut out: Vec<Payout> = runs
        .iter()
        .flat_map(|run| {
            run.payouts.iter().map(|p| {
                let a = &p.assessment;
                (
                    run.drop.id.clone(),
                    book.order_id(p.order).to_owned(),
                    p.line,
                    book.sku(p.sku).to_owned(),
                    p.quantity,
                    (
                        a.paid_unit,
                        a.comparison,
                        a.protected_quantity,
                        a.payout,
                        a.platform_part,
                        a.seller_part,
                    ),
                )
            })
        })
        .collect();
    out.sort();
    out
}

fn assert_same(a: &Engine, b: &Engine, what: &str) {
    assert_eq!(a.shop_ids(), b.shop_ids(), "{what}: shops");
    assert_eq!(a.event_count(), b.event_count(), "{what}: event count");
    assert_eq!(a.order_count(), b.order_count(), "{what}: order count");
    assert_eq!(a.pending(), b.pending(), "{what}: pending");
    assert_eq!(
        a.latest_event_time(),
        b.latest_event_time(),
        "{what}: latest event time"
    );
    for as_of in [T0.minus_days(20), T0, T0.plus_days(10), T0.plus_days(60)] {
        assert_eq!(
            a.scoreboard(as_of),
            b.scoreboard(as_of),
            "{what}: scoreboard at {as_of}"
        );
        for shop in a.shop_ids() {
            assert_eq!(
                a.explain(shop, as_of).ok(),
                b.explain(shop, as_of).ok(),
                "{what}: explain {shop} at {as_of}"
            );
            assert_eq!(
                a.problem_orders(shop, as_of).ok(),
                b.problem_orders(shop, as_of).ok(),
                "{what}: problem orders {shop} at {as_of}"
            );
        }
    }
}

fuzz_target!(|case: Case| {
    let mut paid = std::collections::HashSet::new();
    let events: Vec<Event> = case
        .events
        .iter()
        .take(48)
        .enumerate()
        .map(|(i, input)| build(i, input))
        .filter(|e| e.validate().is_ok())
        // one payment per order
        .filter(|e| !matches!(e, Event::OrderPaid(o) if !paid.insert(o.order_id.clone())))
        .collect();
    if events.is_empty() {
        return;
    }

    let in_order: Vec<&Event> = events.iter().collect();
    let mut other: Vec<&Event> = events.iter().collect();
    other.rotate_left(case.rotate as usize % events.len());
    other.reverse();
    let (mut left, mut right) = (Vec::new(), Vec::new());
    for (i, e) in events.iter().enumerate() {
        if case.split.get(i).copied().unwrap_or(i % 2 == 1) {
            right.push(e);
        } else {
            left.push(e);
        }
    }

    let mut a = Engine::default();
    let refused_a = feed(&mut a, &in_order);
    let mut b = Engine::default();
    let refused_b = feed(&mut b, &other);
    let mut c = Engine::default();
    let mut refused_c = feed(&mut c, &left);
    let mut c2 = Engine::default();
    refused_c.extend(feed(&mut c2, &right));
    c.merge(c2).expect("engines fed disjoint events merge");

    let refused = refused_ids(&a, refused_a);
    assert_eq!(
        refused,
        refused_ids(&b, refused_b),
        "refused events, another order"
    );
    assert_eq!(
        refused,
        refused_ids(&c, refused_c),
        "refused events, split and merged"
    );
    assert_same(&a, &b, "another order");
    assert_same(&a, &c, "split and merged");
    let pa = payouts(&mut a);
    assert_eq!(
        pa,
        payouts(&mut b),
        "price-protection payouts, another order"
    );
    assert_eq!(
        pa,
        payouts(&mut c),
        "price-protection payouts, split and merged"
    );
});
