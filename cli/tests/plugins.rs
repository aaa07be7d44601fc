//! `truexp score --plugins DIR`: the bonus plugins as an operator deploys them,
//! built by `plugins/build.sh` into one directory.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn plugin_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("truexp-cli-plugins-{}", std::process::id()));
    let out = Command::new("sh")
        .arg(root().join("plugins/build.sh"))
        .arg(&dir)
        .output()
        .expect("run plugins/build.sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

#[test]
fn every_industry_plugin_earns_a_bonus_on_the_demo_data() {
    let dir = plugin_dir();
    let demo = root().join("examples/data/demo.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_truexp"))
        .args([
            "score",
            demo.to_str().unwrap(),
            "--json",
            "--quiet",
            "--plugins",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for plugin in ["maternity", "pet", "jewelry", "fresh"] {
        let earned = v["shops"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["add_ons"].as_array().unwrap())
            .filter(|a| a["name"] == plugin && a["points"].as_f64().unwrap() > 0.0)
            .count();
        assert!(earned > 0, "no shop earned the {plugin} bonus");
    }

    // a directory holding something that is not a plugin is refused, by file name
    std::fs::write(dir.join("libbogus.so"), b"not a library").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_truexp"))
        .args(["score", demo.to_str().unwrap(), "--quiet", "--plugins"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("libbogus.so"));
    let _ = std::fs::remove_dir_all(&dir);
}
