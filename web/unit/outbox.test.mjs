// The outbox sends each action once, keeps commands while offline ("N 项待发送"), sends
// a lost command again under the same id, and takes a quick repeat for a double click.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Outbox, REPEAT_GUARD_MS } from "../src/realtime/outbox.js";

/** A transport the test drives: each sent command waits for `answer` or `lose`. */
function harness() {
  const sent = [];
  const calls = new Map();
  const state = { ready: true, now: 1000, timers: [], pending: new Set(), unsent: 0, refused: [] };
  const transport = {
    ready: () => state.ready,
    send: (command) =>
      new Promise((resolve) => {
        sent.push(command);
        calls.set(command.id, resolve);
      }),
  };
  const listener = {
    pending: (keys) => (state.pending = new Set(keys)),
    unsent: (n) => (state.unsent = n),
    refused: (type, error) => state.refused.push([type, error.code]),
  };
  const outbox = new Outbox(transport, listener, () => state.now, (run, ms) => state.timers.push({ run, at: state.now + ms }));
  const settle = async (id, ack) => {
    calls.get(id)(ack);
    await new Promise((r) => setImmediate(r));
  };
  const elapse = (ms) => {
    state.now += ms;
    for (const timer of state.timers.splice(0)) {
      if (timer.at <= state.now) timer.run();
      else state.timers.push(timer);
    }
  };
  return { outbox, sent, state, settle, elapse };
}

const command = (id, type = "hand.raise") => ({ id, type, data: {} });

test("a command is sent and its key is pending until the guard after its answer ends", async () => {
  const h = harness();
  const answer = h.outbox.send("hand", command("c1"));
  assert.deepEqual([...h.state.pending], ["hand"]);
  await h.settle("c1", { id: "c1", ok: true });
  assert.deepEqual(await answer, { id: "c1", ok: true });
  assert.deepEqual([...h.state.pending], ["hand"]);
  h.elapse(REPEAT_GUARD_MS);
  assert.deepEqual([...h.state.pending], []);
});

test("the same action twice is sent once: on its way, and just after its answer", async () => {
  const h = harness();
  const first = h.outbox.send("next", command("c1"));
  assert.equal(h.outbox.send("next", command("c2")), first);
  await h.settle("c1", { id: "c1", ok: true });
  assert.equal(h.outbox.send("next", command("c3")), first);
  h.elapse(REPEAT_GUARD_MS + 1);
  assert.notEqual(h.outbox.send("next", command("c4")), first);
  assert.deepEqual(h.sent.map((c) => c.id), ["c1", "c4"]);
});

test("offline, commands wait and are counted; flushing sends them", async () => {
  const h = harness();
  h.state.ready = false;
  void h.outbox.send("a", command("c1"));
  void h.outbox.send("b", command("c2"));
  assert.equal(h.state.unsent, 2);
  assert.equal(h.sent.length, 0);
  h.state.ready = true;
  h.outbox.flush();
  assert.equal(h.state.unsent, 0);
  assert.deepEqual(h.sent.map((c) => c.id), ["c1", "c2"]);
});

test("a lost command is sent again with the same id, at once or after the reconnect", async () => {
  const h = harness();
  const answer = h.outbox.send("a", command("c1"));
  await h.settle("c1", "lost");
  assert.deepEqual(h.sent.map((c) => c.id), ["c1", "c1"]);
  h.state.ready = false;
  await h.settle("c1", "lost");
  assert.equal(h.state.unsent, 1);
  h.state.ready = true;
  h.outbox.flush();
  await h.settle("c1", { id: "c1", ok: true });
  assert.deepEqual(await answer, { id: "c1", ok: true });
  assert.deepEqual(h.sent.map((c) => c.id), ["c1", "c1", "c1"]);
});

test("a refusal is reported with the command's type", async () => {
  const h = harness();
  const answer = h.outbox.send("a", command("c1", "floor.next"));
  const refusal = { id: "c1", ok: false, error: { code: "forbidden", message: "不允许" } };
  await h.settle("c1", refusal);
  assert.deepEqual(await answer, refusal);
  assert.deepEqual(h.state.refused, [["floor.next", "forbidden"]]);
});
