//! specgate CLI: parse arguments, call the library, map errors to exit codes.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use specgate::app::{self, CheckOptions, HarnessError};
use specgate::exit;
use specgate::run::Selection;

const AFTER_HELP: &str = "Exit codes:
  0  every MUST rule held
  1  a rule failed (a MUST rule; any rule with --strict)
  2  bad usage, bad configuration, or an unreadable/invalid OpenAPI document
  3  the target could not be reached
  130 interrupted (Ctrl-C); the records the run created were removed first";

#[derive(Parser)]
#[command(name = "specgate", version, about = "Certify a live JSON REST API against its style guide, driven by its OpenAPI document", after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct Common {
    /// Write a report: json=PATH or junit=PATH (repeatable).
    #[arg(long = "report", value_parser = app::parse_report_arg)]
    reports: Vec<(app::ReportFormat, PathBuf)>,
    /// Only rules whose id or family matches (glob, comma-separated or repeated).
    #[arg(long = "rules", value_delimiter = ',')]
    rules: Vec<String>,
    /// Leave out rules whose id or family matches (glob).
    #[arg(long = "exclude-rules", value_delimiter = ',')]
    exclude_rules: Vec<String>,
    /// Fail on SHOULD and MAY rules too.
    #[arg(long)]
    strict: bool,
    /// List passed rules as well.
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Certify a live target against the rules.
    #[command(after_help = AFTER_HELP)]
    Check {
        /// The OpenAPI document (path or URL).
        #[arg(long)]
        spec: Option<String>,
        /// The target's base URL (scheme and host; paths come from the document's servers).
        #[arg(long)]
        base_url: Option<String>,
        /// Config file (default: ./specgate.toml if present).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Seed of the run's random choices; the same seed replays the same requests.
        #[arg(long)]
        seed: Option<u64>,
        /// Boot the bundled reference server in-process and certify it.
        #[arg(long, conflicts_with_all = ["spec", "base_url", "config"])]
        reference: bool,
        /// Extra trusted CA certificate (PEM) for a private CA; verification is always on.
        #[arg(long)]
        ca_cert: Option<PathBuf>,
        /// Per-request timeout in seconds.
        #[arg(long)]
        timeout: Option<u64>,
        /// Generated cases per property rule (query grammar); a failure is shrunk to a minimal
        /// query and replayed with --seed.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        cases: Option<u32>,
        /// With --reference: turn on a named fault switch in the reference server (repeatable),
        /// to watch a rule fire.
        #[arg(long = "reference-fault", requires = "reference")]
        reference_faults: Vec<String>,
        /// With --reference: serve the API as deprecated (a sunset date, and a successor GA date
        /// 13 months before it), so the deprecation rules run.
        #[arg(long, requires = "reference")]
        reference_deprecated: bool,
        /// With --reference: serve it over TLS with a throwaway CA, redirecting a plain-HTTP port,
        /// so the https rules run.
        #[arg(long, requires = "reference")]
        reference_tls: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Run the static rules on an OpenAPI document.
    #[command(after_help = AFTER_HELP)]
    Lint {
        #[arg(long)]
        spec: String,
        #[command(flatten)]
        common: Common,
    },
    /// Prove the rules: certify the bundled reference server clean (every rule must hold), then
    /// with each catalogued mutant planted (its target rules must fail with evidence). Writes a
    /// markdown kill matrix; exits 1 when a mutant survives, the clean run fails, or an
    /// implemented rule has no mutant.
    #[command(after_help = AFTER_HELP)]
    Mutants {
        /// Only mutants whose name matches (glob, comma-separated or repeated).
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        /// Where to write the kill matrix.
        #[arg(long, default_value = "reports/mutants.md")]
        report: PathBuf,
        /// Mutants certified at the same time.
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
        jobs: u16,
        /// Seed of every run.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// List the catalogue instead of running it.
        #[arg(long)]
        list: bool,
    },
    /// List every rule: id, level, family, section, statement, needs, implemented, proven_by.
    Rules {
        #[arg(long, default_value = "table")]
        format: RulesFormat,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum RulesFormat {
    Table,
    Json,
}

fn options(common: Common) -> CheckOptions {
    CheckOptions {
        reports: common.reports,
        selection: Selection {
            include: common.rules,
            exclude: common.exclude_rules,
        },
        strict: common.strict,
        verbose: common.verbose,
        color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        ..CheckOptions::default()
    }
}

fn fail(e: HarnessError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(e.exit_code())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: failed to start the async runtime: {e}");
            return ExitCode::from(exit::USAGE);
        }
    };
    let mut stdout = std::io::stdout();
    match cli.command {
        Command::Check {
            spec,
            base_url,
            config,
            seed,
            reference,
            ca_cert,
            timeout,
            reference_faults,
            reference_deprecated,
            reference_tls,
            cases,
            common,
        } => {
            let opts = CheckOptions {
                spec,
                base_url,
                config,
                seed,
                reference,
                ca_cert,
                timeout: timeout.map(Duration::from_secs),
                reference_faults,
                reference_profile: app::ReferenceProfile {
                    deprecated: reference_deprecated,
                    tls: reference_tls,
                },
                cases,
                ..options(common)
            };
            match rt.block_on(app::check(opts, &mut stdout)) {
                Ok((_, code)) => ExitCode::from(code),
                Err(e) => fail(e),
            }
        }
        Command::Lint { spec, common } => {
            match rt.block_on(app::lint(&spec, &options(common), &mut stdout)) {
                Ok((_, code)) => ExitCode::from(code),
                Err(e) => fail(e),
            }
        }
        Command::Mutants {
            only,
            report,
            jobs,
            seed,
            list,
        } => {
            if list {
                for m in specgate::mutants::all() {
                    println!("{:<44} {}", m.name, m.targets.join(", "));
                }
                return ExitCode::from(exit::OK);
            }
            let opts = specgate::mutants::MatrixOptions {
                only,
                jobs: jobs.into(),
                seed,
                report: Some(report.clone()),
            };
            match rt.block_on(specgate::mutants::run_matrix(&opts)) {
                Ok(r) => {
                    print!("{}", specgate::mutants::summary(&r));
                    println!("kill matrix written to {}", report.display());
                    ExitCode::from(if r.passed() {
                        exit::OK
                    } else {
                        exit::RULE_FAILED
                    })
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(exit::USAGE)
                }
            }
        }
        Command::Rules { format } => {
            match format {
                RulesFormat::Json => {
                    let cat = specgate::rules::catalogue_json();
                    println!("{}", serde_json::to_string_pretty(&cat).unwrap_or_default())
                }
                RulesFormat::Table => {
                    let cat = specgate::rules::catalogue();
                    let mut proven = 0;
                    for r in &cat {
                        let by = specgate::mutants::proving(&r.id);
                        if r.implemented && !by.is_empty() {
                            proven += 1;
                        }
                        println!(
                            "{:<70} {:<6} {:<4} {:<20} {}",
                            r.id,
                            r.level.as_str(),
                            if r.implemented { "yes" } else { "no" },
                            r.family,
                            match (r.implemented, by.len()) {
                                (false, _) => String::new(),
                                (true, 0) => "UNPROVEN".to_string(),
                                (true, n) => format!("proven by {n} mutant(s)"),
                            }
                        );
                    }
                    let implemented = cat.iter().filter(|r| r.implemented).count();
                    println!(
                        "\n{} rules, {implemented} implemented, {proven} proven by a mutant",
                        cat.len()
                    );
                }
            }
            ExitCode::from(exit::OK)
        }
    }
}
