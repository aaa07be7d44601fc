//! The generator's contract: same seed, same bytes; every line a valid event;
//! proportions near what the generator promises.

// Compiled straight from the source so the test does not depend on how the
// binary dispatches subcommands.
#[path = "../src/generate.rs"]
mod generate;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use truexp::{Event, Timestamp};

fn generate_to(name: &str, args: &[&str]) -> Vec<u8> {
    let path: PathBuf = std::env::temp_dir().join(format!(
        "truexp-gen-test-{}-{name}.jsonl",
        std::process::id()
    ));
    let mut argv: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    argv.push("--out".into());
    argv.push(path.to_string_lossy().into_owned());
    assert_eq!(generate::run(&argv), Ok(0));
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    bytes
}

const ARGS: [&str; 8] = [
    "--shops", "40", "--orders", "20000", "--days", "60", "--seed", "7",
];

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let a = generate_to("a", &ARGS);
    let b = generate_to("b", &ARGS);
    assert!(!a.is_empty());
    assert!(a == b, "same seed must give identical bytes");
    let mut other = ARGS;
    other[7] = "8";
    let c = generate_to("c", &other);
    assert!(a != c, "another seed should give another stream");
}

#[test]
fn bad_arguments_are_errors() {
    assert!(generate::run(&["--shops".into()]).is_err());
    assert!(generate::run(&["--shops".into(), "x".into()]).is_err());
    assert!(generate::run(&["--bogus".into()]).is_err());
    assert!(generate::run(&["--shops".into(), "0".into()]).is_err());
}

#[test]
fn every_line_parses_ids_unique_and_proportions_hold() {
    let bytes = generate_to("parse", &ARGS);
    let text = std::str::from_utf8(&bytes).unwrap();
    let start = Timestamp::constant(1_785_542_400);
    let end = start.plus_days(60);
    let mut ids = HashSet::new();
    let mut order_ids = HashSet::new();
    let mut kinds: HashMap<&'static str, usize> = HashMap::new();
    let mut fake = 0usize;
    let mut late_pickups = 0usize;
    let mut categories = HashSet::new();
    let mut tags = HashSet::new();
    let mut certs = HashSet::new();
    let mut paid_total: HashMap<String, truexp::Money> = HashMap::new();
    let mut refund_amounts: Vec<(String, truexp::Money)> = Vec::new();
    let mut paid_at: HashMap<String, Timestamp> = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let event =
            truexp::parse_event(line).unwrap_or_else(|e| panic!("line {}: {e:?}\n{line}", n + 1));
        assert!(
            ids.insert(event.id().to_owned()),
            "duplicate id {}",
            event.id()
        );
        *kinds.entry(event.kind_name()).or_default() += 1;
        match &event {
            Event::OrderPaid(o) => {
                assert!(order_ids.insert(o.order_id.clone()), "duplicate order id");
                assert!(o.paid_at >= start && o.paid_at < end);
                fake += o.risk.fake as usize;
                tags.extend(o.tags.iter().cloned());
                paid_total.insert(o.order_id.clone(), o.amount().expect("validated"));
                paid_at.insert(o.order_id.clone(), o.paid_at);
            }
            Event::Shipped(s) => {
                let paid = paid_at[&s.order_id];
                let on_time = matches!(s.pickup_at, Some(p) if p <= paid.plus_hours(48));
                late_pickups += !on_time as usize;
                assert!(s.at <= end);
            }
            Event::RefundRequested(r) => refund_amounts.push((r.order_id.clone(), r.amount)),
            Event::ShopProfile(p) => {
                categories.insert(p.category.clone());
                certs.extend(p.certifications.iter().cloned());
            }
            Event::Chat(c) => {
                if let Some(cert) = &c.agent_certification {
                    certs.insert(cert.clone());
                }
            }
            _ => {}
        }
    }
    let kind_names = [
        "order_paid",
        "risk_verdict",
        "shipped",
        "delivered",
        "tracking_anomaly",
        "review",
        "refund_requested",
        "refund_completed",
        "platform_intervention",
        "dispute_ruled",
        "complaint",
        "chargeback",
        "atoz_claim",
        "seller_cancelled",
        "chat",
        "shop_profile",
        "price_change",
    ];
    for k in kind_names {
        assert!(kinds.get(k).copied().unwrap_or(0) > 0, "no {k} events");
    }
    assert_eq!(categories.len(), 8, "{categories:?}");
    for t in [
        "dual_size",
        "cold_chain",
        "custom_made",
        "appraisal_certificate",
    ] {
        assert!(tags.contains(t), "no order tagged {t}");
    }
    for c in ["maternity_advisor", "pet_doctor", "jewelry_appraiser"] {
        assert!(certs.contains(c), "no {c}");
    }
    for (order, amount) in &refund_amounts {
        assert!(*amount <= paid_total[order], "refund above paid on {order}");
    }
    let orders = kinds["order_paid"] as f64;
    let share = |k: &str| kinds[k] as f64 / orders;
    assert_eq!(kinds["order_paid"], 20_000);
    assert!(
        (0.30..0.50).contains(&share("review")),
        "{}",
        share("review")
    );
    assert!(
        (0.05..0.12).contains(&share("refund_requested")),
        "{}",
        share("refund_requested")
    );
    assert!(
        (0.003..0.03).contains(&share("dispute_ruled")),
        "{}",
        share("dispute_ruled")
    );
    assert!((0.03..0.10).contains(&share("price_change")));
    assert!(fake > 0);
    let late = late_pickups as f64 / kinds["shipped"] as f64;
    assert!((0.02..0.12).contains(&late), "late pickups {late}");
}

