//! `--svg FILE` on `history`, `at-risk` and `impact`: a well-formed SVG
//! (read back by a real XML parser) whose marks are the answer `--json`
//! gives, the same bytes every run, and a clear error for a file that
//! cannot be written.

mod common;

use std::path::PathBuf;

use common::{json, truexp, DEMO};

fn temp(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("svg-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{name}-{}.svg", std::process::id()))
}

/// Runs `args` with `--svg` and returns the picture's text; asserts the
/// command also printed its usual answer.
fn draw(name: &str, args: &[&str]) -> String {
    let path = temp(name);
    let path_s = path.to_str().unwrap();
    let mut all = args.to_vec();
    all.extend(["--svg", path_s, "--quiet"]);
    let out = truexp(&all);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.stdout.is_empty(), "the table is still printed");
    std::fs::read_to_string(&path).unwrap()
}

/// The `<title>` texts of the marks (`rect`, `circle`) of a parsed picture.
fn mark_titles(svg: &str, element: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.tag_name().name() == element)
        .filter_map(|n| n.children().find(|c| c.tag_name().name() == "title"))
        .map(|t| t.text().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn history_draws_one_dot_per_day_with_its_score() {
    let h = json(&["history", DEMO, "s1", "--days", "30", "--json", "--quiet"]);
    let svg = draw("history", &["history", DEMO, "s1", "--days", "30"]);
    let dots = mark_titles(&svg, "circle");
    let points = h["points"].as_array().unwrap();
    assert_eq!(dots.len(), points.len());
    for (dot, p) in dots.iter().zip(points) {
        let want = format!(
            "{}: {:.2} ",
            p["date"].as_str().unwrap(),
            p["overall"].as_f64().unwrap()
        );
        assert!(dot.starts_with(&want), "{dot} vs {want}");
    }
    assert!(svg.contains("grade high ≥ 4.60") && svg.contains("grade medium ≥ 4.20"));
    assert_eq!(
        svg,
        draw("history-again", &["history", DEMO, "s1", "--days", "30"]),
        "the same answer draws the same bytes"
    );
}

#[test]
fn at_risk_draws_one_bar_per_shop_up_to_the_limit() {
    let warnings = json(&["at-risk", DEMO, "--json", "--quiet"]);
    let n = warnings.as_array().unwrap().len();
    assert!(
        n > 40,
        "the demo data has more shops at risk than one picture holds"
    );
    let svg = draw("at-risk", &["at-risk", DEMO]);
    let bars = mark_titles(&svg, "rect");
    assert_eq!(bars.len(), 40);
    assert!(svg.contains(&format!("{} more not drawn", n - 40)));
    let first = &warnings[0];
    assert!(
        bars[0].starts_with(&format!("{} — ", first["shop_id"].as_str().unwrap())),
        "{}",
        bars[0]
    );

    // one shop: a bar per standing, its margin at the end of the title
    let one = json(&[
        "at-risk", DEMO, "--shop", "s100", "--preset", "ebay", "--json", "--quiet",
    ]);
    let svg = draw(
        "at-risk-one",
        &["at-risk", DEMO, "--shop", "s100", "--preset", "ebay"],
    );
    let bars = mark_titles(&svg, "rect");
    let margins = one[0]["margins"].as_array().unwrap();
    assert_eq!(bars.len(), margins.len());
    for (bar, m) in bars.iter().zip(margins) {
        let want = match m["margin"].as_u64() {
            Some(k) => format!(": {k}"),
            None => ": cannot be lost".to_owned(),
        };
        assert!(bar.ends_with(&want), "{bar} vs {want}");
    }
}

#[test]
fn impact_draws_both_groups_of_every_category() {
    let report = json(&["impact", DEMO, "--json", "--quiet"]);
    let svg = draw("impact", &["impact", DEMO]);
    let bars = mark_titles(&svg, "rect");
    let comparisons = report["comparisons"].as_array().unwrap();
    assert_eq!(bars.len(), comparisons.len() * 4);
    // the net GMV bars carry the integer amounts, to the minor unit
    for c in comparisons {
        let name = match c["category"].as_str().unwrap() {
            "*" => "(all)",
            other => other,
        };
        for (group, label) in [("low_problem", "low"), ("high_problem", "high")] {
            let want = format!(
                "{name}, {label} problem-order rate: {}",
                c[group]["net_gmv_per_shop"].as_i64().unwrap()
            );
            assert!(bars.contains(&want), "no bar `{want}`");
        }
    }
}

#[test]
fn an_unwritable_picture_is_a_clear_error() {
    let out = truexp(&["impact", DEMO, "--svg", "/nonexistent-dir/x.svg", "--quiet"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--svg /nonexistent-dir/x.svg"), "{err}");
}
