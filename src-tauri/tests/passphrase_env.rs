//! The key file's passphrase is taken out of the environment when the app reads it, so the
//! processes it starts (WebKit's web and network processes) do not inherit it. Its own test
//! binary: it changes the process environment, which no other test may race.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use satmachine_operator::setup;

#[test]
fn the_passphrase_is_gone_from_the_environment_of_child_processes_once_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("file:{}", dir.path().join("console.ncryptsec").display());
    std::env::set_var("SATOP_SECRET_STORE", &store);
    std::env::set_var(setup::PASSPHRASE_VAR, "correct horse battery staple");
    let before = Command::new("printenv")
        .arg(setup::PASSPHRASE_VAR)
        .output()
        .unwrap();
    assert!(
        before.status.success(),
        "the check itself works: a child sees a set variable"
    );

    setup::secrets().expect("a file store with a passphrase opens");

    assert!(std::env::var_os(setup::PASSPHRASE_VAR).is_none());
    let after = Command::new("printenv")
        .arg(setup::PASSPHRASE_VAR)
        .output()
        .unwrap();
    assert!(
        !after.status.success() && after.stdout.is_empty(),
        "a child process must not see the passphrase"
    );
}
