//! The oracle: what the workload did, and the checks of what was stored.
//!
//! Each change carries a unique id into the data's log as `[id, delta]`, so
//! after a run every change that landed can be counted. What a session had
//! not saved when its server was killed, or when its key went bad, may be
//! missing; everything else must be there exactly once.

use std::collections::HashMap;

use serde_json::Value;
use skilift::engine::record::{decode_decision, Record};

use crate::kinds::{normalized, Knows, COMPATIBLE};
use crate::support::storage::{Write, RAW_WRITER};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SessionEnd {
    /// `stop()` resolved: everything it queued must be stored.
    Saved,
    /// Its server was killed: unsaved changes may be lost (at most once).
    Killed,
    /// Its key went bad: it stopped without writing (at most once).
    Bad,
}

pub struct SessionLog {
    pub server: u32,
    pub key: String,
    /// Changes patched on it: (id, delta).
    pub changes: Vec<(String, i64)>,
    pub end: Option<SessionEnd>,
}

pub struct Trade {
    /// The workload's name for it (in the change ids).
    pub id: String,
    /// The engine's transaction id (the decision record's key).
    pub tx: String,
    pub payer: usize,
    /// The coordinator's server.
    pub server: u32,
    /// `None`: the coordinator died before `commit` returned;
    /// `Some(Err(()))`: never ran; `Some(Ok(committed))`.
    pub result: Option<Result<bool, ()>>,
}

#[derive(Default)]
pub struct Ledger {
    pub sessions: Vec<SessionLog>,
    pub trades: Vec<Trade>,
    pub killed_servers: Vec<u32>,
    /// What each server's code knows, by server id.
    pub servers: HashMap<u32, Knows>,
    /// Exactly-once grants (`receipts.rs`).
    pub receipts: Vec<crate::receipts::Receipt>,
}

impl Ledger {
    pub fn new_session(&mut self, server: u32, key: &str) -> usize {
        self.sessions.push(SessionLog {
            server,
            key: key.to_owned(),
            changes: Vec::new(),
            end: None,
        });
        self.sessions.len() - 1
    }

    pub fn patched(&mut self, session: usize, id: &str, delta: i64) {
        self.sessions[session].changes.push((id.to_owned(), delta));
    }

    pub fn ended(&mut self, session: usize, end: SessionEnd) {
        let s = &mut self.sessions[session];
        if s.end.is_none() {
            s.end = Some(end);
        }
    }
}

/// Every check of one run; returns the violations found.
pub fn check(
    ledger: &Ledger,
    stored: &[(String, Option<Value>)],
    decisions: &HashMap<String, bool>,
    writes: &[Write],
    namespace: &str,
) -> Vec<String> {
    let mut v = Vec::new();
    // Where each id landed, and how often.
    let mut landed: HashMap<String, Vec<(String, i64)>> = HashMap::new();
    for (key, data) in stored {
        let Some(data) = data else { continue };
        let coins = data["coins"].as_i64().unwrap_or(i64::MIN);
        let mut sum = 0;
        for entry in data["log"].as_array().into_iter().flatten() {
            let id = entry[0].as_str().unwrap_or("?").to_owned();
            let delta = entry[1].as_i64().unwrap_or(0);
            sum += delta;
            landed.entry(id).or_default().push((key.clone(), delta));
        }
        if coins != sum {
            v.push(format!("{key}: coins {coins} but its log adds up to {sum}"));
        }
    }
    for (id, places) in &landed {
        if places.len() > 1 {
            v.push(format!(
                "change {id} applied {} times: {places:?}",
                places.len()
            ));
        }
    }
    let count = |id: &str| landed.get(id).map_or(0, Vec::len);

    // Every session that stopped cleanly saved everything it queued; no
    // session's change landed twice or on the wrong key.
    for s in &ledger.sessions {
        for (id, _) in &s.changes {
            let n = count(id);
            if s.end == Some(SessionEnd::Saved) && n != 1 {
                v.push(format!(
                    "session of {} on server {} stopped cleanly but change {id} landed {n} times",
                    s.key, s.server
                ));
            }
            if let Some(places) = landed.get(id) {
                if places.iter().any(|(k, _)| k != &s.key) {
                    v.push(format!("change {id} landed on another key: {places:?}"));
                }
            }
        }
    }

    // Trades: one outcome on every key, matching the decision record, and
    // coins conserved by each trade.
    for t in &ledger.trades {
        let escrow = count(&format!("{}:escrow", t.id));
        let recv = count(&format!("{}:recv", t.id));
        let refund = count(&format!("{}:refund", t.id));
        let recorded = decisions.get(&t.tx).copied();
        if recv > 0 && refund > 0 {
            v.push(format!(
                "trade {}: both committed and aborted were applied",
                t.id
            ));
        }
        let outcome = match (t.result, recorded) {
            (Some(Ok(a)), Some(b)) if a != b => {
                v.push(format!(
                    "trade {}: commit returned {a} but the decision record says {b}",
                    t.id
                ));
                Some(b)
            }
            (Some(Ok(true)), None) => {
                v.push(format!(
                    "trade {}: committed without a decision record",
                    t.id
                ));
                Some(true)
            }
            (Some(Ok(a)), _) => Some(a),
            (_, Some(b)) => Some(b),
            (Some(Err(())), None) | (None, None) => None,
        };
        let payer_saved = ledger.sessions[t.payer].end == Some(SessionEnd::Saved);
        match outcome {
            Some(true) => {
                if recv != 1 || refund != 0 || escrow != 1 {
                    v.push(format!(
                        "trade {} committed: escrow {escrow}, recv {recv}, refund {refund} (want 1, 1, 0)",
                        t.id
                    ));
                }
            }
            Some(false) => {
                if recv != 0 {
                    v.push(format!("trade {} aborted but the payee was credited", t.id));
                }
                if payer_saved && (escrow != 1 || refund != 1) {
                    v.push(format!(
                        "trade {} aborted, payer saved: escrow {escrow}, refund {refund} (want 1, 1)",
                        t.id
                    ));
                }
                if refund > escrow {
                    v.push(format!(
                        "trade {} refunded an escrow that never landed",
                        t.id
                    ));
                }
            }
            None => {
                if recv != 0 || refund != 0 {
                    v.push(format!(
                        "trade {}: applied (recv {recv}, refund {refund}) with no decision",
                        t.id
                    ));
                }
            }
        }
    }

    v.extend(crate::receipts::check(ledger, &landed));
    v.extend(check_writes(ledger, writes, namespace));
    v
}

