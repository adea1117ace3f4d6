//! A list of weak references whose dead entries are pruned in amortized
//! O(1) per push.
//!
//! The store keeps one of these for `close`. Pruning on every push (as it
//! once did) scanned every session on every `load`: loading n sessions cost
//! O(n²), 184 s for 100,000. Here a prune runs only once the list has doubled
//! since the last one, so each entry is scanned a bounded number of times per
//! entry pushed, and the list holds at most twice the entries that were
//! alive at its last prune (a dead entry still pins its allocation through
//! the `Weak`, so it must not pile up either).

use std::rc::{Rc, Weak};

/// The list is never pruned below this many entries: small stores pay nothing.
const MIN_PRUNE_AT: usize = 64;

/// Weak references in push order, dead ones dropped in batches.
pub struct WeakList<T> {
    entries: Vec<Weak<T>>,
    /// The length at which the next push prunes first.
    prune_at: usize,
    /// Entries looked at by pruning, ever: what the tests count.
    scanned: u64,
}

impl<T> Default for WeakList<T> {
    fn default() -> Self {
        WeakList {
            entries: Vec::new(),
            prune_at: MIN_PRUNE_AT,
            scanned: 0,
        }
    }
}

impl<T> WeakList<T> {
    /// Adds `item`, first dropping the dead entries if the list has doubled.
    pub fn push(&mut self, item: &Rc<T>) {
        if self.entries.len() >= self.prune_at {
            self.scanned += self.entries.len() as u64;
            self.entries.retain(|w| w.strong_count() > 0);
            // Twice what is left: the next prune comes after at least as
            // many pushes as this one scanned live entries, hence amortized.
            self.prune_at = (self.entries.len() * 2).max(MIN_PRUNE_AT);
        }
        self.entries.push(Rc::downgrade(item));
    }

    /// The entries still alive, in push order.
    pub fn alive(&self) -> Vec<Rc<T>> {
        self.entries.iter().filter_map(Weak::upgrade).collect()
    }

    /// How many entries are held, dead ones included.
    #[allow(clippy::len_without_is_empty)] // nothing asks; the tests count
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// How many entries pruning has looked at so far.
    pub fn scanned(&self) -> u64 {
        self.scanned
    }
}
