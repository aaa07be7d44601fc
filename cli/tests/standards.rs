//! `truexp standard`, `truexp list` and `truexp impact` on the demo data,
//! run as the built binary, their `--json` output parsed.

mod common;

use common::{run, DEMO};
use serde_json::Value;

fn json(args: &[&str]) -> Value {
    let (code, stdout, stderr) = run(args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}\n{stdout}"))
}

#[test]
fn list_ranks_qualified_shops_per_category() {
    let list = json(&["list", DEMO, "--json", "--quiet"]);
    let as_of = list["as_of"].as_i64().unwrap();
    let cats = list["categories"].as_array().unwrap();
    assert!(!cats.is_empty());
    let names: Vec<&str> = cats
        .iter()
        .map(|c| c["category"].as_str().unwrap())
        .collect();
    let sorted = {
        let mut s = names.clone();
        s.sort();
        s
    };
    assert_eq!(names, sorted);
    let mut listed = 0;
    for c in cats {
        let shops = c["shops"].as_array().unwrap();
        listed += shops.len();
        for (i, s) in shops.iter().enumerate() {
            assert_eq!(s["rank"].as_u64().unwrap(), i as u64 + 1);
            assert!(s["valid_orders"].as_u64().unwrap() >= 30);
            if i > 0 {
                let prev = &shops[i - 1];
                assert!(prev["overall"].as_f64().unwrap() >= s["overall"].as_f64().unwrap());
            }
        }
    }
    assert!(listed > 0);
    // one category, and an explicit --as-of equal to the default gives the same list
    let first = cats[0]["category"].as_str().unwrap();
    let one = json(&[
        "list",
        DEMO,
        "--json",
        "--quiet",
        "--category",
        first,
        "--as-of",
        &as_of.to_string(),
    ]);
    assert_eq!(one["categories"].as_array().unwrap().len(), 1);
    assert_eq!(one["categories"][0], cats[0]);
}

#[test]
fn standard_reports_a_tier_for_each_preset() {
    let list = json(&["list", DEMO, "--json", "--quiet"]);
    let shop = list["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|c| c["shops"][0]["shop_id"].as_str())
        .unwrap()
        .to_owned();
    for (preset, tiers) in [
        ("amazon", &["healthy", "at_risk"][..]),
        (
            "ebay",
            &["top_rated", "above_standard", "below_standard"][..],
        ),
        ("tmall", &["excellent", "good", "needs_improvement"][..]),
    ] {
        let r = json(&[
            "standard", DEMO, &shop, "--preset", preset, "--json", "--quiet",
        ]);
        assert_eq!(r["standard"], preset);
        assert_eq!(r["shop_id"], shop.as_str());
        let tier = r["tier"].as_str().unwrap();
        assert!(tiers.contains(&tier), "{preset}: {tier}");
        let names: Vec<&str> = r["tiers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["tier"].as_str().unwrap())
            .collect();
        assert_eq!(names, tiers);
        for m in r["metrics"].as_array().unwrap() {
            assert!(m["numerator"].as_u64().unwrap() <= m["denominator"].as_u64().unwrap());
        }
    }
    // a listed shop is below its category mean: at least "good" under the Tmall preset
    let r = json(&[
        "standard", DEMO, &shop, "--preset", "tmall", "--json", "--quiet",
    ]);
    assert_ne!(r["tier"], "needs_improvement");
}

#[test]
fn bad_invocations_name_the_problem() {
    let (code, _, err) = run(&["standard", DEMO, "s1", "--preset", "walmart", "--quiet"]);
    assert_eq!(code, 2);
    assert!(err.contains("--preset") && err.contains("walmart"), "{err}");
    let (code, _, err) = run(&[
        "standard",
        DEMO,
        "no-such-shop",
        "--preset",
        "amazon",
        "--quiet",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("no-such-shop"), "{err}");
    let (code, _, err) = run(&["list", DEMO, "--bogus"]);
    assert_eq!(code, 2);
    assert!(err.contains("--bogus"), "{err}");
}

/// `truexp impact`: the service → growth report, as JSON and as a table;
/// an option out of range exits 2 naming it.
#[test]
fn impact_reports_every_category_and_all_together() {
    let v = json(&["impact", DEMO, "--json", "--quiet", "--window-days", "60"]);
    assert_eq!(v["window_days"], 60);
    assert_eq!(v["shops"].as_array().unwrap().len(), 200);
    let comparisons = v["comparisons"].as_array().unwrap();
    let (all, categories) = comparisons.split_last().unwrap();
    assert_eq!(all["category"], "*");
    let ranked: u64 = categories
        .iter()
        .map(|c| c["ranked_shops"].as_u64().unwrap())
        .sum();
    assert_eq!(all["ranked_shops"].as_u64().unwrap(), ranked);
    for s in v["shops"].as_array().unwrap() {
        let (paid, refunded, net) = (
            s["paid"].as_i64().unwrap(),
            s["refunded"].as_i64().unwrap(),
            s["net_gmv"].as_i64().unwrap(),
        );
        assert_eq!(net, paid - refunded);
        assert!(s["repeat_buyers"].as_u64() <= s["buyers"].as_u64());
    }
    let (code, text, _) = run(&["impact", DEMO, "--quiet"]);
    assert_eq!(code, 0);
    assert!(text.starts_with("service → growth as of "), "{text}");
    assert!(text.contains("(all)"));
    let (code, _, stderr) = run(&["impact", DEMO, "--quiet", "--group-share", "0.9"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("argument `group_share`: must be in (0, 0.5], got 0.9"),
        "{stderr}"
    );
}

#[test]
fn at_risk_lists_shops_within_their_margins_and_explains_one() {
    let v = json(&[
        "at-risk", DEMO, "--json", "--quiet", "--preset", "amazon", "--within", "0",
    ]);
    let risky = v.as_array().unwrap();
    assert!(!risky.is_empty());
    let mut ids: Vec<&str> = risky
        .iter()
        .map(|w| w["shop_id"].as_str().unwrap())
        .collect();
    let listed = ids.clone();
    ids.sort_unstable();
    assert_eq!(ids, listed, "sorted by shop id");
    for w in risky {
        assert_eq!(w["at_risk"], true);
        let within = w["margins"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["margin"].as_u64() == Some(0));
        let near_floor = w["points_above_grade_floor"]
            .as_f64()
            .is_some_and(|p| p < 0.05);
        assert!(within || near_floor, "{w}");
    }
    let one = json(&[
        "at-risk",
        DEMO,
        "--json",
        "--quiet",
        "--shop",
        "s1",
        "--preset",
        "amazon,ebay",
    ]);
    let one = &one.as_array().unwrap()[0];
    assert_eq!(one["shop_id"], "s1");
    let (code, _, stderr) = run(&["at-risk", DEMO, "--quiet", "--preset", "walmart"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown preset `walmart`"), "{stderr}");
    let (code, _, stderr) = run(&["at-risk", DEMO, "--quiet", "--within-points", "-1"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--within-points"), "{stderr}");
    let (code, text, _) = run(&["at-risk", DEMO, "--quiet"]);
    assert_eq!(code, 0);
    assert!(text.contains("shops at risk as of"), "{text}");
}
