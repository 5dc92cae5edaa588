// The only module that talks to the Rust side. It imports the generated bindings, turns their
// `{status, data | error}` results into values or thrown `AppError`s, and hides Channels behind
// callbacks so screens never touch IPC details.
import { Channel } from "@tauri-apps/api/core";
import { getCurrentWindow } from "@tauri-apps/api/window";
import {
  commands,
  events,
  type SignerApproval,
  type ActivityEntry_Serialize as ActivityEntry,
  type AdminKeyView_Serialize as AdminKeyView,
  type SignerOfferView,
  type SignerSetupView_Serialize as SignerSetupView,
  type BulkPreviewView,
  type AttentionRow_Serialize as AttentionRow,
  type BulkProgressView_Deserialize as BulkProgressView,
  type BulkRevokeView_Serialize as BulkRevokeView,
  type CountsView,
  type DashboardView_Serialize as DashboardView,
  type FixView,
  type ReachView,
  type SelectionInput,
  type SiteView,
  type WatchView_Serialize as WatchView,
  type BurnView_Serialize as BurnView,
  type CodeRow_Serialize as CodeRow,
  type CodesSummaryView_Serialize as CodesSummaryView,
  type PrepareInput_Deserialize as PrepareInput,
  type ShownCodeView_Serialize as ShownCodeView,
  type CheckView_Serialize as CheckView,
  type ChecklistView_Serialize as ChecklistView,
  type DiffView_Serialize as DiffView,
  type FeeInfo_Serialize as FeeInfo,
  type FeeInput,
  type ImportView,
  type OutboxRow_Serialize as OutboxRow,
  type OutboxStep,
  type PublishResult_Serialize as PublishResult,
  type RestoreView,
  type RosterView,
  type SyncView_Serialize as SyncView,
  type CapabilitiesView_Serialize as CapabilitiesView,
  type ConnectInput,
  type ConsoleInfo,
  type Failure,
  type FailureKind,
  type FleetView_Serialize as FleetView,
  type HistoryEntry_Serialize as HistoryEntry,
  type MachineView_Serialize as MachineView,
  type PairEvent,
  type PairInput_Deserialize as PairInput,
  type PairedView,
  type PairingView,
  type ProbeEvent,
  type RevokeEvent,
  type RevokeView_Serialize as RevokeView,
  type SandboxFlavour,
  type SandboxInfo,
  type StatusView_Serialize as StatusView,
} from "../bindings";

export type {
  ActivityEntry,
  AdminKeyView,
  SignerOfferView,
  SignerSetupView,
  BulkPreviewView,
  AttentionRow,
  BulkProgressView,
  BulkRevokeView,
  CountsView,
  DashboardView,
  FixView,
  ReachView,
  SelectionInput,
  SiteView,
  WatchView,
  BurnView,
  CodeRow,
  CodesSummaryView,
  PrepareInput,
  ShownCodeView,
  CheckView,
  ChecklistView,
  DiffView,
  FeeInfo,
  FeeInput,
  ImportView,
  OutboxRow,
  OutboxStep,
  PublishResult,
  RestoreView,
  RosterView,
  SyncView,
  CapabilitiesView,
  ConnectInput,
  ConsoleInfo,
  FailureKind,
  FleetView,
  HistoryEntry,
  MachineView,
  PairEvent,
  PairInput,
  PairedView,
  PairingView,
  ProbeEvent,
  RevokeEvent,
  RevokeView,
  SandboxFlavour,
  SandboxInfo,
  StatusView,
};

/** A failed command: branch on `kind`, show `message`. */
export class AppError extends Error {
  readonly kind: FailureKind;
  constructor(f: Failure) {
    super(f.message);
    this.kind = f.kind;
  }
}

type Outcome<T> = { status: "ok"; data: T } | { status: "error"; error: Failure };

async function unwrap<T>(call: Promise<Outcome<T>>): Promise<T> {
  const r = await call;
  if (r.status === "error") throw new AppError(r.error);
  return r.data;
}

function channel<T>(on: (e: T) => void): Channel<T> {
  const c = new Channel<T>();
  c.onmessage = on;
  return c;
}

