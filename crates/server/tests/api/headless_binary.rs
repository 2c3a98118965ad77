//! The `orderboard-server` binary itself: its help, its log line with the
//! bound address, and a prompt exit on SIGTERM with streams open.

use crate::support::{SseClient, PATIENCE};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_orderboard-server");

/// Starts the binary on a free port and this database; returns it, its base
/// URL (read from its log), the log lines before that, and the rest of its
/// log, line by line.
fn start(
    db: &std::path::Path,
    args: &[&str],
) -> (
    std::process::Child,
    String,
    Vec<String>,
    std::sync::mpsc::Receiver<String>,
) {
    let mut child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .arg("--db")
        .arg(db)
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut before = Vec::new();
    let base = loop {
        let line = rx
            .recv_timeout(PATIENCE)
            .expect("the server logs its address");
        before.push(line.clone());
        if let Some(i) = line.find("listening on http://") {
            break line[i + "listening on ".len()..].trim().to_string();
        }
    };
    (child, base, before, rx)
}

#[test]
fn help_explains_the_options() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "--db",
        "ORDERBOARD_DB",
        "--listen",
        "ORDERBOARD_LISTEN",
        "--heartbeat-secs",
        "Server-Sent Events",
    ] {
        assert!(help.contains(needle), "--help mentions {needle}: {help}");
    }
}

#[test]
fn multi_node_mode_refuses_to_start_without_a_staff_passphrase() {
    let mut child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0"])
        .args(["--database-url", "postgres://127.0.0.1:1/x"])
        .env_remove("ORDERBOARD_STAFF_PASSPHRASE")
        .env_remove("ORDERBOARD_DB")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        if started.elapsed() > PATIENCE {
            let _ = child.kill();
            panic!("the server did not refuse to start");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!exit.success(), "{exit:?}: {stderr}");
    for needle in ["--staff-passphrase", "passphrase", "--database-url"] {
        assert!(
            stderr.contains(needle),
            "the refusal names {needle}: {stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_open_streams_and_exits_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base, before, rx) = start(&dir.path().join("bin.db"), &[]);
    let mut staff = SseClient::connect(&format!("{base}/api/events"), None).await;
    let mut board = SseClient::connect(&format!("{base}/api/board/events"), None).await;
    staff.next().await.unwrap();
    board.next().await.unwrap();

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    staff.expect_end().await;
    board.expect_end().await;
    let started = std::time::Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "the server did not exit after SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(exit.success(), "{exit:?}");
    let rest: Vec<String> = rx.try_iter().collect();
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");
    // Started without a staff passphrase, it says who may make staff
    // requests, before it listens.
    assert!(
        before
            .iter()
            .any(|l| l.contains("only this computer (loopback) may make staff requests")),
        "{before:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_starts_the_demo_driver_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--demo", "--demo-speed", "100", "--demo-seed", "3"];
    let (mut child, base, _before, _log) = start(&dir.path().join("demo.db"), &args);
    // Orders arrive on their own, and the board sees them.
    let mut board = SseClient::connect(&format!("{base}/api/board/events"), None).await;
    board.next().await.unwrap();
    let event = board.next().await.expect("a demo order reaches the board");
    assert_eq!(event.event, "order");
    let demo: orderboard_model::DemoStatus = reqwest::get(format!("{base}/api/demo"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        demo.running && demo.seed == 3 && demo.speed == 100.0,
        "{demo:?}"
    );

    // A speed out of range is refused at start, with a clear message.
    let bad = Command::new(BIN)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--demo",
            "--demo-speed",
            "0",
            "--db",
        ])
        .arg(dir.path().join("bad.db"))
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("speed"),
        "{bad:?}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}
