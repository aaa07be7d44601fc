//! Price protection: table-driven "done means" tests and property tests.

mod pp_builders;

use pp_builders::{line, m, profile, ts, Rng};
use proptest::prelude::*;
use truexp::event::{
    default_counted_promotions, Delivered, Event, Funder, OrderDiscount, OrderLine, PriceChange,
    PriceProtectionPolicy, PromotionKind, ProtectionAnchor, RefundCompleted, RefundKind,
    RefundReason, RefundRequested,
};
use truexp::price_protection::{
    apportion, assess_claim, assess_line, Applied, Claim, ClaimOrder, Comparison, LineHistory,
    LineTerms, PriceObservation, PriceProtectionError, ProtectionBook, Window,
    ZeroPayoutReason as Z,
};
use truexp::time::DAY;
use truexp::{Money, Timestamp};

/// 2024-11-10 12:00:00 UTC.
const T0: i64 = 1_731_240_000;
const HOUR: i64 = 3600;

fn policy(days: i64, anchor: ProtectionAnchor) -> PriceProtectionPolicy {
    PriceProtectionPolicy {
        window_days: days,
        anchor,
        counted_promotions: default_counted_promotions(),
        deduct_protected_units: false,
    }
}

fn obs(sku: &str, price: Money, promotion: PromotionKind, at: i64) -> PriceObservation {
    PriceObservation {
        sku: sku.into(),
        price,
        promotion,
        at: ts(at),
    }
}

fn claim(lines: Vec<OrderLine>, price: Money, claimed_at: i64) -> Claim {
    Claim {
        order: ClaimOrder {
            order_id: "o1".into(),
            lines,
            discounts: vec![],
            ordered_at: Some(ts(T0)),
            paid_at: ts(T0 + HOUR),
            received_at: Some(ts(T0 + 3 * DAY)),
        },
        policy: policy(7, ProtectionAnchor::Order),
        observations: vec![obs("a", price, PromotionKind::Public, claimed_at)],
        history: vec![],
        claimed_at: ts(claimed_at),
        funding: Default::default(),
        fake: false,
    }
}

fn one(c: &Claim) -> (Money, Option<Z>) {
    let r = assess_claim(c).unwrap();
    (r.lines[0].assessment.payout, r.lines[0].assessment.reason)
}

#[test]
fn jd_window_seven_days_end_inclusive() {
    let end = T0 + 7 * DAY; // 2024-11-17 12:00:00
    assert_eq!(end, 1_731_844_800);
    let cases = [
        (T0 - 1, 0, Some(Z::OutsideWindow)),
        (T0, 2000, None),
        (end - 1, 2000, None),
        (end, 2000, None),
        (end + 1, 0, Some(Z::OutsideWindow)),
    ];
    for (at, payout, reason) in cases {
        let mut c = claim(vec![line("a", 2, m(10_000))], m(9_000), at);
        c.observations[0].at = ts(T0 - 10);
        assert_eq!(one(&c), (m(payout), reason), "claim at {at}");
    }
}

#[test]
fn each_anchor() {
    use ProtectionAnchor::*;
    // ordered T0, paid T0+1h, received T0+3d; 7-day windows.
    let cases = [
        (Order, T0 + 7 * DAY + 1, Some(Z::OutsideWindow)),
        (Payment, T0 + 7 * DAY + 1, None),
        (Payment, T0 + 7 * DAY + HOUR + 1, Some(Z::OutsideWindow)),
        (Payment, T0 + HOUR - 1, Some(Z::OutsideWindow)),
        (Order, T0 + HOUR - 1, None),
        (Receipt, T0 + 3 * DAY - 1, Some(Z::OutsideWindow)),
        (Receipt, T0 + 10 * DAY, None),
        (Receipt, T0 + 10 * DAY + 1, Some(Z::OutsideWindow)),
    ];
    for (anchor, at, reason) in cases {
        let mut c = claim(vec![line("a", 1, m(10_000))], m(9_000), at);
        c.policy.anchor = anchor;
        assert_eq!(one(&c).1, reason, "{anchor:?} at {at}");
    }
    // Receipt anchor before any receipt: the window is not open.
    let mut c = claim(vec![line("a", 1, m(10_000))], m(9_000), T0 + DAY);
    c.policy.anchor = Receipt;
    c.order.received_at = None;
    assert_eq!(one(&c).1, Some(Z::OutsideWindow));
}

