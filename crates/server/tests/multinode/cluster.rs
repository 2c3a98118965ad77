//! Several real `orderboard-server` processes on one real PostgreSQL, with
//! a real nginx in front: what a multi-node deployment runs.
//!
//! The PostgreSQL cluster is the test command's own (scripts/with-postgres
//! gives its URL in ORDERBOARD_TEST_DATABASE_URL); each test makes a fresh
//! database in it. A node is stopped with SIGKILL by its own pid, or
//! gracefully with SIGTERM; nothing is ever looked for by name.

use crate::postgres::fresh_database;
use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// How long a test waits for something that should happen soon before it
/// fails instead of hanging. Not a performance assertion.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// The staff passphrase every node is started with (multi-node mode needs one).
pub const PASSPHRASE: &str = "pass-the-falafel";

/// One `orderboard-server` process.
pub struct Node {
    pub addr: SocketAddr,
    child: Child,
    pub name: String,
}

impl Node {
    pub async fn start(name: &str, database_url: &str) -> Node {
        let mut child = Command::new(env!("CARGO_BIN_EXE_orderboard-server"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--database-url",
                database_url,
                "--staff-passphrase",
                PASSPHRASE,
                "--trusted-proxy",
                "127.0.0.1",
                "--heartbeat-secs",
                "1",
                "--retry-ms",
                "200",
                "--max-streams-per-client",
                "100000",
            ])
            .env("RUST_LOG", "warn,orderboard_server=info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("starting orderboard-server");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let addr = tokio::time::timeout(PATIENCE, async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(i) = line.find("listening on http://") {
                    return line[i + "listening on http://".len()..]
                        .trim()
                        .parse::<SocketAddr>()
                        .unwrap();
                }
                eprintln!("[{name}] {line}");
            }
            panic!("node {name} exited before listening")
        })
        .await
        .expect("the node listens");
        // Keep reading its log, so that it never blocks on a full pipe; its
        // warnings show with the test's output.
        let tag = name.to_string();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                eprintln!("[{tag}] {line}");
            }
        });
        Node {
            addr,
            child,
            name: name.to_string(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `kill -9`: the process ends at once, mid-request.
    pub async fn kill(&mut self) {
        self.child.start_kill().unwrap();
        self.child.wait().await.unwrap();
    }

    /// SIGTERM, and waits for it to stop.
    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        let stopped = tokio::time::timeout(PATIENCE, self.child.wait()).await;
        if stopped.is_err() {
            self.kill().await;
            panic!("node {} did not stop on SIGTERM", self.name);
        }
    }
}

/// N nodes on one fresh database.
pub struct Cluster {
    pub database_url: String,
    pub nodes: Vec<Node>,
}

impl Cluster {
    pub async fn start(admin: &str, database: &str, n: usize) -> Cluster {
        let database_url = fresh_database(admin, database).await;
        let mut nodes = Vec::new();
        for i in 0..n {
            // One at a time: each migrates (the first does the work).
            nodes.push(Node::start(&format!("node{}", i + 1), &database_url).await);
        }
        Cluster {
            database_url,
            nodes,
        }
    }

    pub fn addrs(&self) -> Vec<SocketAddr> {
        self.nodes.iter().map(|n| n.addr).collect()
    }

    /// A direct connection to the database, for checking what it holds.
    pub async fn sql(&self) -> sqlx::PgPool {
        sqlx::PgPool::connect(&self.database_url).await.unwrap()
    }
}