/// The quarantine rule, checked on every write directly: a server writes a
/// key only over a record it fully understands (decodable, every migration
/// step and every pending transaction action known to that server), and
/// every record written is decodable with its data in the shape its steps
/// say. Compare-and-set makes the record a write replaced the previous
/// version in the log.
fn check_writes(ledger: &Ledger, writes: &[Write], namespace: &str) -> Vec<String> {
    let mut v = Vec::new();
    let mut previous: HashMap<&str, &str> = HashMap::new();
    for w in writes.iter().filter(|w| w.store == namespace) {
        let replaced = previous.insert(&w.key, &w.value);
        if w.writer == RAW_WRITER {
            continue;
        }
        let knows = ledger.servers.get(&w.writer);
        match replaced.map(Record::decode) {
            None => {}
            Some(Err(_)) => v.push(format!(
                "server {} overwrote the undecodable record of {}",
                w.writer, w.key
            )),
            Some(Ok(old)) => {
                let knows = knows.cloned().unwrap_or_default();
                // A rolling deploy: steps it lacks are allowed only after
                // all of its own, and only truly compatible ones.
                let prefix = old.migrations.starts_with(&knows.steps);
                let unknown = old.migrations.iter().filter(|s| !knows.steps.contains(s));
                for step in unknown.filter(|s| !prefix || !COMPATIBLE.contains(&s.as_str())) {
                    v.push(format!(
                        "server {} wrote {} over a record with migration step {step:?}, which it does not know",
                        w.writer, w.key
                    ));
                }
                let actions = old
                    .pending
                    .iter()
                    .flat_map(|p| p.success.iter().chain(&p.failure));
                for call in actions.filter(|c| !knows.actions.contains(&c.action)) {
                    v.push(format!(
                        "server {} wrote {} over a record with a pending transaction action {:?}, which it does not know",
                        w.writer, w.key, call.action
                    ));
                }
            }
        }
        match Record::decode(&w.value) {
            Err(_) => v.push(format!(
                "server {} wrote an undecodable record to {}",
                w.writer, w.key
            )),
            Ok(record) => {
                if let Err(why) = normalized(&record) {
                    v.push(format!("server {} wrote {}: {why}", w.writer, w.key));
                }
            }
        }
    }
    v
}

/// The decision of each transaction: the first decision record ever
/// written for it (records are collected once resolved everywhere, and an
/// orphan `aborted` may be written after that; the keys' data shows
/// whether any key resolved differently).
pub fn decisions(writes: &[Write]) -> HashMap<String, bool> {
    let mut first = HashMap::new();
    for w in writes
        .iter()
        .filter(|w| w.store == skilift::engine::TRANSACTIONS_STORE)
    {
        if let Some(d) = decode_decision(&w.value) {
            first.entry(w.key.clone()).or_insert(d);
        }
    }
    first
}

/// Decision records still stored at the end (not collected).
pub fn decisions_left(storage: &crate::support::storage::SimStorage) -> usize {
    storage.keys(skilift::engine::TRANSACTIONS_STORE).len()
}
