//! The conformance cases of `tests/cases/`: what a case file says, and the
//! numbers each face (Rust API, C ABI, CLI) must produce for it.
//!
//! Why a crate of its own at the repository root: the rules are the
//! product, and each face could drift from them on its own. A case is a
//! small JSON Lines event file plus an `.expect.json` holding the expected
//! numbers and the hand working from the rule (`why`); `conformance.rs`
//! runs every case through all three faces and compares every number. The
//! rules and their sources are in `docs/rules.md`.
//!
//! `NAME.expect.json`:
//! ```json
//! { "why": "the rule and the working by hand",
//!   "events": "NAME.jsonl",
//!   "config_patch": { "/json/pointer/into/the/default/config": value },
//!   (a top-level key absent from the default's JSON, such as `/exclusions`, is added)
//!   "checks": [ { "shop": "s1", "as_of": 1790870400,
//!                 "indicators": { "pickup_48h_rate": { "numerator": 2, "sample": 3 } },
//!                 "problem_rate": { "problem_orders": 1, "logistics": 1 },
//!                 "agents": { "amy": { "sessions": 3 }, "(unknown)": { "rated": 1 } },
//!                 "certifications": { "pet_doctor": { "satisfied": 1 } } } ],
//!   "payouts": { "order_id#line": total_minor_units },
//!   "deductions": { "order_id#line": total_minor_units },
//!   "claims": [ { "claim": "NAME.o1.claim.json",
//!                 "lines": [ { "payout": 0, "reason": "fake_order" } ] } ] }
//! ```
//! Only the numbers a case names are compared (for `agents` and
//! `certifications`, the per-agent report of `truexp agents`, also the
//! number of rows; `(unknown)` / `(none)` name the row of sessions without
//! an agent / certification); `payouts` is the total paid
//! per order line over every price drop in automatic mode (lines paid
//! nothing are left out); `deductions` the total protection that later
//! refunds and returns of each line take back (lines with none left out). `claims` are single claims (the JSON claim file
//! of `truexp price-protect --claim`), each line's payout and zero-payout
//! reason (`null` when paid) in line order; they are checked through the
//! Rust API and the CLI (the C ABI takes a claim as a struct, not JSON: its
//! claims are checked against the Rust API by `ffi/tests/c_clients.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// One case file, read.
#[derive(Clone, Debug)]
pub struct Case {
    /// File stem.
    pub name: String,
    /// The event file.
    pub events: PathBuf,
    /// The configuration as JSON (the default with `config_patch` applied).
    pub config: String,
    /// Score checks: shop, moment, expected numbers.
    pub checks: Vec<Check>,
    /// Expected automatic-mode payouts per `order#line`, when the case names them.
    pub payouts: Option<BTreeMap<String, i64>>,
    /// Expected protection deducted from later refunds per `order#line`,
    /// when the case names them.
    pub deductions: Option<BTreeMap<String, i64>>,
    /// Single claims and their expected answers.
    pub claims: Vec<ClaimCheck>,
}

/// One single claim of a case.
#[derive(Clone, Debug)]
pub struct ClaimCheck {
    /// The claim file (JSON).
    pub file: PathBuf,
    /// Per line, in line order: the payout and the zero-payout reason.
    pub lines: Vec<(i64, Option<String>)>,
}

/// One score check of a case.
#[derive(Clone, Debug)]
pub struct Check {
    /// The shop scored.
    pub shop: String,
    /// The moment, UTC seconds.
    pub as_of: truexp::Timestamp,
    /// The expected numbers (`indicators`, `problem_rate`), as in the file.
    pub expect: Value,
}

/// The directory of the case files.
pub fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("cases")
}

/// Every case, sorted by name. Panics with the file name on a malformed case.
pub fn load_cases() -> Vec<Case> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("tests/cases")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".expect.json"))
        .collect();
    names.sort();
    names.iter().map(|p| load_case(p)).collect()
}

fn load_case(path: &Path) -> Case {
    let name = path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .trim_end_matches(".expect.json")
        .to_owned();
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        v["why"].as_str().is_some_and(|w| !w.is_empty()),
        "{name}: every case says why"
    );
    let events = cases_dir().join(
        v["events"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: events")),
    );
    let mut config = serde_json::to_value(truexp::Config::default()).unwrap();
    if let Some(patch) = v["config_patch"].as_object() {
        for (pointer, value) in patch {
            // a top-level key the default leaves out of its JSON (an empty
            // `exclusions`) is added
            let top = pointer.strip_prefix('/').filter(|k| !k.contains('/'));
            match (config.pointer_mut(pointer), top) {
                (Some(slot), _) => *slot = value.clone(),
                (None, Some(key)) => {
                    config[key] = value.clone();
                }
                (None, None) => panic!("{name}: no config key {pointer}"),
            }
        }
    }
    let checks = v["checks"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| Check {
                    shop: c["shop"].as_str().expect("check.shop").to_owned(),
                    as_of: (c["as_of"].as_i64().map(truexp::Timestamp::new))
                        .expect("check.as_of")
                        .expect("check.as_of in range"),
                    expect: c.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let per_line = |key: &str| {
        v[key].as_object().map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_i64().expect("minor units per order#line")))
                .collect()
        })
    };
    let (payouts, deductions) = (per_line("payouts"), per_line("deductions"));
    let claims = v["claims"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| ClaimCheck {
                    file: cases_dir().join(c["claim"].as_str().expect("claims[].claim")),
                    lines: c["lines"]
                        .as_array()
                        .expect("claims[].lines")
                        .iter()
                        .map(|l| {
                            (
                                l["payout"].as_i64().expect("claims[].lines[].payout"),
                                l["reason"].as_str().map(str::to_owned),
                            )
                        })
                        .collect(),
                })
                .collect()
        })
        .unwrap_or_default();
    Case {
        name,
        events,
        config: config.to_string(),
        checks,
        payouts,
        deductions,
        claims,
    }
}

