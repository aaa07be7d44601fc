//! `ProtectionBook::merge`: books fed disjoint parts of an event set merge
//! into exactly the book fed the whole set.

mod pp_builders;

use pp_builders::{line, m, order_paid, profile, ts, Rng};
use proptest::prelude::*;
use truexp::event::{
    default_counted_promotions, Delivered, Event, Funder, OrderDiscount, OrderLine, PriceChange,
    PriceProtectionPolicy, PromotionKind, ProtectionAnchor, RefundCompleted, RefundKind,
    RefundReason, RefundRequested,
};
use truexp::price_protection::{
    LineAssessment, LineHistory, PriceProtectionError, ProtectionBook, Window,
};
use truexp::time::DAY;
use truexp::Money;

/// 2024-11-10 12:00:00 UTC.
const T0: i64 = 1_731_240_000;
const SKUS: [&str; 4] = ["a", "b", "c", "d"];
const KINDS: [PromotionKind; 4] = [
    PromotionKind::None,
    PromotionKind::Public,
    PromotionKind::PaymentChannel,
    PromotionKind::MemberOnly,
];

fn drop_event(id: &str, sku: &str, price: Money, at: i64, promotion: PromotionKind) -> Event {
    Event::PriceChange(PriceChange {
        id: id.into(),
        sku: sku.into(),
        price,
        promotion,
        at: ts(at),
    })
}

fn delivered(id: &str, order: &str, at: i64) -> Event {
    Event::Delivered(Delivered {
        id: id.into(),
        order_id: order.into(),
        at: ts(at),
    })
}

fn random_policy(rng: &mut Rng) -> Option<PriceProtectionPolicy> {
    let anchors = [
        ProtectionAnchor::Order,
        ProtectionAnchor::Payment,
        ProtectionAnchor::Receipt,
    ];
    (rng.below(5) > 0).then(|| PriceProtectionPolicy {
        window_days: [1, 7, 15, 30][rng.below(4) as usize],
        anchor: anchors[rng.below(3) as usize],
        counted_promotions: if rng.below(3) == 0 {
            vec![PromotionKind::Public, PromotionKind::MemberOnly]
        } else {
            default_counted_promotions()
        },
        deduct_protected_units: rng.below(2) == 0,
    })
}

fn random_drop(rng: &mut Rng, id: &str) -> Event {
    drop_event(
        id,
        SKUS[rng.below(SKUS.len() as u64) as usize],
        m(rng.below(10_000)),
        T0 + rng.below(30) * DAY / 2 + rng.below(3),
        KINDS[rng.below(4) as usize],
    )
}

/// One order's events, in the order they must be applied: `OrderPaid`
/// first, then deliveries and refunds.
fn random_order(rng: &mut Rng, o: usize) -> Vec<Event> {
    let id = format!("o{o}");
    let lines: Vec<OrderLine> = (0..rng.below(3) + 1)
        .map(|_| {
            line(
                SKUS[rng.below(SKUS.len() as u64) as usize],
                rng.below(4) + 1,
                m(rng.below(10_000) + 1),
            )
        })
        .collect();
    // Coarse times so that equal order times across books occur.
    let ordered = T0 + rng.below(20) * DAY / 2;
    let paid = ordered + rng.below(2) * 3600;
    let mut op = order_paid(&id, &format!("s{}", rng.below(4)), lines.clone(), ordered);
    op.paid_at = ts(paid);
    op.ship_by = ts(paid);
    if rng.below(2) == 0 {
        let amount: i64 = (lines.iter())
            .map(|l| l.unit_price.minor_units() * l.quantity)
            .sum();
        op.discounts = vec![OrderDiscount {
            amount: m(rng.below(amount as u64 / 2 + 1)),
            funded_by: if rng.below(2) == 0 {
                Funder::Platform
            } else {
                Funder::Seller
            },
            kind: PromotionKind::Public,
        }];
    }
    let mut evs = vec![Event::OrderPaid(op)];
    for k in 0..rng.below(3) {
        let at = paid + rng.below(6) * DAY / 2;
        evs.push(delivered(&format!("dl{o}-{k}"), &id, at));
    }
    if rng.below(3) == 0 {
        // A return on one line: the line its request names, else line 0.
        let named = (rng.below(3) > 0).then(|| rng.below(lines.len() as u64) as usize);
        let target = named
            .map(|l| {
                lines
                    .iter()
                    .position(|x| x.sku == lines[l].sku)
                    .unwrap_or(0)
            })
            .unwrap_or(0);
        let refund = format!("r{o}");
        let at = paid + rng.below(10) * DAY;
        if let Some(l) = named {
            evs.push(Event::RefundRequested(RefundRequested {
                id: format!("rq{o}"),
                order_id: id.clone(),
                refund_id: refund.clone(),
                at: ts(at),
                kind: RefundKind::ReturnAndRefund,
                reason: RefundReason::NoReason,
                amount: m(0),
                sku: Some(lines[l].sku.clone()),
                units: None,
            }));
        }
        evs.push(Event::RefundCompleted(RefundCompleted {
            id: format!("rc{o}"),
            order_id: id.clone(),
            refund_id: refund,
            at: ts(at),
            amount: m(0),
            units_returned: Some(rng.below(lines[target].quantity as u64 + 1)),
        }));
    }
    evs
}

