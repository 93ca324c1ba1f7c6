/**
 * The one reducer: applies a server event to the meeting snapshot the way the server's
 * appliers (realtime/machine/events.py) change its state, and nothing more.
 *
 * It decides no rule: where a hand goes, who speaks and what a poll counts all come in the
 * event's data. An event it cannot apply (an unknown type, a reference to something it
 * does not hold) throws `CannotApply`, and the store fetches a fresh snapshot instead.
 */

import type { Category } from "@/api";

import type {
  AgendaItemView,
  AttendanceMode,
  CurrentRound,
  FloorView,
  HandKind,
  LiveEvent,
  ParticipantView,
  MediaView,
  Phase,
  KioskView,
  PollKind,
  PollOption,
  PollResult,
  PollRules,
  PollView,
  QueueEntry,
  Snapshot,
  SpeechKind,
  SpeechView,
  Stance,
} from "./types";

export class CannotApply extends Error {
  constructor(event: Pick<LiveEvent, "seq" | "type">, why: string) {
    super(`event ${event.seq} (${event.type}): ${why}`);
    this.name = "CannotApply";
  }
}

type Data = Record<string, unknown>;
type Reduce = (state: Snapshot, data: Data, event: LiveEvent) => Snapshot;

// --- reading event data: a field of the wrong shape means we cannot apply it -------------

class BadField extends Error {}

function str(data: Data, key: string): string {
  const value = data[key];
  if (typeof value !== "string") throw new BadField(`${key} should be a string`);
  return value;
}

function optStr(data: Data, key: string): string | null {
  return data[key] == null ? null : str(data, key);
}

function num(data: Data, key: string): number {
  const value = data[key];
  if (typeof value !== "number" || !Number.isFinite(value)) throw new BadField(`${key} should be a number`);
  return value;
}

function optNum(data: Data, key: string): number | null {
  return data[key] == null ? null : num(data, key);
}

function list(data: Data, key: string): unknown[] {
  const value = data[key];
  if (!Array.isArray(value)) throw new BadField(`${key} should be a list`);
  return value as unknown[];
}

function strs(data: Data, key: string): string[] {
  return list(data, key).map((value) => {
    if (typeof value !== "string") throw new BadField(`${key} should hold strings`);
    return value;
  });
}

function obj(value: unknown, what: string): Data {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new BadField(`${what} should be an object`);
  }
  return value as Data;
}

// --- what the server derives from its state, derived the same way from ours ---------------

/** The phase as realtime/machine/state.py derives it. */
function phaseOf(state: Snapshot): Phase {
  if (state.closed_at != null) return "closed";
  if (state.agenda.current_item_id == null) return "lobby";
  return state.agenda.current_round == null ? "item" : "round";
}

/** Speeches and lineup turns on the current item, per person (view.py's spoken_on_item). */
function withSpokenCounts(state: Snapshot): Snapshot {
  const item = state.agenda.current_item_id;
  const spoken = new Map<string, number>();
  const floors = [...state.speeches, ...(state.floor ? [state.floor] : [])];
  for (const floor of floors) {
    if (floor.item_id === item && (floor.kind === "speech" || floor.kind === "turn")) {
      spoken.set(floor.participant_id, (spoken.get(floor.participant_id) ?? 0) + 1);
    }
  }
  const participants = state.participants.map((p) => {
    const count = spoken.get(p.participant_id) ?? 0;
    return p.spoken_on_item === count ? p : { ...p, spoken_on_item: count };
  });
  return { ...state, participants };
}

function person(state: Snapshot, participantId: string): ParticipantView {
  const found = state.participants.find((p) => p.participant_id === participantId);
  if (!found) throw new BadField(`no participant ${participantId}`);
  return found;
}

function updatePerson(
  state: Snapshot,
  participantId: string,
  change: (p: ParticipantView) => ParticipantView,
): Snapshot {
  person(state, participantId);
  const participants = state.participants.map((p) =>
    p.participant_id === participantId ? change(p) : p,
  );
  return { ...state, participants };
}

function setRoundStatus(
  items: AgendaItemView[],
  itemId: string,
  roundId: string,
  status: "running" | "done",
): AgendaItemView[] {
  return items.map((item) =>
    item.item_id !== itemId
      ? item
      : {
          ...item,
          rounds: item.rounds.map((r) => (r.round_id === roundId ? { ...r, status } : r)),
        },
  );
}

