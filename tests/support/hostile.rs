//! Hostile targets for `tests/hostile.rs`: a raw TCP server that answers each request with
//! bytes the test chose (broken on purpose: dripped, cut, reset, oversized, invalid), and a
//! runner that starts the real `specgate` binary, kills it past a hard limit, and reads its
//! peak RSS from `wait4`.

use std::io::Read;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path and query as sent.
    pub target: String,
    /// The raw request head and body (lossy UTF-8), to look for a token anywhere in it.
    pub raw: String,
}

impl Request {
    /// A header's value (first occurrence, name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.raw
            .split("\r\n\r\n")
            .next()
            .unwrap_or("")
            .lines()
            .skip(1)
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
            })
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

/// What the server does with one request; the connection is closed afterwards.
pub enum Reply {
    /// These bytes at once.
    Raw(Vec<u8>),
    /// `head` at once, then `body` one byte every `every`.
    Drip {
        head: Vec<u8>,
        body: Vec<u8>,
        every: Duration,
    },
    /// `head` at once, then `len` bytes of filler made on the fly (never held in memory), in
    /// chunked transfer coding when `chunked` (the head must say so).
    Stream {
        head: Vec<u8>,
        len: u64,
        chunked: bool,
    },
    /// These bytes, then a TCP reset (SO_LINGER 0) instead of an orderly close.
    Reset(Vec<u8>),
}

pub type Responder = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

/// A raw HTTP/1.1 server on its own address.
pub struct RawServer {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    /// Bytes of `Reply::Stream` filler written, over every connection, before each reader
    /// went away.
    streamed: Arc<Mutex<u64>>,
    task: JoinHandle<()>,
}

impl RawServer {
    /// Listens on `ip`:ephemeral and answers every request with `respond`.
    pub async fn start(
        ip: [u8; 4],
        respond: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> RawServer {
        let listener = TcpListener::bind(SocketAddr::from((ip, 0)))
            .await
            .expect("bind the hostile server");
        let addr = listener.local_addr().expect("local address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let streamed = Arc::new(Mutex::new(0));
        let respond: Responder = Arc::new(respond);
        let (reqs, strm) = (requests.clone(), streamed.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let (respond, reqs, strm) = (respond.clone(), reqs.clone(), strm.clone());
                tokio::spawn(async move {
                    serve(sock, respond, reqs, strm).await;
                });
            }
        });
        RawServer {
            addr,
            requests,
            streamed,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("lock").clone()
    }

    pub fn streamed(&self) -> u64 {
        *self.streamed.lock().expect("lock")
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    mut sock: TcpStream,
    respond: Responder,
    requests: Arc<Mutex<Vec<Request>>>,
    streamed: Arc<Mutex<u64>>,
) {
    let Some(req) = read_request(&mut sock).await else {
        return;
    };
    requests.lock().expect("lock").push(req.clone());
    match respond(&req) {
        Reply::Raw(bytes) => {
            let _ = sock.write_all(&bytes).await;
            let _ = sock.shutdown().await;
        }
        Reply::Drip { head, body, every } => {
            if sock.write_all(&head).await.is_err() {
                return;
            }
            for b in body {
                if sock.write_all(&[b]).await.is_err() || sock.flush().await.is_err() {
                    return;
                }
                tokio::time::sleep(every).await;
            }
        }
        Reply::Stream { head, len, chunked } => {
            if sock.write_all(&head).await.is_err() {
                return;
            }
            let filler = vec![b'a'; 64 * 1024];
            let mut sent = 0u64;
            while sent < len {
                let n = filler.len().min((len - sent) as usize);
                let mut piece = Vec::with_capacity(n + 16);
                if chunked {
                    piece.extend_from_slice(format!("{n:x}\r\n").as_bytes());
                }
                piece.extend_from_slice(&filler[..n]);
                if chunked {
                    piece.extend_from_slice(b"\r\n");
                }
                if sock.write_all(&piece).await.is_err() {
                    break;
                }
                sent += n as u64;
                *streamed.lock().expect("lock") += n as u64;
            }
            if chunked && sent == len {
                let _ = sock.write_all(b"0\r\n\r\n").await;
            }
            let _ = sock.shutdown().await;
        }
        Reply::Reset(bytes) => {
            let _ = sock.write_all(&bytes).await;
            let _ = sock.flush().await;
            // Let the client read what was sent, then abort the connection.
            tokio::time::sleep(Duration::from_millis(50)).await;
            reset(sock);
        }
    }
}

/// Closes with a TCP reset: SO_LINGER 0 discards the send buffer and sends RST.
#[expect(
    deprecated,
    reason = "linger 0 resets at once; the blocking-on-drop concern is about linger > 0"
)]
fn reset(sock: TcpStream) {
    let _ = sock.set_linger(Some(Duration::ZERO));
    drop(sock);
}

