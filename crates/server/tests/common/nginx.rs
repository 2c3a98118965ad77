//! A real nginx in front of Orderboard, configured with the shipped
//! `deploy/nginx/orderboard.conf` itself, for tests that go through a proxy.
//!
//! A test names the nodes; this writes what a deployment writes beside
//! nginx's main configuration file, `orderboard.d/nodes.conf` (the nodes)
//! and `orderboard.d/site.conf` (a `listen` on a free loopback port), and a
//! main `nginx.conf` that keeps the pid file, the logs and the temporary
//! files in a folder of its own and includes the shipped file unchanged.
//!
//! nginx runs in the foreground with a master process; it is stopped by the
//! pid of the process started here (the master then stops its workers), and
//! no nginx is ever looked for by name. Include with
//! `#[path = "../common/nginx.rs"] mod nginx;`.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long nginx may take to start listening, or to stop.
const PATIENCE: Duration = Duration::from_secs(15);

/// The shipped configuration, which tests use unchanged.
pub fn shipped_conf() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/nginx/orderboard.conf")
}

/// nginx's binary: Debian's, or the first on the PATH.
fn nginx_bin() -> PathBuf {
    for path in ["/usr/sbin/nginx", "/usr/bin/nginx"] {
        if Path::new(path).exists() {
            return path.into();
        }
    }
    if let Some(found) = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("nginx"))
            .find(|p| p.exists())
    }) {
        return found;
    }
    panic!("these tests need nginx: scripts/setup/nginx.sh installs it (Debian's nginx-light)");
}

/// A running nginx, stopped when dropped.
pub struct Nginx {
    child: Child,
    addr: SocketAddr,
    dir: tempfile::TempDir,
}

impl Nginx {
    /// nginx on a free loopback port, in front of these nodes.
    pub async fn start(nodes: &[SocketAddr]) -> Nginx {
        let lines: Vec<String> = nodes.iter().map(|n| format!("server {n};")).collect();
        Nginx::start_with_nodes(&lines).await
    }

    /// nginx in front of nodes given as upstream `server` lines, with any
    /// parameters (`max_fails=3`, `backup`).
    pub async fn start_with_nodes(server_lines: &[String]) -> Nginx {
        let mut last_error = String::new();
        // A free port is found by binding and letting go; another process
        // may take it in between, so a failed start is tried again.
        for _ in 0..5 {
            match Nginx::try_start(server_lines).await {
                Ok(nginx) => return nginx,
                Err(e) => last_error = e,
            }
        }
        panic!("nginx did not start: {last_error}");
    }

    async fn try_start(server_lines: &[String]) -> Result<Nginx, String> {
        let dir = tempfile::tempdir().unwrap();
        // nginx's workers run as an unprivileged user when it is started as
        // root; they must reach the temporary files' folders.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        write_config(dir.path(), server_lines, addr);
        let stderr = std::fs::File::create(dir.path().join("stderr.log")).unwrap();
        let mut child = Command::new(nginx_bin())
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("starting nginx: {e}"))?;
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!(
                    "nginx exited ({status}): {}{}",
                    read(&dir.path().join("stderr.log")),
                    read(&dir.path().join("error.log"))
                ));
            }
            // Listening, and it is this nginx: its pid file names it.
            let pid_written = read(&dir.path().join("nginx.pid")).trim() == child.id().to_string();
            if pid_written && tokio::net::TcpStream::connect(addr).await.is_ok() {
                return Ok(Nginx { child, addr, dir });
            }
            if Instant::now() > deadline {
                stop(&mut child);
                return Err(format!(
                    "nginx did not listen on {addr}: {}",
                    read(&dir.path().join("error.log"))
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The address nginx listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// nginx's error log so far: what it said about the nodes.
    pub fn error_log(&self) -> String {
        read(&self.dir.path().join("error.log"))
    }

    /// Stops nginx and waits for it.
    pub fn stop(mut self) {
        stop(&mut self.child);
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn write_config(dir: &Path, server_lines: &[String], addr: SocketAddr) {
    let d = dir.display();
    let conf = format!(
        r#"# Written by Orderboard's tests around deploy/nginx/orderboard.conf.
daemon off;
master_process on;
worker_processes 1;
pid "{d}/nginx.pid";
error_log "{d}/error.log" notice;

events {{
    worker_connections 1024;
}}

http {{
    access_log "{d}/access.log";
    client_body_temp_path "{d}/client_body";
    proxy_temp_path "{d}/proxy";
    fastcgi_temp_path "{d}/fastcgi";
    uwsgi_temp_path "{d}/uwsgi";
    scgi_temp_path "{d}/scgi";
    include "{shipped}";
}}
"#,
        shipped = shipped_conf().display()
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let site = dir.join("orderboard.d");
    std::fs::create_dir(&site).unwrap();
    let mut nodes = server_lines.join("\n");
    nodes.push('\n');
    std::fs::write(site.join("nodes.conf"), nodes).unwrap();
    std::fs::write(site.join("site.conf"), format!("listen {addr};\n")).unwrap();
}

/// SIGTERM to the nginx started here, by its pid: its master stops its
/// workers and exits. SIGKILL if it has not within the patience, then its
/// workers (which would outlive a killed master) by their pids.
fn stop(child: &mut Child) {
    if !matches!(child.try_wait(), Ok(None)) {
        return;
    }
    let pid = child.id();
    signal("TERM", &[pid]);
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        if !matches!(child.try_wait(), Ok(None)) {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let workers = children_of(pid);
    let _ = child.kill();
    signal("KILL", &workers);
    let _ = child.wait();
}

/// The processes whose parent is `pid`.
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return vec![];
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|p| {
            let stat = read(Path::new(&format!("/proc/{p}/stat")));
            // pid (comm) state ppid ...: the comm may hold spaces.
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
                == Some(pid)
        })
        .collect()
}

/// Sends SIGname to these pids, and only these.
fn signal(name: &str, pids: &[u32]) {
    if pids.is_empty() {
        return;
    }
    let _ = Command::new("kill")
        .arg(format!("-{name}"))
        .args(pids.iter().map(u32::to_string))
        .status();
}