function withoutTurn(round: CurrentRound | null, participantId: string): CurrentRound | null {
  if (!round) return round;
  const index = round.lineup.findIndex((t) => t.participant_id === participantId);
  if (index < 0) return round;
  return { ...round, lineup: round.lineup.filter((_, i) => i !== index) };
}

function withoutEntries(state: Snapshot, entryIds: Set<string>): Snapshot {
  return { ...state, queue: state.queue.filter((e) => !entryIds.has(e.entry_id)) };
}

function removeEntry(state: Snapshot, data: Data): Snapshot {
  const entryId = str(data, "entry_id");
  if (!state.queue.some((e) => e.entry_id === entryId)) throw new BadField(`no entry ${entryId}`);
  return withoutEntries(state, new Set([entryId]));
}

function setQueueOpen(open: boolean): Reduce {
  return (state) => ({ ...state, queue_open: open });
}

function presenceChanged(state: Snapshot, data: Data): Snapshot {
  const connections = optNum(data, "connections") ?? 0;
  return updatePerson(state, str(data, "participant_id"), (p) => ({
    ...p,
    connections,
    connected: connections > 0,
  }));
}

// --- polls (realtime/machine/polls.py; the snapshot's poll shape is CONTRACT.md's) -------

function resultFrom(raw: unknown): PollResult {
  const data = obj(raw, "result");
  const counts: Record<string, number> = {};
  for (const [key, value] of Object.entries(obj(data.counts ?? {}, "counts"))) {
    if (typeof value !== "number") throw new BadField("counts should be numbers");
    counts[key] = value;
  }
  // The kind's own figures (quorum, mean, answers, ...) are shown as the server sent them.
  return { ...(data as Partial<PollResult>), counts, votes: num(data, "votes"), passed: typeof data.passed === "boolean" ? data.passed : null };
}

function updatePoll(state: Snapshot, pollId: string, change: (p: PollView) => PollView): Snapshot {
  if (!state.polls.some((p) => p.poll_id === pollId)) throw new BadField(`no poll ${pollId}`);
  return { ...state, polls: state.polls.map((p) => (p.poll_id === pollId ? change(p) : p)) };
}

function pollOpened(state: Snapshot, data: Data): Snapshot {
  const options = list(data, "options").map((value) => {
    const option = obj(value, "option");
    return { option_id: str(option, "option_id"), label: str(option, "label") } satisfies PollOption;
  });
  const poll: PollView = {
    poll_id: str(data, "poll_id"),
    question: str(data, "question"),
    kind: str(data, "kind") as PollKind,
    secret: Boolean(data.secret),
    status: "open",
    options,
    result: null,
    rules: obj(data.rules, "rules") as unknown as PollRules,
    item_id: optStr(data, "item_id"),
    opened_at: num(data, "opened_at"),
    closes_at: optNum(data, "closes_at"),
    closed_at: null,
  };
  return { ...state, polls: [...state.polls.filter((p) => p.poll_id !== poll.poll_id), poll] };
}

function kioskUnlocked(state: Snapshot, data: Data): Snapshot {
  const kiosk: KioskView = {
    poll_id: str(data, "poll_id"),
    participant_id: str(data, "participant_id"),
    name: optStr(data, "name"),
    by: optStr(data, "by"),
  };
  return { ...state, kiosk };
}

// --- media (realtime/machine/media.py): mutes and open microphones -----------------------

function media(state: Snapshot): MediaView {
  return state.media ?? { muted: [], open_mics: false, watch_audio: false };
}

function setMuted(on: boolean): Reduce {
  return (state, data) => {
    const who = str(data, "participant_id");
    const current = media(state);
    const others = current.muted.filter((id) => id !== who);
    const muted = on ? [...others, who].sort() : others;
    return { ...state, media: { ...current, muted } };
  };
}

function setOpenMics(open: boolean): Reduce {
  return (state) => ({ ...state, media: { ...media(state), open_mics: open } });
}

/** Whether watchers (旁听) may hear the meeting: the moderator's consent. */
function setWatchAudio(allowed: boolean): Reduce {
  return (state) => ({ ...state, media: { ...media(state), watch_audio: allowed } });
}

// --- one function per event type ----------------------------------------------------------

