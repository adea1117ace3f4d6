//! Liveness: once the faults stop, the system settles within a stated bound
//! (as FoundationDB's and TigerBeetle's simulators require): every session
//! asked to stop has stopped (so everything it queued is stored, which the
//! oracle then checks), every session still running has stored every
//! change it queued (its own pulls, with no stop to force them), every
//! coordinator on a live server has its answer, and no stored record still
//! holds a pending transaction entry (every transaction decided and
//! applied). A run that stops making progress fails here instead of
//! passing quietly.

use std::collections::{HashMap, HashSet};

use skilift::engine::record::Record;

use crate::kinds::normalized;
use crate::workload::{Game, Plan, BACKOFF_CAP_MS, STORE};

/// The longest `pullDelay` a server draws (`Game::start_server`).
pub const PULL_DELAY_MAX_MS: f64 = 5_000.0;
/// Replies delayed before the faults stopped (at most `max_delay_ms`, under
/// 1 s) and compare-and-set conflicts between the settling writers.
pub const SLACK_MS: f64 = 1_000.0;
/// Executor polls (steps) allowed between the faults stopping and the
/// system settling: a livelock (tasks waking each other without progress)
/// fails here even within the time bound. Over seven times the most seen
/// in 100,000 seeds on the unbroken engine, 2,623 (tests/sim/README.md,
/// "Measured").
pub const MAX_POLLS: u64 = 20_000;

/// How long after the faults stop the system must have settled, for this
/// plan (ms of simulated time). Derivation (tests/sim/README.md):
/// - a session or coordinator waits out at most one call that hung before
///   the faults stopped (`requestTimeout`, R) and one backoff (≤ the cap,
///   C) before a call that cannot fail: R + C;
/// - a pending entry whose coordinator died is presumed aborted once it is
///   older than the transaction timeout T by the reader's clock; clocks are
///   skewed by up to ±T/12, so by T + T/6 at most;
/// - then the settler's next pull resolves it: one `pullDelay`.
pub fn bound_ms(plan: &Plan) -> f64 {
    let t = plan.transaction_timeout_ms;
    let r = plan.request_timeout_ms;
    (r + BACKOFF_CAP_MS).max(t + t / 6.0) + PULL_DELAY_MAX_MS + SLACK_MS
}

/// What has not settled yet: sessions asked to stop, changes of running
/// sessions, coordinators, pending entries.
pub fn unsettled(game: &Game, keys: &[String]) -> Vec<String> {
    let mut left = Vec::new();
    let ledger = game.ledger.borrow();
    let namespace = format!("{STORE}/global");
    // The change ids stored on each key now.
    let mut stored: HashMap<&str, HashSet<String>> = HashMap::new();
    for key in keys {
        let ids = game
            .storage
            .current(&namespace, key)
            .and_then(|e| Record::decode(&e.value).ok())
            .and_then(|r| normalized(&r).ok())
            .map(|data| {
                data["log"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|entry| entry[0].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        stored.insert(key, ids);
    }
    let running: HashSet<usize> = game.live.iter().map(|l| l.index).collect();
    for l in &game.live {
        // A session whose key went bad drops what it queued (at most once).
        if l.session.stopped() {
            continue;
        }
        let ids = stored.get(l.key.as_str());
        for (id, _) in &ledger.sessions[l.index].changes {
            if !ids.is_some_and(|ids| ids.contains(id)) {
                left.push(format!(
                    "session {} ({} on server {}) is running but its change {id} is not stored",
                    l.index, l.key, l.server
                ));
            }
        }
    }
    for (i, s) in ledger.sessions.iter().enumerate() {
        if s.end.is_none() && !running.contains(&i) {
            left.push(format!(
                "session {i} ({} on server {}) has not stopped",
                s.key, s.server
            ));
        }
    }
    let dead = &ledger.killed_servers;
    for t in &ledger.trades {
        if t.result.is_none() && !dead.contains(&t.server) {
            left.push(format!("trade {}: commit has not settled", t.id));
        }
    }
    for key in keys {
        let Some(entry) = game.storage.current(&namespace, key) else {
            continue;
        };
        if let Ok(record) = Record::decode(&entry.value) {
            for p in &record.pending {
                left.push(format!("{key} still holds pending transaction {}", p.id));
            }
        }
    }
    left
}

/// What one settling took.
#[derive(Clone, Copy, Default)]
pub struct Settled {
    /// Simulated ms from the faults stopping to settled (or the bound).
    pub ms: f64,
    pub polls: u64,
    pub bound_ms: f64,
}

/// Runs the simulation from the moment the faults stopped until it has
/// settled, checking every 50 ms of simulated time; a violation if that
/// takes longer than the bound or more than [`MAX_POLLS`] polls.
pub fn settle(game: &Game, plan: &Plan, keys: &[String], violations: &mut Vec<String>) -> Settled {
    let sim = &game.sim;
    let (start, polls) = (sim.now(), sim.polls());
    let bound = bound_ms(plan);
    let left = loop {
        let left = unsettled(game, keys);
        if left.is_empty() || sim.now() - start > bound {
            break left;
        }
        sim.run_for(50.0);
    };
    let out = Settled {
        ms: sim.now() - start,
        polls: sim.polls() - polls,
        bound_ms: bound,
    };
    if !left.is_empty() {
        violations.push(format!(
            "liveness: {:.0} ms after the faults stopped (bound {bound:.0} ms), {} things unsettled, first: {}",
            out.ms,
            left.len(),
            left[0]
        ));
    }
    if out.polls > MAX_POLLS {
        violations.push(format!(
            "liveness: settling took {} polls (bound {MAX_POLLS})",
            out.polls
        ));
    }
    out
}
