// The sequencer applies events in seq order, holds early ones behind a hole, drops
// replays, and asks for a fresh snapshot when an event does not apply.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Sequencer } from "../src/realtime/sequencer.js";

const SNAPSHOT = {
  meeting_id: "1",
  title: "t",
  phase: "lobby",
  now: 0,
  closed_at: null,
  agenda: { items: [], current_item_id: null, current_round: null },
  queue: [],
  queue_open: false,
  floor: null,
  polls: [],
  participants: [],
  speeches: [],
  budgets: {},
  settings: {},
};

/** An event that changes nothing but `allowed`, which records the last seq applied. */
const event = (seq, type = "vote.accepted") => ({ seq, type, data: {}, at: seq, allowed: { applied: seq } });
const started = (seq = 5) => {
  const s = new Sequencer();
  s.replace(SNAPSHOT, seq);
  return s;
};

test("events that follow on are applied in seq order, whatever order they came in", () => {
  const s = started();
  for (const seq of [7, 6, 8]) assert.equal(s.offer(event(seq)), true);
  assert.equal(s.drain(), "current");
  assert.equal(s.seq, 8);
  assert.deepEqual(s.snapshot.allowed, { applied: 8 });
  assert.equal(s.waiting, 0);
});

test("events behind a hole wait, and are applied once the hole fills", () => {
  const s = started();
  s.offer(event(6));
  s.offer(event(8));
  assert.equal(s.drain(), "gap");
  assert.equal(s.seq, 6);
  assert.equal(s.waiting, 1);
  s.offer(event(7));
  assert.equal(s.drain(), "current");
  assert.equal(s.seq, 8);
});

test("events already applied are not taken again", () => {
  const s = started();
  assert.equal(s.offer(event(5)), false);
  assert.equal(s.offer(event(3)), false);
  assert.equal(s.offer({ type: "vote.accepted" }), false);
  assert.equal(s.waiting, 0);
});

test("before any snapshot, events are kept and nothing is applied", () => {
  const s = new Sequencer();
  assert.equal(s.offer(event(1)), true);
  assert.equal(s.drain(), "idle");
  assert.equal(s.snapshot, null);
  assert.equal(s.waiting, 1);
});

test("a new snapshot drops the events it already holds and keeps later ones", () => {
  const s = started();
  for (const seq of [7, 8, 10]) s.offer(event(seq));
  s.replace(SNAPSHOT, 8);
  assert.equal(s.waiting, 1);
  s.take([event(9)]);
  assert.equal(s.drain(), "current");
  assert.equal(s.seq, 10);
});

test("an event that does not apply keeps what did and asks for a snapshot", () => {
  const s = started();
  s.offer(event(6));
  s.offer(event(7, "no.such.event"));
  s.offer(event(8));
  assert.equal(s.drain(), "snapshot");
  assert.equal(s.seq, 6);
  assert.deepEqual(s.snapshot.allowed, { applied: 6 });
});

test("clear forgets the early events and keeps the snapshot", () => {
  const s = started();
  s.offer(event(9));
  s.clear();
  assert.equal(s.waiting, 0);
  assert.equal(s.seq, 5);
  assert.notEqual(s.snapshot, null);
});
