//! The servers under test, as separate processes, and what /proc says of them.
//!
//! Orderboard runs as its release `orderboard-server` binary on a fresh SQLite
//! file, or as one of several nodes on a PostgreSQL database; Nchan runs as
//! nginx with `bench/nchan/nginx.conf`. Both listen on
//! 127.0.0.1 only. Memory is resident set size, CPU is user + system time,
//! summed over every process of the server (nginx's master and workers).

use anyhow::{bail, Context};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub struct ServerProcess {
    pub addr: SocketAddr,
    child: Child,
    _dir: tempfile::TempDir,
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl ServerProcess {
    /// A single server on a fresh SQLite file.
    pub async fn orderboard(bin: &Path) -> anyhow::Result<ServerProcess> {
        let dir = tempfile::tempdir()?;
        let db = dir.path().join("bench.db");
        let db = db.to_str().context("a temporary path that is UTF-8")?;
        ServerProcess::orderboard_with(bin, &["--db", db], dir).await
    }

    /// One node of several on PostgreSQL (`database_url`), with the staff
    /// passphrase that this mode requires.
    pub async fn orderboard_node(
        bin: &Path,
        database_url: &str,
        passphrase: &str,
    ) -> anyhow::Result<ServerProcess> {
        let args = [
            "--database-url",
            database_url,
            "--staff-passphrase",
            passphrase,
        ];
        ServerProcess::orderboard_with(bin, &args, tempfile::tempdir()?).await
    }

    async fn orderboard_with(
        bin: &Path,
        args: &[&str],
        dir: tempfile::TempDir,
    ) -> anyhow::Result<ServerProcess> {
        let mut child = Command::new(bin)
            // Every simulated screen comes from loopback: lift the stream caps.
            .args([
                "--listen",
                "127.0.0.1:0",
                "--max-streams",
                "1000000",
                "--max-streams-per-client",
                "1000000",
            ])
            .args(args)
            .env("RUST_LOG", "warn,orderboard_server=info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let addr = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await? {
                if let Some(i) = line.find("listening on http://") {
                    return Ok(line[i + "listening on http://".len()..].trim().parse()?);
                }
            }
            bail!("orderboard-server exited before listening")
        })
        .await??;
        // Keep draining its log so that it never blocks on a full pipe;
        // warnings, errors and panics are shown.
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                if line.contains(" WARN ") || line.contains(" ERROR ") || line.contains("panicked")
                {
                    eprintln!("orderboard-server: {line}");
                }
            }
        });
        Ok(ServerProcess {
            addr,
            child,
            _dir: dir,
        })
    }

    pub async fn nchan(config_template: &Path) -> anyhow::Result<ServerProcess> {
        let dir = tempfile::tempdir()?;
        let port = free_port()?;
        let config = std::fs::read_to_string(config_template)?
            .replace("@PREFIX@", &dir.path().display().to_string())
            .replace("@PORT@", &port.to_string());
        let conf_path = dir.path().join("nginx.conf");
        std::fs::write(&conf_path, config)?;
        let child = Command::new(nginx_bin())
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf_path)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .context("starting nginx")?;
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                return Ok(ServerProcess {
                    addr,
                    child,
                    _dir: dir,
                });
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        bail!(
            "nginx did not start listening on {addr}; see {}",
            dir.path().join("error.log").display()
        )
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    fn pids(&self) -> Vec<u32> {
        // nginx workers are children of the master.
        self.child.id().map(with_children).unwrap_or_default()
    }

    /// Resident memory of all the server's processes, in KiB.
    pub fn rss_kib(&self) -> u64 {
        self.pids()
            .iter()
            .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/status")).ok())
            .filter_map(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|v| v.parse::<u64>().ok())
            })
            .sum()
    }

    /// User + system CPU time of all the server's processes, in seconds.
    pub fn cpu_seconds(&self) -> f64 {
        self.pids()
            .iter()
            .map(|pid| cpu_seconds_of(&pid.to_string()))
            .sum()
    }

    /// Stops the server: `SIGTERM` to the process this harness started, by
    /// its pid, and `SIGKILL` if it has not exited 10 s later. nginx's
    /// workers are its children and do not die with a killed master, so
    /// they are killed too, by the pids read from /proc while the master
    /// still ran. No process is looked for by name: another nginx on the
    /// machine is never touched.
    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            signal("TERM", &[pid]);
        }
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .is_err()
        {
            self.kill_all();
            let _ = self.child.wait().await;
        }
    }

    /// `kill -9` of the server's process, by its pid; returns once it is gone.
    pub async fn kill9(mut self) -> anyhow::Result<()> {
        self.child.start_kill()?;
        self.child.wait().await?;
        Ok(())
    }

    /// `SIGKILL` to the server's process and its children, by pid.
    fn kill_all(&mut self) {
        let children: Vec<u32> = self.pids().into_iter().skip(1).collect();
        let _ = self.child.start_kill();
        signal("KILL", &children);
    }
}