#[test]
fn partial_returns_and_every_zero_reason() {
    let at = T0 + DAY;
    let h = |r, p, paid| LineHistory {
        units_returned: r,
        protected_units: p,
        already_paid: paid,
        refunded: m(0),
    };
    // (history, observation price, kind, expected payout, protected qty, reason)
    let cases = [
        (h(0, 0, m(0)), 9_000, PromotionKind::Public, 3000, 3, None),
        (h(1, 0, m(0)), 9_000, PromotionKind::Public, 2000, 2, None),
        (
            h(3, 0, m(0)),
            9_000,
            PromotionKind::Public,
            0,
            0,
            Some(Z::FullyReturned),
        ),
        (
            h(0, 0, m(0)),
            9_000,
            PromotionKind::PaymentChannel,
            0,
            0,
            Some(Z::ExcludedPromotion),
        ),
        (
            h(0, 0, m(0)),
            9_000,
            PromotionKind::PersonalCoupon,
            0,
            0,
            Some(Z::ExcludedPromotion),
        ),
        (
            h(0, 0, m(0)),
            9_000,
            PromotionKind::MemberOnly,
            0,
            0,
            Some(Z::ExcludedPromotion),
        ),
        (
            h(0, 0, m(0)),
            10_000,
            PromotionKind::None,
            0,
            0,
            Some(Z::PriceNotLower),
        ),
        (
            h(0, 0, m(0)),
            10_500,
            PromotionKind::None,
            0,
            0,
            Some(Z::PriceNotLower),
        ),
        (
            h(0, 3, m(3000)),
            9_000,
            PromotionKind::Public,
            0,
            3,
            Some(Z::AlreadyCompensated),
        ),
        (
            h(0, 3, m(1500)),
            9_000,
            PromotionKind::Public,
            1500,
            3,
            None,
        ),
    ];
    for (hist, price, kind, payout, qty, reason) in cases {
        let mut c = claim(vec![line("a", 3, m(10_000))], m(price), at);
        c.observations[0].promotion = kind;
        c.history = vec![hist];
        let r = assess_claim(&c).unwrap();
        let a = r.lines[0].assessment;
        assert_eq!(
            (a.payout, a.protected_quantity, a.reason),
            (m(payout), qty, reason),
            "{hist:?} {price} {kind:?}"
        );
    }
    // Outside window is covered by the window test; a policy may count member prices.
    let mut c = claim(vec![line("a", 1, m(10_000))], m(9_000), at);
    c.observations[0].promotion = PromotionKind::MemberOnly;
    c.policy.counted_promotions.push(PromotionKind::MemberOnly);
    assert_eq!(one(&c), (m(1000), None));
}

/// Issue 14: the single claim takes the risk verdict. A fake (brushing)
/// order's claim is refused line by line with `fake_order`, whatever the
/// drop, and its history is left as given; the same claim of a genuine
/// order pays 2 × 1,000. A fake claim is still checked (a bad claim is an
/// error, not a refusal), and `fake` defaults to false in JSON.
#[test]
fn a_fake_orders_claim_is_refused() {
    let lines = vec![line("a", 2, m(5_000)), line("b", 1, m(3_000))];
    let honest = claim(lines.clone(), m(4_000), T0 + DAY);
    assert_eq!(assess_claim(&honest).unwrap().total_payout, m(2_000));
    let fake = Claim {
        fake: true,
        history: vec![
            LineHistory {
                already_paid: m(500),
                protected_units: 2,
                ..LineHistory::default()
            },
            LineHistory::default(),
        ],
        ..honest.clone()
    };
    let r = assess_claim(&fake).unwrap();
    assert_eq!(
        (r.total_payout, r.total_platform, r.total_seller),
        (m(0), m(0), m(0))
    );
    for (l, h) in r.lines.iter().zip(&fake.history) {
        assert_eq!(l.assessment.reason, Some(Z::FakeOrder));
        assert_eq!(l.assessment.payout, m(0));
        assert_eq!(l.assessment.protected_quantity, 0);
        assert_eq!(&l.history_after, h);
    }
    assert_eq!(r.lines[0].assessment.paid_unit, m(5_000));
    assert_eq!(r.lines[0].assessment.comparison, Some(m(4_000)));
    assert_eq!(Z::FakeOrder.as_str(), "fake_order");
    let mut bad = fake.clone();
    bad.history[0].refunded = m(10_001);
    assert!(assess_claim(&bad).is_err());
    // JSON: the key reads, and is false when absent
    let mut v = serde_json::to_value(&honest).unwrap();
    assert_eq!(v["fake"], false);
    v.as_object_mut().unwrap().remove("fake");
    let back: Claim = serde_json::from_value(v.clone()).unwrap();
    assert!(!back.fake);
    v["fake"] = true.into();
    let back: Claim = serde_json::from_value(v).unwrap();
    assert_eq!(assess_claim(&back).unwrap(), r_without_history(&fake));
}

/// The answer to `c` with the history it was given left out of the claim
/// (a fake claim's answer does not depend on it but for `history_after`).
fn r_without_history(c: &Claim) -> truexp::price_protection::ClaimResult {
    let mut c = c.clone();
    c.history = vec![];
    assess_claim(&c).unwrap()
}

#[test]
fn lowest_counted_observation_wins() {
    let at = T0 + DAY;
    let mut c = claim(
        vec![line("a", 1, m(10_000)), line("b", 1, m(5_000))],
        m(9_500),
        at,
    );
    c.observations = vec![
        obs("a", m(9_500), PromotionKind::None, at),
        obs("a", m(9_000), PromotionKind::Public, at),
        obs("a", m(7_000), PromotionKind::PaymentChannel, at),
        obs("b", m(4_000), PromotionKind::PlatformCampaign, at - 5),
    ];
    let r = assess_claim(&c).unwrap();
    assert_eq!(r.lines[0].assessment.comparison, Some(m(9_000)));
    assert_eq!(r.lines[1].assessment.comparison, Some(m(4_000)));
    assert_eq!(r.total_payout, m(1000 + 1000));
}

