//! Writing the envelope (docs/record-format.md): the head up to `"data":`
//! built field by field, then the data's JSON text, then `}`. Optional
//! fields are left out when empty, so records that do not use them keep the
//! bytes older engines wrote; unknown fields are written back unchanged.

use super::write::{push_string, push_u64};
use super::{Record, StoredCall, FORMAT};

/// The record's text with `data` (the record's data, or the JSON value in
/// it) as its data.
pub(super) fn encode(record: &Record, data: &str) -> String {
    let mut out = head(record, data.len() + 1);
    out.push_str(data);
    out.push('}');
    out
}

/// The envelope around `data` (an owned JSON text), built in `data`'s own
/// allocation: the head is moved in before it and `}` pushed after. A
/// save's record text needs no block of its own then; that allocation of
/// about the document's size was a tenth of a save's CPU (dlmalloc).
pub(super) fn encode_around(record: &Record, mut data: String) -> String {
    let head = head(record, 0);
    data.reserve_exact(head.len() + 1);
    data.insert_str(0, &head);
    data.push('}');
    data
}

/// The envelope up to and including `"data":`, with room for `more` bytes.
pub(super) fn head(record: &Record, more: usize) -> String {
    let mut out = String::with_capacity(more + 96 + 64 * record.writers.len());
    out.push_str("{\"skilift\":");
    push_u64(&mut out, u64::from(FORMAT));
    if !record.requires.is_empty() {
        out.push_str(",\"requires\":");
        push_strings(&mut out, &record.requires);
    }
    out.push_str(",\"migrations\":");
    push_strings(&mut out, &record.migrations);
    if !record.compatible.is_empty() {
        out.push_str(",\"compatible\":");
        push_strings(&mut out, &record.compatible);
    }
    out.push_str(",\"pending\":[");
    for (i, p) in record.pending.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"id\":");
        push_string(&mut out, &p.id);
        out.push_str(",\"success\":");
        push_calls(&mut out, &p.success);
        out.push_str(",\"failure\":");
        push_calls(&mut out, &p.failure);
        out.push_str(",\"created\":");
        push_u64(&mut out, p.created);
        out.push('}');
    }
    out.push_str("],\"writers\":{");
    for (i, (id, w)) in record.writers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_string(&mut out, id);
        out.push_str(":{\"batch\":");
        push_u64(&mut out, w.batch);
        out.push_str(",\"time\":");
        push_u64(&mut out, w.time);
        out.push('}');
    }
    out.push('}');
    // Left out when empty or absent, so older records keep their bytes.
    if !record.once.is_empty() {
        out.push_str(",\"once\":{");
        for (i, (id, a)) in record.once.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_string(&mut out, id);
            out.push_str(":{\"time\":");
            push_u64(&mut out, a.time);
            out.push_str(",\"by\":");
            push_string(&mut out, &a.by);
            out.push('}');
        }
        out.push('}');
    }
    if let Some(origin) = &record.origin {
        out.push_str(",\"origin\":");
        push_string(&mut out, origin);
    }
    // A newer engine's fields, as they were read: this engine cannot know
    // what they mean, only that dropping them would lose them.
    for (name, value) in &record.unknown {
        out.push(',');
        push_string(&mut out, name);
        out.push(':');
        out.push_str(value);
    }
    out.push_str(",\"data\":");
    out
}

fn push_strings(out: &mut String, strings: &[String]) {
    out.push('[');
    for (i, s) in strings.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_string(out, s);
    }
    out.push(']');
}

fn push_calls(out: &mut String, calls: &[StoredCall]) {
    out.push('[');
    for (i, c) in calls.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"action\":");
        push_string(out, &c.action);
        out.push_str(",\"args\":");
        out.push_str(&c.args);
        out.push('}');
    }
    out.push(']');
}
