//! Cost of one bonus call through a loaded plugin table, against the same Rust rule
//! called in-process through the `BonusRule` trait.
//!
//! Why both: the goal is that the ABI adds little (≤ 50 ns per call); comparing the
//! `pet` plugin loaded from its `.so` with `Native(Pet)` (same conversion, same
//! answer checks, no shared library) isolates the ABI's share and prints it as a ratio.
//!
//! Run: `cargo bench -p truexp-plugin-host --bench bonus_call`

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{black_box, Criterion};
use std::time::{Duration, Instant};
use truexp::bonus::{AgentChats, BonusInput, BonusRule, IndicatorSample, TagCount};
use truexp_plugin::{abi, CInput, Native, REASON_CAP};
use truexp_plugin_host::load_dir_plugins;

fn shop() -> BonusInput {
    let agent = |cert: &str, sessions, within, secs| AgentChats {
        certification: cert.into(),
        sessions,
        answered_within_3min: within,
        total_response_secs: secs,
        satisfied: sessions / 2,
        rated: sessions,
    };
    let tag = |t: &str, n| TagCount {
        tag: t.into(),
        orders: n,
        delivered: n,
        delivered_on_time: n,
        refund_only: 0,
        problem_orders: 0,
    };
    BonusInput {
        shop_id: "shop-000123".into(),
        category: "pet".into(),
        certifications: vec!["brand_authorised".into()],
        services: vec!["fast_refund".into(), "free_return".into()],
        price_protection_days: Some(30),
        platform_price_protection_days: 15,
        valid_orders: 1_200,
        chat_sessions: 400,
        indicators: [
            "pickup_48h_rate",
            "chat_response_3min_rate",
            "good_review_rate",
        ]
        .iter()
        .map(|n| IndicatorSample {
            name: (*n).into(),
            value: 0.93,
            sample: 400,
            assessed: true,
        })
        .collect(),
        tags: vec![
            tag("cold_chain", 3),
            tag("high_value", 8),
            tag("custom_made", 1),
        ],
        agent_chats: vec![
            agent("", 250, 200, 250 * 90),
            agent("pet_doctor", 150, 140, 150 * 45),
        ],
    }
}

fn per_call(mut f: impl FnMut(), iters: u32) -> Duration {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iters {
                f();
            }
            start.elapsed() / iters
        })
        .min()
        .unwrap()
}

fn main() {
    let dir = common::temp_dir("bench");
    common::copy_rust_into(&dir, &["truexp_plugin_pet"]);
    let loaded = load_dir_plugins(&dir).expect("load pet").remove(0);
    // The floor: a C plugin that answers a constant (tests/broken/broken.c, unbroken).
    let trivial_dir = common::temp_dir("bench-trivial");
    common::broken_into(&trivial_dir, "libtrivial.so", &[]);
    let trivial = load_dir_plugins(&trivial_dir)
        .expect("load trivial")
        .remove(0);
    let native = Native(truexp_plugin_pet::Pet);
    let input = shop();
    assert_eq!(loaded.bonus(&input), native.bonus(&input));
    assert!(native.bonus(&input).unwrap().points > 0);

    let c_input = CInput::new(&input);
    let raw = c_input.abi();
    let mut buf = [0u8; REASON_CAP];
    let call_native = |raw: &abi::BonusInput, buf: &mut [u8; REASON_CAP]| {
        let mut out = abi::BonusOutput {
            points: 0,
            flags: 0,
            reserved: 0,
            reason: buf.as_mut_ptr().cast(),
            reason_cap: REASON_CAP,
            reason_len: 0,
        };
        buf.fill(0);
        // SAFETY: `raw` borrows `c_input`/`input`, alive for the call; `out.reason` is `buf`.
        let status =
            unsafe { truexp_plugin::__private::call(&truexp_plugin_pet::Pet, raw, &mut out) };
        truexp_plugin::decode(status, &out, &buf[..])
    };

    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    {
        let mut g = c.benchmark_group("bonus_call");
        g.bench_function("native_trait", |b| {
            b.iter(|| native.bonus(black_box(&input)))
        });
        g.bench_function("loaded_table", |b| {
            b.iter(|| loaded.bonus(black_box(&input)))
        });
        g.bench_function("raw_native", |b| {
            b.iter(|| call_native(black_box(&raw), &mut buf))
        });
        g.bench_function("raw_table", |b| {
            b.iter(|| loaded.call_raw(black_box(&raw), &mut buf))
        });
        g.bench_function("raw_table_trivial_c", |b| {
            b.iter(|| trivial.call_raw(black_box(&raw), &mut buf))
        });
        g.finish();
    }
    c.final_summary();

    // The ratio, measured side by side in this run (best of 5 × 200k calls).
    let n = 200_000;
    let t_native = per_call(|| drop(black_box(native.bonus(black_box(&input)))), n);
    let t_loaded = per_call(|| drop(black_box(loaded.bonus(black_box(&input)))), n);
    let t_raw_native = per_call(
        || drop(black_box(call_native(black_box(&raw), &mut buf))),
        n,
    );
    let t_raw_table = per_call(
        || drop(black_box(loaded.call_raw(black_box(&raw), &mut buf))),
        n,
    );
    let t_trivial = per_call(
        || drop(black_box(trivial.call_raw(black_box(&raw), &mut buf))),
        n,
    );
    println!("floor: one raw call through a table to a constant C rule: {t_trivial:?}");
    println!(
        "ratio (BonusRule::bonus incl. input conversion): loaded table {t_loaded:?} / native trait {t_native:?} = {:.2}",
        t_loaded.as_secs_f64() / t_native.as_secs_f64()
    );
    println!(
        "ratio (raw call, prepared C input): table {t_raw_table:?} / in-process {t_raw_native:?} = {:.2}; ABI overhead {:?} per call",
        t_raw_table.as_secs_f64() / t_raw_native.as_secs_f64(),
        t_raw_table.saturating_sub(t_raw_native)
    );
}
