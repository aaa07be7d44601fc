//! Ingest throughput: typed events in memory, and JSON Lines (with one and
//! two parsing threads) against the cost of parsing the same lines with
//! serde_json alone on one thread (the baseline).
//!
//! Run: `cargo bench -p truexp --bench ingest` (size: `TRUEXP_BENCH_ORDERS`, default 50 000).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use truexp::event::*;
use truexp::seeded::SeededRng;
use truexp::Engine;

fn events(orders: usize) -> Vec<Event> {
    let mut r = SeededRng::new(7);
    let shops = (orders / 100).max(1) as u64;
    let start = Timestamp::constant(1_788_192_000).minus_days(60);
    let mut out = Vec::with_capacity(orders * 4);
    for i in 0..orders {
        let shop = format!("s{}", r.below(shops));
        let oid = format!("o{i}");
        let paid = start.plus_secs(r.below(60 * 86_400) as i64);
        let buyer = format!("b{}", r.below(orders as u64 / 3 + 1));
        out.push(Event::OrderPaid(OrderPaid {
            id: format!("p{i}"),
            order_id: oid.clone(),
            shop_id: shop.clone(),
            buyer_id: buyer.clone(),
            category: "apparel".into(),
            lines: vec![OrderLine {
                sku: format!("{shop}-k{}", r.below(20)),
                quantity: 1 + r.below(3) as i64,
                unit_price: Money::new(1000 + r.below(50_000) as i64).expect("in range"),
                line_discount: Money::ZERO,
            }],
            discounts: vec![],
            ordered_at: None,
            paid_at: paid,
            ship_by: paid.plus_days(2),
            deliver_by: None,
            risk: RiskFlags {
                fake: r.below(50) == 0,
            },
            tags: vec![],
            region: None,
        }));
        let pickup = paid.plus_hours(1 + r.below(60) as i64);
        out.push(Event::Shipped(Shipped {
            id: format!("s{i}"),
            order_id: oid.clone(),
            at: pickup,
            pickup_at: Some(pickup),
            tracking_valid: true,
        }));
        out.push(Event::Delivered(Delivered {
            id: format!("d{i}"),
            order_id: oid.clone(),
            at: pickup.plus_hours(10 + r.below(100) as i64),
        }));
        if r.below(10) < 4 {
            out.push(Event::Review(Review {
                id: format!("r{i}"),
                order_id: oid,
                reviewer: buyer,
                at: pickup.plus_secs(400_000),
                product_stars: 1 + r.below(5) as i64,
                logistics_stars: Some(5),
                service_stars: Some(5),
                suspicious: r.below(33) == 0,
            }));
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let orders: usize = std::env::var("TRUEXP_BENCH_ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000);
    let evs = events(orders);
    let jsonl: String = evs
        .iter()
        .map(|e| serde_json::to_string(e).unwrap() + "\n")
        .collect();
    let mut g = c.benchmark_group("ingest");
    g.throughput(Throughput::Elements(evs.len() as u64));
    g.sample_size(10);
    g.bench_function("typed_in_memory", |b| {
        b.iter_batched(
            || evs.clone(),
            |evs| {
                let mut e = Engine::default();
                for ev in evs {
                    e.ingest(ev).unwrap();
                }
                e
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("serde_json_parse_only_baseline", |b| {
        b.iter(|| {
            for l in jsonl.lines() {
                std::hint::black_box(serde_json::from_str::<Event>(l).unwrap());
            }
        })
    });
    // the same stream on 1 thread, and on 2 (one parses while the caller applies in line order)
    for threads in [1, 2] {
        g.bench_function(format!("jsonl_into_engine_{threads}_thread"), |b| {
            b.iter(|| {
                let mut e = Engine::default();
                let r = e.ingest_jsonl_threads(jsonl.as_bytes(), threads, |_| {});
                assert!(r.rejected.is_empty());
                e
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
