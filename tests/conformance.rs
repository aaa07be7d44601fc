//! Runs every case of `tests/cases/` through the three faces — the Rust
//! API, the C ABI (a C client compiled against `include/truexp.h` and
//! `libtruexp`) and the CLI (`truexp score --json`, `truexp price-protect
//! --auto --json`) — and compares every number the case names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use truexp_conformance::{
    add_payout, compare_agents, compare_claim, compare_deductions, compare_payouts, compare_score,
    deduction_totals, load_cases, Case,
};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// `target/<profile>`: cargo builds neither another package's binary nor a
/// cdylib for this test, so they are built here with the test's own profile
/// and target directory (cargo has released its lock by the time tests run).
fn built_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps")
        .to_path_buf();
    let profile = dir.file_name().unwrap().to_str().unwrap().to_owned();
    let target = dir.parent().expect("target dir");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for what in [
        &["-p", "truexp-ffi", "--lib"][..],
        &["-p", "truexp-cli", "--bin", "truexp"][..],
    ] {
        let mut cmd = Command::new(&cargo);
        cmd.args(["build", "-q"])
            .args(what)
            .arg("--target-dir")
            .arg(target)
            .current_dir(root());
        match profile.as_str() {
            "debug" => {}
            "release" => {
                cmd.arg("--release");
            }
            other => {
                cmd.args(["--profile", other]);
            }
        }
        run_ok(&mut cmd);
    }
    dir
}

fn c_client(lib: &Path) -> PathBuf {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("conformance");
    std::fs::create_dir_all(&out).unwrap();
    let exe = out.join("client");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    run_ok(
        Command::new(cc)
            .args(["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror"])
            .arg("-I")
            .arg(root().join("include"))
            .arg(root().join("tests/client.c"))
            .arg("-o")
            .arg(&exe)
            .arg("-L")
            .arg(lib)
            .arg("-ltruexp")
            .arg(format!("-Wl,-rpath,{}", lib.display())),
    );
    exe
}

fn rust_face(case: &Case, errors: &mut Vec<String>) {
    let cfg = truexp::Config::from_json(&case.config).expect("config");
    let mut engine = truexp::Engine::with_config(cfg).unwrap();
    let file = std::fs::File::open(&case.events).unwrap();
    let report = engine.ingest_jsonl(std::io::BufReader::new(file));
    assert!(
        report.rejected.is_empty(),
        "{}: {:?}",
        case.name,
        report.rejected
    );
    assert!(
        engine.pending().is_empty(),
        "{}: {:?}",
        case.name,
        engine.pending()
    );
    for check in &case.checks {
        let score = engine.score(&check.shop, check.as_of).unwrap();
        let v = serde_json::to_value(&score).unwrap();
        errors.extend(compare_score("rust", &case.name, check, &v));
        let agents = engine.agent_metrics(&check.shop, check.as_of).unwrap();
        let v = serde_json::to_value(&agents).unwrap();
        errors.extend(compare_agents("rust", &case.name, check, &v));
    }
    let mut totals = BTreeMap::new();
    let runs = engine.run_price_drops().unwrap();
    let book = engine.price_protection();
    for p in runs.iter().flat_map(|r| &r.payouts) {
        add_payout(
            &mut totals,
            book.order_id(p.order),
            u64::from(p.line),
            p.assessment.payout.minor_units(),
        );
    }
    errors.extend(compare_payouts("rust", case, &totals));
    let records = serde_json::json!({ "deductions": book.deduction_records() });
    errors.extend(compare_deductions(
        "rust",
        case,
        &deduction_totals(&records),
    ));
    for check in &case.claims {
        let text = std::fs::read_to_string(&check.file).unwrap();
        let claim: truexp::price_protection::Claim =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", check.file.display()));
        let answer = truexp::price_protection::assess_claim(&claim).unwrap();
        let v = serde_json::to_value(&answer).unwrap();
        errors.extend(compare_claim("rust", case, check, &v));
    }
}

