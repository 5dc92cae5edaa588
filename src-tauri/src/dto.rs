//! What crosses the IPC boundary. Domain types stay in fleet-core; these are converted from them
//! with `From` and exhaustive matches (STYLE.md item 10): a variant added in the core fails to
//! compile here until the screens know it.
//!
//! Integers are unix seconds and small ids: well inside the 2^53 a JavaScript number holds
//! exactly, which is why the bindings export them as `number` (see [`crate::bindings`]).

mod activity;
mod bulk;
mod codes;
mod connect;
mod dashboard;
mod fee;
mod machine;
mod migration;
mod outbox;
mod pairing;
mod publish;
mod status;

pub use activity::{ActivityEntry, ExportView};
pub use bulk::{
    BulkPreviewView, BulkProgressView, BulkRevokeView, BulkStepView, RepairQueueChangeView,
    RepairQueuedView, SelectionInput, SiteView, SkippedMachine,
};
pub use codes::{BurnView, CodeRow, CodesSummaryView, PrepareInput, ShownCodeView};
pub use connect::{CapabilitiesView, ConnectInput, KeyView, PolicyView, ProbeEvent};
pub use dashboard::{
    AttentionRow, BunkerHealthView, ConcernView, CountsView, DashboardView, FixView,
    OutboxSummaryView, ReachView, RelayHealthView, WatchView,
};
pub use fee::{FeeInfo, FeeInput, FeeValues, PublishedFeeView, QueuedFeeView};
pub use machine::{
    FleetView, HistoryEntry, MachineStateView, MachineView, PairingChoiceView, RevokeEvent,
    RevokeView, StateOption,
};
pub use migration::{CheckState, CheckView, ChecklistView, ImportView, SkippedView};
pub use outbox::{OutboxRow, OutboxStep, SyncView, UnknownClientView};
pub use pairing::{OldKeyView, PairEvent, PairInput, PairedView, PairingView};
pub use publish::{DiffView, FieldChangeView, PublishResult, RosterView};
pub use status::{BunkerView, ConsoleInfo, SandboxFlavour, SandboxInfo, StatusView};
