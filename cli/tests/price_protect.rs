//! `truexp price-protect` as a user runs it: one claim file, and automatic
//! mode over the demo data's price drops, both checked against the Rust API.

mod common;

use std::path::PathBuf;

use common::{root, truexp};

#[test]
fn a_claim_file_gives_the_api_answer() {
    let file = root().join("examples/claims/jd_window.json");
    let out = truexp(&["price-protect", "--claim", file.to_str().unwrap(), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let claim: truexp::price_protection::Claim =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let api = truexp::price_protection::assess_claim(&claim).unwrap();
    assert_eq!(cli, serde_json::to_value(&api).unwrap());
    // the TV line: 2 units paid 5613.33 after its share of 400.00 of discounts
    // (2806.665 each), public price 2799.00 (the payment-channel 2599.00 does
    // not count): 5613.33 − 2 × 2799.00 = 15.33, no cent lost to flooring
    assert_eq!(cli["lines"][0]["payout"], 1533);
    assert_eq!(cli["lines"][0]["comparison"], 279900);

    let text = truexp(&["price-protect", "--claim", file.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("15.33"));
}

/// The claim file with the risk verdict `"fake": true`: every line refused
/// with `fake_order`, nothing paid; the text output says why.
#[test]
fn a_fake_orders_claim_file_is_refused() {
    let jd = root().join("examples/claims/jd_window.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&jd).unwrap()).unwrap();
    v["fake"] = true.into();
    let file = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("jd_window_fake.json");
    std::fs::write(&file, v.to_string()).unwrap();
    let out = truexp(&["price-protect", "--claim", file.to_str().unwrap(), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cli["total_payout"], 0);
    let lines = cli["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 3);
    for l in lines {
        assert_eq!(l["payout"], 0);
        assert_eq!(l["reason"], "fake_order");
    }
    let text = truexp(&["price-protect", "--claim", file.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("fake_order"));
}

#[test]
fn automatic_mode_over_the_demo_drops_matches_the_engine() {
    let demo = root().join("examples/data/demo.jsonl");
    let out = truexp(&["price-protect", "--auto", demo.to_str().unwrap(), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    let mut engine = truexp::Engine::default();
    engine.ingest_jsonl(std::io::BufReader::new(std::fs::File::open(&demo).unwrap()));
    let runs = engine.run_price_drops().unwrap();
    let (mut total, mut platform, mut paid) = (0i64, 0i64, 0usize);
    for p in runs.iter().flat_map(|r| &r.payouts) {
        if p.assessment.reason.is_none() {
            total += p.assessment.payout.minor_units();
            platform += p.assessment.platform_part.minor_units();
            paid += 1;
        }
    }
    assert!(paid > 100, "the demo data has real payouts");
    assert_eq!(cli["total_payout"].as_i64(), Some(total));
    assert_eq!(cli["total_platform"].as_i64(), Some(platform));
    assert_eq!(cli["payouts"].as_array().unwrap().len(), paid);
    for p in cli["payouts"].as_array().unwrap() {
        let sum = p["platform_part"].as_i64().unwrap() + p["seller_part"].as_i64().unwrap();
        assert_eq!(sum, p["payout"].as_i64().unwrap(), "the split adds up");
    }
}

#[test]
fn a_bad_claim_names_the_field() {
    let dir = std::env::temp_dir().join(format!("truexp-claim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(root().join("examples/claims/jd_window.json")).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        text.replace("\"line_discount\": 900", "\"line_discount\": 9000"),
    )
    .unwrap();
    let out = truexp(&["price-protect", "--claim", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line_discount") && err.contains("9000"),
        "{err}"
    );
}