const REDUCERS: Record<string, Reduce> = {
  "participant.added": (state, data) => {
    const id = str(data, "participant_id");
    if (state.participants.some((p) => p.participant_id === id)) return state;
    const added: ParticipantView = {
      participant_id: id,
      name: str(data, "name"),
      category: str(data, "category") as Category,
      is_moderator: false,
      connected: false,
      connections: 0,
      mode: null,
      checked_in_at: null,
      is_added: true,
      spoken_on_item: 0,
    };
    return { ...state, participants: [...state.participants, added] };
  },

  "presence.changed": (state, data) => {
    const online = new Set(strs(data, "connected"));
    const offline = new Set(strs(data, "disconnected"));
    return {
      ...state,
      participants: state.participants.map((p) =>
        online.has(p.participant_id)
          ? { ...p, connections: 1, connected: true }
          : offline.has(p.participant_id)
            ? { ...p, connections: 0, connected: false }
            : p,
      ),
    };
  },
  // One arrival or departure an event: how meetings stored presence before presence.changed.
  "presence.connected": presenceChanged,
  "presence.disconnected": presenceChanged,

  "presence.reset": (state) => ({
    ...state,
    participants: state.participants.map((p) => ({ ...p, connections: 0, connected: false })),
  }),

  "attendance.checked_in": (state, data) => {
    const at = num(data, "at");
    const mode = str(data, "mode") as AttendanceMode;
    return updatePerson(state, str(data, "participant_id"), (p) => ({
      ...p,
      mode,
      checked_in_at: p.checked_in_at ?? at,
    }));
  },

  "agenda.moved": (state, data) => {
    const itemId = str(data, "item_id");
    if (!state.agenda.items.some((i) => i.item_id === itemId)) throw new BadField(`no item ${itemId}`);
    return withSpokenCounts({ ...state, agenda: { ...state.agenda, current_item_id: itemId } });
  },

  "round.started": (state, data) => {
    const itemId = str(data, "item_id");
    const roundId = str(data, "round_id");
    const lineup = list(data, "lineup").map((raw) => {
      const turn = obj(raw, "lineup turn");
      const participantId = str(turn, "participant_id");
      const name = state.participants.find((p) => p.participant_id === participantId)?.name ?? null;
      return { participant_id: participantId, name, limit_s: optNum(turn, "limit_s") };
    });
    const current: CurrentRound = {
      item_id: itemId,
      round_id: roundId,
      kind: str(data, "kind") as CurrentRound["kind"],
      title: str(data, "title"),
      started_at: num(data, "at"),
      lineup,
    };
    return {
      ...state,
      agenda: {
        ...state.agenda,
        current_round: current,
        current_round_id: roundId,
        items: setRoundStatus(state.agenda.items, itemId, roundId, "running"),
      },
    };
  },

  "round.ended": (state, data) => {
    const current = state.agenda.current_round;
    if (!current) throw new BadField("no round is running");
    const record = {
      item_id: current.item_id,
      round_id: current.round_id,
      started_at: current.started_at,
      ended_at: num(data, "at"),
      unheard: current.lineup.map((t) => t.participant_id),
    };
    return {
      ...state,
      agenda: {
        ...state.agenda,
        current_round: null,
        current_round_id: null,
        rounds_run: [...state.agenda.rounds_run, record],
        items: setRoundStatus(state.agenda.items, current.item_id, current.round_id, "done"),
      },
    };
  },

  "lineup.skipped": (state, data) => ({
    ...state,
    agenda: {
      ...state.agenda,
      current_round: withoutTurn(state.agenda.current_round, str(data, "participant_id")),
    },
  }),

  "hand.raised": (state, data) => {
    const participantId = str(data, "participant_id");
    const who = person(state, participantId);
    const entry: QueueEntry = {
      entry_id: str(data, "entry_id"),
      participant_id: participantId,
      name: who.name,
      category: who.category,
      kind: str(data, "kind") as HandKind,
      stance: optStr(data, "stance") as Stance | null,
      to_participant_id: optStr(data, "to_participant_id"),
      raised_at: num(data, "at"),
      on_behalf: Boolean(data.on_behalf),
      added_by: optStr(data, "added_by"),
    };
    const position = optNum(data, "position") ?? 0;
    const queue = [...state.queue];
    queue.splice(position, 0, entry);
    return { ...state, queue };
  },

  "hand.lowered": removeEntry,
  "queue.removed": removeEntry,

  "queue.moved": (state, data) => {
    const entryId = str(data, "entry_id");
    const entry = state.queue.find((e) => e.entry_id === entryId);
    if (!entry) throw new BadField(`no entry ${entryId}`);
    const queue = state.queue.filter((e) => e !== entry);
    queue.splice(optNum(data, "position") ?? 0, 0, entry);
    return { ...state, queue };
  },

  "queue.closed": setQueueOpen(false),
  "queue.opened": setQueueOpen(true),

  "queue.cleared": (state, data) =>
    withoutEntries(state, new Set(list(data, "entry_ids").map(String))),

  "floor.granted": (state, data) => {
    const participantId = str(data, "participant_id");
    const who = person(state, participantId);
    const floor: FloorView = {
      speech_id: str(data, "speech_id"),
      participant_id: participantId,
      name: who.name,
      category: who.category,
      kind: str(data, "kind") as SpeechKind,
      item_id: str(data, "item_id"),
      round_id: optStr(data, "round_id"),
      started_at: num(data, "started_at"),
      limit_s: optNum(data, "limit_s"),
      entry_id: optStr(data, "entry_id"),
      to_participant_id: optStr(data, "to_participant_id"),
      stance: optStr(data, "stance") as Stance | null,
      elapsed_s: 0,
      over: false,
    };
    const queue = floor.entry_id ? state.queue.filter((e) => e.entry_id !== floor.entry_id) : state.queue;
    const round =
      floor.kind === "turn" ? withoutTurn(state.agenda.current_round, participantId) : state.agenda.current_round;
    return withSpokenCounts({
      ...state,
      floor,
      queue,
      agenda: { ...state.agenda, current_round: round },
    });
  },

  "floor.extended": (state, data) => {
    if (!state.floor) throw new BadField("nobody has the floor");
    return { ...state, floor: { ...state.floor, limit_s: optNum(data, "limit_s") } };
  },

  "floor.ended": (state, data) => {
    const floor = state.floor;
    if (!floor) throw new BadField("nobody has the floor");
    const overS = num(data, "over_s");
    const speech: SpeechView = {
      speech_id: floor.speech_id,
      participant_id: floor.participant_id,
      name: floor.name,
      category: floor.category,
      kind: floor.kind,
      item_id: floor.item_id,
      round_id: floor.round_id,
      started_at: floor.started_at,
      limit_s: floor.limit_s,
      entry_id: floor.entry_id,
      to_participant_id: floor.to_participant_id,
      stance: floor.stance,
      ended_at: num(data, "ended_at"),
      duration_s: num(data, "duration_s"),
      over_s: overS,
      over: overS > 0,
    };
    return { ...state, floor: null, speeches: [...state.speeches, speech] };
  },

  "meeting.closed": (state, data) => ({ ...state, closed_at: num(data, "at") }),

  "media.muted": setMuted(true),
  "media.unmuted": setMuted(false),
  "media.mics_opened": setOpenMics(true),
  "media.mics_closed": setOpenMics(false),
  "media.watch_audio_allowed": setWatchAudio(true),
  "media.watch_audio_stopped": setWatchAudio(false),
  // A recording is a fact of the session record; the live view does not change.
  "media.recorded": (state) => state,

  "poll.opened": pollOpened,

  "poll.closed": (state, data) => {
    const result = resultFrom(data.result);
    const closedAt = num(data, "at");
    return updatePoll(state, str(data, "poll_id"), (p) => ({ ...p, status: "closed", result, closed_at: closedAt }));
  },

  "kiosk.unlocked": kioskUnlocked,
  "kiosk.reset": (state) => ({ ...state, kiosk: null }),
  // Votes live in their own tables; the counts arrive as tallies, not through this event.
  "vote.accepted": (state) => state,
};

/** Every event type this reducer knows; anything else makes the store fetch a snapshot. */
export const EVENT_TYPES: readonly string[] = Object.keys(REDUCERS);

/**
 * The snapshot after `event`. Pure: the argument is left as it was. Throws CannotApply
 * when the event is of an unknown type or does not fit the snapshot.
 */
export function applyEvent(state: Snapshot, event: LiveEvent): Snapshot {
  const reduce = REDUCERS[event.type];
  if (!reduce) throw new CannotApply(event, "unknown event type");
  let next: Snapshot;
  try {
    next = reduce(state, event.data ?? {}, event);
  } catch (error) {
    if (error instanceof BadField) throw new CannotApply(event, error.message);
    throw error;
  }
  const phase = phaseOf(next);
  if (phase !== next.phase) next = { ...next, phase };
  // The machine's answers after this event (only the last of a batch carries them).
  return event.allowed ? { ...next, allowed: event.allowed } : next;
}
