import assert from "node:assert/strict";
import { commandHelp, HELP_WIDTH, helpText, helpTopics } from "../../../src/cli/help.ts";
import { COMMANDS } from "../../../src/cli/commands.ts";
import { parseArgs } from "../../../src/cli/args.ts";

Deno.test("helpTopics() lists every command of the main help", () => {
  const topics = helpTopics();
  for (const c of ["sync", "run", "info", "env", "shell", "init", "use", "lock", "clean", "gc"]) {
    assert.ok(topics.includes(c), c);
  }
  assert.ok(!topics.includes("SCRIPT"));
});

Deno.test("commandHelp() shows the command's usage, what it does, and the options", () => {
  for (const topic of helpTopics()) {
    const text = commandHelp(topic)!;
    assert.match(text, /^Usage:\n {2}prime /, topic);
    assert.match(text, /-v, --verbose/, topic);
  }
  const info = commandHelp("info")!;
  assert.match(info, /prime \[OPTIONS\] info \[--json\] \[SCRIPT\]/);
  assert.match(helpText(), /^ {2}prime info \[--json\] \[SCRIPT\] +explain/m);
  assert.doesNotMatch(info, /prime \[OPTIONS\] run/);
  assert.equal(commandHelp("bogus"), null);
  assert.ok(helpText().includes("Short options combine"));
});

Deno.test("commandHelp('run') says -c and -m see the working directory, as they do (plain python's rule)", () => {
  const run = commandHelp("run")!.replace(/\s+/g, " ");
  assert.doesNotMatch(run, /working directory is not importable/);
  assert.match(run, /-c, -m and the REPL see the working directory first, as plain python does/);
});

Deno.test("every help page fits 80 columns: prime --help, prime help CMD and prime CMD --help", () => {
  const pages: [string, string][] = [["prime --help", helpText()]];
  for (const spec of COMMANDS) {
    // `prime CMD --help` is the page of `prime help CMD`: the parser says which.
    const c = parseArgs([spec.name, "--help"], () => false).command as { topic?: string };
    pages.push([`prime ${spec.name} --help`, commandHelp(c.topic ?? spec.name)!]);
  }
  for (const [page, text] of pages) {
    for (const line of text.split("\n")) {
      assert.ok(line.length <= HELP_WIDTH, `${page}: ${line.length} columns: ${line}`);
    }
  }
  assert.equal(HELP_WIDTH, 80);
});