#[test]
fn successive_drops_pay_only_the_increment() {
    let mut history = vec![];
    let mut paid = vec![];
    for (day, price) in [(1, 9_000), (2, 9_500), (3, 8_000), (4, 8_000), (5, 10_000)] {
        let mut c = claim(vec![line("a", 2, m(10_000))], m(price), T0 + day * DAY);
        c.history = history.clone();
        let r = assess_claim(&c).unwrap();
        paid.push((r.total_payout.minor_units(), r.lines[0].assessment.reason));
        history = vec![r.lines[0].history_after];
    }
    assert_eq!(
        paid,
        vec![
            (2000, None),
            (0, Some(Z::AlreadyCompensated)),
            (2000, None),
            (0, Some(Z::AlreadyCompensated)),
            (0, Some(Z::PriceNotLower)),
        ]
    );
    assert_eq!(history[0].already_paid, m(4000));
}

#[test]
fn deduct_protected_units_protects_each_unit_once() {
    let mut c = claim(vec![line("a", 2, m(10_000))], m(9_000), T0 + DAY);
    c.policy.deduct_protected_units = true;
    let r = assess_claim(&c).unwrap();
    assert_eq!(r.total_payout, m(2000));
    c.history = vec![r.lines[0].history_after];
    c.observations[0].price = m(8_000);
    assert_eq!(one(&c), (m(0), Some(Z::AlreadyCompensated)));
}

#[test]
fn apportionment_remainder_three_lines() {
    let mut c = claim(
        vec![
            line("a", 1, m(1000)),
            line("b", 1, m(1000)),
            line("c", 1, m(1000)),
        ],
        m(0),
        T0,
    );
    c.observations.clear();
    c.order.discounts = vec![OrderDiscount {
        amount: m(1000),
        funded_by: Funder::Seller,
        kind: PromotionKind::Public,
    }];
    let r = assess_claim(&c).unwrap();
    let units: Vec<Money> = r.lines.iter().map(|l| l.assessment.paid_unit).collect();
    // Shares 3.34 / 3.33 / 3.33: the tie goes to the lower line index.
    assert_eq!(units, [m(666), m(667), m(667)]);
    assert_eq!(
        apportion(m(1000), &[m(1000); 3]).unwrap(),
        [m(334), m(333), m(333)]
    );
}

/// Issue 14: the paid unit price was floored before the comparison, so
/// cents were lost: a 3-unit line paid 10,001 dropping to 3,000 per unit
/// paid 3 × (3,333 − 3,000) = 999 instead of 10,001 − 9,000 = 1,001.
#[test]
fn payout_compares_the_exact_paid_unit_price_no_cent_lost() {
    // 3 units for 100.01 in all, now 30.00 each: 1,001 owed.
    let mut c = claim(vec![line("a", 3, m(3400))], m(3000), T0 + DAY);
    c.order.lines[0].line_discount = m(199);
    let r = assess_claim(&c).unwrap();
    assert_eq!(r.lines[0].assessment.paid_unit, m(3333), "shown floored");
    assert_eq!(r.total_payout, m(1001));
    // 3 units for 10.00 in all, now free: the whole 10.00 (was 9.99).
    let mut c = claim(vec![line("a", 3, m(400))], m(0), T0 + DAY);
    c.order.lines[0].line_discount = m(200);
    assert_eq!(assess_claim(&c).unwrap().total_payout, m(1000));
    // A comparison price equal to the floored unit price but below the exact
    // one (3,333 < 3,333.67) still pays: 10,001 − 3 × 3,333 = 2 (was 0).
    let mut c = claim(vec![line("a", 3, m(3400))], m(3333), T0 + DAY);
    c.order.lines[0].line_discount = m(199);
    let r = assess_claim(&c).unwrap();
    assert_eq!(r.total_payout, m(2));
    // At the exact unit price (3 × 3,334 = 10,002 ≥ 10,001): nothing.
    c.observations[0].price = m(3334);
    assert_eq!(one(&c), (m(0), Some(Z::PriceNotLower)));
}

