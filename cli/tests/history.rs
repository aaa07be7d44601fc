//! `truexp history`: the last point is the score `truexp score` prints, an
//! earlier one the score at that moment; bad days are refused with exit 2.

mod common;

use common::{json, truexp, DEMO};

fn overall_of(board: &serde_json::Value, shop: &str) -> serde_json::Value {
    board["shops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["shop_id"] == shop)
        .unwrap()["overall"]
        .clone()
}

#[test]
fn history_points_are_the_scores_of_their_moments() {
    let h = json(&["history", DEMO, "s1", "--days", "3", "--json", "--quiet"]);
    let points = h["points"].as_array().unwrap();
    assert_eq!(points.len(), 3);
    for p in points {
        let at = p["as_of"].as_i64().unwrap().to_string();
        let board = json(&["score", DEMO, "--as-of", &at, "--json", "--quiet"]);
        assert_eq!(p["overall"], overall_of(&board, "s1"), "at {at}");
    }
    let text = String::from_utf8(truexp(&["history", DEMO, "s1", "--days", "2", "--quiet"]).stdout)
        .unwrap();
    assert_eq!(text.lines().count(), 4, "{text}");
}

#[test]
fn bad_history_requests_are_refused() {
    for (args, want) in [
        (
            vec!["history", DEMO, "s1", "--days", "0", "--quiet"],
            "days",
        ),
        (
            vec!["history", DEMO, "s1", "--days", "401", "--quiet"],
            "days",
        ),
        (vec!["history", DEMO, "nope", "--quiet"], "unknown shop"),
    ] {
        let out = truexp(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
    }
}
