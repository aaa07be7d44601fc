//! `truexp agents` on `examples/data/agents.jsonl` (hand-counted in
//! core/tests/agents.rs), run as the built binary.

mod common;

use common::run;
use serde_json::Value;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/agents.jsonl");

#[test]
fn agents_json_matches_the_hand_count() {
    let (code, stdout, stderr) = run(&["agents", DATA, "s1", "--as-of", "1790200000", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["shop_id"], "s1");
    let rows: Vec<(Value, u64, u64, u64, u64)> = v["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["key"].clone(),
                r["sessions"].as_u64().unwrap(),
                r["answered_within_3min"].as_u64().unwrap(),
                r["rated"].as_u64().unwrap(),
                r["satisfied"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (Value::from("amy"), 3, 2, 1, 1),
            (Value::from("bob"), 2, 1, 2, 1),
            (Value::Null, 1, 1, 1, 1),
        ]
    );
    assert_eq!(v["total"]["sessions"], 6);
    assert_eq!(v["certifications"][0]["key"], "maternity_advisor");
}

#[test]
fn agents_table_names_the_unknown_agent_and_the_total() {
    let (code, stdout, stderr) = run(&["agents", DATA, "s1", "--as-of", "1790200000"]);
    assert_eq!(code, 0, "{stderr}");
    for want in [
        "amy",
        "bob",
        "(unknown)",
        "total",
        "maternity_advisor",
        "(none)",
        "66.7%",
    ] {
        assert!(stdout.contains(want), "{want} in {stdout}");
    }
}

#[test]
fn agents_of_an_unknown_shop_fails() {
    let (code, _, stderr) = run(&["agents", DATA, "nope"]);
    assert_ne!(code, 0);
    assert!(stderr.contains("nope"), "{stderr}");
    let (code, _, _) = run(&["agents", DATA]);
    assert_eq!(code, 2);
}