fn c_face(client: &Path, case: &Case, config: &Path, errors: &mut Vec<String>) {
    let mut cmd = Command::new(client);
    cmd.arg(config).arg(&case.events);
    for check in &case.checks {
        cmd.arg(&check.shop).arg(check.as_of.to_string());
    }
    let out = run_ok(&mut cmd);
    let mut parts = out.split("\n---\n");
    for check in &case.checks {
        let text = parts.next().expect("one explanation per check");
        let mut lines = text.trim_start().lines();
        let json = (lines.next())
            .and_then(|l| l.strip_prefix("explain "))
            .expect("explain line");
        let v: Value = serde_json::from_str(json).expect("explain JSON");
        errors.extend(compare_score("c", &case.name, check, &v["score"]));
        let json = (lines.next())
            .and_then(|l| l.strip_prefix("agents "))
            .expect("agents line");
        let v: Value = serde_json::from_str(json).expect("agents JSON");
        errors.extend(compare_agents("c", &case.name, check, &v));
    }
    let mut totals = BTreeMap::new();
    let mut deductions = None;
    for line in parts.flat_map(str::lines) {
        if let Some(json) = line.strip_prefix("deductions ") {
            let v: Value = serde_json::from_str(json).expect("deductions JSON");
            deductions = Some(deduction_totals(&v));
            continue;
        }
        let f: Vec<&str> = line.split(' ').collect();
        if let ["payout", order, line, payout] = f[..] {
            add_payout(
                &mut totals,
                order,
                line.parse().unwrap(),
                payout.parse().unwrap(),
            );
        }
    }
    errors.extend(compare_payouts("c", case, &totals));
    let deductions = deductions.expect("a deductions line from the C client");
    errors.extend(compare_deductions("c", case, &deductions));
}

fn cli_face(truexp: &Path, case: &Case, config: &Path, errors: &mut Vec<String>) {
    for check in &case.checks {
        let out = run_ok(
            Command::new(truexp)
                .arg("score")
                .arg(&case.events)
                .args(["--as-of", &check.as_of.to_string(), "--json", "--strict"])
                .arg("--config")
                .arg(config),
        );
        let v: Value = serde_json::from_str(&out).unwrap();
        let shop = v["shops"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["shop_id"] == check.shop.as_str()))
            .unwrap_or_else(|| panic!("{}: shop {} in the CLI output", case.name, check.shop));
        errors.extend(compare_score("cli", &case.name, check, shop));
        if check.expect.get("agents").is_some() || check.expect.get("certifications").is_some() {
            let out = run_ok(
                Command::new(truexp)
                    .arg("agents")
                    .arg(&case.events)
                    .arg(&check.shop)
                    .args(["--as-of", &check.as_of.to_string(), "--json", "--strict"])
                    .arg("--config")
                    .arg(config),
            );
            let v: Value = serde_json::from_str(&out).unwrap();
            errors.extend(compare_agents("cli", &case.name, check, &v));
        }
    }
    if case.payouts.is_some() || case.deductions.is_some() {
        let out = run_ok(
            Command::new(truexp)
                .args(["price-protect", "--auto"])
                .arg(&case.events)
                .arg("--json"),
        );
        let v: Value = serde_json::from_str(&out).unwrap();
        let mut totals = BTreeMap::new();
        for p in v["payouts"].as_array().unwrap() {
            add_payout(
                &mut totals,
                p["order_id"].as_str().unwrap(),
                p["line"].as_u64().unwrap(),
                p["payout"].as_i64().unwrap(),
            );
        }
        errors.extend(compare_payouts("cli", case, &totals));
        errors.extend(compare_deductions("cli", case, &deduction_totals(&v)));
    }
    for check in &case.claims {
        let out = run_ok(
            Command::new(truexp)
                .args(["price-protect", "--claim"])
                .arg(&check.file)
                .arg("--json"),
        );
        let v: Value = serde_json::from_str(&out).unwrap();
        errors.extend(compare_claim("cli", case, check, &v));
    }
}

#[test]
fn every_case_through_every_face() {
    let cases = load_cases();
    assert!(cases.len() >= 8, "the suite lost cases: {}", cases.len());
    let dir = built_dir();
    let client = c_client(&dir);
    let truexp = dir.join("truexp");
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("conformance");
    std::fs::create_dir_all(&tmp).unwrap();
    let mut errors = Vec::new();
    for case in &cases {
        let config = tmp.join(format!("{}.config.json", case.name));
        std::fs::write(&config, &case.config).unwrap();
        rust_face(case, &mut errors);
        c_face(&client, case, &config, &mut errors);
        cli_face(&truexp, case, &config, &mut errors);
    }
    assert!(errors.is_empty(), "\n{}", errors.join("\n"));
}
