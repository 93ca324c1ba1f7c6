#!/usr/bin/env node
// What each live page costs a phone: the gzipped JavaScript it loads (the app's entry chunk,
// the page's own chunk and every chunk they import statically), read from Vite's manifest.
//
//   node scripts/bundle-size.mjs            after `npm run build`; prints the tables
//   node scripts/bundle-size.mjs --check    also exits 1 when the participant page is over budget
//
// Dynamic imports are not counted: they load only when that code is reached.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const DIST = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
const BUDGET_GZIP = 250 * 1024; // the participant page's JavaScript, gzipped (issue 6)
const ENTRY = "index.html";
const PAGES = [
  ["participant /m/:id", "src/pages/live/ParticipantPage.vue"],
  ["guest /join/:invite", "src/pages/live/JoinPage.vue"],
  ["moderator /m/:id/moderate", "src/pages/live/ModeratorPage.vue"],
  ["room screen /m/:id/screen", "src/pages/live/ScreenPage.vue"],
  ["staff /m/:id/staff", "src/pages/live/StaffPage.vue"],
];

let manifest;
try {
  manifest = JSON.parse(readFileSync(join(DIST, ".vite", "manifest.json"), "utf8"));
} catch {
  console.error("no dist/.vite/manifest.json: run `npm run build` in web/ first");
  process.exit(2);
}

/** The chunk of a manifest key and every chunk it imports statically, in load order. */
function closure(key, seen = new Set()) {
  const chunk = manifest[key];
  if (!chunk || seen.has(key)) return seen;
  seen.add(key);
  for (const imported of chunk.imports ?? []) closure(imported, seen);
  return seen;
}

const sizes = new Map();
function measure(key) {
  if (!sizes.has(key)) {
    const bytes = readFileSync(join(DIST, manifest[key].file));
    sizes.set(key, { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
  }
  return sizes.get(key);
}

function chunksOf(page) {
  if (!manifest[page]) throw new Error(`${page} is not in the manifest`);
  return [...new Set([...closure(ENTRY), ...closure(page)])].filter((key) => manifest[key].file.endsWith(".js"));
}

const kb = (n) => (n / 1024).toFixed(1);
function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
}

// The participant page, chunk by chunk.
const [participantName, participantPage] = PAGES[0];
const participantChunks = chunksOf(participantPage);
const rows = participantChunks.map((key) => {
  const size = measure(key);
  return [manifest[key].file, kb(size.raw), kb(size.gzip)];
});
const total = participantChunks.reduce((sum, key) => sum + measure(key).gzip, 0);
const totalRaw = participantChunks.reduce((sum, key) => sum + measure(key).raw, 0);
rows.push(["total", kb(totalRaw), kb(total)]);
console.log(`JavaScript of the ${participantName} page (KB)`);
table(["chunk", "raw_kb", "gzip_kb"], rows);
console.log("");

// Every live page, for comparison.
const summary = PAGES.map(([name, page]) => {
  const chunks = chunksOf(page);
  const raw = chunks.reduce((sum, key) => sum + measure(key).raw, 0);
  const gzip = chunks.reduce((sum, key) => sum + measure(key).gzip, 0);
  return [name, chunks.length, kb(raw), kb(gzip), page === participantPage ? kb(BUDGET_GZIP) : "-"];
});
console.log("JavaScript per live page (KB)");
table(["page", "chunks", "raw_kb", "gzip_kb", "budget_gzip_kb"], summary);

if (process.argv.includes("--check") && total > BUDGET_GZIP) {
  console.error(`\nthe participant page loads ${kb(total)} KB gzipped, over the ${kb(BUDGET_GZIP)} KB budget`);
  process.exit(1);
}
