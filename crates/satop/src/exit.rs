//! Exit codes and the one-line failure every command ends with.

use fleet_core::ErrorKind;

/// Bad input: a wrong argument, a malformed connection string, a name rule broken.
pub const BAD_INPUT: u8 = 2;
/// The bunker or a relay: unreachable, timeout, refused, not an admin, key locked.
pub const BUNKER: u8 = 3;
/// Anything else (local storage, secret store, I/O).
pub const OTHER: u8 = 1;

/// A failed command: the exit code and one line for the operator.
#[derive(Debug)]
pub struct Failure {
    /// Process exit code.
    pub code: u8,
    /// One line, no secrets.
    pub message: String,
}

impl Failure {
    /// A failure with an explicit code.
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: one_line(&message.into()),
        }
    }

    /// Bad input.
    pub fn input(message: impl Into<String>) -> Self {
        Self::new(BAD_INPUT, message)
    }
}

/// The exit code for a fleet-core error kind.
pub fn code_for(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::InvalidInput | ErrorKind::NotInitialized | ErrorKind::Busy => BAD_INPUT,
        ErrorKind::Timeout
        | ErrorKind::Unreachable
        | ErrorKind::NotAdmin
        | ErrorKind::KeyLocked
        | ErrorKind::Rejected
        | ErrorKind::Protocol => BUNKER,
        _ => OTHER,
    }
}

impl From<fleet_core::Error> for Failure {
    fn from(e: fleet_core::Error) -> Self {
        Self::new(code_for(e.kind()), e.to_string())
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            // The reader of our output went away (`| head`): nothing to report.
            return Self {
                code: 0,
                message: String::new(),
            };
        }
        Self::new(OTHER, e.to_string())
    }
}

/// clap's error as one line: its first line without the `error: ` prefix, where to find the
/// usage, and never a value that looks like a key.
pub fn usage_line(e: &clap::Error) -> String {
    let text = e.to_string();
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("invalid arguments");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let first = if fleet_core::rules::text::looks_like_key(first) {
        "an argument looks like a private key or secret (not repeated here): never pass keys on the command line".to_string()
    } else {
        crate::output::shown(first).into_owned()
    };
    let help = usage_hint();
    format!("{first} (see {help})")
}

/// `satop --help`, or `satop SUBCOMMAND --help` when the subcommand was recognised.
fn usage_hint() -> String {
    use clap::CommandFactory;
    let cmd = crate::cli::Cli::command();
    let known: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    let mut path = vec!["satop".to_string()];
    let mut sub = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--data-dir" || arg == "--secret-store" {
            args.next();
            continue;
        }
        if arg.starts_with('-') {
            continue;
        }
        match &sub {
            None if known.contains(&arg) => {
                path.push(arg.clone());
                sub = cmd.find_subcommand(&arg).cloned();
            }
            Some(s) if s.find_subcommand(&arg).is_some() => {
                path.push(arg.clone());
                break;
            }
            _ => break,
        }
        if sub.as_ref().is_some_and(|s| !s.has_subcommands()) {
            break;
        }
    }
    format!("{} --help", path.join(" "))
}

fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}
