// The player documents every contender works on, and the plain-JavaScript
// helpers the floor is made of. One definition, so that no contender gets a
// smaller or friendlier document than another.

/** One inventory slot: about 40 bytes of JSON. */
const item = (i) => ({ id: i, kind: `item-${i % 40}`, count: (i % 7) + 1 });

/** One quest: about 90 bytes of JSON. */
const quest = (i) => ({ id: i, name: `quest-${i}`, chapter: `chapter-${i % 9}`, step: i % 5, done: i % 3 === 0, reward: 10 * (i % 13) });

/**
 * A player document: a few top-level fields (where `money` lives), small
 * nested settings, and the two collections that make a document big.
 */
function player(items, quests) {
  return {
    name: "player-1",
    title: "Warden of the Northern Marches",
    clan: "lanterns",
    money: 0,
    level: 12,
    xp: 3400,
    settings: { music: true, sfx: true, language: "en", hints: false },
    stats: { wins: 0, losses: 0, played: 0, streak: 0 },
    inventory: Array.from({ length: items }, (_, i) => item(i)),
    quests: Array.from({ length: quests }, (_, i) => quest(i)),
  };
}

/** The two sizes of the issue: 1 KB (20 items) and 64 KB (1,000 items + 340 quests). */
export const DOCUMENTS = [
  { name: "1 KB", make: () => player(20, 0) },
  { name: "64 KB", make: () => player(1000, 340) },
];

/** JSON bytes of a document (printed beside each result, so the sizes are checked, not assumed). */
export const jsonBytes = (doc) => Buffer.byteLength(JSON.stringify(doc));

/**
 * The two changes. Each mutates and returns its argument, the shape a skilift
 * action has (`(data, ...args) => data`) and the shape an Immer or Mutative
 * recipe has (mutate the draft), so every contender runs the same code.
 * `deep` takes the slot index, so that successive changes touch different
 * items (no contender can profit from hitting the same path every time).
 */
export const CHANGES = {
  top: (data) => {
    data.money += 1;
    return data;
  },
  deep: (data, i) => {
    data.inventory[i].count += 1;
    return data;
  },
};

/** The index of the slot the `n`-th deep change touches (same sequence for every contender). */
export const slotOf = (n, doc) => (n * 7) % doc.inventory.length;

/** A copy through JSON, what hand-written code without a library reaches for. */
export const jsonCopy = (value) => JSON.parse(JSON.stringify(value));

/** Freezes an object all the way down (index loops for arrays: as fast as plain JS gets). */
export function deepFreeze(value) {
  if (value === null || typeof value !== "object") return value;
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) deepFreeze(value[i]);
  } else {
    for (const key in value) deepFreeze(value[key]);
  }
  return value;
}
