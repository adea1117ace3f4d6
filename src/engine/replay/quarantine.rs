//! Whether this server may touch a record at all: every migration step and
//! every pending transaction action in it must be known here, or the key is
//! quarantined (a newer server wrote it). And the same rule asserted on
//! every record a pull writes.

use crate::engine::context::Context;
use crate::engine::host::Host;
use crate::engine::record::write::quoted;
use crate::engine::record::Record;

/// Why a record must not be touched by this server, or `None`.
pub(crate) fn quarantine_reason<H: Host>(context: &Context<H>, record: &Record) -> Option<String> {
    unknown_part(context, record)
}

/// Asserts (in builds with debug assertions) that `written`, a record this
/// server is about to write, carries no migration step and no transaction
/// action it does not know: checked on the result, apart from the
/// quarantine check on what was read, so a hole in that check trips here.
/// One rule in one place: if servers may one day carry steps they do not
/// know (marked compatible), this is the rule to widen, for example to
/// "the writer's own steps, or the stored list it read".
pub(crate) fn assert_writable<H: Host>(context: &Context<H>, written: &Record) {
    if cfg!(debug_assertions) {
        if let Some(reason) = unknown_part(context, written) {
            panic!("invariant: a pull is writing a record it does not know: {reason}");
        }
    }
}

/// The first migration step or pending action of `record` this server does
/// not know, said for the user.
fn unknown_part<H: Host>(context: &Context<H>, record: &Record) -> Option<String> {
    for step in &record.migrations {
        if !context.options.migrations.iter().any(|(s, _)| s == step) {
            return Some(format!(
                "the data has migration step {}, which this server does not know (written by a newer server?)",
                quoted(step)
            ));
        }
    }
    for p in &record.pending {
        for call in p.success.iter().chain(&p.failure) {
            if context.named(&call.action).is_none() {
                return Some(format!(
                    "the data has a pending transaction with action {}, which this server does not know (written by a newer server?)",
                    quoted(&call.action)
                ));
            }
        }
    }
    None
}
