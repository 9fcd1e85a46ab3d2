//! reference-server: an implementation of the whole HTTP API Specs v1 guide on embedded
//! SQLite, used as the target specgate certifies on every push.
//!
//! Use it as a library to boot a server in-process:
//! ```no_run
//! # async fn f() -> Result<(), reference_server::server::StartError> {
//! let mut config = reference_server::Config::default();
//! config.addr = ([127, 0, 0, 1], 0).into(); // ephemeral port
//! let (server, seed) = reference_server::start_seeded(config).await?;
//! println!("{} {}", server.base_url, seed.tokens["full"].token);
//! # Ok(()) }
//! ```

pub mod auth;
pub mod config;
pub mod db;
pub mod faults;
pub mod files;
pub mod handlers;
pub mod idempotency;
pub mod jobs;
pub mod links;
pub mod middleware;
pub mod model;
pub mod problem;
pub mod query;
pub mod ratelimit;
pub mod seed;
pub mod server;
pub mod state;
pub mod ui;
pub mod util;
pub mod validate;
pub mod webhooks;

pub use config::Config;
pub use seed::SeedOutput;
pub use server::{RunningServer, StartError, start, start_seeded};
