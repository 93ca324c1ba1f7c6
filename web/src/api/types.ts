/**
 * The JSON shapes the server's HTTP API sends and accepts, named for the app: each is the
 * OpenAPI document's (schema.generated.ts, from server/http/schemas*.py); names follow GLOSSARY.md.
 */

import type { components } from "./schema.generated";

/** The OpenAPI document's schemas by the server's model names. */
export type Schemas = components["schemas"];

/** The four kinds of participant (第十条), in the order the rules list them. */
export const CATEGORIES = ["member", "stakeholder", "official", "guest"] as const satisfies readonly Schemas["Me"]["category"][];
export type Category = Schemas["Me"]["category"];
export type CppccLevel = NonNullable<Schemas["Me"]["cppcc_level"]>;
export type RoleName = Schemas["RoleOut"]["role"];
export type OrgLevel = Schemas["OrgUnitOut"]["level"];
export type RoomLevel = Schemas["RoomOut"]["level"];
export type MeetingMode = Schemas["MeetingOut"]["mode"];
export type MeetingStatus = Schemas["MeetingOut"]["status"];
export type RoundKind = Schemas["RoundOut"]["kind"];

export type RoleGrant = Schemas["RoleOut"];
/** The signed-in person; `office`: may open the office console (the server's policy decides). */
export type Me = Schemas["Me"];
export type LoginRequest = Schemas["LoginIn"];
export type LoginResponse = Schemas["LoginOut"];
export type Ok = Schemas["Ok"];
export type OrgUnit = Schemas["OrgUnitOut"];
/** A room; `notice_days`: days a topic's notice stands before its meeting may open (第十四条). */
export type Room = Schemas["RoomOut"];

/** A round of an agenda item, with its lineup and, for a vote round, the votes planned for it. */
export type AgendaRound = Schemas["RoundOut"];
export type RoundConfig = AgendaRound["config"];
/** One place in a round's lineup: a person on the roster, a whole category, or the moderators. */
export type LineupSlot = NonNullable<RoundConfig["lineup"]>[number];
/** A vote prepared for a vote round; the moderator opens it in the meeting. */
export type PlannedVote = NonNullable<RoundConfig["votes"]>[number];
export type PollKind = PlannedVote["kind"];
export type AgendaItem = Schemas["AgendaItemOut"];

/** A round as the agenda editor sends it (PATCH /api/meetings/{id}). */
export type RoundPlan = Schemas["RoundIn"];
export type AgendaItemPlan = Schemas["AgendaItemIn"];
/** What 新建会议 sends: the meeting, and its agenda from the typical template or an earlier meeting. */
export type MeetingNew = Schemas["MeetingIn"];
export type MeetingPlanChange = Schemas["MeetingPatch"];
/** The live meeting's speaking rules; budgets_s is seconds per category per agenda item. */
export type SpeakingRules = Schemas["MeetingOut"]["speaking_rules"];

/** A guest invite link as made (POST /api/meetings/{id}/invites). */
export type InviteLink = Schemas["InviteOut"];
export type Meeting = Schemas["MeetingOut"];
export type MeetingRole = Schemas["ParticipantOut"]["role"];
/** One person on a meeting's roster (参会名单); `id` is their participant id in the live meeting. */
export type Participant = Schemas["ParticipantOut"];
/** What the signed-in person is in one meeting, as the server checks every action. */
export type MyPlace = Schemas["MyPlaceOut"];
/** What an invite link opens: the meeting and the guest it was made for. */
export type InviteInfo = Schemas["InviteInfo"];

/** A written suggestion (意见建议) as GET /api/meetings/{id}/suggestions lists it. */
export type Suggestion = Schemas["SuggestionOut"];

/** One turn of a meeting's transcript (发言记录), as docs/minutes.md describes it. */
export type TranscriptSegment = Schemas["SegmentOut"];
export type SegmentSource = TranscriptSegment["source"];
export type Transcript = Schemas["TranscriptOut"];
export type TranscriptRebuilt = Schemas["RebuildOut"];
export type TranscriptImported = Schemas["TranscriptImportOut"];
/** A new segment: after `after_id` (or at the end), the speaker by roster id or by name. */
export type SegmentNew = Schemas["SegmentIn"];
export type SegmentChange = Schemas["SegmentPatch"];

/** One suggestion on the theme board, in the order the server ranks its theme's members. */
export type ThemeMember = Schemas["MemberOut"];
/** Why a text may fall outside the consultation's scope (第十一条), and the phrases that raised it. */
export type ScreeningHint = Schemas["ScreeningHintOut"];
export type ScreeningHintKind = ScreeningHint["kind"];
/** A theme (主题) of the board: `label` is the staff name when there is one, else the generated label. */
export type Theme = Schemas["ThemeOut"];
/** Near-duplicate suggestions: the most typical first (similarity 1.0), each other's similarity to it. */
export type DuplicateGroup = Schemas["DuplicateOut"];
/** GET /api/meetings/{id}/themes and the answer to every board edit; themes in the server's order. */
export type ThemeBoard = Schemas["BoardOut"];
export type ThemePollRequest = Schemas["PollIn"];
export type ThemePollKind = NonNullable<ThemePollRequest["kind"]>;
/** The `poll.open` command the moderator's client sends; the server opens nothing itself. */
export type ThemePollDraft = Schemas["PollOut"];

export interface ItemList<T> {
  items: T[];
}

/** The body of every error response. */
export type ErrorBody = Schemas["Error"];

// --- The written record (docs/minutes.md): minutes and report versions. --------------------

/** The two documents kept as numbered versions: 会议纪要 and 协商建议. */
export type RecordKind = "minutes" | "recommendations";

export type VersionSummary = Schemas["VersionSummary"];
/** A drafted sentence and the transcript segment it was taken from (null: none). */
export type LinkedSentence = Schemas["Sentence-Output"];
export type MinutesDraft = Schemas["MinutesDraft-Output"];
export type MinutesHeader = MinutesDraft["header"];
export type MinutesSection = MinutesDraft["sections"][number];
export type KeyPoint = MinutesSection["key_points"][number];
export type MinutesPoll = MinutesDraft["polls"][number];
/** A decision (议定事项), a dissent (不同意见) or an action (下一步工作). */
export type Finding = MinutesDraft["decisions"][number];
export type MinutesSpeaker = MinutesDraft["speakers"][number];
/** The recommendation report (协商建议). */
export type ReportDraft = Schemas["ReportDraft-Output"];
export type Recommendation = ReportDraft["items"][number];

export interface DraftOf {
  minutes: MinutesDraft;
  recommendations: ReportDraft;
}

export type RecordVersion<K extends RecordKind> = VersionSummary & { draft: DraftOf[K] };
