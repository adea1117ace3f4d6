//! A pull that reads the version this session last wrote or read starts
//! from the record and data it decoded then (`Known`, src/engine/session.rs)
//! instead of decoding the text again; any other version is decoded.

mod support;

use serde_json::json;
use skilift::engine::record::Record;
use support::json_host::decodes;
use support::world::{add, coins, World};

const NS: &str = "players/global";

fn stored_coins(world: &World, key: &str) -> i64 {
    let entry = world.storage.current(NS, key).expect("key is stored");
    let record = Record::decode(&entry.value).expect("record decodes");
    serde_json::from_str::<serde_json::Value>(&record.data).unwrap()["coins"]
        .as_i64()
        .unwrap()
}

#[test]
fn a_pull_of_the_version_it_wrote_decodes_nothing() {
    let w = World::new(1);
    let store = w.server(1, 0.0).store("players");
    let session = store.load("ann").unwrap();
    session.patch(&add(), json!([5])).unwrap();
    w.block_on(session.r#await());
    assert_eq!(stored_coins(&w, "ann"), 5);

    let before = decodes();
    for n in 1..=3 {
        session.patch(&add(), json!([1])).unwrap();
        w.block_on(session.r#await());
        assert_eq!(stored_coins(&w, "ann"), 5 + n);
    }
    // Waiting for nothing pulls again too: the stored version is the known one.
    w.block_on(session.r#await());
    assert_eq!(
        decodes(),
        before,
        "three writes and a read of its own versions"
    );
    assert_eq!(coins(&session.data()), 8);
    w.block_on(session.stop()).unwrap();
    assert_eq!(stored_coins(&w, "ann"), 8);
}

#[test]
fn a_version_written_by_another_server_is_decoded_and_kept() {
    let w = World::new(2);
    let one = w.server(1, 0.0).store("players");
    let two = w.server(2, 0.0).store("players");
    let mine = one.load("bob").unwrap();
    mine.patch(&add(), json!([1])).unwrap();
    w.block_on(mine.r#await());

    let theirs = two.load("bob").unwrap();
    w.block_on(theirs.r#await());
    theirs.patch(&add(), json!([10])).unwrap();
    w.block_on(theirs.stop()).unwrap();
    assert_eq!(stored_coins(&w, "bob"), 11);

    let before = decodes();
    mine.patch(&add(), json!([100])).unwrap();
    w.block_on(mine.r#await());
    assert!(decodes() > before, "the other server's version is decoded");
    assert_eq!(stored_coins(&w, "bob"), 111, "nothing of theirs lost");
    assert_eq!(coins(&mine.data()), 111);

    // And the version it wrote on top is known again.
    let before = decodes();
    mine.patch(&add(), json!([1000])).unwrap();
    w.block_on(mine.stop()).unwrap();
    assert_eq!(decodes(), before);
    assert_eq!(stored_coins(&w, "bob"), 1111);
}