#[test]
fn platform_and_seller_split() {
    let disc = |amount, funded_by| OrderDiscount {
        amount,
        funded_by,
        kind: PromotionKind::PlatformCampaign,
    };
    // (discounts, line discount, payout, platform, seller)
    let cases = [
        (vec![], 0, 1000, 0, 1000),
        (
            vec![disc(m(600), Funder::Platform), disc(m(400), Funder::Seller)],
            0,
            1000,
            600,
            400,
        ),
        (vec![disc(m(1000), Funder::Platform)], 0, 1000, 1000, 0),
        (vec![disc(m(1000), Funder::Platform)], 500, 1000, 666, 334),
        (
            vec![disc(m(100), Funder::Platform), disc(m(200), Funder::Seller)],
            0,
            1000,
            333,
            667,
        ),
    ];
    for (discounts, line_discount, payout, platform, seller) in cases {
        let mut c = claim(vec![line("a", 1, m(20_000))], m(0), T0 + DAY);
        // a platform campaign price: split by who funded the discounts (a
        // seller's own price cut is the seller's alone by default)
        c.observations[0].promotion = PromotionKind::PlatformCampaign;
        c.order.discounts = discounts.clone();
        c.order.lines[0].line_discount = m(line_discount);
        let r = assess_claim(&c).unwrap();
        let paid_unit = r.lines[0].assessment.paid_unit;
        c.observations[0].price = paid_unit - m(payout);
        let a = assess_claim(&c).unwrap().lines[0].assessment;
        assert_eq!(
            (a.payout, a.platform_part, a.seller_part),
            (m(payout), m(platform), m(seller)),
            "{discounts:?} {line_discount}"
        );
    }
}

#[test]
fn errors_name_field_and_value() {
    let field_of = |e: PriceProtectionError| match e {
        PriceProtectionError::Invalid { field, value, .. } => format!("{field}={value}"),
        PriceProtectionError::ForeignSku { field, sku } => format!("{field}={sku}"),
        PriceProtectionError::Overflow { field } => format!("overflow:{field}"),
        other => other.to_string(),
    };
    let base = claim(vec![line("a", 2, m(1000))], m(900), T0 + DAY);
    let mut c = base.clone();
    c.order.lines[0].line_discount = m(2001);
    assert_eq!(
        field_of(assess_claim(&c).unwrap_err()),
        "lines[0].line_discount=2001"
    );
    let mut c = base.clone();
    c.history = vec![LineHistory {
        units_returned: 3,
        ..Default::default()
    }];
    assert_eq!(
        field_of(assess_claim(&c).unwrap_err()),
        "history[0].units_returned=3"
    );
    let mut c = base.clone();
    c.observations[0].sku = "zz".into();
    assert_eq!(
        field_of(assess_claim(&c).unwrap_err()),
        "observations[0].sku=zz"
    );
    let mut c = base.clone();
    c.observations[0].price = m(-1);
    assert_eq!(
        field_of(assess_claim(&c).unwrap_err()),
        "observations[0].price=-1"
    );
    let mut c = base.clone();
    c.order.lines[0].unit_price = Money::MAX; // × 2 units
    assert_eq!(
        field_of(assess_claim(&c).unwrap_err()),
        "overflow:lines[0].unit_price"
    );
    let mut c = base.clone();
    c.order.lines[0].quantity = -1;
    assert_eq!(
        field_of(assess_claim(&c).unwrap_err()),
        "lines[0].quantity=-1"
    );
    let mut c = base.clone();
    c.policy.window_days = 0;
    assert_eq!(
        field_of(assess_claim(&c).unwrap_err()),
        "policy.window_days=0"
    );
    let mut c = base;
    c.order.lines.push(line("b", 1, Money::MAX));
    assert_eq!(
        field_of(assess_claim(&c).unwrap_err()),
        "overflow:order amount"
    );
}

// ---------- the book ----------

fn order_paid(order: &str, shop: &str, lines: Vec<OrderLine>, at: i64) -> Event {
    Event::OrderPaid(pp_builders::order_paid(order, shop, lines, at))
}

fn drop_event(id: &str, sku: &str, price: Money, at: i64) -> PriceChange {
    PriceChange {
        id: id.into(),
        sku: sku.into(),
        price,
        promotion: PromotionKind::Public,
        at: ts(at),
    }
}

fn totals(book: &mut ProtectionBook) -> Vec<(String, String, Money)> {
    let runs = book.run_all_drops().unwrap();
    let mut out = vec![];
    for r in runs {
        for p in r.payouts {
            out.push((
                r.drop.id.clone(),
                book.order_id(p.order).to_owned(),
                p.assessment.payout,
            ));
        }
    }
    out
}

#[test]
fn book_results_do_not_depend_on_arrival_order() {
    let events = vec![
        profile("p1", "s", 0, Some(policy(7, ProtectionAnchor::Order))),
        profile("p2", "s", 10, Some(policy(30, ProtectionAnchor::Order))),
        profile("p0", "s", 10, Some(policy(15, ProtectionAnchor::Order))), // same `at`, smaller id: loses
        order_paid("o1", "s", vec![line("a", 1, m(10_000))], T0),
        order_paid(
            "o2",
            "s",
            vec![line("a", 2, m(10_000)), line("b", 1, m(500))],
            T0 + DAY,
        ),
        order_paid("o3", "other", vec![line("a", 1, m(10_000))], T0), // no policy: skipped
        Event::PriceChange(drop_event("d2", "a", m(8_000), T0 + 20 * DAY)),
        Event::PriceChange(drop_event("d1", "a", m(9_000), T0 + 2 * DAY)),
    ];
    let expect = vec![
        ("d1".to_string(), "o1".to_string(), m(1000)),
        ("d1".into(), "o2".into(), m(2000)),
        ("d2".into(), "o1".into(), m(1000)),
        ("d2".into(), "o2".into(), m(2000)),
    ];
    // Forward, reversed (orders stay before nothing order-scoped here), rotated.
    let mut orders = vec![events.clone()];
    let mut rev = events.clone();
    rev.reverse();
    orders.push(rev);
    let mut rot = events.clone();
    rot.rotate_left(3);
    orders.push(rot);
    for evs in orders {
        let mut book = ProtectionBook::new();
        for e in &evs {
            book.apply(e).unwrap();
        }
        assert_eq!(totals(&mut book), expect);
        assert_eq!(book.pending_drops(), 0);
    }
}

