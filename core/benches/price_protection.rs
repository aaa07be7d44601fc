//! Price protection, automatic mode: the indexed `ProtectionBook` against a
//! straightforward baseline (hash-join by SKU, every line of the SKU
//! scanned per drop), on the same deterministic data set.
//!
//! Scale with `TRUEXP_BENCH_LINES` (default 200 000 lines; drops = lines/16,
//! SKUs = lines/64 with skewed popularity (a few SKUs hold many lines, as in
//! a real catalogue; drops follow the same skew), orders of 1–3 lines over
//! one year, 200 shops with 7/15/30/90-day windows and all three anchors).

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

use criterion::{BatchSize, Criterion};
use truexp::event::{
    default_counted_promotions, Delivered, Event, Funder, OrderDiscount, OrderLine, OrderPaid,
    PriceChange, PriceProtectionPolicy, PromotionKind, ProtectionAnchor, RiskFlags, ShopProfile,
};
use truexp::price_protection::{
    anchor_time, assess_line, line_terms, Comparison, LineAssessment, LineHistory, LineTerms,
    PromotionSet, ProtectionBook, Window,
};
use truexp::seeded::SeededRng;
use truexp::time::DAY;
use truexp::{Money, Timestamp};

/// Generated amounts are far inside the money range.
fn money(minor_units: i64) -> Money {
    Money::new(minor_units).expect("a generated amount in range")
}

/// Picks from the shared seeded generator, in the shapes this bench needs.
trait Pick {
    fn below_i64(&mut self, n: u64) -> i64;
    /// A skewed pick in `0..n`: low indices are far more likely.
    fn skewed(&mut self, n: u64) -> usize;
}

impl Pick for SeededRng {
    fn below_i64(&mut self, n: u64) -> i64 {
        self.below(n.max(1)) as i64
    }
    fn skewed(&mut self, n: u64) -> usize {
        let a = self.below_i64(n) as u64;
        self.below_i64(a + 1) as usize
    }
}

const T0: Timestamp = Timestamp::constant(1_700_000_000);
const SHOPS: usize = 200;

struct Data {
    events: Vec<Event>,
    drops: Vec<PriceChange>,
    lines: usize,
}

fn generate(lines: usize) -> Data {
    let mut rng = SeededRng::new(0x9E37_79B9_7F4A_7C15);
    let skus = (lines / 64).max(1);
    let base: Vec<i64> = (0..skus).map(|_| 1_000 + rng.below_i64(500_000)).collect();
    let mut events = Vec::with_capacity(lines / 2 + SHOPS);
    let anchors = [
        ProtectionAnchor::Order,
        ProtectionAnchor::Payment,
        ProtectionAnchor::Receipt,
    ];
    for s in 0..SHOPS {
        events.push(Event::ShopProfile(ShopProfile {
            id: format!("sp{s}"),
            shop_id: format!("shop{s}"),
            at: Timestamp::UNIX_EPOCH,
            name: None,
            category: "c".into(),
            certifications: vec![],
            services: vec![],
            price_protection: Some(PriceProtectionPolicy {
                window_days: [7, 15, 30, 90][rng.below_i64(4) as usize],
                anchor: anchors[rng.below_i64(3) as usize],
                counted_promotions: default_counted_promotions(),
                deduct_protected_units: rng.below_i64(4) == 0,
            }),
        }));
    }
    let mut made = 0;
    let mut o = 0u64;
    while made < lines {
        let n = (rng.below_i64(3) as usize + 1).min(lines - made);
        let order_lines: Vec<OrderLine> = (0..n)
            .map(|_| {
                let sku = rng.skewed(skus as u64);
                OrderLine {
                    sku: format!("sku{sku}"),
                    quantity: rng.below_i64(3) + 1,
                    unit_price: money(base[sku] + rng.below_i64(base[sku] as u64 / 20)),
                    line_discount: Money::ZERO,
                }
            })
            .collect();
        let amount: i64 = (order_lines.iter())
            .map(|l| l.unit_price.minor_units() * l.quantity)
            .sum();
        let mut discounts = vec![];
        if rng.below_i64(3) == 0 {
            discounts.push(OrderDiscount {
                amount: money(rng.below_i64(amount as u64 / 10)),
                funded_by: if rng.below_i64(2) == 0 {
                    Funder::Platform
                } else {
                    Funder::Seller
                },
                kind: PromotionKind::Public,
            });
        }
        let ordered = T0.plus_secs(rng.below_i64(365 * DAY as u64));
        let paid = ordered.plus_secs(rng.below_i64(3600));
        let order_id = format!("ord{o:010}");
        events.push(Event::OrderPaid(OrderPaid {
            id: format!("e{o}"),
            order_id: order_id.clone(),
            shop_id: format!("shop{}", rng.below_i64(SHOPS as u64)),
            buyer_id: "b".into(),
            category: "c".into(),
            lines: order_lines,
            discounts,
            ordered_at: Some(ordered),
            paid_at: paid,
            ship_by: paid.plus_days(1),
            deliver_by: None,
            risk: RiskFlags::default(),
            tags: vec![],
            region: None,
        }));
        if rng.below_i64(10) != 0 {
            events.push(Event::Delivered(Delivered {
                id: format!("d{o}"),
                order_id,
                at: paid.plus_secs(DAY + rng.below_i64(4 * DAY as u64)),
            }));
        }
        made += n;
        o += 1;
    }
    let kinds = [
        PromotionKind::Public,
        PromotionKind::Public,
        PromotionKind::None,
        PromotionKind::PlatformCampaign,
        PromotionKind::PaymentChannel,
    ];
    let drops = (0..(lines / 16).max(1))
        .map(|d| {
            let sku = rng.skewed(skus as u64);
            PriceChange {
                id: format!("pc{d}"),
                sku: format!("sku{sku}"),
                price: money(base[sku] * (70 + rng.below_i64(36)) / 100),
                promotion: kinds[rng.below_i64(kinds.len() as u64) as usize],
                at: T0.plus_secs(rng.below_i64(395 * DAY as u64)),
            }
        })
        .collect();
    Data {
        events,
        drops,
        lines,
    }
}

