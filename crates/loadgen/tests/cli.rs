//! The command line: it refuses targets that are not this computer, and bad
//! options, with exit status 2 and a clear message, before sending anything.

use std::process::Command;

fn loadgen(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_orderboard-loadgen"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn refuses_a_remote_target_without_allow_remote() {
    let (code, err) = loadgen(&["--target", "http://10.0.0.1:7878", "--duration", "1s"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("refusing to load 10.0.0.1") && err.contains("--allow-remote"),
        "{err}"
    );
}

#[test]
fn refuses_bad_options() {
    for args in [
        &["--transport", "carrier-pigeon"][..],
        &["--clients", "0"],
        &["--clients", "50001"],
        &["--duration", "2h"],
        &["--sources", "4", "--target", "http://localhost:7878"],
    ] {
        let (code, err) = loadgen(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains("error"), "{args:?}: {err}");
    }
}