#[test]
fn book_receipt_anchor_and_return_reversal() {
    let mut book = ProtectionBook::new();
    let mut p = policy(7, ProtectionAnchor::Receipt);
    p.counted_promotions = vec![PromotionKind::Public];
    book.apply(&profile("p", "s", 0, Some(p))).unwrap();
    book.apply(&order_paid(
        "o1",
        "s",
        vec![line("x", 1, m(100)), line("a", 4, m(10_000))],
        T0,
    ))
    .unwrap();
    // Not received yet: the window is not open.
    assert!(book
        .run_price_drop(&drop_event("d0", "a", m(9_000), T0 + DAY))
        .unwrap()
        .is_empty());
    book.apply(&Event::Delivered(Delivered {
        id: "dl".into(),
        order_id: "o1".into(),
        at: ts(T0 + 2 * DAY),
    }))
    .unwrap();
    let r = book
        .run_price_drop(&drop_event("d1", "a", m(9_000), T0 + 9 * DAY))
        .unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!((r[0].line, r[0].assessment.payout), (1, m(4000)));
    // Return 1 unit of sku a: its protection (10.00) is withheld from the refund.
    book.apply(&Event::RefundRequested(RefundRequested {
        id: "rq".into(),
        order_id: "o1".into(),
        refund_id: "r1".into(),
        at: ts(T0 + 9 * DAY),
        kind: RefundKind::ReturnAndRefund,
        reason: RefundReason::NoReason,
        amount: m(9_000),
        sku: Some("a".into()),
        units: Some(1),
    }))
    .unwrap();
    let applied = book
        .apply(&Event::RefundCompleted(RefundCompleted {
            id: "rc".into(),
            order_id: "o1".into(),
            refund_id: "r1".into(),
            at: ts(T0 + 9 * DAY),
            amount: m(9_000),
            units_returned: Some(1),
        }))
        .unwrap();
    let Applied::Return(w) = applied else {
        panic!("{applied:?}")
    };
    assert_eq!((w.line, w.units, w.withheld), (1, 1, m(1000)));
    let h = book.line_state(w.order, 1).unwrap().1;
    assert_eq!(
        h,
        LineHistory {
            units_returned: 1,
            protected_units: 3,
            already_paid: m(3000),
            // the refund's money (net of the 1,000 withheld); the returned
            // unit's share (10,000) is the larger and is what caps payouts
            refunded: m(9000),
        }
    );
    // A deeper drop pays only the increment on the 3 units still held.
    let r = book
        .run_price_drop(&drop_event("d2", "a", m(8_500), T0 + 9 * DAY))
        .unwrap();
    assert_eq!(r[0].assessment.payout, m(1500));
    // Returning more than held is refused, naming the field and value.
    let e = book
        .apply(&Event::RefundCompleted(RefundCompleted {
            id: "rc2".into(),
            order_id: "o1".into(),
            refund_id: "r2".into(),
            at: ts(T0 + 10 * DAY),
            amount: m(0),
            units_returned: Some(2),
        }))
        .unwrap_err();
    // No RefundRequested for r2: the first line (quantity 1) is used.
    assert!(
        matches!(e, PriceProtectionError::Invalid { ref field, ref value, .. } if field == "units_returned" && value == "2")
    );
    // An unknown order is refused.
    let e = book
        .apply(&Event::Delivered(Delivered {
            id: "x".into(),
            order_id: "nope".into(),
            at: ts(0),
        }))
        .unwrap_err();
    assert_eq!(e, PriceProtectionError::UnknownOrder("nope".into()));
}

// ---------- properties ----------