fn build_book(data: &Data) -> ProtectionBook {
    let mut book = ProtectionBook::new();
    for e in &data.events {
        book.apply(e).expect("generated events are valid");
    }
    book
}

/// The baseline: every line of the SKU, no window ordering.
#[derive(Clone)]
struct BaseLine {
    shop: u32,
    ordered_at: Timestamp,
    paid_at: Timestamp,
    received_at: Option<Timestamp>,
    terms: LineTerms,
    history: LineHistory,
}

#[derive(Clone)]
struct Baseline {
    by_sku: HashMap<String, Vec<BaseLine>>,
    policies: Vec<(PriceProtectionPolicy, PromotionSet)>,
}

fn build_baseline(data: &Data) -> Baseline {
    let mut shops = HashMap::new();
    let mut policies = vec![];
    let mut received = HashMap::new();
    for e in &data.events {
        if let Event::Delivered(d) = e {
            received.insert(d.order_id.clone(), d.at);
        }
    }
    let mut by_sku: HashMap<String, Vec<BaseLine>> = HashMap::new();
    for e in &data.events {
        match e {
            Event::ShopProfile(p) => {
                let pp = p.price_protection.clone().expect("generated with a policy");
                let set = PromotionSet::of(&pp.counted_promotions);
                shops.insert(p.shop_id.clone(), policies.len() as u32);
                policies.push((pp, set));
            }
            Event::OrderPaid(op) => {
                let terms = line_terms(&op.lines, &op.discounts).expect("valid");
                for (l, t) in op.lines.iter().zip(terms) {
                    by_sku.entry(l.sku.clone()).or_default().push(BaseLine {
                        shop: shops[&op.shop_id],
                        ordered_at: op.ordered_at.unwrap_or(op.paid_at),
                        paid_at: op.paid_at,
                        received_at: received.get(&op.order_id).copied(),
                        terms: t,
                        history: LineHistory::default(),
                    });
                }
            }
            _ => {}
        }
    }
    Baseline { by_sku, policies }
}

