//! Whether this server may touch a record at all, the rule of
//! docs/record-format.md#backwards-compatible-steps in one place: every
//! pending transaction action must be registered here, and every migration
//! step known here, except steps after all of this server's own that the
//! server which ran them marked `backwardsCompatible`. Otherwise the key
//! needs a newer version (`needs_newer_version`).

use crate::engine::context::Context;
use crate::engine::host::Host;
use crate::engine::record::write::quoted;
use crate::engine::record::{Record, NEWER};

/// Why a record must not be touched by this server, or `None`.
pub(crate) fn quarantine_reason<H: Host>(context: &Context<H>, record: &Record) -> Option<String> {
    if let Some(why) = steps_reason(&context.options.migrations, record) {
        return Some(why);
    }
    for p in &record.pending {
        for call in p.success.iter().chain(&p.failure) {
            if context.named(&call.action).is_none() {
                return Some(format!(
                    "the data has a pending transaction with action {}, which this server has not registered: {NEWER}",
                    quoted(&call.action)
                ));
            }
        }
    }
    None
}

/// Why a server with the migration steps `ours` must not touch data that
/// has had `record.migrations`, or `None`. A server lacking some of the
/// record's steps may still touch it when its own steps are the record's
/// first ones, in order (it has nothing left to run, and could not run a
/// step of its own after one it does not know), and every step after them
/// is marked compatible in the record: its actions then run on data that
/// has fields it does not know, which its writes keep.
pub(crate) fn steps_reason<F>(ours: &[(String, F)], record: &Record) -> Option<String> {
    let steps = &record.migrations;
    let known = |step: &str| ours.iter().any(|(s, _)| s == step);
    let first_unknown = steps.iter().position(|s| !known(s))?;
    let ignore_marks = crate::engine::sabotage::active("ignore_marks");
    let unmarked = steps[first_unknown..]
        .iter()
        .find(|s| !known(s) && !record.compatible.contains(s) && !ignore_marks);
    if let Some(step) = unmarked {
        return Some(format!(
            "the data has migration step {}, which this server does not know and which is not marked backwardsCompatible: {NEWER}",
            quoted(step)
        ));
    }
    let prefix = steps.len() >= ours.len() && ours.iter().zip(steps).all(|((o, _), s)| o == s);
    if !prefix {
        let names = |v: &mut dyn Iterator<Item = &String>| {
            v.map(|s| quoted(s)).collect::<Vec<_>>().join(", ")
        };
        return Some(format!(
            "the data has migration step {}, which this server does not know, after steps other than this server's own ({} on the data; {} here): {NEWER}",
            quoted(&steps[first_unknown]),
            names(&mut steps.iter()),
            names(&mut ours.iter().map(|(s, _)| s)),
        ));
    }
    None
}
