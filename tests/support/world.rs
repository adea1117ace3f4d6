//! `World`: simulated servers sharing one backend, and stores on them. The
//! fixture every engine test starts from.

use std::rc::Rc;

use serde_json::{json, Value};
use skilift::engine::{Session, Store, StoreOptions};

use super::executor::Sim;
use super::json_host::{JsonDoc, JsonFn, JsonHost, Reports, NOT_JSON};
use super::runtime::SimRuntime;
use super::storage::SimStorage;

pub type TestStore = Store<JsonHost>;
pub type TestSession = Session<JsonHost>;

/// One simulated machine: its own clock (maybe skewed) and task owner id.
#[derive(Clone)]
pub struct Server {
    pub id: u32,
    pub storage: Rc<SimStorage>,
    pub runtime: Rc<SimRuntime>,
}

pub struct World {
    pub sim: Sim,
    pub storage: SimStorage,
}

impl World {
    pub fn new(seed: u64) -> Self {
        let sim = Sim::new(seed);
        let storage = SimStorage::new(&sim);
        World { sim, storage }
    }

    pub fn server(&self, id: u32, clock_offset_ms: f64) -> Server {
        Server {
            id,
            storage: Rc::new(self.storage.for_server(id)),
            runtime: Rc::new(SimRuntime::new(&self.sim, id, clock_offset_ms)),
        }
    }

    /// Runs `fut` on the test's own owner (0 is never a server here).
    pub fn block_on<T: 'static>(&self, fut: impl std::future::Future<Output = T> + 'static) -> T {
        self.sim
            .block_on(1_000_000, fut)
            .expect("the future did not finish within the simulated hour")
    }

    pub fn run_for(&self, ms: f64) {
        self.sim.run_for(ms);
    }
}

impl Server {
    pub fn host(&self, default: Value) -> JsonHost {
        JsonHost::new(self.storage.clone(), self.runtime.clone(), move || {
            Ok(default.clone())
        })
    }

    /// A store named `name` with default data `{"coins": 0}` and the
    /// standard actions registered.
    pub fn store(&self, name: &str) -> TestStore {
        self.store_with(self.host(json!({"coins": 0})), StoreOptions::new(name))
    }

    /// The standard store, plus the log of what it reports to `onError`.
    pub fn observed_store(&self, name: &str) -> (TestStore, Reports) {
        let host = self.host(json!({"coins": 0}));
        let errors = host.errors.clone();
        (self.store_with(host, StoreOptions::new(name)), errors)
    }

    pub fn store_with(&self, host: JsonHost, mut options: StoreOptions<JsonFn>) -> TestStore {
        options.pull_delay_ms = options.pull_delay_ms.min(1_000.0);
        let store = Store::new(host, options).expect("valid options");
        store.action(add());
        store.transaction("give", give()).expect("register give");
        store.transaction("take", take()).expect("register take");
        store
    }
}

/// `add(amount)`: coins += amount.
pub fn add() -> JsonFn {
    JsonFn::mutating("add", |d, a| {
        let n = d["coins"].as_i64().unwrap_or(0) + a[0].as_i64().unwrap_or(0);
        d["coins"] = json!(n);
        Ok(())
    })
}

/// Transaction action: coins += amount.
pub fn give() -> JsonFn {
    JsonFn {
        name: "give".into(),
        ..add()
    }
}

/// `nan()`: leaves data that is not JSON (`bad` holds the not-JSON
/// marker), as a JS action storing `NaN` would. Register it first.
pub fn not_json() -> JsonFn {
    JsonFn::mutating("nan", |d, _| {
        d["bad"] = json!({ NOT_JSON: true });
        Ok(())
    })
}

/// Transaction action: coins -= amount.
pub fn take() -> JsonFn {
    JsonFn::mutating("take", |d, a| {
        let n = d["coins"].as_i64().unwrap_or(0) - a[0].as_i64().unwrap_or(0);
        d["coins"] = json!(n);
        Ok(())
    })
}

/// The coins a document holds.
pub fn coins(doc: &JsonDoc) -> i64 {
    doc.0["coins"].as_i64().expect("coins is a number")
}

/// Whether `code` (or a host error message) was reported, for any key.
pub fn reported(errors: &Reports, code: &str) -> bool {
    errors.borrow().iter().any(|(c, _)| c == code)
}