/// The event id of an order's `OrderPaid`, when the event is order-scoped.
fn order_of(e: &Event) -> Option<&str> {
    match e {
        Event::OrderPaid(o) => Some(&o.order_id),
        Event::Delivered(d) => Some(&d.order_id),
        Event::RefundRequested(r) => Some(&r.order_id),
        Event::RefundCompleted(r) => Some(&r.order_id),
        _ => None,
    }
}

type Row = (String, String, String, u32, i64, Window, LineAssessment);

/// Runs the queued drops; rows named by ids and SKU names, sorted.
fn run(book: &mut ProtectionBook) -> Vec<Row> {
    let runs = book.run_all_drops().unwrap();
    let mut rows = vec![];
    for r in runs {
        for p in r.payouts {
            rows.push((
                r.drop.id.clone(),
                book.order_id(p.order).to_owned(),
                book.sku(p.sku).to_owned(),
                p.line,
                p.quantity,
                p.window,
                p.assessment,
            ));
        }
    }
    rows.sort_by(|a, b| (&a.0, &a.1, a.3).cmp(&(&b.0, &b.1, b.3)));
    rows
}

/// Every line's history, by order id.
fn histories(book: &ProtectionBook, orders: &[String]) -> Vec<(String, u32, LineHistory)> {
    let mut out = vec![];
    for id in orders {
        let Some(h) = book.order_handle(id) else {
            continue;
        };
        for l in 0.. {
            let Some((_, hist)) = book.line_state(h, l) else {
                break;
            };
            out.push((id.clone(), l, hist));
        }
    }
    out
}

fn feed(book: &mut ProtectionBook, events: &[Event]) {
    for e in events {
        book.apply(e).unwrap();
    }
}

