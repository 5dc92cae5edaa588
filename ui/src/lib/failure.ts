// What each kind of failure means, in one line above the app's message (tested in
// failure.test.ts). A Record over FailureKind: a kind the Rust side adds does not type-check
// until it is worded here.
import type { FailureKind } from "./ipc";

export const HEADLINE: Record<FailureKind, string> = {
  invalid_input: "Please check the form.",
  not_initialized: "This console is not set up yet.",
  timeout: "The bunker did not answer in time.",
  unreachable: "The bunker's relay cannot be reached.",
  not_admin: "The bunker does not accept this console as an administrator.",
  key_locked: "The operator key is locked or missing on the bunker.",
  rejected: "The bunker or relay refused the request.",
  protocol: "The bunker answered something this app does not understand.",
  storage: "The local database failed.",
  secret_store: "The console key could not be read from the secret store.",
  cancelled: "Cancelled.",
  sandbox: "The SANDBOX bunker failed.",
  busy: "The machine is being paired elsewhere.",
  local_file: "A lock file in the data directory cannot be used.",
  read_only: "The local database is read-only.",
  newer_database: "The local database is from a newer version of the app.",
  other: "Something went wrong.",
};

/** The headline of a failure kind; `null` (not an app failure) is "Something went wrong." */
export function headline(kind: FailureKind | null): string {
  return kind === null ? HEADLINE.other : HEADLINE[kind];
}
