//! The CLI as a user runs it: `score`, `explain`, `problems` on the demo data.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::truexp;

fn demo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/data/demo.jsonl")
}

#[test]
fn score_json_matches_the_rust_api() {
    let out = truexp(&["score", demo().to_str().unwrap(), "--json", "--quiet"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let shops = v["shops"].as_array().unwrap();
    assert_eq!(shops.len(), 200);

    let mut engine = truexp::Engine::default();
    let report = engine.ingest_jsonl(std::io::BufReader::new(
        std::fs::File::open(demo()).unwrap(),
    ));
    assert!(report.rejected.is_empty());
    let as_of = engine.latest_event_time().unwrap();
    assert_eq!(v["as_of"].as_i64(), Some(as_of.as_secs()));
    let board = engine.scoreboard(as_of);
    for (cli, api) in shops.iter().zip(&board.shops) {
        assert_eq!(cli["shop_id"].as_str(), Some(&*api.shop_id));
        assert_eq!(cli["overall"].as_f64(), Some(api.overall));
        assert_eq!(cli["grade"].as_str(), Some(api.grade.name()));
    }
    // ranked best first
    let overall: Vec<f64> = shops
        .iter()
        .map(|s| s["overall"].as_f64().unwrap())
        .collect();
    assert!(overall.windows(2).all(|w| w[0] >= w[1]));
}

#[test]
fn the_table_shows_the_archetypes() {
    let out = truexp(&["score", demo().to_str().unwrap(), "--quiet"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("growth stage"), "tiny shops are marked");
    assert!(
        text.contains("fake-order penalty"),
        "padding shops are marked"
    );
    assert!(text.lines().count() > 200);
}

#[test]
fn explain_and_problems_name_orders() {
    let out = truexp(&["explain", demo().to_str().unwrap(), "s2", "--quiet"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("pickup_48h_rate"));
    assert!(text.contains("orders that cost the most"));

    let out = truexp(&[
        "problems",
        demo().to_str().unwrap(),
        "s2",
        "--json",
        "--quiet",
    ]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let orders = v["orders"].as_array().unwrap();
    assert_eq!(
        orders.len() as u64,
        v["rate"]["problem_orders"].as_u64().unwrap()
    );
    assert!(orders
        .iter()
        .all(|o| !o["labels"].as_array().unwrap().is_empty()));

    let out = truexp(&[
        "explain",
        demo().to_str().unwrap(),
        "no-such-shop",
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown shop `no-such-shop`"));
}

#[test]
fn bad_lines_are_reported_and_strict_fails() {
    let dir = std::env::temp_dir().join(format!("truexp-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("mixed.jsonl");
    let good = std::fs::read_to_string(demo()).unwrap();
    let mut lines: Vec<&str> = good.lines().take(500).collect();
    lines.insert(3, r#"{"type":"review","id":"bad1","order_id":"o1","reviewer":"b","at":1788000000,"product_stars":0}"#);
    lines.insert(7, "not json at all");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let f = file.to_str().unwrap();

    let out = truexp(&["score", f]);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(":4: event bad1: field `product_stars`"),
        "{err}"
    );
    assert!(err.contains(":8: event <no id>: field `<json>`"), "{err}");
    assert!(err.contains("2 rejected"), "{err}");

    let out = truexp(&["score", f, "--strict"]);
    assert_eq!(out.status.code(), Some(1));

    let out = truexp(&["score", f, "--bogus"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown option --bogus"));
}

#[test]
fn a_file_name_that_is_not_utf8_is_refused_without_a_panic() {
    use std::os::unix::ffi::OsStrExt;
    let name = std::ffi::OsStr::from_bytes(b"w\xff.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_truexp"))
        .arg("score")
        .arg(name)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("argument 2 is not valid UTF-8"), "{err}");
}

#[test]
fn a_follow_up_whose_order_never_comes_does_not_move_as_of() {
    // the demo plus one delivery, far in the future, of an order never paid
    let mut text = std::fs::read_to_string(demo()).unwrap();
    text.push_str(r#"{"type":"delivered","id":"zz","order_id":"no-such-order","at":4102444799}"#);
    text.push('\n');
    let dir = std::env::temp_dir().join(format!("truexp-orphan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let with = dir.join("with.jsonl");
    std::fs::write(&with, text).unwrap();
    let plain = truexp(&["score", demo().to_str().unwrap(), "--json"]);
    let orphan = truexp(&["score", with.to_str().unwrap(), "--json"]);
    assert!(plain.status.success() && orphan.status.success());
    // same as_of, same scores: the waiting event changed nothing
    assert_eq!(plain.stdout, orphan.stdout);
    let err = String::from_utf8_lossy(&orphan.stderr);
    assert!(err.contains("no-such-order"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

/// Issue 15: `--as-of` at the extremes of i64 is refused, not wrapped.
#[test]
fn as_of_extremes_are_refused() {
    let demo = demo();
    let demo = demo.to_str().unwrap();
    for t in [
        i64::MIN.to_string(),
        i64::MAX.to_string(),
        "-1".into(),
        "253402300800".into(),
    ] {
        let out = truexp(&["score", demo, "--as-of", &t, "--quiet"]);
        assert_eq!(out.status.code(), Some(2), "{t}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--as-of") && err.contains("out of range"),
            "{t}: {err}"
        );
    }
}

/// Issue 14: a config whose measures are the names `explain --json` prints
/// was refused (`unknown variant pickup_48h_rate`); it must be accepted.
#[test]
fn a_config_written_from_an_explanation_is_accepted() {
    let out = truexp(&[
        "explain",
        demo().to_str().unwrap(),
        "s2",
        "--json",
        "--quiet",
    ]);
    assert!(out.status.success());
    let ex: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let printed: Vec<&str> = ex["score"]["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert!(printed.contains(&"pickup_48h_rate"));
    assert!(printed.contains(&"chat_response_3min_rate"));

    // The default config, every measure renamed to what the explanation printed.
    let mut cfg = serde_json::to_value(truexp::Config::default()).unwrap();
    let mut names = printed.iter();
    for block in cfg["blocks"].as_array_mut().unwrap() {
        for ind in block["indicators"].as_array_mut().unwrap() {
            ind["measure"] = serde_json::Value::from(*names.next().unwrap());
        }
    }
    let dir = std::env::temp_dir().join(format!("truexp-cli-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("from-explain.json");
    std::fs::write(&path, cfg.to_string()).unwrap();
    let out = truexp(&[
        "score",
        demo().to_str().unwrap(),
        "--config",
        path.to_str().unwrap(),
        "--json",
        "--quiet",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--changes-since`: the shops whose overall, stars, grade or rank differ
/// from a scoreboard written earlier by `score --json`, and none against itself.
#[test]
fn changes_since_a_previous_scoreboard() {
    let demo = demo();
    let demo = demo.to_str().unwrap();
    let dir = std::env::temp_dir().join(format!("truexp-changes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let board = |as_of: &str| {
        let out = truexp(&["score", demo, "--json", "--quiet", "--as-of", as_of]);
        assert!(out.status.success());
        out.stdout
    };
    let (early, late) = ("1790000000", "1790300000");
    let prev = dir.join("prev.json");
    std::fs::write(&prev, board(early)).unwrap();
    let changes = |as_of: &str| {
        let out = truexp(&[
            "score",
            demo,
            "--json",
            "--quiet",
            "--as-of",
            as_of,
            "--changes-since",
            prev.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["changes"].as_array().unwrap().clone()
    };
    assert!(changes(early).is_empty());
    // expected: compare the two full scoreboards by hand
    let standing = |bytes: &[u8]| -> std::collections::BTreeMap<String, (f64, f64, String, usize)> {
        let v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        v["shops"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (
                    s["shop_id"].as_str().unwrap().to_owned(),
                    (
                        s["overall"].as_f64().unwrap(),
                        s["stars"].as_f64().unwrap(),
                        s["grade"].as_str().unwrap().to_owned(),
                        i + 1,
                    ),
                )
            })
            .collect()
    };
    let (a, b) = (standing(&board(early)), standing(&board(late)));
    let moved: Vec<&String> = b.keys().filter(|k| a.get(*k) != b.get(*k)).collect();
    let got = changes(late);
    assert!(!moved.is_empty());
    assert_eq!(got.len(), moved.len());
    for c in &got {
        let shop = c["shop_id"].as_str().unwrap();
        assert_eq!(c["before"]["rank"].as_u64().unwrap() as usize, a[shop].3);
        assert_eq!(c["now"]["rank"].as_u64().unwrap() as usize, b[shop].3);
    }
    // a file that is not a scoreboard is refused before loading, naming it
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"shops\": 3}").unwrap();
    let out = truexp(&["score", demo, "--changes-since", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not the JSON of a scoreboard"), "{err}");
    // nor is one whose as_of is no moment
    std::fs::write(&bad, "{\"as_of\": -9223372036854775808, \"shops\": []}").unwrap();
    let out = truexp(&["score", demo, "--changes-since", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("timestamp range"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

/// Issue 13: `truexp snapshot` writes the state once; `--snapshot FILE`
/// loads it, with more event files applied on top, and answers exactly
/// like replaying every event.
#[test]
fn a_snapshot_plus_later_events_scores_like_replaying_everything() {
    let dir = std::env::temp_dir().join(format!("truexp-cli-snap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let all = std::fs::read_to_string(demo()).unwrap();
    let lines: Vec<&str> = all.lines().collect();
    let cut = lines.len() * 2 / 3;
    let (early, late) = (dir.join("early.jsonl"), dir.join("late.jsonl"));
    std::fs::write(&early, lines[..cut].join("\n") + "\n").unwrap();
    std::fs::write(&late, lines[cut..].join("\n") + "\n").unwrap();
    let snap = dir.join("state.snapshot");
    let s = |p: &PathBuf| p.to_str().unwrap().to_owned();

    let out = truexp(&[
        "snapshot",
        &s(&early),
        "--out",
        &s(&snap),
        "--token",
        "p0=123",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, token) =
        truexp::snapshot::read_snapshot_file(&snap, truexp::Config::default()).unwrap();
    assert_eq!(token, b"p0=123");

    let replay = truexp(&["score", demo().to_str().unwrap(), "--json", "--quiet"]);
    let resumed = truexp(&[
        "score",
        "--snapshot",
        &s(&snap),
        &s(&late),
        "--json",
        "--quiet",
    ]);
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert_eq!(resumed.stdout, replay.stdout);

    // a query on the snapshot alone, and SHOP after the optional events
    let alone = truexp(&["explain", "--snapshot", &s(&snap), "s2", "--quiet"]);
    assert!(
        alone.status.success(),
        "{}",
        String::from_utf8_lossy(&alone.stderr)
    );
    let problems = truexp(&[
        "problems",
        "--snapshot",
        &s(&snap),
        &s(&late),
        "s2",
        "--json",
        "--quiet",
    ]);
    let replayed = truexp(&[
        "problems",
        demo().to_str().unwrap(),
        "s2",
        "--json",
        "--quiet",
    ]);
    assert_eq!(problems.stdout, replayed.stdout);

    // snapshots chain, and the replaced file is kept as FILE.prev
    let out = truexp(&[
        "snapshot",
        "--snapshot",
        &s(&snap),
        &s(&late),
        "--out",
        &s(&snap),
        "--quiet",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("state.snapshot.prev").exists());
    let chained = truexp(&["score", "--snapshot", &s(&snap), "--json", "--quiet"]);
    assert_eq!(chained.stdout, replay.stdout);

    // another configuration, or a damaged file, is refused by name
    let cfg = dir.join("cfg.json");
    let other_cfg = truexp::Config {
        max_reviews_per_buyer_month: 5,
        ..Default::default()
    };
    std::fs::write(&cfg, serde_json::to_string(&other_cfg).unwrap()).unwrap();
    let other = truexp(&[
        "score",
        "--snapshot",
        &s(&snap),
        "--config",
        &s(&cfg),
        "--quiet",
    ]);
    assert_eq!(other.status.code(), Some(2));
    let msg = String::from_utf8_lossy(&other.stderr);
    assert!(msg.contains("configuration fingerprint"), "{msg}");
    let mut bytes = std::fs::read(&snap).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(&snap, bytes).unwrap();
    let damaged = truexp(&["score", "--snapshot", &s(&snap), "--quiet"]);
    assert_eq!(damaged.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&damaged.stderr).contains("checksum mismatch"));
    // without --snapshot, exactly one events file as before
    let two = truexp(&["score", &s(&early), &s(&late)]);
    assert_eq!(two.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--then BATCH`: the live scoreboard's changes after a batch equal the
/// file-based comparison of the full scoreboard with the one before it.
#[test]
fn then_reports_what_a_batch_moved() {
    let demo = demo();
    let text = std::fs::read_to_string(&demo).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let cut = lines.len() * 4 / 5;
    let dir = std::env::temp_dir().join(format!("truexp-then-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (base, batch, all, prev) = (
        dir.join("base.jsonl"),
        dir.join("batch.jsonl"),
        dir.join("all.jsonl"),
        dir.join("prev.json"),
    );
    std::fs::write(&base, lines[..cut].join("\n") + "\n").unwrap();
    std::fs::write(&batch, lines[cut..].join("\n") + "\n").unwrap();
    std::fs::write(&all, text.as_bytes()).unwrap();
    let path = |p: &std::path::Path| p.to_str().unwrap().to_owned();
    let out = truexp(&["score", &path(&base), "--json", "--quiet"]);
    assert!(out.status.success());
    std::fs::write(&prev, &out.stdout).unwrap();
    let out = truexp(&[
        "score",
        &path(&all),
        "--json",
        "--quiet",
        "--changes-since",
        &path(&prev),
    ]);
    assert!(out.status.success());
    let want: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let out = truexp(&[
        "score",
        &path(&base),
        "--json",
        "--quiet",
        "--then",
        &path(&batch),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value =
        serde_json::from_str(String::from_utf8(out.stdout).unwrap().trim()).unwrap();
    assert_eq!(got["batch"], path(&batch).as_str());
    assert_eq!(got["as_of"], want["as_of"]);
    assert!(!want["changes"].as_array().unwrap().is_empty());
    assert_eq!(got["changes"], want["changes"]);
    // and as a table for people
    let out = truexp(&["score", &path(&base), "--quiet", "--then", &path(&batch)]);
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.starts_with(&format!("after {}: as of ", path(&batch))),
        "{table}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn explain_text_lists_the_granted_appeals() {
    let case = common::root().join("tests/cases/appeals.jsonl");
    let out = truexp(&["explain", case.to_str().unwrap(), "s1", "--quiet"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let section = text
        .split("taken out by granted appeals:")
        .nth(1)
        .expect("an appeals section");
    let rows: Vec<&str> = section.lines().filter(|l| l.starts_with("  o")).collect();
    assert_eq!(rows.len(), 6, "{section}");
    assert!(
        rows[0].contains("o1") && rows[0].contains("the review"),
        "{}",
        rows[0]
    );
    assert!(
        rows[1].contains("o2") && rows[1].contains("the label no_pickup_in_time"),
        "{}",
        rows[1]
    );
    assert!(rows[2].contains("the dispute ruling"), "{}", rows[2]);
}
