use fleet_store::audit::{self, NewAuditEntry};

use crate::conn;

fn entry(action: &str) -> NewAuditEntry {
    NewAuditEntry {
        action: action.into(),
        machine_id: Some(3),
        outcome: "ok".into(),
        detail: None,
    }
}

#[test]
fn list_returns_newest_first_up_to_limit() {
    let c = conn();
    for a in ["pair", "revoke", "connect"] {
        audit::append(&c, &entry(a)).unwrap();
    }
    let actions: Vec<_> = audit::list(&c, 2)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["connect", "revoke"]);
}

#[test]
fn audit_log_refuses_update_and_delete() {
    let c = conn();
    let e = audit::append(&c, &entry("pair")).unwrap();
    let upd = c.execute(
        "UPDATE audit_log SET outcome = 'failed' WHERE id = ?1",
        [e.id],
    );
    assert!(
        upd.unwrap_err().to_string().contains("append-only"),
        "the audit log must not be rewritten"
    );
    let del = c.execute("DELETE FROM audit_log WHERE id = ?1", [e.id]);
    assert!(
        del.unwrap_err().to_string().contains("append-only"),
        "the audit log must not lose entries"
    );
    assert_eq!(audit::list(&c, 10).unwrap(), vec![e]);
}