/// Issue 15: `--start` at the extremes of i64 and `--shops 100000000`
/// (15 GB and growing) were accepted; now the bounds are refused with the
/// range, and data generated at either edge of `--start` is all valid.
#[test]
fn bounds_are_refused_and_their_edges_give_valid_events() {
    for bad in [
        vec!["--shops", "100000000"],
        vec!["--shops", "-5"],
        vec!["--orders", "-1"],
        vec!["--start", "-9223372036854775808"],
        vec!["--start", "9223372036854775807"],
        vec!["--start", "0"],
    ] {
        let argv: Vec<String> = bad.iter().map(|s| s.to_string()).collect();
        let err = generate::run(&argv).unwrap_err();
        assert!(
            err.contains(bad[0]) && err.contains("must be"),
            "{bad:?}: {err}"
        );
    }
    let earliest = truexp::event::MIN_TIME.plus_days(400).to_string();
    let latest = truexp::event::MAX_TIME.minus_days(30 + 366).to_string();
    for start in [earliest, latest] {
        let bytes = generate_to(
            &format!("edge{start}"),
            &[
                "--shops", "5", "--orders", "300", "--days", "30", "--start", &start,
            ],
        );
        let mut engine = truexp::Engine::default();
        let report = engine.ingest_jsonl(&bytes[..]);
        assert!(
            report.rejected.is_empty(),
            "{start}: {:?}",
            report.rejected.first()
        );
        assert!(report.accepted > 300);
    }
}

/// Generated chats name a few agents per shop (one in ten none), and the
/// agent ids change no score: the same stream without them scores the same.
#[test]
fn chats_name_a_few_agents_per_shop_and_change_no_score() {
    let bytes = generate_to("agents", &ARGS);
    let text = String::from_utf8(bytes).unwrap();
    let (mut chats, mut named) = (0u64, 0u64);
    let mut per_shop: HashMap<String, HashSet<String>> = HashMap::new();
    for line in text.lines() {
        if let Event::Chat(c) = truexp::parse_event(line).unwrap() {
            chats += 1;
            if let Some(a) = c.agent_id {
                named += 1;
                assert!(a.starts_with(&format!("{}-a", c.shop_id)), "{a}");
                per_shop.entry(c.shop_id).or_default().insert(a);
            }
        }
    }
    assert!(chats > 1000);
    let share = named as f64 / chats as f64;
    assert!((0.85..0.95).contains(&share), "{share}");
    assert!(per_shop.values().all(|a| a.len() <= 5));
    assert!(per_shop.values().any(|a| a.len() >= 2));

    let stripped: String = text
        .lines()
        .map(|l| match l.find(",\"agent_id\":\"") {
            Some(i) => {
                let end = l[i + 13..].find('"').unwrap() + i + 14;
                format!("{}{}\n", &l[..i], &l[end..])
            }
            None => format!("{l}\n"),
        })
        .collect();
    assert!(!stripped.contains("agent_id"));
    let score = |data: &str| {
        let mut e = truexp::Engine::default();
        e.ingest_jsonl(data.as_bytes());
        let t = e.latest_event_time().unwrap();
        serde_json::to_string(&e.scoreboard(t)).unwrap()
    };
    assert_eq!(score(&text), score(&stripped));
}

/// The comparison `truexp impact` makes, over one generated stream.
fn growth_ratios(args: &[&str]) -> (f64, f64) {
    let bytes = generate_to(&format!("growth-{}", args.len()), args);
    let mut engine = truexp::Engine::default();
    let report = engine.ingest_jsonl(&bytes[..]);
    assert!(report.rejected.is_empty(), "{:?}", report.rejected.first());
    let as_of = engine.latest_event_time().unwrap();
    let impact = engine
        .impact(as_of, &truexp::impact::ImpactOptions::default())
        .unwrap();
    let all = impact
        .comparisons
        .iter()
        .find(|c| c.category == "*")
        .expect("the all-categories comparison");
    (all.repurchase_ratio.unwrap(), all.net_gmv_ratio.unwrap())
}

#[test]
fn service_growth_makes_the_low_problem_shops_grow() {
    let base = [
        "--shops", "200", "--orders", "20000", "--days", "60", "--seed", "42",
    ];
    let (repurchase, net_gmv) = growth_ratios(&base);
    assert!(
        repurchase < 1.5,
        "without the flag repurchase is not tied to service: {repurchase}"
    );
    let mut with = base.to_vec();
    with.push("--service-growth");
    let (repurchase_g, net_gmv_g) = growth_ratios(&with);
    // the platform reports about 2× for both; the generator reaches it for
    // repurchase and half-way for net GMV (docs: examples/data/README.md)
    assert!(repurchase_g >= 1.8, "repurchase ratio {repurchase_g}");
    assert!(
        net_gmv_g >= 1.3 && net_gmv_g > net_gmv,
        "net GMV ratio {net_gmv_g} (without: {net_gmv})"
    );
}