/// Builds a random valid event set, feeds it whole to one book and in three
/// parts to three books, merges those and compares. Returns the number of
/// positive payouts seen (the generator must exercise real payouts).
fn check_merge(seed: u64, cut1: f64, cut2: f64, merge_order: usize) -> usize {
    let mut rng = Rng(seed | 1);
    let mut free = vec![];
    for s in 0..3 {
        for k in 0..rng.below(3) + 1 {
            let p = random_policy(&mut rng);
            free.push(profile(
                &format!("p{s}-{k}"),
                &format!("s{s}"),
                rng.below(3),
                p,
            ));
        }
    }
    for d in 0..rng.below(10) + 1 {
        free.push(random_drop(&mut rng, &format!("x{d}")));
    }
    let mut groups: Vec<std::collections::VecDeque<Event>> = (0..rng.below(14) + 1)
        .map(|o| random_order(&mut rng, o as usize).into())
        .collect();
    let order_ids: Vec<String> = (0..groups.len()).map(|o| format!("o{o}")).collect();
    // Interleave at random, keeping each order's events in their order.
    let mut all = vec![];
    loop {
        let live: Vec<usize> = (0..groups.len())
            .filter(|&g| !groups[g].is_empty())
            .collect();
        let n = live.len() + free.len();
        if n == 0 {
            break;
        }
        let pick = rng.below(n as u64) as usize;
        if pick < live.len() {
            all.extend(groups[live[pick]].pop_front());
        } else {
            all.push(free.swap_remove(pick - live.len()));
        }
    }
    // Three parts at two cut points; order-scoped events follow their order.
    let (c1, c2) = {
        let a = (cut1 * all.len() as f64) as usize;
        let b = (cut2 * all.len() as f64) as usize;
        (a.min(b), a.max(b))
    };
    let mut home = std::collections::HashMap::new();
    let mut parts: Vec<Vec<Event>> = vec![vec![], vec![], vec![]];
    for (i, e) in all.iter().enumerate() {
        let mut part = usize::from(i >= c1) + usize::from(i >= c2);
        if let Some(o) = order_of(e) {
            part = *home.entry(o.to_owned()).or_insert(part);
        }
        parts[part].push(e.clone());
    }

    let mut whole = ProtectionBook::new();
    feed(&mut whole, &all);
    let mut books: Vec<ProtectionBook> = parts
        .iter()
        .map(|p| {
            let mut b = ProtectionBook::new();
            feed(&mut b, p);
            b
        })
        .collect();
    // Merge in one of the six orders.
    let perm = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ][merge_order % 6];
    let mut merged = std::mem::take(&mut books[perm[0]]);
    merged.merge(&books[perm[1]]).unwrap();
    merged.merge(&books[perm[2]]).unwrap();

    assert_eq!(merged.order_count(), whole.order_count());
    assert_eq!(merged.line_count(), whole.line_count());
    assert_eq!(merged.pending_drops(), whole.pending_drops());
    let first = run(&mut whole);
    assert_eq!(run(&mut merged), first, "seed {seed}: first round");
    assert_eq!(
        histories(&merged, &order_ids),
        histories(&whole, &order_ids)
    );

    // A second round, after more events: increments over the carried history.
    let mut more = vec![];
    for o in &order_ids {
        if rng.below(3) == 0 {
            more.push(delivered(
                &format!("late-{o}"),
                o,
                T0 + 10 * DAY + rng.below(5) * DAY,
            ));
        }
    }
    more.extend(random_order(&mut rng, order_ids.len()));
    if rng.below(2) == 0 {
        let p = random_policy(&mut rng);
        more.push(profile("late-p", "s1", 5, p));
    }
    for d in 0..rng.below(8) + 1 {
        more.push(random_drop(&mut rng, &format!("y{d}")));
    }
    feed(&mut whole, &more);
    feed(&mut merged, &more);
    let second = run(&mut whole);
    assert_eq!(run(&mut merged), second, "seed {seed}: second round");
    assert_eq!(
        histories(&merged, &order_ids),
        histories(&whole, &order_ids)
    );

    first
        .iter()
        .chain(&second)
        .filter(|r| r.6.payout > m(0))
        .count()
}

proptest! {
    #[test]
    fn merged_parts_equal_the_whole(
        seed in any::<u64>(),
        cut1 in 0.0f64..=1.0,
        cut2 in 0.0f64..=1.0,
        merge_order in 0usize..6,
    ) {
        let _ = check_merge(seed, cut1, cut2, merge_order);
    }
}

#[test]
fn merge_fixed_seeds_pay_for_real() {
    let positive: usize = (1..200u64)
        .map(|s| check_merge(s, (s % 7) as f64 / 7.0, (s % 5) as f64 / 4.0, s as usize))
        .sum();
    assert!(positive > 200, "only {positive} positive payouts");
}

fn policy(days: i64, anchor: ProtectionAnchor) -> PriceProtectionPolicy {
    PriceProtectionPolicy {
        window_days: days,
        anchor,
        counted_promotions: default_counted_promotions(),
        deduct_protected_units: false,
    }
}

