//! Property: any sequence of patches from several servers on one key, under
//! any mix of injected faults and interleavings, stores every patch exactly
//! once, and each session's cache converges to the stored data.

mod support;

use proptest::prelude::*;
use serde_json::json;
use skilift::engine::record::Record;
use support::storage::Faults;
use support::world::{add, coins, TestSession, World};

#[derive(Clone, Debug)]
enum Op {
    Patch { server: usize, amount: i64 },
    Advance { ms: f64 },
    Rejoin { server: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0usize..3, -50i64..50).prop_map(|(server, amount)| Op::Patch { server, amount }),
        3 => (0f64..3_000.0).prop_map(|ms| Op::Advance { ms }),
        1 => (0usize..3).prop_map(|server| Op::Rejoin { server }),
    ]
}

fn faults() -> impl Strategy<Value = Faults> {
    (0f64..0.2, 0f64..0.05, 0f64..0.3, 0f64..1.0, 0f64..0.1).prop_map(
        |(reject, hang, ambiguous, delay, garbage)| Faults {
            reject,
            hang,
            ambiguous,
            delay,
            max_delay_ms: 500.0,
            garbage,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn every_patch_is_stored_exactly_once(
        seed in any::<u64>(),
        faults in faults(),
        ops in prop::collection::vec(op(), 1..60),
    ) {
        let w = World::new(seed);
        w.storage.set_faults(faults);
        let servers: Vec<_> = (0..3).map(|i| w.server(i + 1, 0.0).store("players")).collect();
        let mut sessions: Vec<TestSession> =
            servers.iter().map(|s| s.load("k").unwrap()).collect();
        let mut stops = Vec::new();
        let mut total = 0;
        for op in ops {
            match op {
                Op::Patch { server, amount } => {
                    prop_assert!(sessions[server].patch(&add(), json!([amount])).unwrap());
                    total += amount;
                }
                Op::Advance { ms } => w.run_for(ms),
                Op::Rejoin { server } => {
                    stops.push(sessions[server].stop());
                    sessions[server] = servers[server].load("k").unwrap();
                }
            }
        }
        stops.extend(sessions.iter().map(|s| s.stop()));
        w.block_on(async move {
            for s in stops {
                s.await.unwrap();
            }
        });
        let stored = match w.storage.current("players/global", "k") {
            None => 0,
            Some(e) => {
                let r = Record::decode(&e.value).unwrap();
                serde_json::from_str::<serde_json::Value>(&r.data).unwrap()["coins"].as_i64().unwrap()
            }
        };
        prop_assert_eq!(stored, total);

        // A fresh session converges to the stored data.
        w.storage.set_faults(Faults::default());
        let probe = servers[0].load("k").unwrap();
        w.block_on(probe.r#await());
        prop_assert_eq!(coins(&probe.data()), total);
    }
}
