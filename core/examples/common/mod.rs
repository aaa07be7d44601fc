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

/// Tells `perf record --delay=-1 --control fifo:CTL,ACK` to start
/// (`"enable"`) or stop (`"disable"`) sampling, when the environment names
/// its two FIFOs in `PERF_CTL` and `PERF_ACK`: profiles then hold the
/// timed work alone, not the load before it.
#[allow(dead_code)]
pub fn perf_ctl(cmd: &str) {
    use std::io::{Read, Write};
    let (Ok(ctl), Ok(ack)) = (std::env::var("PERF_CTL"), std::env::var("PERF_ACK")) else {
        return;
    };
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(ctl)
        .expect("open PERF_CTL");
    writeln!(f, "{cmd}").expect("write PERF_CTL");
    let mut buf = [0u8; 5];
    let _ = std::fs::File::open(ack)
        .expect("open PERF_ACK")
        .read(&mut buf);
}