#[test]
fn books_that_already_ran_drops_merge_with_their_histories() {
    let pol = profile("p", "s", 0, Some(policy(30, ProtectionAnchor::Order)));
    let o1 = Event::OrderPaid(order_paid("o1", "s", vec![line("a", 2, m(10_000))], T0));
    let o2 = Event::OrderPaid(order_paid(
        "o2",
        "s",
        vec![line("b", 1, m(500)), line("a", 3, m(10_000))],
        T0 + DAY,
    ));
    let o3 = Event::OrderPaid(order_paid("o3", "s", vec![line("a", 1, m(10_000))], T0));
    let d1 = drop_event("d1", "a", m(9_000), T0 + 2 * DAY, PromotionKind::Public);
    let d2 = drop_event("d2", "a", m(8_000), T0 + 3 * DAY, PromotionKind::Public);

    // The whole: all orders, d1 runs once, then d2.
    let mut whole = ProtectionBook::new();
    feed(
        &mut whole,
        &[pol.clone(), o1.clone(), o2.clone(), o3.clone(), d1.clone()],
    );
    let first = run(&mut whole);
    // Shards: each ran d1 on its own lines before the merge.
    let mut a = ProtectionBook::new();
    feed(&mut a, &[pol.clone(), o1, d1.clone()]);
    let mut b = ProtectionBook::new();
    feed(&mut b, &[o2, o3, d1]);
    b.apply(&pol).unwrap(); // b learns the policy before it runs
    let mut shard_rows = run(&mut a);
    shard_rows.extend(run(&mut b));
    shard_rows.sort_by(|x, y| (&x.0, &x.1, x.3).cmp(&(&y.0, &y.1, y.3)));
    assert_eq!(shard_rows, first);

    // A return on o2's line 1 after the drop, in shard b.
    let ret = [
        Event::RefundRequested(RefundRequested {
            id: "rq".into(),
            order_id: "o2".into(),
            refund_id: "r".into(),
            at: ts(T0 + 2 * DAY),
            kind: RefundKind::ReturnAndRefund,
            reason: RefundReason::NoReason,
            amount: m(0),
            sku: Some("a".into()),
            units: None,
        }),
        Event::RefundCompleted(RefundCompleted {
            id: "rc".into(),
            order_id: "o2".into(),
            refund_id: "r".into(),
            at: ts(T0 + 2 * DAY),
            amount: m(0),
            units_returned: Some(1),
        }),
    ];
    feed(&mut whole, &ret);
    feed(&mut b, &ret);

    let mut merged = b.clone();
    merged.merge(&a).unwrap();
    let ids = ["o1".to_string(), "o2".into(), "o3".into()];
    assert_eq!(histories(&merged, &ids), histories(&whole, &ids));
    let (_, h) = merged
        .line_state(merged.order_handle("o2").unwrap(), 1)
        .unwrap();
    assert_eq!(
        h,
        LineHistory {
            units_returned: 1,
            protected_units: 2, // the returned unit was a protected one
            already_paid: m(2000),
            refunded: m(0), // the completion's `amount` is 0
        }
    );

    // d2 pays only the increment over d1, on both sides.
    whole.apply(&d2).unwrap();
    merged.apply(&d2).unwrap();
    let second = run(&mut whole);
    assert_eq!(run(&mut merged), second);
    let payouts: Vec<(&str, Money)> = second.iter().map(|r| (r.1.as_str(), r.6.payout)).collect();
    assert_eq!(payouts, [("o1", m(2000)), ("o2", m(2000)), ("o3", m(1000))]);
}

#[test]
fn a_duplicate_order_is_refused_and_nothing_changes() {
    let mut a = ProtectionBook::new();
    feed(
        &mut a,
        &[
            profile("p", "s", 0, Some(policy(7, ProtectionAnchor::Order))),
            Event::OrderPaid(order_paid("o1", "s", vec![line("a", 1, m(10_000))], T0)),
            drop_event("d1", "a", m(9_000), T0 + DAY, PromotionKind::Public),
        ],
    );
    let mut b = ProtectionBook::new();
    feed(
        &mut b,
        &[
            profile("q", "t", 5, Some(policy(30, ProtectionAnchor::Order))),
            Event::OrderPaid(order_paid("o2", "t", vec![line("z", 1, m(100))], T0)),
            Event::OrderPaid(order_paid("o1", "s", vec![line("b", 1, m(500))], T0)),
            drop_event("d2", "z", m(50), T0 + DAY, PromotionKind::Public),
        ],
    );
    let before = format!("{a:?}");
    assert_eq!(
        b.check_merge(&a),
        Err(PriceProtectionError::DuplicateOrder("o1".into()))
    );
    assert_eq!(
        a.merge(&b),
        Err(PriceProtectionError::DuplicateOrder("o1".into()))
    );
    assert_eq!(format!("{a:?}"), before);
    assert_eq!(
        (a.order_count(), a.line_count(), a.pending_drops()),
        (1, 1, 1)
    );
    assert_eq!(a.order_handle("o2"), None);
    let rows = run(&mut a);
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].1.as_str(), rows[0].6.payout), ("o1", m(1000)));
    // Merging a book with itself is the same refusal.
    let copy = a.clone();
    assert!(matches!(
        a.merge(&copy),
        Err(PriceProtectionError::DuplicateOrder(_))
    ));
    // An empty book merges as a no-op, either way round.
    let mut empty = ProtectionBook::new();
    a.merge(&ProtectionBook::new()).unwrap();
    assert_eq!(format!("{a:?}"), format!("{copy:?}"));
    empty.merge(&a).unwrap();
    assert_eq!(empty.order_count(), 1);
}

