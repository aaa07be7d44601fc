//! Problem-order rate of every shop: the counter path
//! (`Engine::problem_rates`, one window sum per shop) against a baseline in
//! the same run that walks every order through `problem::classify`
//! (`Engine::problem_rates_by_walking`). The figure that matters is the ratio.
//!
//! `TRUEXP_BENCH_ORDERS=200000 cargo bench -p truexp --bench problem_rate`

use std::time::Instant;

use criterion::{black_box, Criterion};
use truexp::seeded::SeededRng;
use truexp::Engine;

const START: i64 = 1_785_000_000;
const DAYS: i64 = 60;
const SHOPS: u64 = 500;
const CATEGORIES: [&str; 8] = [
    "apparel",
    "electronics",
    "home",
    "pet",
    "beauty",
    "toys",
    "food",
    "sports",
];

/// An engine holding `orders` orders of 500 shops over 60 days, with the
/// usual mix of late shipments, missing pickups, reviews, refunds,
/// complaints and fake orders.
fn build(orders: u64) -> (Engine, truexp::Timestamp) {
    let mut rng = SeededRng::new(42);
    let mut engine = Engine::default();
    let mut id = 0u64;
    let mut push = |engine: &mut Engine, body: String| {
        id += 1;
        let line = format!(r#"{{"id":"e{id}",{body}}}"#);
        engine
            .ingest_json(&line)
            .expect("generated events are valid");
    };
    for o in 0..orders {
        let shop = rng.below(SHOPS);
        let cat = CATEGORIES[(shop % CATEGORIES.len() as u64) as usize];
        let paid = START + rng.below(DAYS as u64 * 86_400) as i64;
        let buyer = rng.below(orders / 3 + 1);
        let sku = rng.below(20);
        let fake = rng.chance(0.01);
        push(
            &mut engine,
            format!(
                r#""type":"order_paid","order_id":"o{o}","shop_id":"s{shop}","buyer_id":"b{buyer}","category":"{cat}","lines":[{{"sku":"s{shop}-k{sku}","quantity":1,"unit_price":{}}}],"paid_at":{paid},"ship_by":{},"risk":{{"fake":{fake}}}"#,
                1000 + rng.below(50_000),
                paid + 86_400
            ),
        );
        if !rng.chance(0.03) {
            let late = rng.chance(0.04);
            let at = paid
                + if late {
                    90_000
                } else {
                    3_600 + rng.below(40_000) as i64
                };
            let pickup = at + if rng.chance(0.03) { 200_000 } else { 1_800 };
            push(
                &mut engine,
                format!(
                    r#""type":"shipped","order_id":"o{o}","at":{at},"pickup_at":{pickup},"tracking_valid":{}"#,
                    !rng.chance(0.02)
                ),
            );
            if rng.chance(0.9) {
                let at = pickup + 20_000 + rng.below(300_000) as i64;
                push(
                    &mut engine,
                    format!(r#""type":"delivered","order_id":"o{o}","at":{at}"#),
                );
            }
        }
        if rng.chance(0.4) {
            push(
                &mut engine,
                format!(
                    r#""type":"review","order_id":"o{o}","reviewer":"b{buyer}","at":{},"product_stars":{}"#,
                    paid + 400_000,
                    [5, 5, 5, 5, 4, 4, 3, 2, 1][rng.below(9) as usize]
                ),
            );
        }
        if rng.chance(0.06) {
            let reason =
                ["damaged", "wrong_size", "no_reason", "not_as_described"][rng.below(4) as usize];
            let kind = ["refund_only", "return_and_refund"][rng.below(2) as usize];
            push(
                &mut engine,
                format!(
                    r#""type":"refund_requested","order_id":"o{o}","refund_id":"r{o}","at":{},"kind":"{kind}","reason":"{reason}","amount":500"#,
                    paid + 300_000
                ),
            );
            if rng.chance(0.8) {
                push(
                    &mut engine,
                    format!(
                        r#""type":"refund_completed","order_id":"o{o}","refund_id":"r{o}","at":{},"amount":500"#,
                        paid + 300_000 + rng.below(400_000) as i64
                    ),
                );
            }
        }
        if rng.chance(0.01) {
            push(
                &mut engine,
                format!(
                    r#""type":"complaint","order_id":"o{o}","at":{}"#,
                    paid + 500_000
                ),
            );
        }
    }
    let as_of = engine.latest_event_time().expect("events were generated");
    (engine, as_of)
}

fn main() {
    let orders: u64 = std::env::var("TRUEXP_BENCH_ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let t = Instant::now();
    let (engine, as_of) = build(orders);
    eprintln!(
        "problem_rate: {orders} orders, {} shops, built in {:.1?}",
        engine.shop_ids().len(),
        t.elapsed()
    );
    // both paths must agree before their speed means anything
    let fast = engine.problem_rates(as_of);
    let slow = engine.problem_rates_by_walking(as_of);
    assert_eq!(fast.len(), slow.len());
    for (f, (id, s)) in fast.iter().zip(&slow) {
        assert_eq!((&f.shop_id, &f.tally), (id, s));
    }

    let mut c = Criterion::default().sample_size(20).configure_from_args();
    let mut g = c.benchmark_group("problem_rate_all_shops");
    g.bench_function("counters", |b| {
        b.iter(|| black_box(engine.problem_rates(black_box(as_of))))
    });
    g.bench_function("walk_classify_baseline", |b| {
        b.iter(|| black_box(engine.problem_rates_by_walking(black_box(as_of))))
    });
    g.finish();

    // the ratio, measured in the same run
    let time = |f: &dyn Fn()| {
        let reps = 20;
        let t = Instant::now();
        for _ in 0..reps {
            f();
        }
        t.elapsed() / reps
    };
    let fast_t = time(&|| {
        black_box(engine.problem_rates(as_of));
    });
    let slow_t = time(&|| {
        black_box(engine.problem_rates_by_walking(as_of));
    });
    eprintln!(
        "problem_rate: counters {fast_t:.2?} vs walking every order {slow_t:.2?}: {:.1}x faster",
        slow_t.as_secs_f64() / fast_t.as_secs_f64()
    );
    c.final_summary();
}
