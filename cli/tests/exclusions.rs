//! `truexp explain EVENTS SHOP --config FILE` with an exclusion window
//! shows what the window excused and why (the conformance case's events).

mod common;

use common::{json, root, truexp};

/// A configuration file: the default with the fujian typhoon window.
fn config_file() -> std::path::PathBuf {
    let mut cfg = serde_json::to_value(truexp::Config::default()).unwrap();
    cfg["exclusions"] = serde_json::json!([{
        "name": "typhoon-2026-09",
        "region": "fujian",
        "from": 1_790_128_800,
        "to": 1_790_301_600,
        "reason": "typhoon: carriers suspended"
    }]);
    let path =
        std::env::temp_dir().join(format!("truexp-cli-exclusions-{}.json", std::process::id()));
    std::fs::write(&path, cfg.to_string()).unwrap();
    path
}

#[test]
fn explain_shows_the_exclusions() {
    let events = root().join("tests/cases/exclusion_windows.jsonl");
    let events = events.to_str().unwrap();
    let cfg = config_file();
    let cfg = cfg.to_str().unwrap();
    let as_of = "--as-of=1790906400";
    let v = json(&["explain", events, "s1", "--config", cfg, as_of, "--json"]);
    let got: Vec<(&str, &str, &str, &str, &str)> = (v["exclusions"].as_array().unwrap().iter())
        .map(|x| {
            (
                x["order_id"].as_str().unwrap(),
                x["label"].as_str().unwrap(),
                x["window"].as_str().unwrap(),
                x["reason"].as_str().unwrap(),
                x["region"].as_str().unwrap(),
            )
        })
        .collect();
    let why = "typhoon: carriers suspended";
    let w = "typhoon-2026-09";
    assert_eq!(
        got,
        [
            ("o1", "late_shipment", w, why, "fujian"),
            ("o1", "no_pickup_in_time", w, why, "fujian"),
            ("o5", "late_shipment", w, why, "fujian"),
            ("o5", "no_pickup_in_time", w, why, "fujian"),
        ]
    );
    assert_eq!(v["score"]["problem_rate"]["problem_orders"], 2);

    let out = truexp(&["explain", events, "s1", "--config", cfg, as_of]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("excluded by exclusion windows"), "{text}");
    assert!(
        text.contains("o1         no_pickup_in_time  window typhoon-2026-09 (region fujian): typhoon: carriers suspended"),
        "{text}"
    );

    // without the window: nothing excluded, four problem orders
    let v = json(&["explain", events, "s1", as_of, "--json"]);
    assert!(v.get("exclusions").is_none());
    assert_eq!(v["score"]["problem_rate"]["problem_orders"], 4);
    let _ = std::fs::remove_file(cfg);
}
