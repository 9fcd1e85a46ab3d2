//! specgate CLI (the harness lands with the core issue; until then this binary only says so).

use std::process::ExitCode;

/// Exit code for bad usage.
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    eprintln!(
        "specgate: the conformance harness is not implemented yet.\n\
         The reference server is: cargo run -p reference-server -- serve --seed-out specgate.toml"
    );
    ExitCode::from(EXIT_USAGE)
}