proptest! {
    #[test]
    fn apportioned_shares_sum_exactly(weights in prop::collection::vec(0i64..1_000_000, 1..12), frac in 0u32..=1000) {
        let sum: i64 = weights.iter().sum();
        let total = sum * frac as i64 / 1000;
        let weights: Vec<Money> = weights.into_iter().map(m).collect();
        let shares = apportion(m(total), &weights).unwrap();
        prop_assert_eq!(shares.iter().copied().sum::<Money>(), m(total));
        for (s, w) in shares.iter().zip(&weights) {
            prop_assert!(*s >= m(0) && s <= w);
        }
    }

    #[test]
    fn payout_within_remaining_and_monotonic(
        q in 1i64..20, unit in 0i64..100_000, extra in 0i64..20, returned in 0i64..20,
        protected in 0i64..20, paid_before in 0i64..2_000_000, cmp in 0i64..100_000, deeper in 0i64..100_000,
        deduct in any::<bool>(), plat in 0i64..1000, refunded in 0i64..2_000_000,
    ) {
        let terms = LineTerms {
            quantity: q,
            paid_amount: m(unit * q + extra.min(q - 1)),
            discount_total: m(1000),
            platform_discount: m(plat),
        };
        let h = LineHistory {
            units_returned: returned.min(q),
            protected_units: protected.min(q),
            already_paid: m(paid_before).min(terms.paid_amount),
            refunded: m(refunded).min(terms.paid_amount),
        };
        let w = Some(Window { start: ts(0), end: ts(10) });
        let a = assess_line(&terms, &h, w, deduct, Comparison::Price(m(cmp)), ts(5)).unwrap();
        let returned_share =
            m(terms.paid_amount.minor_units() * h.units_returned / terms.quantity);
        // never past what remains paid after every refund (issue 14)
        let remaining = terms.paid_amount - returned_share.max(h.refunded) - h.already_paid;
        prop_assert!(a.payout <= terms.paid_amount - h.refunded - h.already_paid || a.payout == m(0));
        prop_assert!(a.payout >= m(0));
        prop_assert!(a.payout <= remaining.max(m(0)));
        prop_assert_eq!(a.platform_part + a.seller_part, a.payout);
        prop_assert!(a.platform_part >= m(0) && a.seller_part >= m(0));
        let b = assess_line(&terms, &h, w, deduct, Comparison::Price(m((cmp - deeper).max(0))), ts(5)).unwrap();
        prop_assert!(b.payout >= a.payout);
    }

    #[test]
    fn automatic_mode_equals_one_claim_at_a_time(seed in any::<u64>()) {
        let _ = check_equivalence(seed);
    }
}

