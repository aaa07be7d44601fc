//! Parquet inputs: `truexp convert`, then every command that reads events
//! answers exactly as it does from JSON Lines.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn demo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/data/demo.jsonl")
}

fn tmpdir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("truexp-cli-parquet-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn truexp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_truexp"))
        .args(args)
        .output()
        .expect("run truexp")
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The demo converted once per test process.
fn demo_parquet() -> &'static Path {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| {
        let out = tmpdir().join("demo.parquet");
        let o = truexp(&[
            "convert",
            demo().to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert!(o.status.success(), "{err}");
        assert!(
            err.contains("76814 events written, 0 lines rejected"),
            "{err}"
        );
        out
    })
}

#[test]
fn every_reading_command_answers_the_same_from_parquet() {
    let pq = demo_parquet().to_str().unwrap();
    let js = demo();
    let js = js.to_str().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["score", "--json", "--quiet"],
        vec!["score", "--quiet", "--top", "10"],
        vec!["explain", "s3", "--json", "--quiet"],
        vec!["problems", "s2", "--json", "--quiet"],
        vec!["standard", "s1", "--preset", "ebay", "--json", "--quiet"],
        vec!["list", "--category", "pet", "--json", "--quiet"],
    ];
    for case in cases {
        let with = |file: &str| {
            let mut a = vec![case[0], file];
            a.extend(&case[1..]);
            ok(truexp(&a))
        };
        let a = with(js);
        assert!(!a.is_empty());
        assert_eq!(a, with(pq), "{case:?}");
    }
    let auto = |file: &str| ok(truexp(&["price-protect", "--auto", file, "--json"]));
    assert_eq!(auto(js), auto(pq));
}

#[test]
fn format_flag_overrides_the_extension() {
    let odd = tmpdir().join("events.bin");
    std::fs::copy(demo_parquet(), &odd).unwrap();
    let odd = odd.to_str().unwrap();
    let a = ok(truexp(&[
        "score", odd, "--format", "parquet", "--json", "--quiet",
    ]));
    let b = ok(truexp(&[
        "score",
        demo().to_str().unwrap(),
        "--json",
        "--quiet",
    ]));
    assert_eq!(a, b);
    let bad = truexp(&["score", odd, "--format", "csv"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--format expects jsonl or parquet"));
}

#[test]
fn refused_rows_are_reported_with_row_event_and_field() {
    let lines = [
        r#"{"type":"shop_profile","id":"p1","shop_id":"s1","at":1790000000,"category":"pet"}"#,
        r#"{"type":"review","id":"r1","order_id":"o1","reviewer":"b","at":1790000000,"product_stars":9}"#,
    ];
    // written straight from events, unvalidated: row 2 is refused on reading
    let events: Vec<truexp::Event> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let path = tmpdir().join("bad.parquet");
    truexp_arrow::write_parquet(
        std::fs::File::create(&path).unwrap(),
        [&truexp_arrow::events_to_batch(&events)],
    )
    .unwrap();
    let p = path.to_str().unwrap();
    let out = truexp(&["score", p, "--strict"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "{p}: row 2: event r1: field `product_stars`: stars must be 1 to 5, got 9"
        )),
        "{err}"
    );
    assert!(
        err.contains("1 events accepted, 0 duplicates, 1 rejected"),
        "{err}"
    );
}

#[test]
fn convert_reports_bad_lines_and_strict_fails() {
    let d = tmpdir();
    let input = d.join("bad.jsonl");
    std::fs::write(
        &input,
        concat!(
            r#"{"type":"shop_profile","id":"p1","shop_id":"s1","at":1790000000,"category":"pet"}"#,
            "\n\n{not json\n",
            r#"{"type":"delivered","id":"d1"}"#,
            "\n"
        ),
    )
    .unwrap();
    let out = d.join("bad-out.parquet");
    let args = [
        "convert",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let o = truexp(&args);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bad.jsonl:3: event <no id>: field `<json>`"),
        "{err}"
    );
    assert!(
        err.contains("bad.jsonl:4: event d1: field `order_id`"),
        "{err}"
    );
    assert!(err.contains("1 events written, 2 lines rejected"), "{err}");
    let mut strict = args.to_vec();
    strict.push("--strict");
    assert_eq!(truexp(&strict).status.code(), Some(1));
    // not a Parquet name
    let o = truexp(&["convert", input.to_str().unwrap(), "--out", "x.jsonl"]);
    assert_eq!(o.status.code(), Some(2));
    // the converted file reads back
    let s = ok(truexp(&[
        "score",
        out.to_str().unwrap(),
        "--json",
        "--quiet",
    ]));
    assert!(s.contains("\"shop_id\": \"s1\""), "{s}");
}

#[test]
fn convert_names_the_output_when_writing_fails_and_leaves_nothing() {
    // a file-size limit makes the writes fail (EFBIG; SIGXFSZ ignored)
    let d = tmpdir();
    let out = d.join("too-big.parquet");
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/demo.jsonl");
    let o = Command::new("sh")
        .args(["-c", "trap '' XFSZ; ulimit -f 8; exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_truexp"))
        .args(["convert", demo, "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("too-big.parquet: File too large"), "{err}");
    let left: Vec<_> = std::fs::read_dir(&d)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("too-big"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