export const ipc = {
  status: () => unwrap(commands.status()),
  consoleShow: () => unwrap(commands.consoleShow()),
  consoleExport: (passphrase: string) => unwrap(commands.consoleExport(passphrase)),
  adminKeyShow: () => unwrap(commands.adminKeyShow()),
  signerUseUrl: (url: string) => unwrap(commands.signerUseUrl(url)),
  signerOffer: (relays: string[]) => unwrap(commands.signerOffer(relays)),
  signerWait: (waitSecs: number) => unwrap(commands.signerWait(waitSecs)),
  signerProbe: () => unwrap(commands.signerProbe()),
  signerDeleteLocalKey: () => unwrap(commands.signerDeleteLocalKey()),
  sandboxStart: (flavour: SandboxFlavour) => unwrap(commands.sandboxStart(flavour)),
  connect: (input: ConnectInput, onStep: (e: ProbeEvent) => void) => unwrap(commands.connect(input, channel(onStep))),
  fleetList: () => unwrap(commands.fleetList()),
  dashboard: () => unwrap(commands.dashboard()),
  watchStatus: () => unwrap(commands.watchStatus()),
  revokeManyPreview: (selection: SelectionInput) => unwrap(commands.revokeManyPreview(selection)),
  revokeMany: (selection: SelectionInput, confirmation: string, onProgress: (e: BulkProgressView) => void) =>
    unwrap(commands.revokeMany(selection, confirmation, channel(onProgress))),
  sites: () => unwrap(commands.sites()),
  repairQueueAdd: (selection: SelectionInput) => unwrap(commands.repairQueueAdd(selection)),
  repairQueueRemove: (selection: SelectionInput) => unwrap(commands.repairQueueRemove(selection)),
  machineAdd: (name: string, site: string | null) => unwrap(commands.machineAdd(name, site)),
  machineHistory: (machineId: number) => unwrap(commands.machineHistory(machineId)),
  machineRevoke: (name: string, confirmName: string, onStep: (e: RevokeEvent) => void) =>
    unwrap(commands.machineRevoke(name, confirmName, channel(onStep))),
  pairBegin: (input: PairInput) => unwrap(commands.pairBegin(input)),
  pairWait: (id: number, onStep: (e: PairEvent) => void) => unwrap(commands.pairWait(id, channel(onStep))),
  pairReveal: (id: number) => unwrap(commands.pairReveal(id)),
  pairCancel: (id: number) => unwrap(commands.pairCancel(id)),
  codesPrepare: (input: PrepareInput) => unwrap(commands.codesPrepare(input)),
  codesList: () => unwrap(commands.codesList()),
  codeShow: (machine: string) => unwrap(commands.codeShow(machine)),
  codeReveal: (machine: string) => unwrap(commands.codeReveal(machine)),
  codeNoteFingerprint: (machine: string, fingerprint: string) => unwrap(commands.codeNoteFingerprint(machine, fingerprint)),
  codesBurn: (ids: number[]) => unwrap(commands.codesBurn(ids)),
  codeRevokeClient: (id: number) => unwrap(commands.codeRevokeClient(id)),
  codesBurnAll: () => unwrap(commands.codesBurnAll()),
  activity: (limit: number) => unwrap(commands.activity(limit)),
  activityExport: () => unwrap(commands.activityExport()),
  feeShow: () => unwrap(commands.feeShow()),
  feePreview: (input: FeeInput) => unwrap(commands.feePreview(input)),
  feeSet: (input: FeeInput, onStep: (e: OutboxStep) => void) => unwrap(commands.feeSet(input, channel(onStep))),
  configPreview: (name: string, value: string) => unwrap(commands.configPreview(name, value)),
  configSet: (name: string, value: string, onStep: (e: OutboxStep) => void) => unwrap(commands.configSet(name, value, channel(onStep))),
  rosterLast: () => unwrap(commands.rosterLast()),
  rosterPublish: (onStep: (e: OutboxStep) => void) => unwrap(commands.rosterPublish(channel(onStep))),
  fleetRestore: () => unwrap(commands.fleetRestore()),
  migrationLast: () => unwrap(commands.migrationLast()),
  migrationRun: (lnbits: string | null) => unwrap(commands.migrationRun(lnbits)),
  migrationImport: (lnbits: string) => unwrap(commands.migrationImport(lnbits)),
  outboxList: () => unwrap(commands.outboxList()),
  outboxRetry: (id: number) => unwrap(commands.outboxRetry(id)),
  sync: (onStep: (e: OutboxStep) => void) => unwrap(commands.sync(channel(onStep))),
  autoRevokeGet: () => unwrap(commands.autoRevokeGet()),
  autoRevokeSet: (on: boolean) => unwrap(commands.autoRevokeSet(on)),
  /** Calls `on` whenever the live watch records new sightings; returns a function that stops it. */
  onLivenessSeen: (on: () => void): (() => void) => {
    // A refused listen (no permission) must not surface as an unhandled rejection: the screens
    // still reload on their timer.
    const stop = events.livenessSeen.listen(() => on()).catch(() => null);
    return () => void stop.then((f) => f?.());
  },
  /** Keeps the window out of screenshots and screen shares where the platform allows. */
  protectFromCapture: (on: boolean) => getCurrentWindow().setContentProtected(on).catch(() => undefined),
  fullscreen: (on: boolean) => getCurrentWindow().setFullscreen(on).catch(() => undefined),
};

/** Calls `on` whenever the app asks the remote signer for something to approve; returns the
 * function that stops listening. */
export async function onSignerApproval(on: (a: SignerApproval) => void): Promise<() => void> {
  return events.signerApproval.listen((e) => on(e.payload));
}

/** The user-facing message of any thrown value. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
