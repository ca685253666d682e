import { emptyGroupRequest } from "../../../src/core/invocation.ts";
import assert from "node:assert/strict";
import { parseArgs } from "../../../src/cli/args.ts";
import { UsageError } from "../../../src/core/errors.ts";

const files = new Set(["app.py", "tool"]);
const isFile = (p: string) => files.has(p);

const cases: [string, string[], unknown][] = [
  ["no arguments means sync", [], { kind: "sync" }],
  ["a path with a slash is always a script", ["./sync", "-v"], {
    kind: "script",
    script: "./sync",
    args: ["-v"],
  }],
  ["a subcommand name wins over a file", ["info"], { kind: "info", json: false, script: null }],
  ["an existing bare file is a script", ["tool", "--help"], {
    kind: "script",
    script: "tool",
    args: ["--help"],
  }],
  ["options stop at the script", ["-q", "app.py", "-q", "--env", "x"], {
    kind: "script",
    script: "app.py",
    args: ["-q", "--env", "x"],
  }],
  ["run takes everything after CMD", ["run", "pytest", "-v", "--", "x"], {
    kind: "run",
    cmd: "pytest",
    args: ["-v", "--", "x"],
  }],
  ["-- ends prime's options", ["--", "app.py", "--version"], {
    kind: "script",
    script: "app.py",
    args: ["--version"],
  }],
  ["info --json", ["info", "--json"], { kind: "info", json: true, script: null }],
  ["env --shell=fish", ["env", "--shell=fish"], { kind: "env", shell: "fish" }],
  ["gc --older-than 7", ["gc", "--older-than", "7"], { kind: "gc", olderThanDays: 7 }],
  ["use with a name", ["use", "dev"], { kind: "use", name: "dev" }],
  ["shell passes -c through", ["shell", "-c", "echo hi"], {
    kind: "shell",
    args: ["-c", "echo hi"],
  }],
  ["--version", ["-V"], { kind: "version" }],
];

for (const [name, argv, want] of cases) {
  Deno.test(`parseArgs(): ${name}`, () => {
    assert.deepEqual(parseArgs(argv, isFile).command, want);
  });
}

Deno.test("parseArgs() collects global options before and after the subcommand", () => {
  const { options } = parseArgs(
    ["-vv", "-e", "dev", "--python=3.12", "sync", "-C", "/x", "--refresh", "--offline"],
    isFile,
  );
  assert.deepEqual(options, {
    verbose: 2,
    quiet: false,
    env: "dev",
    directory: "/x",
    python: "3.12",
    refresh: true,
    offline: true,
    groups: emptyGroupRequest(),
  });
});

Deno.test("parseArgs() takes uv's group and extra flags before a script, run CMD or sync", () => {
  const { options, command } = parseArgs(
    [
      "--group",
      "lint",
      "run",
      "--no-dev",
      "--extra=cli",
      "--only-group",
      "docs",
      "pytest",
      "--group",
    ],
    isFile,
  );
  assert.deepEqual(options.groups, {
    ...emptyGroupRequest(),
    groups: ["lint"],
    dev: false,
    extras: ["cli"],
    onlyGroups: ["docs"],
  });
  // After CMD, everything is the program's.
  assert.deepEqual(command, { kind: "run", cmd: "pytest", args: ["--group"] });
  const sync = parseArgs(["sync", "--no-default-groups", "--all-groups", "--all-extras"], isFile);
  assert.deepEqual(sync.options.groups, {
    ...emptyGroupRequest(),
    noDefaultGroups: true,
    allGroups: true,
    allExtras: true,
  });
  // uv's --dev, --only-dev and --no-extra; of --dev and --no-dev the last wins, as in uv.
  const dev = parseArgs(
    ["--no-dev", "--dev", "--only-dev", "--no-extra", "cli", "--no-extra=web", "sync"],
    isFile,
  );
  assert.deepEqual(dev.options.groups, {
    ...emptyGroupRequest(),
    dev: true,
    onlyDev: true,
    noExtras: ["cli", "web"],
  });
  assert.equal(parseArgs(["--dev", "--no-dev", "sync"], isFile).options.groups.dev, false);
  // A switch overridden by its opposite may be given again, and a named flag repeats
  // (uv accepts `--dev --no-dev --dev` and `--group lint --group lint`).
  assert.equal(parseArgs(["--dev", "--no-dev", "--dev", "sync"], isFile).options.groups.dev, true);
  assert.deepEqual(
    parseArgs(["sync", "--group", "lint", "--group", "lint"], isFile).options.groups.groups,
    ["lint", "lint"],
  );
});

