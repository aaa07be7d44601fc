//! `truexp agents`: one shop's chat sessions per agent and per
//! certification — sessions, 3-minute human response, satisfaction and
//! each agent's share of the shop's service block.
//!
//! Why its own command: the score says the shop's response rate fell; this
//! says whose sessions it was, counted by the score's own rules and windows
//! (see `truexp::agents`).

use truexp::agents::{AgentMetrics, AgentReport};

use crate::load::{load, split_shop, Common};

/// `truexp agents`' arguments.
#[derive(clap::Args, Debug)]
pub struct AgentsArgs {
    /// Events files, JSON Lines or Parquet (one; with --snapshot, any
    /// number), then the shop's id
    #[arg(value_name = "EVENTS… SHOP", required = true)]
    args: Vec<String>,
    #[command(flatten)]
    common: Common,
}

/// `truexp agents EVENTS SHOP`.
pub fn run(args: &AgentsArgs) -> Result<i32, String> {
    let a = &args.common;
    let (files, shop) = split_shop(a, &args.args, "agents")?;
    let loaded = load(a, files)?;
    let report = loaded
        .engine
        .agent_metrics(shop, loaded.as_of)
        .map_err(|e| e.to_string())?;
    crate::load::answer(a, &loaded, &report, print_report)
}

fn percent(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_owned(), |x| format!("{:.1}%", x * 100.0))
}

fn print_rows(title: &str, unknown: &str, rows: &[AgentMetrics], total: &AgentMetrics) {
    println!(
        "  {:<24} {:>8} {:>8} {:>8} {:>7} {:>9} {:>8} {:>8}",
        title, "sessions", "in 3min", "rate", "rated", "satisfied", "share", "csat"
    );
    for m in rows.iter().chain(std::iter::once(total)) {
        let key = if std::ptr::eq(m, total) {
            "total"
        } else {
            m.key.as_deref().unwrap_or(unknown)
        };
        println!(
            "  {:<24} {:>8} {:>8} {:>8} {:>7} {:>9} {:>8} {:>8}",
            key,
            m.sessions,
            m.answered_within_3min,
            percent(m.response_3min_rate),
            m.rated,
            m.satisfied,
            percent(m.session_share),
            percent(m.satisfaction),
        );
    }
}

fn print_report(r: &AgentReport) {
    println!(
        "shop {} as of {}: chats of days {}..={} (answered within {} s), ratings of days {}..={} (satisfied: {}+ stars)",
        r.shop_id,
        r.as_of,
        r.response_window[0],
        r.response_window[1],
        r.response_within_secs,
        r.satisfaction_window[0],
        r.satisfaction_window[1],
        r.satisfied_min_rating,
    );
    print_rows("agent", "(unknown)", &r.agents, &r.total);
    println!();
    print_rows("certification", "(none)", &r.certifications, &r.total);
}
