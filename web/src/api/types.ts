/**
 * The JSON shapes the server's HTTP API sends and accepts, written to match
 * server/http/schemas.py; names follow GLOSSARY.md.
 */

/** The four kinds of participant (第十条), in the order the rules list them. */
export const CATEGORIES = ["member", "stakeholder", "official", "guest"] as const;
export type Category = (typeof CATEGORIES)[number];
export type CppccLevel = "city" | "county";
export type RoleName = "admin" | "cppcc_staff" | "party_reviewer" | "moderator" | "staff" | "unit_officer";
export type OrgLevel = "city" | "county" | "township" | "village";
export type RoomLevel = "township" | "village";
export type MeetingMode = "in_room" | "online" | "hybrid";
export type MeetingStatus = "scheduled" | "live" | "ended";
export type RoundKind =
  | "intro"
  | "briefing"
  | "statements"
  | "responses"
  | "discussion"
  | "vote"
  | "summary";

export interface RoleGrant {
  role: RoleName;
  org_unit_id: number | null;
  room_id: number | null;
}

export interface Me {
  id: number;
  username: string;
  name: string;
  category: Category;
  cppcc_level: CppccLevel | null;
  roles: RoleGrant[];
  /** May open the office console (the server's policy decides). */
  office: boolean;
}

export interface LoginRequest {
  username: string;
  password: string;
}

export interface LoginResponse {
  token: string;
  user: Me;
}

export interface Ok {
  ok: boolean;
}

export interface OrgUnit {
  id: number;
  name: string;
  level: OrgLevel;
  parent_id: number | null;
}

export interface Room {
  id: number;
  name: string;
  level: RoomLevel;
  org_unit_id: number;
  org_unit_name: string;
  address: string | null;
  /** Days a topic's public notice stands before its meeting may open (第十四条). */
  notice_days: number;
  /** Whether every public proposal and meeting suggestion waits for moderation. */
  premoderate: boolean;
}

export interface AgendaRound {
  id: number;
  position: number;
  kind: RoundKind;
  title: string;
  time_limit_s: number | null;
  /** A lineup of slots and, for a vote round, the votes planned for it. */
  config?: RoundConfig;
}

/** One place in a round's lineup: a person on the roster, a whole category, or the moderators. */
export type LineupSlot =
  | { participant_id: string; limit_s?: number | null }
  | { category: Category; limit_s?: number | null }
  | { role: "moderator"; limit_s?: number | null };

export type PollKind = "yes_no_abstain" | "single" | "multiple" | "rating" | "ranking" | "text";

/** A vote prepared for a vote round; the moderator opens it in the meeting. */
export interface PlannedVote {
  question: string;
  kind: PollKind;
  options?: string[];
  secret?: boolean;
}

export interface RoundConfig {
  lineup?: LineupSlot[];
  votes?: PlannedVote[];
}

export interface AgendaItem {
  id: number;
  position: number;
  title: string;
  description?: string | null;
  rounds: AgendaRound[];
}

/** A round as the agenda editor sends it (PATCH /api/meetings/{id}). */
export interface RoundPlan {
  kind: RoundKind;
  title: string;
  time_limit_s: number | null;
  config: RoundConfig;
}

export interface AgendaItemPlan {
  title: string;
  description?: string | null;
  rounds?: RoundPlan[];
  template?: "typical";
}

/** What 新建会议 sends: the meeting, and its agenda from the typical template or an earlier meeting. */
export interface MeetingNew {
  room_id: number;
  title: string;
  topic_title: string;
  starts_at: string;
  place: string;
  mode: MeetingMode;
  agenda?: AgendaItemPlan[];
  copy_from?: number;
  /** The approved topic (议题) the meeting consults on. */
  topic_id?: number;
}

export interface MeetingPlanChange {
  agenda?: AgendaItemPlan[];
  speaking_rules?: SpeakingRules;
}

/** The live meeting's speaking rules; budgets_s is seconds per category per agenda item. */
export interface SpeakingRules {
  budgets_s: Partial<Record<Category, number>>;
  [rule: string]: unknown;
}

/** A guest invite link as made (POST /api/meetings/{id}/invites). */
export interface InviteLink {
  invite_id: number;
  invite: string;
  url: string;
  expires_at: string;
  revoked: boolean;
}

