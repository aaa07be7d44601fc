//! What the profiling examples share: an engine loaded from events or
//! restored from a snapshot.

use truexp::{Config, Engine};

/// The engine of `path`: a `.snapshot` (written by `truexp snapshot`) is
/// restored, anything else is replayed as JSON Lines (on every core).
pub fn load(path: &str) -> Engine {
    if path.ends_with(".snapshot") {
        truexp::snapshot::read_snapshot_file(path.as_ref(), Config::default())
            .expect("read the snapshot")
            .0
    } else {
        let mut e = Engine::default();
        e.ingest_jsonl(std::io::BufReader::new(
            std::fs::File::open(path).expect("open the events"),
        ));
        e
    }
}
