// Unit tests of the pure browser modules (no Vue, no socket): transpiles them with the
// project's TypeScript into a temporary folder and runs web/unit/*.test.mjs there with
// `node --test`. Type checking is the build's job; this only strips the types.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** The modules under test and what they import at run time. */
const MODULES = ["realtime/reducer", "realtime/sequencer", "realtime/outbox"];

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = mkdtempSync(join(tmpdir(), "hsl-web-unit-"));
try {
  for (const name of MODULES) {
    const source = readFileSync(join(web, "src", `${name}.ts`), "utf8");
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
    });
    // Node resolves relative ESM imports only with their extension.
    const js = outputText.replace(/from "(\.\/[^".]+)"/g, 'from "$1.js"');
    mkdirSync(dirname(join(out, "src", name)), { recursive: true });
    writeFileSync(join(out, "src", `${name}.js`), js);
  }
  const tests = readdirSync(join(web, "unit")).filter((f) => f.endsWith(".test.mjs"));
  mkdirSync(join(out, "unit"));
  for (const test of tests) copyFileSync(join(web, "unit", test), join(out, "unit", test));
  const run = spawnSync(process.execPath, ["--test", ...tests.map((t) => join(out, "unit", t))], { stdio: "inherit" });
  process.exitCode = run.status ?? 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
