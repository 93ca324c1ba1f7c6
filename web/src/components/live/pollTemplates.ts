/**
 * The poll templates a moderator opens polls from: the usual 表决 and 测评 of a
 * consultation meeting, each filling the form with a question for the current item.
 */

import type { MessageKey } from "@/i18n";
import type { PollKind } from "@/realtime/types";

export interface PollTemplate {
  id: string;
  nameKey: MessageKey;
  /** The question, with {item} for the current agenda item's title. */
  questionKey: MessageKey;
  kind: PollKind;
  secret: boolean;
  /** Default option labels, one a line; only for kinds whose options the moderator writes. */
  optionsKey?: MessageKey;
}

export const POLL_TEMPLATES: readonly PollTemplate[] = [
  {
    id: "approve",
    nameKey: "live.pollTemplates.approve.name",
    questionKey: "live.pollTemplates.approve.question",
    kind: "yes_no_abstain",
    secret: false,
  },
  {
    id: "approve-secret",
    nameKey: "live.pollTemplates.approveSecret.name",
    questionKey: "live.pollTemplates.approve.question",
    kind: "yes_no_abstain",
    secret: true,
  },
  {
    id: "satisfaction",
    nameKey: "live.pollTemplates.satisfaction.name",
    questionKey: "live.pollTemplates.satisfaction.question",
    kind: "rating",
    secret: true,
  },
  {
    id: "choose",
    nameKey: "live.pollTemplates.choose.name",
    questionKey: "live.pollTemplates.choose.question",
    kind: "single",
    secret: false,
    optionsKey: "live.pollTemplates.choose.options",
  },
  {
    id: "several",
    nameKey: "live.pollTemplates.several.name",
    questionKey: "live.pollTemplates.several.question",
    kind: "multiple",
    secret: false,
    optionsKey: "live.pollTemplates.several.options",
  },
  {
    id: "rank",
    nameKey: "live.pollTemplates.rank.name",
    questionKey: "live.pollTemplates.rank.question",
    kind: "ranking",
    secret: false,
    optionsKey: "live.pollTemplates.rank.options",
  },
  {
    id: "opinion",
    nameKey: "live.pollTemplates.opinion.name",
    questionKey: "live.pollTemplates.opinion.question",
    kind: "text",
    secret: true,
  },
];

/** Kinds whose options the moderator writes; the server makes the others' options itself. */
export function takesOptions(kind: PollKind): boolean {
  return kind === "single" || kind === "multiple" || kind === "ranking";
}
