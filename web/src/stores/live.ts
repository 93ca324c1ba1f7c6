/**
 * One live meeting in the browser: a Pinia store per meeting wiring the socket to the
 * sequencer (realtime/sequencer.ts: events applied in seq order, gaps found) and the outbox
 * (realtime/outbox.ts: commands sent exactly once, kept while offline). The store holds the
 * timers, rejoins with since_seq after a gap or a reconnect, and derives the pages' views.
 */

import { defineStore } from "pinia";
import { computed, ref, shallowRef } from "vue";

import { CATEGORIES, type Category, type MeetingRole } from "@/api";
import { newCommandId } from "@/realtime/commandId";
import type {
  CommandData,
  PlainCommand,
  RoleAllowed,
  TargetedCommand,
} from "@/realtime/commands.generated";
import { Outbox } from "@/realtime/outbox";
import { Sequencer } from "@/realtime/sequencer";
import { AckTimeout, openLiveSocket, type LiveSocket } from "@/realtime/socket";
import type {
  BudgetView,
  CommandAck,
  ConnectionQuality,
  FloorFields,
  JoinAckOk,
  LiveAuth,
  LiveError,
  LiveEvent,
  LiveNotice,
  ParticipantView,
  PollTally,
  PollView,
  Snapshot,
  SuggestionView,
  VoteChoice,
} from "@/realtime/types";

export type ConnectionStatus = "connecting" | "online" | "offline" | "refused";

/** How long a hole in the seq may stay open (events from two workers can cross) before we rejoin. */
const GAP_WAIT_MS = 1_500;
const CLOCK_TICK_MS = 250;
/** Commands one sends about oneself, whatever one's role in the meeting. */
const PERSONAL = new Set<string>(["hand.raise", "hand.lower", "vote.cast"]);

/** A refusal (or a failure to deliver) shown to the user; `n` tells two equal messages apart. */
export interface Notice {
  n: number;
  type: string;
  error: LiveError;
}

/** The machine's commands, and the one the /live namespace takes itself (a suggestion). */
type SendData = CommandData & { "suggestion.submit": { text: string } };
type SendType = keyof SendData;

export interface SendOptions {
  /** Commands with the same key are one action: a second click while the first is on its way is ignored. */
  key?: string;
}

