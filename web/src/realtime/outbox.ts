/**
 * Commands on their way to the live meeting: sent once each, kept while the connection is
 * down ("2 项待发送") and sent again, same id, when it is back; a double click is one action.
 * No Vue and no socket: the store hands it a transport and listens for changes.
 */

import type { CommandAck, LiveCommand, LiveError } from "./types";

/**
 * After an action is answered, the same action within this time is taken for the second
 * click of a double click: a toggle (举手) would otherwise undo itself, and 下一位 skip someone.
 */
export const REPEAT_GUARD_MS = 600;

/** How the outbox reaches the server; `"lost"`: no answer came (the connection dropped). */
export interface OutboxTransport {
  /** Connected and joined: a command sent now is read. */
  ready(): boolean;
  send(command: LiveCommand): Promise<CommandAck | "lost">;
}

export interface OutboxListener {
  /** Keys of the actions on their way (buttons show them busy), after each change. */
  pending(keys: ReadonlySet<string>): void;
  /** How many commands wait for the connection. */
  unsent(count: number): void;
  /** The server refused a command. */
  refused(type: string, error: LiveError): void;
}

interface Outgoing {
  command: LiveCommand;
  key: string;
  resolve: (ack: CommandAck) => void;
  promise: Promise<CommandAck>;
}

export class Outbox {
  private waiting: Outgoing[] = [];
  private inFlight = new Map<string, Outgoing>();
  /** Actions answered a moment ago, by key, with when the guard ends (clock()). */
  private answered = new Map<string, { promise: Promise<CommandAck>; until: number }>();
  private keys = new Set<string>();

  constructor(
    private readonly transport: OutboxTransport,
    private readonly listener: OutboxListener,
    private readonly clock: () => number = Date.now,
    private readonly later: (run: () => void, ms: number) => void = (run, ms) => void setTimeout(run, ms),
  ) {}

  /**
   * Send `command` as the action `key`. While an action with that key is on its way, or was
   * answered a moment ago, its answer is returned instead of sending again.
   */
  send(key: string, command: LiveCommand): Promise<CommandAck> {
    for (const item of [...this.inFlight.values(), ...this.waiting]) {
      if (item.key === key) return item.promise;
    }
    const recent = this.answered.get(key);
    if (recent && recent.until > this.clock()) return recent.promise;
    let resolve!: (ack: CommandAck) => void;
    const promise = new Promise<CommandAck>((done) => (resolve = done));
    this.keys = new Set(this.keys).add(key);
    this.listener.pending(this.keys);
    this.dispatch({ command, key, resolve, promise });
    return promise;
  }

  /** Send what waited for the connection (call once joined again). */
  flush(): void {
    const items = this.waiting.splice(0);
    this.listener.unsent(0);
    for (const item of items) this.dispatch(item);
  }

  private dispatch(item: Outgoing): void {
    if (!this.transport.ready()) {
      this.waitForConnection(item);
      return;
    }
    this.inFlight.set(item.command.id, item);
    void this.transport.send(item.command).then((ack) => {
      if (ack !== "lost") {
        this.settle(item, ack);
        return;
      }
      // Lost on the way: send it again, same id, once joined again. The server applies an
      // id once and answers a repeat with the stored ack.
      this.inFlight.delete(item.command.id);
      if (this.transport.ready()) this.dispatch(item);
      else this.waitForConnection(item);
    });
  }

  private waitForConnection(item: Outgoing): void {
    this.waiting.push(item);
    this.listener.unsent(this.waiting.length);
  }

  private settle(item: Outgoing, ack: CommandAck): void {
    this.inFlight.delete(item.command.id);
    const guard = { promise: item.promise, until: this.clock() + REPEAT_GUARD_MS };
    this.answered.set(item.key, guard);
    this.later(() => {
      if (this.answered.get(item.key) !== guard) return; // a newer action with this key holds it
      this.answered.delete(item.key);
      this.keys = new Set(this.keys);
      this.keys.delete(item.key);
      this.listener.pending(this.keys);
    }, REPEAT_GUARD_MS);
    if (!ack.ok) this.listener.refused(item.command.type, ack.error);
    item.resolve(ack);
  }
}
