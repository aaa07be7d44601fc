//! `truexp what-if`: the core's answer as JSON, the same from `--resolve`,
//! from a scenario file and through Parquet; bad input refused with exit 2.

mod common;

use common::{json, truexp};

fn demo() -> String {
    common::DEMO.to_owned()
}

/// The demo's first problem order of shop s2 with a late pickup.
fn late_pickup_order() -> String {
    let problems = json(&["problems", &demo(), "s2", "--json", "--quiet"]);
    problems["orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["labels"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["reason"] == "no_pickup_in_time")
        })
        .expect("s2 has a late pickup")["order_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn what_if_answers_from_flags_and_from_a_scenario_file_alike() {
    let order = late_pickup_order();
    let resolve = format!("{order}=picked_up_in_time");
    let by_flag = json(&[
        "what-if",
        &demo(),
        "s2",
        "--resolve",
        &resolve,
        "--json",
        "--quiet",
    ]);
    assert_eq!(by_flag["shop_id"], "s2");
    assert_eq!(by_flag["changes"][0]["changed"], true);
    let (before, after) = (
        by_flag["problem_orders"][0].as_u64().unwrap(),
        by_flag["problem_orders"][1].as_u64().unwrap(),
    );
    assert_eq!(after + 1, before, "{by_flag}");

    let dir = std::env::temp_dir().join(format!("truexp-cli-what-if-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("scenario.json");
    std::fs::write(
        &file,
        format!(
            r#"{{"changes":[{{"order_id":"{order}","resolution":{{"kind":"picked_up_in_time"}}}}]}}"#
        ),
    )
    .unwrap();
    let by_file = json(&[
        "what-if",
        &demo(),
        "s2",
        "--scenario",
        file.to_str().unwrap(),
        "--json",
        "--quiet",
    ]);
    assert_eq!(by_flag, by_file);

    let projected = json(&[
        "what-if",
        &demo(),
        "s2",
        "--next-days",
        "1",
        "--json",
        "--quiet",
    ]);
    assert_eq!(
        projected["after_as_of"].as_i64().unwrap(),
        projected["as_of"].as_i64().unwrap() + 86_400
    );
    let text = truexp(&["what-if", &demo(), "s2", "--resolve", &resolve, "--quiet"]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("what-if for shop s2"), "{text}");
    assert!(text.contains(&format!("{resolve}  changed")), "{text}");
}

#[test]
fn bad_what_if_input_is_refused() {
    let fails = |args: &[&str], want: &str| {
        let out = truexp(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
    };
    let d = demo();
    fails(
        &["what-if", &d, "s2", "--quiet"],
        "give at least one --resolve",
    );
    fails(
        &["what-if", &d, "s2", "--resolve", "o1=won"],
        "unknown resolution `won`",
    );
    fails(
        &[
            "what-if",
            &d,
            "s2",
            "--resolve",
            "nope=dispute_won",
            "--quiet",
        ],
        "change 1: unknown order `nope`",
    );
    fails(
        &["what-if", &d, "s2", "--next-days", "0", "--quiet"],
        "next_days.days",
    );
    fails(
        &["what-if", &d, "nope", "--next-days", "1", "--quiet"],
        "unknown shop",
    );
}