fn check_equivalence(seed: u64) -> usize {
    let mut positive = 0;
    let mut rng = Rng(seed | 1);
    let skus = ["a", "b", "c"];
    let anchors = [
        ProtectionAnchor::Order,
        ProtectionAnchor::Payment,
        ProtectionAnchor::Receipt,
    ];
    let kinds = [
        PromotionKind::None,
        PromotionKind::Public,
        PromotionKind::PaymentChannel,
        PromotionKind::MemberOnly,
    ];
    let mut policies = vec![];
    let mut events = vec![];
    for s in 0..3 {
        let p = (s < 2).then(|| PriceProtectionPolicy {
            window_days: [1, 7, 15, 30][rng.below(4) as usize],
            anchor: anchors[rng.below(3) as usize],
            counted_promotions: default_counted_promotions(),
            deduct_protected_units: rng.below(2) == 0,
        });
        policies.push(p.clone());
        events.push(profile(&format!("p{s}"), &format!("s{s}"), 0, p));
    }
    // (claim order, shop, history per line, a return on the first line not
    // yet in that history: units and time)
    #[allow(clippy::type_complexity)]
    let mut orders: Vec<(ClaimOrder, usize, Vec<LineHistory>, Option<(i64, i64)>)> = vec![];
    for o in 0..rng.below(12) + 1 {
        let n = rng.below(3) + 1;
        let lines: Vec<OrderLine> = (0..n)
            .map(|_| OrderLine {
                sku: skus[rng.below(3) as usize].into(),
                quantity: rng.below(4) + 1,
                unit_price: m(rng.below(10_000) + 1),
                line_discount: m(0),
            })
            .collect();
        let amount: i64 = (lines.iter())
            .map(|l| l.unit_price.minor_units() * l.quantity)
            .sum();
        let discounts = if rng.below(2) == 0 {
            vec![OrderDiscount {
                amount: m(rng.below(amount as u64 / 2 + 1)),
                funded_by: Funder::Platform,
                kind: PromotionKind::Public,
            }]
        } else {
            vec![]
        };
        let ordered = T0 + rng.below(20 * DAY as u64);
        let paid = ordered + rng.below(DAY as u64);
        let received = (rng.below(3) > 0).then(|| paid + rng.below(5 * DAY as u64));
        let shop = rng.below(3) as usize;
        let id = format!("o{o}");
        let mut e = order_paid(&id, &format!("s{shop}"), lines.clone(), ordered);
        if let Event::OrderPaid(op) = &mut e {
            op.paid_at = ts(paid);
            op.ship_by = ts(paid);
            op.discounts = discounts.clone();
        }
        events.push(e);
        if let Some(r) = received {
            events.push(Event::Delivered(Delivered {
                id: format!("d{o}"),
                order_id: id.clone(),
                at: ts(r),
            }));
        }
        let hist = vec![LineHistory::default(); lines.len()];
        // A return on the first line, at payment or up to 30 days later:
        // drops before it do not see it (a payout is fixed when made), drops
        // at or after it do.
        let mut ret = None;
        if rng.below(4) == 0 {
            let u = rng.below(lines[0].quantity as u64 + 1);
            let at = paid + [0, rng.below(30 * DAY as u64)][rng.below(2) as usize];
            ret = Some((u, at));
            events.push(Event::RefundCompleted(RefundCompleted {
                id: format!("r{o}"),
                order_id: id.clone(),
                refund_id: format!("r{o}"),
                at: ts(at),
                amount: m(0),
                units_returned: Some(u),
            }));
        }
        orders.push((
            ClaimOrder {
                order_id: id,
                lines,
                discounts,
                ordered_at: Some(ts(ordered)),
                paid_at: ts(paid),
                received_at: received.map(ts),
            },
            shop,
            hist,
            ret,
        ));
    }
    let mut drops = vec![];
    for d in 0..rng.below(10) + 1 {
        let mut p = drop_event(
            &format!("x{d}"),
            skus[rng.below(3) as usize],
            m(rng.below(10_000)),
            T0 + rng.below(40 * DAY as u64),
        );
        p.promotion = kinds[rng.below(4) as usize];
        if rng.below(5) == 0 && d > 0 {
            p.at = drops
                .iter()
                .map(|x: &PriceChange| x.at)
                .next()
                .unwrap_or(p.at); // equal times
        }
        drops.push(p.clone());
        events.push(Event::PriceChange(p));
    }
    // Shuffle profiles and price changes among the events (orders keep their relative order).
    let mut book = ProtectionBook::new();
    let (mut free, scoped): (Vec<Event>, Vec<Event>) = events
        .into_iter()
        .partition(|e| matches!(e, Event::ShopProfile(_) | Event::PriceChange(_)));
    let mut all = scoped;
    while let Some(e) = free.pop() {
        let at = rng.below(all.len() as u64 + 1) as usize;
        all.insert(at, e);
    }
    for e in &all {
        book.apply(e).unwrap();
    }
    let runs = book.run_all_drops().unwrap();

    // Reference: one claim at a time, in (time, id) order.
    drops.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    assert_eq!(runs.len(), drops.len());
    for (run, d) in runs.iter().zip(&drops) {
        assert_eq!(&run.drop, d);
        let mut want = vec![];
        for (o, shop, hist, ret) in orders.iter_mut() {
            // the claim's history is the line as it stood at the drop: a
            // return no later than the drop is in it
            if let Some((u, _)) = ret.filter(|&(_, at)| at <= i64::from(d.at)) {
                let terms = truexp::price_protection::line_terms(&o.lines, &o.discounts).unwrap();
                hist[0].record_return(&terms[0], u).unwrap();
                *ret = None;
            }
            let Some(p) = &policies[*shop] else { continue };
            let c = Claim {
                order: o.clone(),
                policy: p.clone(),
                observations: vec![PriceObservation::from(d)],
                history: hist.clone(),
                claimed_at: d.at,
                funding: Default::default(),
                fake: false,
            };
            // Observations for other SKUs are errors in a claim: keep only orders holding the SKU.
            if !o.lines.iter().any(|l| l.sku == d.sku) {
                continue;
            }
            let r = assess_claim(&c).unwrap();
            for l in r.lines {
                if l.sku == d.sku && l.assessment.reason != Some(Z::OutsideWindow) {
                    want.push((o.order_id.clone(), l.line as u32, l.assessment));
                    hist[l.line] = l.history_after;
                }
            }
        }
        let mut got: Vec<_> = run
            .payouts
            .iter()
            .map(|p| (book.order_id(p.order).to_owned(), p.line, p.assessment))
            .collect();
        got.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        want.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        assert_eq!(got, want, "seed {seed} drop {}", d.id);
        positive += got.iter().filter(|g| g.2.payout > m(0)).count();
    }
    positive
}

#[test]
fn equivalence_fixed_seeds() {
    let positive: usize = (1..300).map(check_equivalence).sum();
    // The generator must exercise real payouts, not only zero reasons.
    assert!(positive > 100, "only {positive} positive payouts");
}

