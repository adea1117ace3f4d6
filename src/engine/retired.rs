//! Retired writers: the ids of this store's one-shot sessions
//! (`store.update`, `updateOnce`) that have finished, by key, so
//! that this store's next write of the key can drop their `writers` entries.
//!
//! Why: a record keeps a writer's batch number for [`WRITER_RETENTION_MS`]
//! so that the writer, retrying a write whose reply it lost, can tell that
//! it landed (exactly-once). A one-shot session writes once and ends, so
//! every update added an entry (~60 bytes) kept for 7 days: a key that gets
//! a thousand gifts a week carried 60 KB of them through every read and
//! write.
//!
//! Why it is safe: an entry is read only by the session it names (no other
//! writer looks at another's batch), and a session reads it only while it
//! has batches in flight. A one-shot session retired here has finished:
//! its save resolved, everything it wrote is known stored, and it will
//! never read or write again (its pull loop has returned). Its entry is
//! dead weight, and only this store knows that, so only this store drops
//! it. A late put of that session still in flight at the backend is
//! conditional on a version that is no longer current and cannot land.
//!
//! Bounded: at most [`LIMIT`] ids are held; past that all are forgotten
//! (their entries then age out as before: a store updating more than that
//! many keys it never writes again loses only the pruning, nothing else).
//! An id is forgotten as soon as a stored record of its key no longer
//! holds it.
//!
//! [`WRITER_RETENTION_MS`]: crate::engine::record::WRITER_RETENTION_MS

use crate::engine::record::{Keyed, Writer};

/// How many retired ids a store holds at most.
pub const LIMIT: usize = 4096;

#[derive(Default)]
pub(crate) struct Retired {
    /// The ids by key. A sorted `Vec` (`Keyed`), not a `HashMap`: a hash
    /// map's code was 4.5 KB of the gzipped wasm.
    by_key: Keyed<Vec<String>>,
    held: usize,
}

impl Retired {
    /// `id`, a one-shot session of `key`, has finished.
    pub fn retire(&mut self, key: &str, id: String) {
        if self.held == LIMIT {
            *self = Retired::default();
        }
        match self.by_key.get_mut(key) {
            Some(ids) => ids.push(id),
            None => self.by_key.insert(key.to_owned(), vec![id]),
        }
        self.held += 1;
    }

    /// The retired ids of `key` (none most of the time; with none held at
    /// all, the lookup is a search of an empty `Vec`).
    pub fn of(&self, key: &str) -> &[String] {
        self.by_key.get(key).map_or(&[], Vec::as_slice)
    }

    /// A record of `key` holding `writers` is stored: the ids it no longer
    /// holds are gone for good (a finished session never writes again).
    pub fn settle(&mut self, key: &str, writers: &Keyed<Writer>) {
        let Some(ids) = self.by_key.get_mut(key) else {
            return;
        };
        let before = ids.len();
        ids.retain(|id| writers.contains_key(id));
        self.held -= before - ids.len();
        if ids.is_empty() {
            self.by_key.remove(key);
        }
    }

    /// How many ids are held (for tests).
    #[cfg(test)]
    pub fn held(&self) -> usize {
        self.held
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writers(ids: &[&str]) -> Keyed<Writer> {
        ids.iter()
            .map(|id| (id.to_string(), Writer { batch: 1, time: 0 }))
            .collect()
    }

    #[test]
    fn ids_are_held_by_key_until_a_stored_record_lacks_them() {
        let mut r = Retired::default();
        assert!(r.of("a").is_empty());
        r.retire("a", "w1".into());
        r.retire("a", "w2".into());
        r.retire("b", "w3".into());
        assert_eq!(r.of("a"), ["w1", "w2"]);
        // A record that still holds w2 (written before w2 was dropped).
        r.settle("a", &writers(&["w2", "w9"]));
        assert_eq!(r.of("a"), ["w2"]);
        r.settle("a", &writers(&["w9"]));
        assert!(r.of("a").is_empty());
        assert_eq!(r.of("b"), ["w3"]);
        assert_eq!(r.held(), 1);
    }

    #[test]
    fn held_ids_are_bounded() {
        let mut r = Retired::default();
        for k in 0..LIMIT {
            r.retire(&format!("k{k}"), format!("w{k}"));
        }
        assert_eq!(r.held(), LIMIT);
        assert_eq!(r.of("k0"), ["w0"]);
        r.retire("k0", "again".into());
        assert_eq!(r.held(), 1, "past the limit, everything older is forgotten");
        assert_eq!(r.of("k0"), ["again"]);
        assert!(r.of("k1").is_empty());
    }
}
