//! What satop prints: stored text escaped for the terminal, and a quiet exit when the reader of
//! stdout goes away (`satop machine list | head -1`).

use std::borrow::Cow;

/// Stored text (machine names, sites, audit details, reasons) as it may reach a terminal: every
/// control, bidi or invisible character escaped (fleet-core's one rule,
/// [`fleet_core::rules::text::escape_for_terminal`]). Every stored string satop prints goes
/// through this or through `{:?}`.
pub fn shown(text: &str) -> Cow<'_, str> {
    fleet_core::rules::text::escape_for_terminal(text)
}

/// A span of seconds for people: `45 s`, `12 min`, `3 h`, `2 d`.
pub fn span(secs: i64) -> String {
    match secs.max(0) {
        s if s < 60 => format!("{s} s"),
        s if s < 3_600 => format!("{} min", s / 60),
        s if s < 86_400 => format!("{} h", s / 3_600),
        s => format!("{} d", s / 86_400),
    }
}

/// How long before `now` the time `at` was: `3 min ago`.
pub fn ago(at: i64, now: i64) -> String {
    format!("{} ago", span(now.saturating_sub(at)))
}

/// `print!`/`println!` panic when stdout (or stderr) is a closed pipe. The reader left on
/// purpose (`| head -1`), so that is not a failure: exit 0 without a word instead of the
/// panic message and exit 101. Any other panic keeps the default report.
pub fn exit_quietly_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to std") && is_broken_pipe(message) {
            std::process::exit(0);
        }
        default(info);
    }));
}

fn is_broken_pipe(message: &str) -> bool {
    let expected = std::io::Error::from(std::io::ErrorKind::BrokenPipe).to_string();
    message.contains("Broken pipe")
        || message.contains("os error 32")
        || message.contains(&expected)
}

/// JSON text with every bidi or invisible character written as a `\uXXXX` escape (JSON already
/// escapes control characters), so `--json` output is safe in a terminal and still the same
/// JSON value.
pub fn shown_json(json: &str) -> Cow<'_, str> {
    if !json
        .chars()
        .any(fleet_core::rules::text::is_hidden_or_control)
    {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if fleet_core::rules::text::is_hidden_or_control(c) && c != '\n' {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Writes a file only its owner can read (0600 from the start, never world-readable for a
/// moment): it holds the pairing secret. An existing file is replaced.
pub fn write_secret_file(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let mut file = options.open(path)?;
        // An existing file keeps its old mode on open: tighten it before writing the secret.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        file.write_all(bytes)?;
        file.sync_all()
    }
    #[cfg(not(unix))]
    {
        let mut file = options.open(path)?;
        file.write_all(bytes)?;
        file.sync_all()
    }
}

/// A failure message (fleet-core's words, which may quote stored or typed text) for the
/// terminal: hidden and control characters escaped; backslashes are left alone, since the
/// words may already hold escaped text.
pub fn shown_message(message: &str) -> Cow<'_, str> {
    if !message
        .chars()
        .any(fleet_core::rules::text::is_hidden_or_control)
    {
        return Cow::Borrowed(message);
    }
    Cow::Owned(
        message
            .chars()
            .map(|c| {
                if fleet_core::rules::text::is_hidden_or_control(c) {
                    format!("\\u{{{:04X}}}", u32::from(c))
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}
