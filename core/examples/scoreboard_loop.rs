//! Loads JSON Lines and scores every shop a few times (for profiling).
fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: scoreboard_loop EVENTS.jsonl");
    let mut e = truexp::Engine::default();
    e.ingest_jsonl(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let as_of = e.latest_event_time().unwrap();
    for _ in 0..5 {
        let t = std::time::Instant::now();
        let b = e.scoreboard(as_of);
        eprintln!("{} shops in {:?}", b.shops.len(), t.elapsed());
    }
}