/// The baseline batch: drops in (time, id) order; for each, look the SKU up
/// and scan every line of it. Hands each in-window line result to `f`.
fn run_baseline(
    b: &mut Baseline,
    drops: &[PriceChange],
    mut f: impl FnMut(usize, &LineAssessment),
) {
    let mut order: Vec<usize> = (0..drops.len()).collect();
    order.sort_by(|&x, &y| (drops[x].at, &drops[x].id).cmp(&(drops[y].at, &drops[y].id)));
    for i in order {
        let d = &drops[i];
        if let Some(lines) = b.by_sku.get_mut(&d.sku) {
            for l in lines.iter_mut() {
                let (p, counted) = &b.policies[l.shop as usize];
                let Some(start) = anchor_time(p.anchor, l.ordered_at, l.paid_at, l.received_at)
                else {
                    continue;
                };
                let Ok(w) = Window::new(start, p.window_days) else {
                    continue;
                };
                if !w.contains(d.at) {
                    continue;
                }
                let cmp = Comparison::lowest([(d.price, d.promotion)], *counted);
                let deduct = p.deduct_protected_units;
                let Ok(a) = assess_line(&l.terms, &l.history, Some(w), deduct, cmp, d.at) else {
                    continue;
                };
                let _ = l.history.record_payout(&a, deduct);
                f(i, &a);
            }
        }
    }
}

fn main() {
    let lines: usize = std::env::var("TRUEXP_BENCH_LINES")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(200_000);
    let t = Instant::now();
    let data = generate(lines);
    let mut book = build_book(&data);
    for d in &data.drops {
        book.apply(&Event::PriceChange(d.clone()))
            .expect("generated drops are valid");
    }
    let t_sort = Instant::now();
    book.prepare_index();
    let sort_secs = t_sort.elapsed().as_secs_f64();
    let base = build_baseline(&data);
    let drops = data.drops.len();
    let heap = book.approx_heap_bytes();
    eprintln!(
        "book heap ≈ {:.0} MB ({:.0} B per line, all included)",
        heap as f64 / 1e6,
        heap as f64 / data.lines as f64
    );
    eprintln!(
        "price_protection bench: {} lines, {} orders, {} drops (setup {:.1}s, index sort {:.3}s, scanned {} B/line)",
        data.lines,
        book.order_count(),
        drops,
        t.elapsed().as_secs_f64(),
        sort_secs,
        ProtectionBook::SCANNED_BYTES_PER_LINE
    );

    // One timed pass of each, for the ratio; and a check that both agree.
    let mut b1 = book.clone();
    let (mut sum_a, mut results) = (0i64, 0usize);
    let t = Instant::now();
    b1.run_all_drops_with(|_, p| {
        sum_a += p.assessment.payout.minor_units();
        results += 1;
    })
    .expect("valid drops");
    let indexed = t.elapsed();
    let mut b2 = base.clone();
    let (mut sum_b, mut results_b) = (0i64, 0usize);
    let t = Instant::now();
    run_baseline(&mut b2, &data.drops, |_, a| {
        sum_b += a.payout.minor_units();
        results_b += 1;
    });
    let baseline = t.elapsed();
    assert_eq!(
        (sum_a, results),
        (sum_b, results_b),
        "indexed and baseline disagree"
    );
    let mut b3 = book.clone();
    let t = Instant::now();
    let runs = b3.run_all_drops().expect("valid drops");
    let collected = t.elapsed();
    assert_eq!(runs.iter().map(|r| r.payouts.len()).sum::<usize>(), results);
    drop(runs);
    eprintln!(
        "single pass: indexed {:.3}s ({:.0} ns/drop, {:.1} M lines held/s), baseline {:.3}s ({:.0} ns/drop); ratio {:.1}x",
        indexed.as_secs_f64(),
        indexed.as_nanos() as f64 / drops as f64,
        data.lines as f64 / indexed.as_secs_f64() / 1e6,
        baseline.as_secs_f64(),
        baseline.as_nanos() as f64 / drops as f64,
        baseline.as_secs_f64() / indexed.as_secs_f64(),
    );
    eprintln!(
        "  {results} in-window line results, total payout {sum_a}; collecting Vec<DropRun> instead: {:.3}s",
        collected.as_secs_f64()
    );

    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3))
        .configure_from_args();
    let mut g = c.benchmark_group("price_protection");
    g.throughput(criterion::Throughput::Elements(drops as u64));
    g.bench_function("indexed_book_all_drops", |bch| {
        bch.iter_batched_ref(
            || book.clone(),
            |b| {
                let mut sum = 0i64;
                b.run_all_drops_with(|_, p| sum += p.assessment.payout.minor_units())
                    .expect("valid drops");
                black_box(sum)
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("baseline_scan_sku_all_drops", |bch| {
        bch.iter_batched_ref(
            || base.clone(),
            |b| {
                let mut sum = 0i64;
                run_baseline(b, &data.drops, |_, a| sum += a.payout.minor_units());
                black_box(sum)
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
    c.final_summary();
}