#[test]
fn batch_apis_agree() {
    let mut events = vec![profile(
        "p",
        "s",
        0,
        Some(policy(30, ProtectionAnchor::Payment)),
    )];
    for o in 0..20 {
        let sku = ["a", "b", "c"][o % 3];
        events.push(order_paid(
            &format!("o{o}"),
            "s",
            vec![
                line(sku, 1 + (o as i64 % 3), m(10_000)),
                line("a", 1, m(9_000)),
            ],
            T0 + o as i64 * DAY,
        ));
    }
    let drops: Vec<PriceChange> = (0..15)
        .map(|d| {
            drop_event(
                &format!("d{:02}", 15 - d),
                ["a", "b", "c", "zz"][d % 4],
                m(9_500 - 200 * d as i64),
                T0 + (d as i64 % 5) * 4 * DAY,
            )
        })
        .collect();
    let mut book = ProtectionBook::new();
    for e in &events {
        book.apply(e).unwrap();
    }
    let mut by_vec = book.clone();
    let runs = by_vec.run_drops(&drops).unwrap();
    // Runs come back in (time, id) order.
    let keys: Vec<_> = runs
        .iter()
        .map(|r| (r.drop.at, r.drop.id.clone()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    // The callback API hands out the same results per drop.
    let mut by_cb = book.clone();
    let mut per: Vec<Vec<_>> = vec![vec![]; drops.len()];
    by_cb
        .run_drops_with(&drops, |i, p| per[i].push(*p))
        .unwrap();
    for r in &runs {
        let i = drops.iter().position(|d| d.id == r.drop.id).unwrap();
        assert_eq!(per[i], r.payouts);
    }
    // One drop at a time, in (time, id) order, gives the same again.
    let mut one = book.clone();
    for r in &runs {
        assert_eq!(one.run_price_drop(&r.drop).unwrap(), r.payouts);
    }
    let total: Money = runs
        .iter()
        .flat_map(|r| &r.payouts)
        .map(|p| p.assessment.payout)
        .sum();
    assert!(total > m(0));
}

/// Issue 15: claim moments at the ends of time or in 1970 and money
/// already paid beyond the line were accepted; now each is refused naming
/// the field, and the range's edges are accepted.
#[test]
fn claim_moments_and_paid_money_out_of_range_are_refused() {
    let field = |c: &Claim| match assess_claim(c).unwrap_err() {
        PriceProtectionError::Invalid { field, .. } => field,
        other => panic!("{other}"),
    };
    let base = claim(vec![line("a", 2, m(1000))], m(900), T0 + DAY);
    type Set = fn(&mut Claim, i64);
    let cases: [(&str, Set); 5] = [
        ("claimed_at", |c, t| c.claimed_at = ts(t)),
        ("order.ordered_at", |c, t| c.order.ordered_at = Some(ts(t))),
        ("order.paid_at", |c, t| c.order.paid_at = ts(t)),
        ("order.received_at", |c, t| {
            c.order.received_at = Some(ts(t))
        }),
        ("observations[0].at", |c, t| c.observations[0].at = ts(t)),
    ];
    for (name, set) in cases {
        // (an i64 past `Timestamp`'s range cannot be built at all)
        let (first, last) = (Timestamp::MIN.as_secs(), Timestamp::MAX.as_secs());
        for t in [first, last, 0, 946_684_799, 4_102_444_800] {
            let mut c = base.clone();
            set(&mut c, t);
            assert_eq!(field(&c), name, "{name} = {t}");
        }
    }
    let mut c = base.clone();
    c.history = vec![LineHistory {
        already_paid: m(2001),
        ..Default::default()
    }];
    assert_eq!(field(&c), "history[0].already_paid");
    c.history[0].already_paid = m(2000); // the whole line: accepted, pays nothing more
    assert_eq!(one(&c).0, m(0));
    // issue 14: refunded money, checked against the line's paid amount
    for bad in [-1, 2001] {
        let mut c = base.clone();
        c.history = vec![LineHistory {
            refunded: m(bad),
            ..Default::default()
        }];
        assert_eq!(field(&c), "history[0].refunded");
    }
    let mut c = base.clone();
    c.history = vec![LineHistory {
        refunded: m(2000), // refunded in full: accepted, pays nothing
        ..Default::default()
    }];
    assert_eq!(one(&c).0, m(0));
    c.history[0].refunded = m(600);
    assert_eq!(one(&c).0, m(1400).min(one(&base).0));
}

/// A single claim follows the same funding rule as automatic mode: the kind
/// of the lowest counted price decides who pays (ties: the seller's own
/// price first), and the claim can name another choice.
#[test]
fn a_claim_is_funded_by_the_kind_of_its_lowest_price() {
    use truexp::price_protection::{Funding, Payer};
    let mut c = claim(vec![line("a", 1, m(10_000))], m(8_000), T0 + 2 * DAY);
    c.order.discounts = vec![
        OrderDiscount {
            amount: m(600),
            funded_by: Funder::Platform,
            kind: PromotionKind::PersonalCoupon,
        },
        OrderDiscount {
            amount: m(400),
            funded_by: Funder::Seller,
            kind: PromotionKind::PersonalCoupon,
        },
    ];
    let parts = |c: &Claim| {
        let a = assess_claim(c).unwrap().lines[0].assessment;
        (a.payout, a.platform_part, a.seller_part)
    };
    // paid 9,000, public price 8,000: the seller's own cut
    assert_eq!(parts(&c), (m(1_000), m(0), m(1_000)));
    // the same price from a platform campaign as well: the seller's kind wins the tie
    c.observations.push(obs(
        "a",
        m(8_000),
        PromotionKind::PlatformCampaign,
        T0 + 2 * DAY,
    ));
    assert_eq!(parts(&c), (m(1_000), m(0), m(1_000)));
    // a lower campaign price: split as the discounts were funded
    c.observations.push(obs(
        "a",
        m(7_500),
        PromotionKind::PlatformCampaign,
        T0 + 2 * DAY,
    ));
    assert_eq!(parts(&c), (m(1_500), m(900), m(600)));
    c.funding = Funding {
        platform_campaign: Payer::Platform,
        ..Funding::default()
    };
    assert_eq!(parts(&c), (m(1_500), m(1_500), m(0)));
}
