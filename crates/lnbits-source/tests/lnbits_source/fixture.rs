//! The fixture schema (see lnbits-source's `schema` module for the assumptions it encodes) and
//! the rows every test starts from.

/// A private key value that must never come out of the reader.
pub const ALICE_PRVKEY: &str = "5f0c1d2e3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f";

/// LNbits core `accounts`, with or without the columns under test.
pub fn accounts_sql(prefix: &str, with_prvkey: bool, with_signer_type: bool) -> String {
    let mut cols = vec!["id TEXT PRIMARY KEY", "email TEXT", "pubkey TEXT"];
    if with_prvkey {
        cols.push("prvkey TEXT");
    }
    if with_signer_type {
        cols.push("signer_type TEXT");
    }
    format!("CREATE TABLE {prefix}accounts ({});", cols.join(", "))
}

/// satmachineadmin `dca_machines`, with its owner column named `owner_column`.
pub fn machines_sql(prefix: &str, owner_column: &str) -> String {
    format!(
        "CREATE TABLE {prefix}dca_machines (id TEXT PRIMARY KEY, {owner_column} TEXT NOT NULL, \
         name TEXT, machine_npub TEXT, created_at TIMESTAMP);"
    )
}

/// alice owns two machines and still has a stored key; bob owns one and is migrated; carol
/// owns none and has a key (she must not be reported).
pub fn rows_sql(core_prefix: &str, ext_prefix: &str, owner_column: &str, migrated: bool) -> String {
    let (alice_key, alice_signer) = if migrated {
        ("NULL".to_owned(), "'RemoteBunkerSigner'")
    } else {
        (format!("'{ALICE_PRVKEY}'"), "NULL")
    };
    format!(
        "INSERT INTO {core_prefix}accounts (id, email, prvkey, signer_type) VALUES
           ('alice', 'a@example.org', {alice_key}, {alice_signer}),
           ('bob', NULL, '', 'RemoteBunkerSigner'),
           ('carol', NULL, 'ffff', NULL);
         INSERT INTO {ext_prefix}dca_machines (id, {owner_column}, name, machine_npub) VALUES
           ('m1', 'alice', 'Lobby ATM', NULL),
           ('m2', 'alice', 'Mall ATM', 'npub1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq'),
           ('m3', 'bob', NULL, NULL);"
    )
}