impl Drop for ServerProcess {
    /// A server left running when a run fails: its process (and nginx's
    /// workers) are killed, by pid, rather than left serving.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.kill_all();
        }
    }
}

/// Sends `SIGname` to these pids, and only these.
fn signal(name: &str, pids: &[u32]) {
    if pids.is_empty() {
        return;
    }
    let _ = std::process::Command::new("kill")
        .arg(format!("-{name}"))
        .args(pids.iter().map(u32::to_string))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// User + system CPU time of this process (the load generator), in seconds:
/// server and load share the machine's cores, so what one spends the other
/// cannot.
pub fn own_cpu_seconds() -> f64 {
    cpu_seconds_of("self")
}

/// The kernel's count of connections refused because a listen queue was
/// full (`ListenOverflows` in /proc/net/netstat): the whole machine's,
/// since it started.
pub fn listen_overflows() -> Option<u64> {
    let netstat = std::fs::read_to_string("/proc/net/netstat").ok()?;
    let mut tcp_ext = netstat.lines().filter(|l| l.starts_with("TcpExt:"));
    let (names, values) = (tcp_ext.next()?, tcp_ext.next()?);
    let i = names
        .split_whitespace()
        .position(|n| n == "ListenOverflows")?;
    values.split_whitespace().nth(i)?.parse().ok()
}

/// The kernel's slab memory (`Slab` in /proc/meminfo), in KiB: where its
/// socket structures live. The whole machine's.
pub fn kernel_slab_kib() -> Option<u64> {
    std::fs::read_to_string("/proc/meminfo")
        .ok()?
        .lines()
        .find(|l| l.starts_with("Slab:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// `root` and the processes whose parent it is.
fn with_children(root: u32) -> Vec<u32> {
    let mut pids = vec![root];
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) {
                if stat_field(&stat, 4) == Some(root as u64) {
                    pids.push(pid);
                }
            }
        }
    }
    pids
}

/// User + system CPU time of a process that this harness did not start
/// (PostgreSQL's postmaster) and of its children, in seconds. Only read
/// from /proc; children that have exited are not counted.
pub fn tree_cpu_seconds(root: u32) -> f64 {
    with_children(root)
        .iter()
        .map(|pid| cpu_seconds_of(&pid.to_string()))
        .sum()
}

/// User + system CPU time of `/proc/{pid}`, in seconds (0 if it is gone).
fn cpu_seconds_of(pid: &str) -> f64 {
    let ticks = 100.0; // USER_HZ on Linux
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .map(|s| (stat_field(&s, 14).unwrap_or(0) + stat_field(&s, 15).unwrap_or(0)) as f64 / ticks)
        .unwrap_or(0.0)
}

/// Field `n` of /proc/PID/stat, numbered from 1 as in proc(5): 4 is the
/// parent's pid, 14 and 15 are user and system time in ticks.
fn stat_field(stat: &str, n: usize) -> Option<u64> {
    // The command name (field 2) may hold spaces; field 3 starts after its ')'.
    let from_field_3 = &stat[stat.rfind(')')? + 2..];
    from_field_3
        .split_whitespace()
        .nth(n - 3)
        .and_then(|v| v.parse().ok())
}

fn nginx_bin() -> PathBuf {
    ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| "nginx".into())
}
