//! The exactly-once workload: a purchase receipt (`patchOnce`) delivered to
//! every server where its player is loaded at once, sometimes twice to the
//! same one, and sometimes again later (the platform retrying, perhaps on a
//! restarted server), with the run's faults and kills. The grant's log
//! entry carries the receipt id, so the oracle counts how often it landed.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde_json::json;

use crate::oracle::{Ledger, SessionEnd};
use crate::workload::Game;

/// How one delivery settled: `None` not (yet, or its server died),
/// `Some(Ok(granted))`, or `Some(Err(()))` (the key went bad).
pub type Settled = Rc<RefCell<Option<Result<bool, ()>>>>;

pub struct Delivery {
    /// Index into the ledger's sessions.
    pub session: usize,
    pub outcome: Settled,
}

pub struct Receipt {
    pub id: String,
    pub key: String,
    pub deliveries: Vec<Delivery>,
}

impl Game {
    /// A new receipt for a random live player, delivered to each of its
    /// live sessions (twice to a lone one); or, a third of the time, an
    /// old receipt delivered again to a live session of its key.
    pub fn deliver_receipt(&mut self) {
        let old = self.ledger.borrow().receipts.len();
        let again = old > 0 && self.sim.random() < 0.33;
        let (index, id, key) = if again {
            let r = self.sim.with_rng(|r| r.below(old as u64)) as usize;
            let ledger = self.ledger.borrow();
            (
                r,
                ledger.receipts[r].id.clone(),
                ledger.receipts[r].key.clone(),
            )
        } else {
            let Some(i) = self.pick_live() else { return };
            let key = self.live[i].key.clone();
            let id = self.fresh_id("receipt");
            self.ledger.borrow_mut().receipts.push(Receipt {
                id: id.clone(),
                key: key.clone(),
                deliveries: Vec::new(),
            });
            (old, id, key)
        };
        let mut targets: Vec<usize> = (0..self.live.len())
            .filter(|&i| self.live[i].key == key && !self.live[i].session.stopped())
            .collect();
        if again {
            targets.truncate(1);
        } else if targets.len() == 1 {
            targets.push(targets[0]);
        }
        let amount = 1 + self.sim.with_rng(|r| r.below(50)) as i64;
        for i in targets {
            let live = &self.live[i];
            let earn = &self.server_actions(live.server).earn;
            let granted = match live.session.patch_once(&id, earn, json!([id, amount])) {
                Ok(granted) => granted,
                // The session went bad in the background: nothing queued.
                Err(_) => {
                    assert!(
                        live.session.stopped(),
                        "patchOnce failed on a running session"
                    );
                    continue;
                }
            };
            let outcome: Settled = Rc::new(RefCell::new(None));
            let slot = outcome.clone();
            // On the server's own tasks: a kill drops it unsettled.
            self.sim.spawn(
                live.server,
                Box::pin(async move {
                    *slot.borrow_mut() = Some(granted.await.map_err(|_| ()));
                }),
            );
            self.ledger.borrow_mut().receipts[index]
                .deliveries
                .push(Delivery {
                    session: live.index,
                    outcome,
                });
        }
    }
}

/// Receipts, deliveries, deliveries told `true`, told `false`.
pub fn tally(ledger: &Ledger) -> [usize; 4] {
    let outcomes = || {
        ledger
            .receipts
            .iter()
            .flat_map(|r| &r.deliveries)
            .map(|d| *d.outcome.borrow())
    };
    [
        ledger.receipts.len(),
        outcomes().count(),
        outcomes().filter(|o| *o == Some(Ok(true))).count(),
        outcomes().filter(|o| *o == Some(Ok(false))).count(),
    ]
}

/// "Once, and exactly one `true`": a receipt lands at most once; a `true`
/// means it landed and no other delivery was told `true`; a `false` means
/// it landed (earn never cancels); and if every delivery's session stopped
/// cleanly, exactly one was told `true`.
pub fn check(ledger: &Ledger, landed: &HashMap<String, Vec<(String, i64)>>) -> Vec<String> {
    let mut v = Vec::new();
    for r in &ledger.receipts {
        let places = landed.get(&r.id).map_or(&[][..], Vec::as_slice);
        if places.iter().any(|(k, _)| k != &r.key) {
            v.push(format!(
                "receipt {} landed on another key: {places:?}",
                r.id
            ));
        }
        let outcomes: Vec<_> = r.deliveries.iter().map(|d| *d.outcome.borrow()).collect();
        let trues = outcomes.iter().filter(|o| **o == Some(Ok(true))).count();
        let falses = outcomes.iter().filter(|o| **o == Some(Ok(false))).count();
        if trues > 1 {
            v.push(format!(
                "receipt {}: {trues} deliveries were told true",
                r.id
            ));
        }
        if (trues > 0 || falses > 0) && places.len() != 1 {
            v.push(format!(
                "receipt {}: told {outcomes:?} but it landed {} times",
                r.id,
                places.len()
            ));
        }
        let all_saved = !r.deliveries.is_empty()
            && r.deliveries
                .iter()
                .all(|d| ledger.sessions[d.session].end == Some(SessionEnd::Saved));
        if all_saved && trues != 1 {
            v.push(format!(
                "receipt {}: every delivery's session saved, but {trues} were told true ({outcomes:?})",
                r.id
            ));
        }
    }
    v
}
