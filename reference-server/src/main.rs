//! `reference-server` CLI: `serve` and `seed`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use reference_server::{Config, server};

/// Exit codes.
const EXIT_OK: u8 = 0;
const EXIT_FAILURE: u8 = 1;
const EXIT_USAGE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "reference-server",
    version,
    about = "Reference implementation of the HTTP API Specs v1 guide (axum + embedded SQLite)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API.
    Serve(Box<ServeArgs>),
    /// Create two workspaces and the tokens a full certification needs; write them to a
    /// specgate config file.
    Seed {
        /// SQLite database file (created and migrated if missing).
        #[arg(long)]
        db: PathBuf,
        /// Where to write the specgate config.
        #[arg(long, default_value = "specgate.toml")]
        out: PathBuf,
        /// Base URL to record in the config (e.g. http://127.0.0.1:8080).
        #[arg(long)]
        base_url: Option<String>,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on (port 0 = ephemeral).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// SQLite database file; in-memory when omitted.
    #[arg(long)]
    db: Option<PathBuf>,
    /// Seed workspaces and tokens at start and write a specgate config here (useful with the
    /// in-memory database).
    #[arg(long)]
    seed_out: Option<PathBuf>,
    /// Directory holding openapi.yaml and API.md (read from disk on each request).
    #[arg(long, default_value = env!("CARGO_MANIFEST_DIR"))]
    docs_dir: PathBuf,
    /// TLS certificate (PEM); serve HTTPS together with --tls-key.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// With TLS: also listen here on plain HTTP and redirect every request to HTTPS.
    #[arg(long, requires = "tls_cert")]
    http_redirect_addr: Option<SocketAddr>,
    /// Allowed CORS origin (repeatable).
    #[arg(long = "cors-origin")]
    cors_origins: Vec<String>,
    /// Default rate limit per token, requests per minute.
    #[arg(long, default_value_t = 240)]
    rate_limit: u32,
    /// Default burst per token, requests per second.
    #[arg(long, default_value_t = 40)]
    burst: u32,
    /// Deprecate /api/v1 with this sunset date (YYYY-MM-DD): adds Deprecation, Sunset, Warning.
    #[arg(long)]
    sunset: Option<chrono::NaiveDate>,
    /// Webhook retry delays in seconds, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "60,300,1800,7200,86400")]
    webhook_schedule: Vec<u64>,
    /// Delay of each async job step, in milliseconds.
    #[arg(long, default_value_t = 150)]
    job_step_ms: u64,
    /// Break one rule on purpose (repeatable; for specgate's own tests).
    #[arg(long = "fault")]
    faults: Vec<String>,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,reference_server=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: failed to start the async runtime: {e}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    match cli.command {
        Command::Serve(args) => rt.block_on(serve(*args)),
        Command::Seed { db, out, base_url } => {
            let config = Config {
                db_path: Some(db.clone()),
                ..Config::default()
            };
            let result = reference_server::db::Db::open(Some(&db))
                .map_err(|e| e.to_string())
                .and_then(|d| {
                    let conn = d.lock().map_err(|e| e.to_string())?;
                    reference_server::seed::seed(&conn, &config)
                        .map_err(|e| format!("failed to seed: {e}"))
                })
                .and_then(|s| {
                    std::fs::write(&out, s.to_specgate_toml(base_url.as_deref()))
                        .map_err(|e| format!("failed to write {}: {e}", out.display()))
                });
            match result {
                Ok(()) => {
                    eprintln!(
                        "seeded {}; tokens written to {}",
                        db.display(),
                        out.display()
                    );
                    ExitCode::from(EXIT_OK)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(EXIT_USAGE)
                }
            }
        }
    }
}

async fn serve(args: ServeArgs) -> ExitCode {
    let mut config = Config {
        addr: args.addr,
        db_path: args.db,
        docs_dir: args.docs_dir,
        rate_limit: args.rate_limit,
        burst: args.burst,
        sunset: args.sunset,
        webhook_schedule: args
            .webhook_schedule
            .into_iter()
            .map(Duration::from_secs)
            .collect(),
        job_step: Duration::from_millis(args.job_step_ms),
        faults: args.faults.into_iter().collect(),
        tls: args.tls_cert.zip(args.tls_key),
        ..Config::default()
    };
    if !args.cors_origins.is_empty() {
        config.cors_origins = args.cors_origins;
    }
    let started = if args.seed_out.is_some() {
        server::start_seeded(config)
            .await
            .map(|(s, seed)| (s, Some(seed)))
    } else {
        server::start(config).await.map(|s| (s, None))
    };
    let (running, seed) = match started {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if let (Some(path), Some(seed)) = (&args.seed_out, &seed) {
        if let Err(e) = std::fs::write(path, seed.to_specgate_toml(Some(&running.base_url))) {
            eprintln!("error: failed to write {}: {e}", path.display());
            return ExitCode::from(EXIT_USAGE);
        }
        eprintln!("tokens written to {}", path.display());
    }
    if let Some(addr) = args.http_redirect_addr {
        if let Err(e) = server::serve_https_redirect(addr, running.addr.port()).await {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    }
    eprintln!("reference-server listening on {}", running.base_url);
    tokio::select! {
        _ = running.wait() => ExitCode::from(EXIT_FAILURE),
        _ = tokio::signal::ctrl_c() => ExitCode::from(EXIT_OK),
    }
}
