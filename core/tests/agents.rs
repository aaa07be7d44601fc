//! Per-agent service metrics on `examples/data/agents.jsonl`, counted by
//! hand (default configuration: UTC+8 days; the 3-minute indicator's window
//! is local days 20691..=20720, the satisfaction indicator's, lagged two
//! days, 20689..=20718; a human answer within 180 s counts, ratings of 4
//! and 5 are satisfied).

use truexp::agents::AgentMetrics;
use truexp::{Engine, Timestamp};

/// A moment from UTC seconds (test data is built in plain seconds).
fn ts(secs: i64) -> Timestamp {
    Timestamp::new(secs).expect("a moment in range")
}

const AS_OF: i64 = 1_790_200_000; // local day 20720

fn engine() -> Engine {
    let data = include_str!("../../examples/data/agents.jsonl");
    let mut e = Engine::default();
    let report = e.ingest_jsonl(data.as_bytes());
    assert!(report.rejected.is_empty(), "{report:?}");
    e
}

/// (key, sessions, answered within 3 min, rated, satisfied)
fn counts(m: &AgentMetrics) -> (Option<&str>, u64, u64, u64, u64) {
    (
        m.key.as_deref(),
        m.sessions,
        m.answered_within_3min,
        m.rated,
        m.satisfied,
    )
}

#[test]
fn per_agent_and_per_certification_by_hand() {
    let r = engine().agent_metrics("s1", ts(AS_OF)).unwrap();
    assert_eq!(r.response_window, [20691, 20720]);
    assert_eq!(r.satisfaction_window, [20689, 20718]);
    assert_eq!((r.response_within_secs, r.satisfied_min_rating), (180, 4));
    // c7 is older than both windows, c8 started after as_of
    // amy: c1 (60 s, 5★), c2 (180 s: in time; its 3★ on day 20719 is past
    // the satisfaction window), c3 (181 s: late, unrated)
    // bob: c4 (no human answer, 1★), c5 (30 s, 4★); unknown: c6 (10 s, 5★)
    let agents: Vec<_> = r.agents.iter().map(counts).collect();
    assert_eq!(
        agents,
        [
            (Some("amy"), 3, 2, 1, 1),
            (Some("bob"), 2, 1, 2, 1),
            (None, 1, 1, 1, 1),
        ]
    );
    assert_eq!(counts(&r.total), (None, 6, 4, 4, 3));
    let amy = &r.agents[0];
    assert_eq!(amy.response_3min_rate, Some(2.0 / 3.0));
    assert_eq!(amy.satisfaction, Some(1.0));
    assert_eq!(amy.session_share, Some(0.5));
    assert_eq!(amy.answered_share, Some(0.5));
    assert_eq!(amy.rated_share, Some(0.25));
    assert_eq!(amy.satisfied_share, Some(1.0 / 3.0));
    let bob = &r.agents[1];
    assert_eq!(bob.response_3min_rate, Some(0.5));
    assert_eq!(bob.satisfaction, Some(0.5));
    assert_eq!(bob.session_share, Some(2.0 / 6.0));
    let certs: Vec<_> = r.certifications.iter().map(counts).collect();
    assert_eq!(
        certs,
        [
            (Some("maternity_advisor"), 2, 2, 1, 1),
            (Some("pet_doctor"), 2, 1, 2, 1),
            (None, 2, 1, 1, 1),
        ]
    );
}

#[test]
fn the_totals_are_what_the_score_reads() {
    let e = engine();
    let r = e.agent_metrics("s1", ts(AS_OF)).unwrap();
    let x = e.explain("s1", ts(AS_OF)).unwrap();
    let json = serde_json::to_value(&x).unwrap();
    let text = json.to_string();
    // the explanation's chat indicators carry the same numerators and
    // samples (denominators)
    assert!(text.contains("chat_response_3min_rate"), "{text}");
    let find = |name: &str| -> (u64, u64) {
        fn walk(v: &serde_json::Value, name: &str) -> Option<(u64, u64)> {
            match v {
                serde_json::Value::Object(m) => {
                    if m.get("name").and_then(|n| n.as_str()) == Some(name) {
                        let n = m.get("numerator").and_then(|n| n.as_u64());
                        let d = m.get("sample").and_then(|n| n.as_u64());
                        if let (Some(n), Some(d)) = (n, d) {
                            return Some((n, d));
                        }
                    }
                    m.values().find_map(|v| walk(v, name))
                }
                serde_json::Value::Array(a) => a.iter().find_map(|v| walk(v, name)),
                _ => None,
            }
        }
        walk(&json, name).unwrap_or_else(|| panic!("{name} in {text}"))
    };
    assert_eq!(
        find("chat_response_3min_rate"),
        (r.total.answered_within_3min, r.total.sessions)
    );
    assert_eq!(
        find("chat_satisfaction"),
        (r.total.satisfied, r.total.rated)
    );
}

#[test]
fn as_of_later_counts_the_later_chat_and_an_unknown_shop_is_an_error() {
    let e = engine();
    let later = e.agent_metrics("s1", ts(1_790_300_000)).unwrap();
    assert_eq!(later.agents[0].key.as_deref(), Some("amy"));
    assert_eq!(later.agents[0].sessions, 4);
    let s2 = e.agent_metrics("s2", ts(AS_OF)).unwrap();
    assert_eq!(counts(&s2.agents[0]), (Some("carl"), 1, 1, 0, 0));
    assert_eq!(s2.agents[0].satisfaction, None);
    assert!(e.agent_metrics("s3", ts(AS_OF)).is_err());
}
