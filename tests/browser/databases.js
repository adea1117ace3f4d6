// IndexedDB databases for the test pages: a name no other test uses, and
// deleting a database once a test is done with it.

let counter = 0;

/** A database name no other test uses. */
export function freshName(prefix = "skilift-test") {
  return `${prefix}-${Date.now().toString(36)}-${++counter}-${Math.random().toString(36).slice(2)}`;
}

/** Deletes a database; resolves whether the deletion had to wait for a connection (blocked). */
export function deleteDatabase(name) {
  return new Promise((resolve, reject) => {
    let blocked = false;
    const request = indexedDB.deleteDatabase(name);
    request.onblocked = () => {
      blocked = true;
    };
    request.onsuccess = () => resolve({ blocked });
    request.onerror = () => reject(request.error);
  });
}