const bad: [string, string[], RegExp][] = [
  ["an unknown option", ["--frobnicate"], /unknown option --frobnicate/],
  ["a missing option value", ["--env"], /--env needs a value/],
  ["an unknown word that is not a file", ["nosuch"], /unknown command or script: nosuch/],
  ["run without a command", ["run"], /run needs a command/],
  ["a bad --shell", ["env", "--shell", "tcsh"], /--shell must be/],
  ["a bad --older-than", ["gc", "--older-than", "soon"], /--older-than needs a number/],
  ["an extra argument", ["sync", "extra"], /unexpected argument extra/],
  ["--group without a name", ["sync", "--group"], /--group needs a name/],
  ["a malformed --extra", ["--extra", "a b", "sync"], /`a b` is not a valid extra name/],
  ["--no-extra without a name", ["sync", "--no-extra"], /--no-extra needs a name/],
  // uv 0.13.9 refuses a switch given twice (clap), before and after the subcommand.
  ["--dev twice", ["--dev", "sync", "--dev"], /option --dev cannot be used multiple times/],
  ["--no-dev twice", ["--no-dev", "--dev", "--no-dev", "--no-dev", "sync"], /--no-dev cannot/],
  ["--only-dev twice", ["sync", "--only-dev", "--only-dev"], /--only-dev cannot/],
  ["--all-groups twice", ["sync", "--all-groups", "--all-groups"], /--all-groups cannot/],
  ["--all-extras twice", ["sync", "--all-extras", "--all-extras"], /--all-extras cannot/],
  ["--no-default-groups twice", ["--no-default-groups", "sync", "--no-default-groups"], /cannot/],
];
for (const [name, argv, re] of bad) {
  Deno.test(`parseArgs() rejects ${name} with a usage error (exit 2)`, () => {
    assert.throws(() => parseArgs(argv, isFile), (e) => {
      assert.ok(e instanceof UsageError);
      assert.equal(e.exitCode, 2);
      assert.match(e.message, re);
      return true;
    });
  });
}

Deno.test("parseArgs() takes clustered short flags: -vq, -vv, -qv, -vC DIR, -veNAME", () => {
  const p = (argv: string[]) => parseArgs(argv, () => false).options;
  assert.deepEqual([p(["-vq"]).verbose, p(["-vq"]).quiet], [1, true]);
  assert.deepEqual([p(["-qvv"]).verbose, p(["-qvv"]).quiet], [2, true]);
  assert.equal(p(["-vv"]).verbose, 2);
  const c = p(["-vC", "/d", "info"]);
  assert.deepEqual([c.verbose, c.directory], [1, "/d"]);
  const e = p(["-veprod", "info"]);
  assert.deepEqual([e.verbose, e.env], [1, "prod"]);
  assert.throws(() => parseArgs(["-vx"], () => false), /unknown option -vx/);
});

Deno.test("parseArgs() gives per-command help: prime help CMD, prime CMD --help, run -h", () => {
  const cmd = (argv: string[]) => parseArgs(argv, () => false).command;
  assert.deepEqual(cmd(["help", "info"]), { kind: "help", topic: "info" });
  assert.deepEqual(cmd(["info", "--help"]), { kind: "help", topic: "info" });
  assert.deepEqual(cmd(["run", "--help"]), { kind: "help", topic: "run" });
  assert.deepEqual(cmd(["shell", "-h"]), { kind: "help", topic: "shell" });
  // After CMD, --help is the command's own.
  assert.deepEqual(cmd(["run", "pytest", "--help"]), {
    kind: "run",
    cmd: "pytest",
    args: ["--help"],
  });
});

Deno.test("parseArgs() takes a SCRIPT for info and clean", () => {
  const cmd = (argv: string[]) => parseArgs(argv, () => false).command;
  assert.deepEqual(cmd(["info", "--json", "s.py"]), { kind: "info", json: true, script: "s.py" });
  assert.deepEqual(cmd(["clean", "tools/s.py"]), { kind: "clean", script: "tools/s.py" });
  assert.deepEqual(cmd(["clean"]), { kind: "clean", script: null });
  assert.throws(() => cmd(["clean", "a.py", "b.py"]), /clean: unexpected argument b\.py/);
});
