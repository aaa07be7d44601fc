//! The demo data through Parquet gives exactly the JSON Lines answers.

use std::io::BufReader;

use truexp::Engine;
use truexp_arrow::{ingest_parquet, jsonl_to_parquet, payouts_batch, scoreboard_batch};

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/demo.jsonl");

/// A test's own temporary directory, removed when the test ends.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("truexp-arrow-{}-{test}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    fn path(&self, name: &str) -> std::path::PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn demo_parquet_scores_like_json_lines() {
    let mut from_json = Engine::default();
    let json_report = from_json.ingest_jsonl(BufReader::new(std::fs::File::open(DEMO).unwrap()));

    let scratch = Scratch::new("demo");
    let path = scratch.path("demo.parquet");
    let conv = jsonl_to_parquet(
        BufReader::new(std::fs::File::open(DEMO).unwrap()),
        std::fs::File::create(&path).unwrap(),
    )
    .unwrap();
    assert_eq!(conv.rejected, json_report.rejected);
    assert_eq!(
        conv.rows,
        json_report.lines - json_report.rejected.len() as u64
    );

    let mut from_parquet = Engine::default();
    let report = ingest_parquet(&mut from_parquet, &path).unwrap();
    assert_eq!(report.lines, conv.rows);
    assert!(report.rejected.is_empty(), "{:?}", &report.rejected[..1]);
    assert_eq!(report.accepted, json_report.accepted);
    assert_eq!(report.duplicates, json_report.duplicates);

    let as_of = from_json.latest_event_time().unwrap();
    assert_eq!(from_parquet.latest_event_time(), Some(as_of));
    assert_eq!(from_parquet.pending(), from_json.pending());
    let a = from_json.scoreboard(as_of);
    let b = from_parquet.scoreboard(as_of);
    assert_eq!(a.shops.len(), 200);
    assert_eq!(a, b);
    for shop in ["s0", "s2", "s3"] {
        assert_eq!(
            from_json.explain(shop, as_of).unwrap(),
            from_parquet.explain(shop, as_of).unwrap()
        );
    }
    // the answers as batches
    let board = scoreboard_batch(&b, from_parquet.config());
    assert_eq!(board.num_rows(), 200);
    let runs_a = from_json.run_price_drops().unwrap();
    let runs_b = from_parquet.run_price_drops().unwrap();
    assert_eq!(runs_a, runs_b);
    let pay = payouts_batch(&from_parquet, &runs_b);
    assert_eq!(
        pay.num_rows(),
        runs_b.iter().map(|r| r.payouts.len()).sum::<usize>()
    );
    std::fs::remove_file(&path).ok();
}

/// Hands out `good`, then fails every read.
struct FailingAfter {
    good: std::io::Cursor<Vec<u8>>,
}

impl std::io::Read for FailingAfter {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.good.read(buf)? {
            0 => Err(std::io::Error::other("the disk went away")),
            n => Ok(n),
        }
    }
}

#[test]
fn a_read_error_fails_the_conversion() {
    use std::io::Read;
    let mut demo = Vec::new();
    std::fs::File::open(DEMO)
        .unwrap()
        .read_to_end(&mut demo)
        .unwrap();
    let cut = demo.len() / 2;
    demo.truncate(demo[..cut].iter().rposition(|&b| b == b'\n').unwrap() + 1);
    let reader = BufReader::with_capacity(
        4096,
        FailingAfter {
            good: std::io::Cursor::new(demo),
        },
    );
    let err = jsonl_to_parquet(reader, Vec::new()).unwrap_err();
    assert!(
        matches!(&err, truexp_arrow::Error::Io(e) if e.to_string().contains("the disk went away")),
        "{err}"
    );

    // from files: nothing is written, and the error names the input
    let scratch = Scratch::new("read-error");
    let input = scratch.path("a-directory.jsonl");
    std::fs::create_dir_all(&input).unwrap();
    let out = scratch.path("from-a-directory.parquet");
    let err = truexp_arrow::jsonl_file_to_parquet(&input, &out).unwrap_err();
    assert!(err.to_string().contains("a-directory.jsonl"), "{err}");
    assert!(!out.exists());
    let left: Vec<_> = std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Hands out `good`, then the end of the input once; a read after that end
/// fails (as a terminal waits for a second end-of-input).
struct EndsOnce {
    good: std::io::Cursor<Vec<u8>>,
    ended: bool,
}

impl std::io::Read for EndsOnce {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.ended {
            return Err(std::io::Error::other("read after the end of the input"));
        }
        let n = self.good.read(buf)?;
        self.ended = n == 0;
        Ok(n)
    }
}

#[test]
fn the_input_is_read_to_its_end_once() {
    let demo = std::fs::read(DEMO).unwrap();
    let reader = BufReader::with_capacity(
        4096,
        EndsOnce {
            good: std::io::Cursor::new(demo),
            ended: false,
        },
    );
    let conv = jsonl_to_parquet(reader, Vec::new()).unwrap();
    let json = Engine::default().ingest_jsonl(BufReader::new(std::fs::File::open(DEMO).unwrap()));
    assert_eq!(conv.rows, json.accepted + json.duplicates);
    assert_eq!(conv.rejected, json.rejected);
}