export interface Meeting {
  id: number;
  room_id: number;
  room_name: string;
  title: string;
  topic_title: string;
  /** ISO-8601 with an offset. */
  starts_at: string;
  ends_at: string | null;
  place: string;
  mode: MeetingMode;
  status: MeetingStatus;
  /** The topic (议题) the meeting consults on, if it was created from one. */
  topic_id?: number | null;
  agenda: AgendaItem[];
  speaking_rules?: SpeakingRules;
}

export type MeetingRole = "moderator" | "staff" | "participant";

/** One person on a meeting's roster (参会名单); `id` is their participant id in the live meeting. */
export interface Participant {
  id: number;
  meeting_id: number;
  person_id: number | null;
  name: string;
  category: Category;
  role: MeetingRole;
  attendance_mode: "in_room" | "remote" | null;
  guest_phone?: string | null;
  /** A guest just added: their invite link, made in the same act. */
  invite?: InviteLink | null;
}

/** What the signed-in person is in one meeting, as the server checks every action. */
export interface MyPlace {
  role: MeetingRole | null;
  /** Their roster entry, if they have one. */
  participant_id: number | null;
}

/** What an invite link opens: the meeting and the guest it was made for. */
export interface InviteInfo {
  meeting: Meeting;
  participant: Participant;
}

/** A written suggestion (意见建议) as GET /api/meetings/{id}/suggestions lists it. */
export interface Suggestion {
  id: number;
  meeting_id: number;
  text: string;
  name: string;
  participant_id: number | null;
  /** ISO-8601. */
  created_at: string;
  theme_id: number | null;
  theme_label: string | null;
  /** held: waits for the room's staff; removed: not shown. Only its writer sees either. */
  moderation?: "clear" | "held" | "released" | "removed";
  /** Written by the caller (never set for the meeting's staff). */
  mine?: boolean;
}

export type SegmentSource = "live" | "import" | "asr";

/** One turn of a meeting's transcript (发言记录), as docs/minutes.md describes it. */
export interface TranscriptSegment {
  id: number;
  position: number;
  /** The roster entry (Participant.id) who spoke; null when the name matched nobody. */
  participant_id: number | null;
  speaker_name: string;
  unmatched: boolean;
  /** Seconds from `record_started_at`, or from the recording's start for an unaligned import. */
  start_s: number | null;
  end_s: number | null;
  text: string;
  source: SegmentSource;
  /** The speech of the floor events this turn belongs to (s1, s2, …). */
  speech_id: string | null;
  agenda_item_id: number | null;
  /** ISO-8601. */
  updated_at: string;
  updated_by: number | null;
}

export interface Transcript {
  meeting_id: number;
  /** Epoch seconds that live segments' times count from; null before anyone spoke. */
  record_started_at: number | null;
  segments: TranscriptSegment[];
  unmatched: string[];
}

export interface TranscriptRebuilt {
  added: number;
  transcript: Transcript;
}

export interface TranscriptImported {
  format: string;
  imported: number;
  /** Imported turns linked to a speech of the session record. */
  aligned: number;
  unmatched: string[];
  transcript: Transcript;
}

/** A new segment: after `after_id` (or at the end), the speaker by roster id or by name. */
export interface SegmentNew {
  after_id?: number | null;
  participant_id?: number | null;
  speaker_name?: string | null;
  text?: string;
  start_s?: number | null;
  end_s?: number | null;
}

export type SegmentChange = Omit<SegmentNew, "after_id">;

/** One suggestion on the theme board, in the order the server ranks its theme's members. */
export interface ThemeMember {
  suggestion_id: number;
  text: string;
  name: string;
  /** Cosine similarity to the theme's centre (the ranking). */
  centrality: number;
  /** Staff placed it (a move, split or merge): re-clustering keeps it where it is. */
  pinned: boolean;
  /** Screening hints (第十一条): it may be out of the consultation's scope. They only advise. */
  hints: ScreeningHint[];
}

export type ScreeningHintKind = "individual_dispute" | "litigation" | "settled_by_policy" | "already_agreed";

/** Why a text may fall outside the consultation's scope, and the phrases that raised it. */
export interface ScreeningHint {
  kind: ScreeningHintKind;
  /** A sentence for staff, in Chinese, from the server. */
  message: string;
  triggers: string[];
}

/** A theme (主题) of the board: `label` is the staff name when there is one, else the generated label. */
export interface Theme {
  id: number;
  key: string;
  label: string;
  name: string | null;
  keywords: string[];
  size: number;
  position: number;
  representative: string;
  members: ThemeMember[];
}

