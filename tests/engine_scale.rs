//! Work that must grow linearly with the number of sessions, counted, never
//! timed (speed is for the benchmark): loading n sessions scans the store's
//! session list O(n) times in total, and sessions that stopped and were let
//! go of do not pile up in it.

mod support;

use serde_json::json;
use support::world::{add, World};

/// Many sessions loaded at once: the pruning of the store's session list
/// looks at a bounded number of entries per load (it once scanned the whole
/// list on every load, n²/2 in total: 50 million entries for 10,000).
#[test]
fn loading_many_sessions_scans_the_session_list_linearly() {
    let w = World::new(7);
    let store = w.server(1, 0.0).store("players");
    let n = 10_000u64;
    let sessions: Vec<_> = (0..n)
        .map(|i| store.load(&format!("player_{i}")).unwrap())
        .collect();
    let (len, scanned) = store.session_list_stats();
    assert_eq!(len as u64, n, "every live session is kept for close");
    assert!(
        scanned <= 2 * n,
        "pruning scanned {scanned} entries for {n} loads; linear is at most {}",
        2 * n
    );
    // And it did prune, as the list doubled: 64 + 128 + … + 8,192 entries.
    assert_eq!(scanned, 16_320, "pruning ran at every doubling");
    // close still reaches every session: each one saves.
    w.block_on(async move { store.close().await }).unwrap();
    assert!(sessions.iter().all(|s| s.stopped() && s.loaded()));
    assert_eq!(
        w.sim.tasks_of(1),
        0,
        "a closed store holds no task or timer"
    );
}

/// Load, patch, stop and drop, over and over, with a few sessions kept
/// alive: the list stays within a constant factor of what is alive.
#[test]
fn stopped_sessions_that_were_dropped_do_not_pile_up() {
    let w = World::new(8);
    let store = w.server(1, 0.0).store("players");
    let kept: Vec<_> = (0..10)
        .map(|i| store.load(&format!("kept_{i}")).unwrap())
        .collect();
    let cycles = 5_000u64;
    let mut longest = 0;
    for i in 0..cycles {
        let session = store.load(&format!("cycle_{i}")).unwrap();
        session.patch(&add(), json!([1])).unwrap();
        w.block_on(session.stop()).unwrap();
        drop(session);
        longest = longest.max(store.session_list_stats().0);
    }
    let (_, scanned) = store.session_list_stats();
    assert!(
        longest <= 128,
        "the session list grew to {longest} entries with {} alive",
        kept.len()
    );
    assert!(
        (cycles..=2 * (cycles + kept.len() as u64)).contains(&scanned),
        "pruning scanned {scanned} entries for {cycles} loads: at least one \
         per load (each prune of 64 entries frees about 54), at most linear"
    );
    w.block_on(async move { store.close().await }).unwrap();
    assert!(kept.iter().all(|s| s.stopped()));
}