function defineLiveStore(meetingId: number) {
  return defineStore(`live-${meetingId}`, () => {
    const snapshot = shallowRef<Snapshot | null>(null);
    const seq = ref(0);
    const status = ref<ConnectionStatus>("connecting");
    /** The server's sentence when it refused the connection or the join. */
    const refusal = shallowRef<LiveError | null>(null);
    const notice = shallowRef<Notice | null>(null);
    /** Keys of the actions on their way to the server (buttons show them as busy). */
    const pending = ref(new Set<string>());
    /** This browser's participant on the roster, when it has one. */
    const myParticipantId = ref<string | null>(null);
    /** What the server says this connection is in the meeting (the join ack's `role`). */
    const myRole = ref<MeetingRole | null>(null);
    /**
     * Joins that followed a (re)connect. Notices are not replayed: whoever keeps state built
     * from them reloads it when this moves on.
     */
    const connectedJoins = ref(0);
    /** Server time minus this browser's time, in seconds, measured at each join. */
    const clockOffset = ref(0);
    /** The running count of each open poll, by poll id (kept apart from the snapshot: no seq). */
    const tallies = ref<Record<string, PollTally>>({});
    /** Suggestions as staff see them: loaded over HTTP, then each new one as it is announced. */
    const suggestions = ref<SuggestionView[]>([]);
    /** Commands waiting in the outbox for the connection to come back ("2 项待发送"). */
    const unsent = ref(0);
    /** What this browser voted in each poll (the server keeps votes apart from the events). */
    const myVotes = ref<Record<string, VoteChoice>>({});
    /** Server time now (epoch seconds), ticking while the meeting is open. */
    const now = ref(Date.now() / 1000);

    let socket: LiveSocket | null = null;
    const sequencer = new Sequencer();
    let joining: Promise<void> | null = null;
    let joinAgain: "since" | "full" | null = null;
    let joined = false;
    let gapTimer: ReturnType<typeof setTimeout> | null = null;
    let ticker: ReturnType<typeof setInterval> | null = null;
    let noticeCount = 0;
    const noticeListeners = new Set<(notice: LiveNotice) => void>();
    const outbox = new Outbox(
      {
        ready: () => Boolean(socket?.connected && joined),
        send: (command) =>
          (socket as LiveSocket).command(command).catch((error: unknown) => {
            if (error instanceof AckTimeout) return "lost" as const;
            throw error;
          }),
      },
      {
        pending: (keys) => (pending.value = new Set(keys)),
        unsent: (count) => (unsent.value = count),
        refused: showRefusal,
      },
    );

    // --- derived views the pages share -------------------------------------------------

    const participantsById = computed(
      () => new Map((snapshot.value?.participants ?? []).map((p) => [p.participant_id, p])),
    );
    const me = computed<ParticipantView | null>(() =>
      myParticipantId.value ? (participantsById.value.get(myParticipantId.value) ?? null) : null,
    );
    const currentItem = computed(() => {
      const agenda = snapshot.value?.agenda;
      return agenda?.items.find((i) => i.item_id === agenda.current_item_id) ?? null;
    });
    const currentRound = computed(() => snapshot.value?.agenda.current_round ?? null);
    const queue = computed(() => snapshot.value?.queue ?? []);
    const floor = computed(() => snapshot.value?.floor ?? null);
    const myEntry = computed(() => queue.value.find((e) => e.participant_id === myParticipantId.value) ?? null);
    /** 1-based place in the queue, as the server ordered it. */
    const myPlace = computed(() => (myEntry.value ? queue.value.indexOf(myEntry.value) + 1 : null));
    /** Every poll with its running count while open (the final result is in `result`). */
    const polls = computed<(PollView & { tally: PollTally | null })[]>(() =>
      (snapshot.value?.polls ?? []).map((poll) => ({
        ...poll,
        tally: poll.status === "open" ? (tallies.value[poll.poll_id] ?? null) : null,
      })),
    );
    /**
     * Each budgeted category's speaking time on the current item, running: the server's
     * count (realtime/machine/rules.py `budgets`) kept current from the events and the clock.
     */
    const budgets = computed<(BudgetView & { category: Category })[]>(() => {
      const state = snapshot.value;
      if (!state) return [];
      const limits = (state.settings.budgets_s ?? {}) as Partial<Record<Category, number>>;
      const itemId = state.agenda.current_item_id;
      const rounds = state.agenda.items.find((i) => i.item_id === itemId)?.rounds ?? [];
      const unbudgeted = new Set(rounds.filter((r) => !r.budgeted).map((r) => r.round_id));
      const counts = (f: FloorFields) =>
        f.item_id === itemId && (f.round_id === null || !unbudgeted.has(f.round_id));
      const used = new Map<Category, number>();
      const add = (category: Category, seconds: number) => used.set(category, (used.get(category) ?? 0) + seconds);
      for (const speech of state.speeches) if (counts(speech)) add(speech.category, speech.duration_s);
      if (state.floor && counts(state.floor)) add(state.floor.category, Math.max(0, now.value - state.floor.started_at));
      return CATEGORIES.flatMap((category) => {
        const budget = limits[category];
        if (typeof budget !== "number") return [];
        const spent = used.get(category) ?? 0;
        return [{ category, budget_s: budget, used_s: spent, left_s: budget - spent, exhausted: budget - spent <= 0 }];
      });
    });
    /** The machine's answers for whoever this browser is (see `can`). */
    const myAllowed = computed<{ role: RoleAllowed | null; person: RoleAllowed | null }>(() => {
      const allowed = snapshot.value?.allowed;
      if (!allowed) return { role: null, person: null };
      const pid = myParticipantId.value;
      const category = me.value?.category;
      const person = (pid ? allowed.people[pid] : undefined) ?? (category ? allowed.participant[category] : undefined);
      const role = myRole.value === "moderator" ? allowed.moderator : myRole.value === "staff" ? allowed.staff : person;
      return { role: role ?? null, person: person ?? null };
    });

    /**
     * Whether the server would accept this command from this browser now, as the machine
     * itself answered (the snapshot's and events' `allowed`): buttons are enabled by it and
     * decide nothing themselves. `key` names the target of a targeted command (a round id,
     * an entry id, a hand's kind, a poll id). Commands about oneself (raising a hand, voting)
     * are answered for this person, everything else for this browser's role.
     */
    function can(type: PlainCommand | TargetedCommand, key?: string): boolean {
      const answers = PERSONAL.has(type) ? myAllowed.value.person : myAllowed.value.role;
      const answer = answers?.[type];
      if (Array.isArray(answer)) return key !== undefined && answer.includes(key);
      return answer === true;
    }

    const attendance = computed(() => {
      const people = snapshot.value?.participants ?? [];
      return {
        inRoom: people.filter((p) => p.mode === "in_room").length,
        remote: people.filter((p) => p.mode === "remote").length,
        absent: people.filter((p) => p.mode == null).length,
        online: people.filter((p) => p.connected).length,
        total: people.length,
      };
    });

    // --- the event stream ----------------------------------------------------------------

    /** The sequencer's snapshot and seq, shown. */
    function publish(): void {
      snapshot.value = sequencer.snapshot;
      seq.value = sequencer.seq;
    }

    /** Applies buffered events while they follow on; a hole that stays open means a rejoin. */
    function drain(): void {
      const verdict = sequencer.drain();
      if (verdict === "idle") return;
      publish();
      if (verdict === "snapshot") {
        void rejoin("full");
        return;
      }
      watchForGap();
    }

    function watchForGap(): void {
      if (gapTimer) clearTimeout(gapTimer);
      gapTimer = null;
      if (sequencer.waiting === 0) return;
      gapTimer = setTimeout(() => {
        gapTimer = null;
        if (sequencer.waiting > 0) void rejoin("since");
      }, GAP_WAIT_MS);
    }

    function receive(event: LiveEvent): void {
      if (sequencer.offer(event) && joined && !joining) drain();
    }

    /** Tallies can cross on the way from two workers: keep the one with the highest version. */
    function takeTally(tally: PollTally): void {
      if (typeof tally?.poll_id !== "string") return;
      const known = tallies.value[tally.poll_id];
      if (known && known.version > tally.version) return;
      tallies.value = { ...tallies.value, [tally.poll_id]: tally };
    }

    function addSuggestions(items: SuggestionView[]): void {
      const known = new Set(suggestions.value.map((s) => s.suggestion_id));
      const fresh = items.filter((s) => !known.has(s.suggestion_id));
      if (fresh.length > 0) suggestions.value = [...suggestions.value, ...fresh].sort((a, b) => a.at - b.at);
    }

    /** Hear every notice (the theme board needs them all, in order); returns the unsubscribe. */
    function onNotice(listener: (notice: LiveNotice) => void): () => void {
      noticeListeners.add(listener);
      return () => noticeListeners.delete(listener);
    }

    function takeNotice(notice: LiveNotice): void {
      if (typeof notice?.type !== "string" || typeof notice.data !== "object" || notice.data === null) return;
      for (const listener of noticeListeners) listener(notice);
      if (notice.type !== "suggestion.added") return;
      const data = notice.data;
      if (typeof data.text !== "string" || typeof data.at !== "number") return;
      addSuggestions([
        {
          suggestion_id: String(data.suggestion_id),
          name: typeof data.name === "string" ? data.name : null,
          text: data.text,
          at: data.at,
          theme_label: typeof data.theme_label === "string" ? data.theme_label : null,
        },
      ]);
    }

    // --- joining and rejoining -------------------------------------------------------------

    async function joinOnce(mode: "since" | "full"): Promise<void> {
      if (!socket?.connected) return;
      const since = mode === "since" && sequencer.snapshot ? sequencer.seq : null;
      const sentAt = Date.now();
      let ack;
      try {
        ack = await socket.join(meetingId, since);
      } catch (error) {
        if (error instanceof AckTimeout) return; // the reconnect that follows joins again
        throw error;
      }
      if (!ack.ok) {
        refusal.value = ack.error;
        status.value = "refused";
        joined = false;
        return;
      }
      takeServerTime(ack, sentAt);
      if (ack.role) myRole.value = ack.role;
      if (!joined) connectedJoins.value += 1;
      for (const tally of ack.tallies ?? []) takeTally(tally);
      if (ack.snapshot) {
        sequencer.replace(ack.snapshot, ack.seq);
        publish();
      } else {
        sequencer.take(ack.events ?? []);
      }
      joined = true;
      refusal.value = null;
      status.value = "online";
    }

    function takeServerTime(ack: JoinAckOk, sentAt: number): void {
      if (typeof ack.server_time !== "number") return;
      // The server read its clock about half-way through the round trip.
      const middle = (sentAt + Date.now()) / 2;
      clockOffset.value = ack.server_time - middle / 1000;
      now.value = Date.now() / 1000 + clockOffset.value;
    }

    /** Join (again). Overlapping requests become one more join after the running one. */
    function rejoin(mode: "since" | "full"): Promise<void> {
      if (joining) {
        joinAgain = joinAgain === "full" || mode === "full" ? "full" : "since";
        return joining;
      }
      joining = (async () => {
        try {
          let next: "since" | "full" | null = mode;
          while (next) {
            joinAgain = null;
            await joinOnce(next);
            next = joinAgain;
          }
        } finally {
          joining = null;
        }
        if (joined) {
          drain();
          outbox.flush();
        }
      })();
      return joining;
    }

    // --- commands ----------------------------------------------------------------------------

    function showRefusal(type: string, error: LiveError): void {
      noticeCount += 1;
      notice.value = { n: noticeCount, type, error };
    }

    function dismissNotice(): void {
      notice.value = null;
    }

    /**
     * Send a command. A second call with the same key while the first is on its way returns
     * the first one's answer: a double click is one action. Refusals also go to `notice`.
     */
    function send<T extends SendType>(
      type: T,
      data: SendData[T] = {} as SendData[T],
      options: SendOptions = {},
    ): Promise<CommandAck> {
      const key = options.key ?? `${type} ${JSON.stringify(data)}`;
      return outbox.send(key, { id: newCommandId(), type, data });
    }

    async function vote(pollId: string, choice: VoteChoice): Promise<CommandAck> {
      const ack = await send("vote.cast", { poll_id: pollId, choice }, { key: `vote ${pollId}` });
      if (ack.ok) myVotes.value = { ...myVotes.value, [pollId]: choice };
      return ack;
    }

    /** Everyone's connection as the server judges it; moderators and staff get it. */
    const connectionQuality = shallowRef<ConnectionQuality | null>(null);

    function takeQuality(quality: ConnectionQuality): void {
      if (quality?.meeting_id === meetingId && Array.isArray(quality.participants)) connectionQuality.value = quality;
    }

    function isPending(key: string): boolean {
      return pending.value.has(key);
    }

    // --- life cycle ------------------------------------------------------------------------------

    function start(auth: LiveAuth): void {
      if (socket) return;
      status.value = "connecting";
      refusal.value = null;
      socket = openLiveSocket(auth, {
        connected: () => void rejoin("since"),
        disconnected: () => {
          joined = false;
          if (status.value !== "refused") status.value = "offline";
        },
        refused: (message, code) => {
          refusal.value = { code: code ?? "unauthorized", message };
          status.value = "refused";
        },
        event: receive,
        tally: takeTally,
        notice: takeNotice,
        quality: takeQuality,
      });
      ticker = setInterval(() => {
        now.value = Date.now() / 1000 + clockOffset.value;
      }, CLOCK_TICK_MS);
    }

    function stop(): void {
      socket?.close();
      socket = null;
      joined = false;
      if (gapTimer) clearTimeout(gapTimer);
      if (ticker) clearInterval(ticker);
      gapTimer = ticker = null;
      sequencer.clear();
      status.value = "connecting";
    }

    function setMyParticipant(participantId: string | null): void {
      myParticipantId.value = participantId;
    }

    return {
      meetingId,
      snapshot,
      seq,
      status,
      refusal,
      notice,
      pending,
      myParticipantId,
      myRole,
      connectedJoins,
      myVotes,
      unsent,
      tallies,
      connectionQuality,
      suggestions,
      clockOffset,
      now,
      participantsById,
      me,
      currentItem,
      currentRound,
      queue,
      floor,
      myEntry,
      myPlace,
      polls,
      budgets,
      attendance,
      can,
      start,
      stop,
      send,
      vote,
      isPending,
      dismissNotice,
      setMyParticipant,
      addSuggestions,
      onNotice,
      resync: () => rejoin("full"),
    };
  });
}

const definitions = new Map<number, ReturnType<typeof defineLiveStore>>();

/** The store of one live meeting (the same instance for every component of that meeting). */
export function useLiveMeeting(meetingId: number) {
  let useStore = definitions.get(meetingId);
  if (!useStore) {
    useStore = defineLiveStore(meetingId);
    definitions.set(meetingId, useStore);
  }
  return useStore();
}

export type LiveMeetingStore = ReturnType<typeof useLiveMeeting>;