/** Near-duplicate suggestions: the most typical first (similarity 1.0), each other's similarity to it. */
export interface DuplicateGroup {
  members: { suggestion_id: number; similarity: number }[];
}

/** GET /api/meetings/{id}/themes and the answer to every board edit; themes in the server's order. */
export interface ThemeBoard {
  meeting_id: number;
  revision: number;
  total: number;
  join_threshold: number;
  themes: Theme[];
  duplicates: DuplicateGroup[];
}

export type ThemePollKind = "multiple" | "ranking";

export interface ThemePollRequest {
  kind: ThemePollKind;
  /** Omitted: every theme, in board order. */
  theme_ids?: number[];
  question?: string;
}

/** The `poll.open` command the moderator's client sends; the server opens nothing itself. */
export interface ThemePollDraft {
  type: "poll.open";
  data: { question: string; kind: ThemePollKind; options: string[]; secret: boolean };
  theme_ids: number[];
}

export interface ItemList<T> {
  items: T[];
}

/** The body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

// --- The written record (docs/minutes.md): minutes and report versions. --------------------

/** The two documents kept as numbered versions: 会议纪要 and 协商建议. */
export type RecordKind = "minutes" | "recommendations";

export interface VersionSummary {
  number: number;
  status: "draft" | "signed";
  note: string;
  /** For a report: the minutes version it was drafted from. */
  based_on: number | null;
  author_id: number | null;
  author_name: string;
  /** ISO-8601. */
  created_at: string;
  signed_by: number | null;
  signed_by_name: string | null;
  signed_at: string | null;
}

/** A drafted sentence and the transcript segment it was taken from (null: none). */
export interface LinkedSentence {
  text: string;
  segment_id: number | null;
}

export interface MinutesHeader {
  title: string;
  number: string;
  date: string;
  time: string;
  place: string;
  moderator: string;
  recorder: string;
  topic: string;
  agenda: string[];
  /** Names by attendance group (政协委员, 利益相关方代表, ...). */
  present: Record<string, string[]>;
  observers: string[];
  absent: string[];
  /** 应到/实到 with the check-ins (a meeting that ran live), else "". */
  attendance?: string;
}

export interface KeyPoint {
  speaker: string;
  participant_id: number | null;
  text: string;
  segment_ids: (number | null)[];
  sentences: LinkedSentence[];
  /** The round it was said in, when the meeting ran live. */
  round?: string;
}

export interface MinutesSection {
  title: string;
  headline: string;
  keywords: string[];
  first_segment_id: number | null;
  last_segment_id: number | null;
  summary: string;
  summary_sentences: LinkedSentence[];
  key_points: KeyPoint[];
}

export interface MinutesPoll {
  question: string;
  counts: Record<string, number>;
  votes: number;
  passed: boolean | null;
  segment_id: number | null;
  source: "live" | "transcript" | "edited";
  kind?: string;
  /** A live poll's whole result in words (应到/实到, counts, rule, outcome, ranking winners). */
  detail?: string;
  winner?: string | null;
}

/** A decision (议定事项), a dissent (不同意见) or an action (下一步工作). */
export interface Finding {
  text: string;
  speaker: string;
  segment_id: number | null;
  participant_id: number | null;
  unit: string | null;
}

export interface MinutesSpeaker {
  label: string;
  name: string;
  participant_id: number | null;
  category: string;
  matched: boolean;
  turns: number;
  chars: number;
}

export interface MinutesDraft {
  header: MinutesHeader;
  summary: string;
  summary_sentences: LinkedSentence[];
  sections: MinutesSection[];
  polls: MinutesPoll[];
  decisions: Finding[];
  dissent: Finding[];
  actions: Finding[];
  speakers: MinutesSpeaker[];
  unmatched_speakers: string[];
  source: Record<string, unknown>;
  segment_ids: number[];
}

export interface Recommendation {
  number: number | null;
  text: string;
  rationale: string;
  unit: string | null;
  segment_id: number | null;
}

/** The recommendation report (协商建议). */
export interface ReportDraft {
  title: string;
  recipient: string;
  intro: string;
  items: Recommendation[];
  closing: string;
}

export interface DraftOf {
  minutes: MinutesDraft;
  recommendations: ReportDraft;
}

export type RecordVersion<K extends RecordKind> = VersionSummary & { draft: DraftOf[K] };
