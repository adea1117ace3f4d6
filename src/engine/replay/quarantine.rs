//! Whether this server may touch a record at all: every migration step and
//! every pending transaction action in it must be known here, or the key is
//! quarantined (a newer server wrote it).

use crate::engine::context::Context;
use crate::engine::host::Host;
use crate::engine::record::write::quoted;
use crate::engine::record::Record;

/// Why a record must not be touched by this server, or `None`.
pub(crate) fn quarantine_reason<H: Host>(context: &Context<H>, record: &Record) -> Option<String> {
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