/// Compares a face's score (the `ShopScore` JSON every face prints) with a
/// check; returns one message per number that differs.
pub fn compare_score(face: &str, case: &str, check: &Check, score: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let at = format!("{case} [{face}] {}@{}", check.shop, check.as_of);
    if let Some(inds) = check.expect["indicators"].as_object() {
        for (name, want) in inds {
            let got = score["indicators"]
                .as_array()
                .and_then(|a| a.iter().find(|i| i["name"] == name.as_str()));
            let Some(got) = got else {
                out.push(format!("{at}: no indicator {name}"));
                continue;
            };
            for (k, w) in want.as_object().expect("indicator expectations") {
                if &got[k] != w {
                    out.push(format!("{at}: {name}.{k} = {}, expected {w}", got[k]));
                }
            }
        }
    }
    if let Some(rate) = check.expect["problem_rate"].as_object() {
        for (k, w) in rate {
            let got = &score["problem_rate"][k];
            if got != w {
                out.push(format!("{at}: problem_rate.{k} = {got}, expected {w}"));
            }
        }
    }
    out
}

/// Compares a face's per-agent report (the `AgentReport` JSON every face
/// prints) with a check's `agents` and `certifications`: per row key
/// (`(unknown)` / `(none)` for the row of sessions naming none), the
/// expected fields. Returns one message per number that differs.
pub fn compare_agents(face: &str, case: &str, check: &Check, report: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let at = format!("{case} [{face}] {}@{}", check.shop, check.as_of);
    for (list, none) in [("agents", "(unknown)"), ("certifications", "(none)")] {
        let Some(want) = check.expect[list].as_object() else {
            continue;
        };
        let rows = report[list].as_array().cloned().unwrap_or_default();
        if rows.len() != want.len() {
            out.push(format!(
                "{at}: {} {list} rows, expected {}",
                rows.len(),
                want.len()
            ));
        }
        for (key, fields) in want {
            let k = if key == none {
                Value::Null
            } else {
                Value::from(key.as_str())
            };
            let Some(got) = rows.iter().find(|r| r["key"] == k) else {
                out.push(format!("{at}: no {list} row {key}"));
                continue;
            };
            for (f, w) in fields.as_object().expect("row expectations") {
                if &got[f] != w {
                    out.push(format!("{at}: {list}.{key}.{f} = {}, expected {w}", got[f]));
                }
            }
        }
    }
    out
}

/// Compares total payouts per `order#line` with a case's expectation.
pub fn compare_payouts(face: &str, case: &Case, got: &BTreeMap<String, i64>) -> Option<String> {
    let want = case.payouts.as_ref()?;
    (got != want).then(|| format!("{} [{face}]: payouts {got:?}, expected {want:?}", case.name))
}

/// Compares total deductions per `order#line` with a case's expectation.
pub fn compare_deductions(face: &str, case: &Case, got: &BTreeMap<String, i64>) -> Option<String> {
    let want = case.deductions.as_ref()?;
    (got != want).then(|| {
        format!(
            "{} [{face}]: deductions {got:?}, expected {want:?}",
            case.name
        )
    })
}

/// Totals per `order#line` of a face's deductions JSON (the
/// `deductions` array of `truexp price-protect --auto --json` and of the
/// C ABI's `truexp_engine_price_protection_deductions_json`).
pub fn deduction_totals(json: &Value) -> BTreeMap<String, i64> {
    let mut totals = BTreeMap::new();
    for d in json["deductions"].as_array().expect("a deductions array") {
        add_payout(
            &mut totals,
            d["order_id"].as_str().expect("order_id"),
            d["line"].as_u64().expect("line"),
            d["deducted"].as_i64().expect("deducted"),
        );
    }
    totals
}

/// Compares a face's answer to a claim (the `ClaimResult` JSON the Rust
/// API serialises and the CLI prints) with the case's expectation.
pub fn compare_claim(face: &str, case: &Case, check: &ClaimCheck, answer: &Value) -> Vec<String> {
    let at = format!("{} [{face}] {}", case.name, check.file.display());
    let got: Vec<(i64, Option<String>)> = answer["lines"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|l| {
                    (
                        l["payout"].as_i64().unwrap_or(-1),
                        l["reason"].as_str().map(str::to_owned),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let mut out = Vec::new();
    if got != check.lines {
        out.push(format!("{at}: lines {got:?}, expected {:?}", check.lines));
    }
    let total: i64 = check.lines.iter().map(|l| l.0).sum();
    if answer["total_payout"].as_i64() != Some(total) {
        out.push(format!(
            "{at}: total_payout {}, expected {total}",
            answer["total_payout"]
        ));
    }
    out
}

/// Adds one line amount (a payout, a deduction) to per-line totals (zero
/// amounts leave no entry).
pub fn add_payout(totals: &mut BTreeMap<String, i64>, order: &str, line: u64, payout: i64) {
    if payout > 0 {
        *totals.entry(format!("{order}#{line}")).or_default() += payout;
    }
}