/// Reads one request head (and a Content-Length body).
async fn read_request(sock: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 1 << 20 {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut request_line = head.lines().next().unwrap_or("").split(' ');
    let method = request_line.next().unwrap_or("").to_string();
    let target = request_line.next().unwrap_or("").to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(Request {
        method,
        target,
        raw: String::from_utf8_lossy(&buf).into_owned(),
    })
}

/// A response head: status line, the given headers, `Connection: close`.
pub fn head(status: &str, headers: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n").into_bytes();
    for (k, v) in headers {
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(v);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"connection: close\r\n\r\n");
    out
}

/// A complete response with a body and its Content-Length.
pub fn response(status: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = head(
        status,
        &[
            ("content-type", content_type.as_bytes()),
            ("content-length", body.len().to_string().as_bytes()),
        ],
    );
    out.extend_from_slice(body);
    out
}

/// `200 {"status": "ok"}`, what the reachability probe and health paths get when they are not
/// the case under test.
pub fn healthy() -> Reply {
    Reply::Raw(response(
        "200 OK",
        "application/json",
        br#"{"status": "ok"}"#,
    ))
}

/// How one run of the binary ended.
#[derive(Debug)]
pub struct Ran {
    /// The exit code, or minus the signal that ended the process.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub wall: Duration,
    /// Peak resident set size in bytes (`wait4`'s `ru_maxrss`). Linux carries the spawning
    /// process's high-water mark into it across `exec` (posix_spawn shares the parent's memory
    /// until then), so it is an upper bound: never below [`floor`](Self::floor).
    pub max_rss: u64,
    /// The child's own peak RSS (`VmHWM` of its post-exec memory) as last sampled while it
    /// ran: a lower bound, close to the peak (samples every 5 ms).
    pub sampled: u64,
    /// This test process's own peak RSS when the child started.
    pub floor: u64,
}

impl Ran {
    /// Console output and error output together.
    pub fn output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// Runs `specgate ARGS` in `dir` with `env`, killing it after `limit`. Blocks a thread of its
/// own, so call it from `tokio::task::spawn_blocking` while servers run on the runtime.
pub fn run_specgate(args: &[&str], dir: &Path, env: &[(&str, &str)], limit: Duration) -> Ran {
    let started = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_specgate"));
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (role, _) in specgate::config::ROLES {
        cmd.env_remove(format!("SPECGATE_TOKEN_{}", role.to_ascii_uppercase()));
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let floor = own_peak_rss();
    let mut child = cmd.spawn().expect("start specgate");
    let pid = child.id() as libc::pid_t;
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = r.read_to_end(&mut s);
            String::from_utf8_lossy(&s).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout")));
    let err = drain(Box::new(child.stderr.take().expect("stderr")));
    // The watchdog samples the child's own VmHWM every few milliseconds and kills it past
    // `limit`. `exited` is set (under the lock) before the child is reaped, and the watchdog
    // touches the pid only under the lock while it is unset: never a recycled pid.
    let exited = Arc::new(Mutex::new(false));
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let watchdog = {
        let exited = exited.clone();
        std::thread::spawn(move || {
            let deadline = started + limit;
            let mut sampled = 0;
            loop {
                let now = Instant::now();
                let done = exited.lock().expect("lock");
                if *done {
                    return sampled;
                }
                sampled = sampled.max(peak_rss_of(&format!("/proc/{pid}/status")));
                if now >= deadline {
                    // SAFETY: `pid` is our child and not yet reaped (see `exited`).
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                    return sampled;
                }
                drop(done);
                if rx.recv_timeout(Duration::from_millis(5)).is_ok() {
                    return sampled;
                }
            }
        })
    };
    // SAFETY: plain syscalls on our own child's pid with valid out-pointers.
    unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        while libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOWAIT,
        ) != 0
        {
            assert_eq!(
                std::io::Error::last_os_error().kind(),
                std::io::ErrorKind::Interrupted
            );
        }
    }
    *exited.lock().expect("lock") = true;
    let _ = tx.send(());
    let wall = started.elapsed();
    let mut status = 0;
    // SAFETY: as above; `rusage` is plain data.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4: {}", std::io::Error::last_os_error());
    let sampled = watchdog.join().expect("watchdog");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    // `child` was reaped by wait4; dropping it neither waits nor kills.
    drop(child);
    Ran {
        code,
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
        wall,
        max_rss: usage.ru_maxrss as u64 * 1024,
        sampled,
        floor,
    }
}

/// This (test) process's peak RSS in bytes.
fn own_peak_rss() -> u64 {
    peak_rss_of("/proc/self/status")
}

/// `VmHWM` of a `/proc/PID/status` file in bytes; 0 where it is missing (no /proc, or the
/// process has exited).
fn peak_rss_of(status: &str) -> u64 {
    std::fs::read_to_string(status)
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kib| kib * 1024)
}
