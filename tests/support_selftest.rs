//! Tests of the simulation support itself: if these lie, every simulation
//! test built on them lies too (a "deterministic" executor that is not, a
//! fault that never fires, a timer that outlives its task).

mod support;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;
use std::task::Poll;

use serde_json::json;
use skilift::engine::{
    Code, Document, Error, Host, Runtime, Storage, StorageError, StorageFuture, Verdict,
};
use support::executor::{yield_now, Sim, START_MS};
use support::json_host::{JsonDoc, JsonFn, JsonHost};
use support::rng::SimRng;
use support::runtime::SimRuntime;
use support::storage::{Faults, SimStorage, NETWORK_OWNER};

/// Eight tasks that yield and sleep a little, logging when each finishes.
fn completion_order(seed: u64) -> Vec<u32> {
    let sim = Sim::new(seed);
    let log = Rc::new(RefCell::new(Vec::new()));
    for id in 0..8u32 {
        let (sim2, log) = (sim.clone(), log.clone());
        sim.spawn(
            id,
            Box::pin(async move {
                for _ in 0..3 {
                    yield_now().await;
                }
                sim2.sleep(10.0).await;
                yield_now().await;
                log.borrow_mut().push(id);
            }),
        );
    }
    sim.run_until_idle();
    let order = log.borrow().clone();
    order
}

#[test]
fn rng_is_seeded_and_in_range() {
    let (mut a, mut b) = (SimRng::new(7), SimRng::new(7));
    for _ in 0..1000 {
        assert_eq!(a.next_u64(), b.next_u64());
        let x = a.f64();
        assert!((0.0..1.0).contains(&x) && x == b.f64());
        let n = a.below(5);
        assert!(n < 5 && n == b.below(5));
    }
    assert_ne!(SimRng::new(1).next_u64(), SimRng::new(2).next_u64());
    assert!(!a.chance(0.0) && a.chance(1.0));
}

#[test]
fn same_seed_same_interleaving_different_seeds_differ() {
    for seed in 0..20 {
        let order = completion_order(seed);
        assert_eq!(order.len(), 8);
        assert_eq!(
            order,
            completion_order(seed),
            "seed {seed} is not deterministic"
        );
    }
    let distinct: std::collections::BTreeSet<Vec<u32>> = (0..20).map(completion_order).collect();
    assert!(distinct.len() > 1, "every seed gave the same interleaving");
}

#[test]
fn virtual_time_advances_only_when_idle() {
    let sim = Sim::new(1);
    let seen = Rc::new(RefCell::new(Vec::new()));
    let (s, log) = (sim.clone(), seen.clone());
    sim.spawn(
        1,
        Box::pin(async move {
            for _ in 0..100 {
                yield_now().await;
                log.borrow_mut().push(s.now());
            }
        }),
    );
    let (s, woke) = (sim.clone(), Rc::new(Cell::new(0.0)));
    let w = woke.clone();
    sim.spawn(
        2,
        Box::pin(async move {
            s.sleep(100.0).await;
            w.set(s.now());
        }),
    );
    sim.run_until_idle();
    assert!(
        seen.borrow().iter().all(|&t| t == START_MS),
        "time moved while a task was ready"
    );
    assert_eq!(woke.get(), START_MS + 100.0);
    assert_eq!(sim.now(), START_MS + 100.0);
    // run_for ends exactly at its deadline even when idle.
    sim.run_for(50.0);
    assert_eq!(sim.now(), START_MS + 150.0);
}

#[test]
fn run_until_stops_at_predicate_or_limit() {
    let sim = Sim::new(3);
    let ticks = Rc::new(Cell::new(0));
    let (s, t) = (sim.clone(), ticks.clone());
    sim.spawn(
        1,
        Box::pin(async move {
            loop {
                s.sleep(10.0).await;
                t.set(t.get() + 1);
            }
        }),
    );
    assert!(sim.run_until(|| ticks.get() == 5, 1000.0));
    assert_eq!(sim.now(), START_MS + 50.0);
    assert!(!sim.run_until(|| false, 35.0));
    assert_eq!(sim.now(), START_MS + 85.0);
    assert_eq!(ticks.get(), 8);
}

