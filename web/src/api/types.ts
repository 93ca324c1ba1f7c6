/**
 * The JSON shapes the server's HTTP API sends and accepts, written to match
 * server/http/schemas.py; names follow GLOSSARY.md.
 */

export type Category = "member" | "stakeholder" | "official" | "guest";
export type CppccLevel = "city" | "county";
export type RoleName = "admin" | "cppcc_staff" | "party_reviewer" | "moderator" | "staff";
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
}

export interface AgendaRound {
  id: number;
  position: number;
  kind: RoundKind;
  title: string;
  time_limit_s: number | null;
}

export interface AgendaItem {
  id: number;
  position: number;
  title: string;
  rounds: AgendaRound[];
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
  agenda: AgendaItem[];
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
}

/** One suggestion on the theme board, in the order the server ranks its theme's members. */
export interface ThemeMember {
  suggestion_id: number;
  text: string;
  name: string;
  /** Cosine similarity to the theme's centre (the ranking). */
  centrality: number;
  /** Staff placed it (a move, split or merge): re-clustering keeps it where it is. */
  pinned: boolean;
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
  error: { code: string; message: string };
}