/// Who pays a payout (`price_protection_funding`): a seller's own price cut
/// is the seller's by default; a platform campaign drop is split by who
/// funded the discounts; each is configurable, in automatic mode and in a
/// single claim alike.
#[test]
fn who_funds_a_payout_follows_the_kind_of_price() {
    use truexp::price_protection::{Funding, Payer};
    // 10,000 list price, 1,000 of discounts of which the platform funded 600:
    // paid 9,000; a drop to 8,000 pays 1,000
    let lines = [
        r#"{"type":"shop_profile","id":"p1","shop_id":"s","at":1790000000,"category":"tv","price_protection":{"window_days":30}}"#,
        r#"{"type":"order_paid","id":"e1","order_id":"o1","shop_id":"s","buyer_id":"b","category":"tv","lines":[{"sku":"k","quantity":1,"unit_price":10000}],"discounts":[{"amount":600,"funded_by":"platform","kind":"personal_coupon"},{"amount":400,"funded_by":"seller","kind":"personal_coupon"}],"paid_at":1790001000,"ship_by":1790090000}"#,
        r#"{"type":"price_change","id":"d1","sku":"k","price":8000,"promotion":"public","at":1790005000}"#,
        r#"{"type":"price_change","id":"d2","sku":"k","price":7000,"promotion":"platform_campaign","at":1790006000}"#,
    ];
    let parts = |cfg: truexp::Config| {
        let mut e = truexp::Engine::with_config(cfg).unwrap();
        for l in lines {
            e.ingest_json(l).unwrap();
        }
        let runs = e.run_price_drops().unwrap();
        runs.iter()
            .flat_map(|r| {
                r.payouts.iter().map(|p| {
                    (
                        r.drop.id.clone(),
                        p.assessment.payout,
                        p.assessment.platform_part,
                        p.assessment.seller_part,
                    )
                })
            })
            .collect::<Vec<_>>()
    };
    // default: the public drop is the seller's; the campaign drop's 1,000
    // more is split 600 / 400 as the discounts were
    assert_eq!(
        parts(truexp::Config::default()),
        vec![
            ("d1".to_owned(), m(1_000), m(0), m(1_000)),
            ("d2".to_owned(), m(1_000), m(600), m(400))
        ]
    );
    let cfg = truexp::Config {
        price_protection_funding: Funding {
            seller_price_cut: Payer::DiscountShare,
            platform_campaign: Payer::Platform,
            other: Payer::Seller,
        },
        ..truexp::Config::default()
    };
    assert_eq!(
        parts(cfg.clone()),
        vec![
            ("d1".to_owned(), m(1_000), m(600), m(400)),
            ("d2".to_owned(), m(1_000), m(1_000), m(0))
        ]
    );
    // the configuration reads from JSON, and the default is left out of it
    let json = serde_json::to_string(&cfg).unwrap();
    assert!(json.contains(r#""price_protection_funding":{"seller_price_cut":"discount_share","platform_campaign":"platform","other":"seller"}"#));
    assert!(!serde_json::to_string(&truexp::Config::default())
        .unwrap()
        .contains("funding"));
    let back: truexp::Config = serde_json::from_str(&json).unwrap();
    assert_eq!(back.price_protection_funding, cfg.price_protection_funding);
}
