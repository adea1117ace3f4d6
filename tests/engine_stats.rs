//! `store.stats()` in the engine (the JS tests check the same through the
//! bindings): each counter moves on its event, and the store's names.

mod support;

use serde_json::json;
use support::storage::Faults;
use support::world::{add, World};

#[test]
fn the_counters_follow_loads_pulls_writes_failures_and_retries() {
    let w = World::new(1);
    let store = w.server(1, 0.0).store("players");
    assert_eq!(store.name(), "players");
    assert_eq!(store.namespace(), "players/global");
    assert_eq!(store.request_timeout_ms(), 30_000.0, "the default");
    let s = store.load("ann").unwrap();
    assert_eq!(store.stats().sessions, 1);
    s.patch(&add(), json!([1])).unwrap();
    w.block_on(s.r#await());
    let after_load = store.stats();
    assert_eq!(
        (after_load.loads, after_load.writes, after_load.failures),
        (1, 1, 0)
    );
    // Bounded on both sides: a counter that went down would wrap around.
    assert!((1..=3).contains(&after_load.pulls), "{after_load:?}");

    w.storage.set_faults(Faults {
        reject: 1.0,
        ..Faults::default()
    });
    s.patch(&add(), json!([1])).unwrap();
    w.run_for(3_000.0);
    let failing = store.stats();
    assert!((2..=20).contains(&failing.failures), "{failing:?}");
    assert!(
        (1..=failing.failures).contains(&failing.retries),
        "{failing:?}"
    );
    w.storage.set_faults(Faults::default());
    w.block_on(s.stop()).unwrap();
    let end = store.stats();
    assert_eq!(end.sessions, 0);
    assert_eq!(end.writes, 2);
    assert_eq!(
        end.failures, failing.failures,
        "no failure once the faults stop"
    );
}

#[test]
fn two_servers_writing_one_key_count_conflicts() {
    let w = World::new(2);
    w.storage.set_faults(Faults {
        delay: 1.0,
        max_delay_ms: 300.0,
        ..Faults::default()
    });
    let a = w.server(1, 0.0).store("players");
    let b = w.server(2, 0.0).store("players");
    let (sa, sb) = (a.load("k").unwrap(), b.load("k").unwrap());
    for _ in 0..20 {
        sa.patch(&add(), json!([1])).unwrap();
        sb.patch(&add(), json!([1])).unwrap();
        w.run_for(500.0);
    }
    w.block_on(sa.stop()).unwrap();
    w.block_on(sb.stop()).unwrap();
    let conflicts = a.stats().conflicts + b.stats().conflicts;
    // Each conflict is one more attempt; 40 patches cannot need thousands.
    assert!((1..=200).contains(&conflicts), "{conflicts}");
}

#[test]
fn a_key_that_goes_bad_is_counted_once() {
    let w = World::new(3);
    let store = w.server(1, 0.0).store("players");
    w.storage.raw_set("players/global", "junk", "not a record");
    let bad = store.load("junk").unwrap();
    let good = store.load("fine").unwrap();
    w.run_for(3_000.0);
    assert!(bad.stopped() && !good.stopped());
    let stats = store.stats();
    assert_eq!((stats.bad, stats.sessions), (1, 1), "{stats:?}");
    w.block_on(good.stop()).unwrap();
    assert_eq!(store.stats().bad, 1, "a clean stop is not bad");
}
