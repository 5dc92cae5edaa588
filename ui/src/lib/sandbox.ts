// The embedded SANDBOX bunker's flavours in words (tested in sandbox.test.ts).
import type { SandboxFlavour } from "./ipc";

/** The flavours "Try the sandbox" offers, stock 0.10 first (the default). */
export const FLAVOURS: readonly SandboxFlavour[] = ["0.10", "0.11"];

/** "nsecbunkerd 0.11". */
export function flavourName(flavour: SandboxFlavour): string {
  return `nsecbunkerd ${flavour}`;
}

/** The banner shown on every screen while the sandbox runs: it names the flavour. */
export function sandboxBanner(flavour: SandboxFlavour): string {
  return `SANDBOX · ${flavourName(flavour)}: test bunker on this computer, test keys only, never real funds`;
}