struct OnDrop(Rc<Cell<bool>>);
impl Drop for OnDrop {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

#[test]
fn kill_drops_the_owners_tasks_and_their_timers() {
    let sim = Sim::new(5);
    let counts = Rc::new([Cell::new(0), Cell::new(0)]);
    let dropped = Rc::new(Cell::new(false));
    for owner in 0..2u32 {
        let (s, c, guard) = (sim.clone(), counts.clone(), OnDrop(dropped.clone()));
        sim.spawn(
            owner,
            Box::pin(async move {
                let _guard = (owner == 0).then_some(guard);
                loop {
                    s.sleep(10.0).await;
                    c[owner as usize].set(c[owner as usize].get() + 1);
                }
            }),
        );
    }
    sim.run_for(100.0);
    assert_eq!((counts[0].get(), counts[1].get()), (10, 10));
    assert_eq!(sim.pending_timers(), 2);
    assert_eq!(sim.kill(0), 1);
    assert!(dropped.get(), "killed future was not dropped at once");
    assert_eq!((sim.tasks_of(0), sim.tasks_of(1)), (0, 1));
    assert_eq!(
        sim.pending_timers(),
        1,
        "the killed task's timer is still armed"
    );
    sim.run_for(100.0);
    assert_eq!((counts[0].get(), counts[1].get()), (10, 20));
}

#[test]
fn a_task_can_kill_its_own_server() {
    let sim = Sim::new(9);
    let after = Rc::new(Cell::new(false));
    let (s, a) = (sim.clone(), after.clone());
    sim.spawn(
        4,
        Box::pin(async move {
            s.kill(4);
            yield_now().await;
            a.set(true);
        }),
    );
    sim.run_until_idle();
    assert!(!after.get());
    assert_eq!(sim.task_count(), 0);
}

#[test]
fn dropping_a_sleep_cancels_its_timer() {
    let sim = Sim::new(2);
    let s = sim.clone();
    let out = sim.block_on(1, async move {
        let mut sleep = Box::pin(s.sleep(1000.0));
        // Poll once (arming the timer), then give up, as a timeout race would.
        std::future::poll_fn(|cx| {
            assert!(sleep.as_mut().poll(cx).is_pending());
            Poll::Ready(())
        })
        .await;
        let armed = s.pending_timers();
        drop(sleep);
        (armed, s.pending_timers())
    });
    assert_eq!(out, Some((1, 0)));
    sim.run_until_idle();
    assert_eq!(sim.now(), START_MS, "a cancelled timer still advanced time");
}

#[test]
fn block_on_gives_none_for_a_future_that_never_finishes() {
    let sim = Sim::new(2);
    assert_eq!(sim.block_on(1, std::future::pending::<u8>()), None);
    assert_eq!(sim.block_on(1, async { 42 }), Some(42));
}

#[test]
fn runtime_applies_skew_owner_and_virtual_sleep() {
    let sim = Sim::new(4);
    let rt = Rc::new(SimRuntime::new(&sim, 7, -250.0));
    assert_eq!(rt.now_ms(), START_MS - 250.0);
    let r = rt.clone();
    rt.spawn(Box::pin(async move { r.sleep(30.0).await }));
    assert_eq!(sim.tasks_of(7), 1);
    sim.run_until_idle();
    assert_eq!(rt.now_ms(), START_MS + 30.0 - 250.0);
    assert!((0.0..1.0).contains(&rt.random()));
}

fn put(
    st: &SimStorage,
    key: &str,
    value: &str,
    expected: Option<&str>,
) -> StorageFuture<Option<String>, String> {
    st.put(
        "s",
        key,
        value.to_string(),
        expected.map(str::to_string),
        vec![1.0],
    )
}

#[test]
fn storage_compare_and_set() {
    let sim = Sim::new(6);
    let backend = SimStorage::new(&sim);
    let (a, b) = (backend.for_server(1), backend.for_server(2));
    assert!(a.same_backend(&b) && !a.same_backend(&SimStorage::new(&sim)));
    let v1 = sim
        .block_on(1, put(&a, "k", "one", None))
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(
        sim.block_on(2, put(&b, "k", "again", None))
            .unwrap()
            .unwrap(),
        None
    );
    let v2 = sim
        .block_on(2, put(&b, "k", "two", Some(&v1)))
        .unwrap()
        .unwrap()
        .unwrap();
    assert_ne!(v1, v2);
    assert_eq!(
        sim.block_on(1, put(&a, "k", "stale", Some(&v1)))
            .unwrap()
            .unwrap(),
        None
    );
    let got = sim.block_on(1, a.get("s", "k")).unwrap().unwrap().unwrap();
    assert_eq!(
        (got.value.as_str(), got.version.as_str(), got.user_ids),
        ("two", v2.as_str(), vec![1.0])
    );
    let writers: Vec<(u32, String)> = backend
        .writes()
        .into_iter()
        .map(|w| (w.writer, w.value))
        .collect();
    assert_eq!(
        writers,
        vec![(1, "one".to_string()), (2, "two".to_string())]
    );
    assert_eq!(backend.keys("s"), vec!["k".to_string()]);
    assert!(backend.keys("other").is_empty());
}

#[test]
fn storage_history_lookups() {
    let sim = Sim::new(8);
    let st = SimStorage::new(&sim);
    let mut versions = Vec::new();
    let mut expected = None;
    for value in ["a", "b", "c"] {
        let v = sim
            .block_on(1, put(&st, "k", value, expected.as_deref()))
            .unwrap()
            .unwrap()
            .unwrap();
        versions.push(v.clone());
        expected = Some(v);
        sim.run_for(1000.0);
    }
    let at = |t: f64| {
        sim.block_on(1, st.get_at_time("s", "k", t))
            .unwrap()
            .unwrap()
            .map(|e| e.value)
    };
    assert_eq!(at(START_MS - 1.0), None);
    assert_eq!(at(START_MS + 500.0).as_deref(), Some("a"));
    assert_eq!(at(START_MS + 1500.0).as_deref(), Some("b"));
    assert_eq!(at(START_MS + 99_999.0).as_deref(), Some("c"));
    let old = sim
        .block_on(1, st.get_version("s", "k", &versions[1]))
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(old.value, "b");
    assert_eq!(
        sim.block_on(1, st.get_version("s", "k", "v999"))
            .unwrap()
            .unwrap(),
        None
    );
    assert_eq!(st.history("s", "k").len(), 3);
    let raw = st.raw_set("s", "k", "{garbage");
    assert_eq!(st.current("s", "k").unwrap().version, raw);
}

fn with_faults(seed: u64, faults: Faults) -> (Sim, SimStorage) {
    let sim = Sim::new(seed);
    let st = SimStorage::new(&sim);
    st.set_faults(faults);
    (sim, st)
}

#[test]
fn each_fault_kind_is_observed() {
    let (sim, st) = with_faults(
        1,
        Faults {
            reject: 1.0,
            ..Faults::default()
        },
    );
    let r = sim.block_on(1, st.get("s", "k")).unwrap();
    assert!(matches!(r, Err(StorageError::Failed(m)) if m == "injected rejection"));

    let (sim, st) = with_faults(
        1,
        Faults {
            hang: 1.0,
            ..Faults::default()
        },
    );
    assert!(sim.block_on(1, put(&st, "k", "x", None)).is_none());
    assert_eq!((st.stats().hung, st.current("s", "k")), (1, None));

    let (sim, st) = with_faults(
        1,
        Faults {
            ambiguous: 1.0,
            ..Faults::default()
        },
    );
    let r = sim.block_on(1, put(&st, "k", "x", None)).unwrap();
    assert!(matches!(r, Err(StorageError::Failed(m)) if m == "injected: reply lost"));
    assert_eq!(
        st.current("s", "k").unwrap().value,
        "x",
        "ambiguous put was not applied"
    );

    let (sim, st) = with_faults(
        1,
        Faults {
            garbage: 1.0,
            ..Faults::default()
        },
    );
    assert!(matches!(
        sim.block_on(1, st.get("s", "k")).unwrap(),
        Err(StorageError::Invalid(_))
    ));
    assert!(
        sim.block_on(1, put(&st, "k", "x", None)).unwrap().is_ok(),
        "garbage hit a put"
    );

    let (sim, st) = with_faults(
        1,
        Faults {
            delay: 1.0,
            max_delay_ms: 500.0,
            ..Faults::default()
        },
    );
    sim.block_on(1, put(&st, "k", "x", None)).unwrap().unwrap();
    let (applied, answered) = (st.current("s", "k").unwrap().time, sim.now());
    assert!(applied > START_MS && applied <= START_MS + 500.0);
    assert_eq!(
        applied, answered,
        "applied and answered at different moments"
    );

    let (sim, st) = with_faults(1, Faults::default());
    st.outage(START_MS + 1000.0);
    assert!(matches!(
        sim.block_on(1, st.get("s", "k")).unwrap(),
        Err(StorageError::Failed(_))
    ));
    sim.run_for(1000.0);
    assert!(sim.block_on(1, st.get("s", "k")).unwrap().is_ok());
    assert_eq!(st.stats().outage_rejected, 1);
}

#[test]
fn partial_fault_rates_mix_and_replay() {
    let run = |seed| {
        let (sim, st) = with_faults(
            seed,
            Faults {
                reject: 0.2,
                delay: 0.5,
                max_delay_ms: 100.0,
                ..Faults::default()
            },
        );
        let results: Vec<bool> = (0..50)
            .map(|_| sim.block_on(1, st.get("s", "k")).unwrap().is_ok())
            .collect();
        (results, st.stats(), sim.now())
    };
    let (ok, stats, _) = run(11);
    assert!(ok.contains(&true) && ok.contains(&false));
    assert!(stats.rejected > 0 && stats.delayed > 0);
    assert_eq!(run(11), run(11));
}

#[test]
fn an_in_flight_put_lands_after_its_server_dies() {
    let (sim, st) = with_faults(
        3,
        Faults {
            delay: 1.0,
            max_delay_ms: 100.0,
            ..Faults::default()
        },
    );
    let server = st.for_server(1);
    sim.spawn(
        1,
        Box::pin(async move {
            let _ = put(&server, "k", "late", None).await;
        }),
    );
    sim.run_until(|| sim.tasks_of(NETWORK_OWNER) == 1, 0.0);
    sim.kill(1);
    assert_eq!(st.current("s", "k"), None);
    sim.run_until_idle();
    assert_eq!(st.current("s", "k").unwrap().value, "late");
    assert_eq!(st.writes()[0].writer, 1);
}

#[test]
fn json_doc_paths() {
    let doc = JsonDoc(json!({"a": 1, "items": [1, {"x": {"$notjson": true}}]}));
    assert_eq!(doc.json_problem().as_deref(), Some("data.items[1].x"));
    assert_eq!(doc.to_json(), Err("data.items[1].x".to_string()));
    let plain = JsonDoc(json!({"a": 1, "items": [1, 2]}));
    assert_eq!(plain.json_problem(), None);
    let back = JsonDoc::from_json(&plain.to_json().unwrap()).unwrap();
    assert_eq!(back.first_difference(&plain), None);
    assert!(JsonDoc::from_json("{nope").is_err());
    let cases = [
        (json!({"a": 1.0, "items": [1, 2]}), None),
        (json!({"a": 1, "items": [1, 3]}), Some("data.items[1]")),
        (json!({"a": 1, "items": [1]}), Some("data.items[1]")),
        (json!({"a": 1, "b": null, "items": [1, 2]}), Some("data.b")),
        (json!([1]), Some("data")),
    ];
    for (other, want) in cases {
        assert_eq!(plain.first_difference(&JsonDoc(other)).as_deref(), want);
    }
}

#[test]
fn json_host_calls_reports_and_args() {
    let sim = Sim::new(1);
    let storage = Rc::new(SimStorage::new(&sim));
    let runtime = Rc::new(SimRuntime::new(&sim, 1, 0.0));
    let host = JsonHost::new(storage, runtime, || Ok(json!({"coins": 0})))
        .with_schema(|v| Ok(v["coins"].as_i64().is_some_and(|c| c >= 0)));
    let add = JsonFn::mutating("add", |d, args| {
        d["coins"] = json!(d["coins"].as_i64().unwrap_or(0) + args[0].as_i64().ok_or("bad arg")?);
        Ok(())
    });
    let data = host.default_data().unwrap();
    let out = host.call(&add, &data, &json!([5])).unwrap().unwrap();
    assert_eq!(
        (out.0["coins"].clone(), data.0["coins"].clone()),
        (json!(5), json!(0))
    );
    assert_eq!(
        host.call(&add, &data, &json!(["x"])),
        Err("bad arg".to_string())
    );
    assert!(
        add == JsonFn::new("add", |_, _| Ok(None)) && add != JsonFn::new("sub", |_, _| Ok(None))
    );
    assert_eq!(host.check_schema(&out).unwrap(), Verdict::Valid);
    assert_eq!(
        host.check_schema(&JsonDoc(json!({"coins": -1}))).unwrap(),
        Verdict::Invalid(Vec::new())
    );
    assert_eq!(
        host.args_to_json(&json!([{"$notjson": 1}])),
        Err("args[0]".to_string())
    );
    let text = host.args_to_json(&json!([1, "a"])).unwrap();
    assert_eq!(host.args_from_json(&text), Ok(json!([1, "a"])));
    assert!(host.args_from_json("{}").is_err());
    assert_eq!(host.no_args(), json!([]));
    host.report(&Error::new(Code::BadData, "broken"), Some("k"));
    host.report(&Error::Host("boom".to_string()), None);
    assert_eq!(
        host.reported(),
        vec![
            ("bad_data".to_string(), Some("k".to_string())),
            ("boom".to_string(), None)
        ]
    );
}
