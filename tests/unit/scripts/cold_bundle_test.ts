/**
 * scripts/prime runs the cold CLI (every command the warm path never serves) from a
 * bundle, src/.build/cli.N/, which it builds when a source, deno.json, deno.lock or the
 * launcher is newer, and it falls back to the sources where none can be built. Each
 * test works on a copy of the launcher and the sources (tests/helpers/launcher.ts).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { AS_NOBODY, buildRepo, REPO, runPrime } from "../../helpers/fixtures.ts";
import { need, requires } from "../../helpers/requires.ts";
import { HELP_DIRS } from "../../../src/cli/load.ts";
import {
  AS_NOBODY_SKIP,
  copyLauncher,
  failingBundleTools,
  realTools,
  shareWithNobody,
} from "../../helpers/launcher.ts";

/** The bundle cli.current names (null when there is none). */
function currentBundle(root: string): string | null {
  try {
    const name = Deno.readTextFileSync(join(root, "src", ".build", "cli.current")).trim();
    return join(root, "src", ".build", name);
  } catch {
    return null;
  }
}

/** The bundles kept in src/.build, by name. */
function bundles(root: string): string[] {
  return [...Deno.readDirSync(join(root, "src", ".build"))]
    .filter((e) => e.isDirectory && e.name.startsWith("cli."))
    .map((e) => e.name)
    .sort();
}

/** Makes the bundle's `info` command (or `file` of it) say, on stderr, that the bundle served it. */
function markInfo(bundle: string, file = join("commands", "info.js")): void {
  const f = join(bundle, file);
  Deno.writeTextFileSync(
    f,
    Deno.readTextFileSync(f) +
      '\nDeno.stderr.writeSync(new TextEncoder().encode("served by the bundle\\n"));\n',
  );
}

/**
 * A source saved after the bundle was built (git pull, an edit): the bundle's stamp is
 * set 10 s back and the source 5 s back, so that nothing lies in the future.
 */
function saveAfterBuild(root: string, rel: string): void {
  const now = Date.now();
  const stamp = join(root, "src", ".build", "cli.current");
  Deno.utimeSync(stamp, new Date(now - 10_000), new Date(now - 10_000));
  Deno.utimeSync(join(root, rel), new Date(now - 5_000), new Date(now - 5_000));
}

const REPO_FILES = {
  "prime.toml": 'venv_driver = "venv_pip"\ndependencies = ["six"]\n',
  "app.py": "print('hi')\n",
};

/** The commands whose output the bundle must reproduce, as the sources print it. */
const CASES: string[][] = [
  ["help", "sync"],
  ["info"],
  ["info", "--json"],
  ["sync", "--nope"],
  ["--help"],
];

Deno.test("where no cold bundle can be built the CLI runs from the sources, tried once; once built, the bundle prints what the sources print", async () => {
  const { tools, log } = await failingBundleTools();
  const root = await copyLauncher(tools);
  const prime = join(root, "scripts", "prime");
  const repo = await buildRepo({ files: REPO_FILES });
  const fromSources = [];
  for (const args of CASES) {
    fromSources.push(await runPrime(args, { cwd: repo.dir, env: repo.env, exe: prime }));
  }
  assert.equal(fromSources[1].code, 0, fromSources[1].stderr);
  assert.match(fromSources[1].stdout, /^prime /);
  assert.equal(fromSources[3].code, 2, "a usage error is still exit 2");
  assert.equal(Deno.readTextFileSync(log), "x\n", "one attempt for the five starts");
  assert.equal(currentBundle(root), null);

  // Deno can bundle again (back online): the next change of a source retries.
  await Deno.remove(join(root, ".tools"));
  await Deno.symlink(realTools(), join(root, ".tools"));
  const now = Date.now();
  const failed = join(root, "src", ".build", "cli.failed");
  Deno.utimeSync(failed, new Date(now - 10_000), new Date(now - 10_000));
  Deno.utimeSync(join(root, "src", "log.ts"), new Date(now - 5_000), new Date(now - 5_000));
  for (const [i, args] of CASES.entries()) {
    const r = await runPrime(args, { cwd: repo.dir, env: repo.env, exe: prime });
    assert.deepEqual(r, fromSources[i], `prime ${args.join(" ")}: the bundle's output`);
  }
  const bundle = currentBundle(root);
  assert.ok(bundle !== null, "built");
  for (const entry of ["cli/main.js", "help.js"]) {
    const text = Deno.readTextFileSync(join(bundle, entry));
    assert.doesNotMatch(text, /from\s*["'](npm:|node:)/, `${entry} imports no npm or node: module`);
  }
  assert.doesNotMatch(
    Deno.readTextFileSync(join(bundle, "help.js")),
    /from\s*["']\./,
    "help.js is one file",
  );
  // Deno decodes the source map of main.js and of each file load() imports at every
  // start: their code is in chunks, each entry file only re-exports (or, main.js,
  // holds main.ts alone).
  const sources = (entry: string) =>
    JSON.parse(Deno.readTextFileSync(join(bundle, `${entry}.map`))).sources as string[];
  assert.deepEqual(sources("cli/main.js"), ["../../../cli/main.ts"]);
  for (const entry of ["commands/info.js", "commands/env_recorded.js", "project/project.js"]) {
    assert.deepEqual(sources(entry), [], `${entry} only re-exports`);
  }
  // A bug's stack (-v) names the sources, through the linked source maps.
  const stack = await new Deno.Command(join(realTools(), "deno-2.9.6", "deno"), {
    args: [
      "eval",
      `const m = await import(${
        JSON.stringify(`file://${join(bundle, "commands", "info.js")}`)
      });` +
      "try { await m.infoCommand(null, false); } catch (e) { console.log(e.stack); }",
    ],
    env: { DENO_DIR: join(realTools(), "deno_dir") },
  }).output();
  assert.match(new TextDecoder().decode(stack.stdout), /src\/commands\/info\.ts:\d+/);
  markInfo(bundle);
  const r = await runPrime(["info"], { cwd: repo.dir, env: repo.env, exe: prime });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /served by the bundle/);
  assert.equal(r.stdout, fromSources[1].stdout);
  markInfo(bundle, "help.js");
  const help = await runPrime(["--help"], { cwd: repo.dir, env: repo.env, exe: prime });
  assert.match(help.stderr, /served by the bundle/, "a bare --help runs help.js");
  assert.equal(help.stdout, fromSources[4].stdout);
});

Deno.test("scripts/prime rebuilds the cold bundle when a source is newer, keeps the one before and removes older ones", async () => {
  const root = await copyLauncher(realTools());
  const prime = join(root, "scripts", "prime");
  const repo = await buildRepo({ files: REPO_FILES });
  const info = () => runPrime(["info"], { cwd: repo.dir, env: repo.env, exe: prime });
  // A bare --help never builds (it runs src/cli/help.ts then): help stays instant.
  const help = await runPrime(["--help"], { cwd: repo.dir, env: repo.env, exe: prime });
  assert.equal(help.code, 0, help.stderr);
  assert.equal(currentBundle(root), null, "--help built nothing");
  assert.equal((await info()).code, 0);
  const first = currentBundle(root)!;
  markInfo(first);
  assert.match((await info()).stderr, /served by the bundle/, "the bundle serves while current");
  for (const rel of ["src/commands/info.ts", "deno.json", "src/cli/main.ts"]) {
    saveAfterBuild(root, rel);
    const r = await info();
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /served by the bundle/, `rebuilt after ${rel}`);
  }
  const last = currentBundle(root)!;
  assert.notEqual(last, first);
  assert.equal(bundles(root).length, 2, "the current bundle and the one before");
  assert.ok(!bundles(root).includes(first.split("/").pop()!), "the oldest is gone");
  assert.ok(Deno.statSync(join(last, "cli", "main.js")).isFile);
});

Deno.test("a source copied in with an old mtime (tar x, rsync -t) retires the cold bundle: that start runs from the sources, the next builds it again", async () => {
  const root = await copyLauncher(realTools());
  const prime = join(root, "scripts", "prime");
  const repo = await buildRepo({ files: REPO_FILES });
  const info = () => runPrime(["info"], { cwd: repo.dir, env: repo.env, exe: prime });
  assert.equal((await info()).code, 0);
  const first = currentBundle(root)!;
  markInfo(first);
  // As rsync -t or tar x do: a new file renamed over the old one, its mtime set back.
  await new Promise((r) => setTimeout(r, 1100)); // the directory's ctime has whole seconds
  const src = join(root, "src", "commands", "info_report.ts");
  const old = Deno.statSync(src);
  Deno.writeTextFileSync(`${src}.tmp`, Deno.readTextFileSync(src));
  Deno.renameSync(`${src}.tmp`, src);
  Deno.utimeSync(src, old.atime!, old.mtime!);
  const cold = await info();
  assert.equal(cold.code, 0, cold.stderr);
  assert.match(cold.stdout, /^prime /);
  assert.doesNotMatch(cold.stderr, /served by the bundle/, "the retired bundle did not serve it");
  const again = await info();
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /served by the bundle/);
  assert.notEqual(currentBundle(root), first, "built again");
});

Deno.test("a source copied in with an old mtime retires help.js too: a bare --help prints the sources' page, never the old one", async () => {
  const root = await copyLauncher(realTools());
  const prime = join(root, "scripts", "prime");
  const repo = await buildRepo({ files: REPO_FILES });
  const help = () => runPrime(["--help"], { cwd: repo.dir, env: repo.env, exe: prime });
  assert.equal((await runPrime(["info"], { cwd: repo.dir, env: repo.env, exe: prime })).code, 0);
  const bundle = currentBundle(root)!;
  // help.js looks at the ctime of HELP_DIRS only: every source it holds is in one.
  const map = JSON.parse(Deno.readTextFileSync(join(bundle, "help.js.map")));
  for (const source of map.sources as string[]) {
    const dir = source.replace(/^\.\.\/\.\.\//, "").split("/").slice(0, -1).join("/") || ".";
    assert.ok((HELP_DIRS as readonly string[]).includes(dir), `${source} is in HELP_DIRS`);
  }
  markInfo(bundle, "help.js");
  assert.match((await help()).stderr, /served by the bundle/, "help.js serves while current");
  // As rsync -t or tar x do: the command table renamed in with its old mtime kept.
  await new Promise((r) => setTimeout(r, 1100)); // the directory's ctime has whole seconds
  const src = join(root, "src", "cli", "commands.ts");
  const old = Deno.statSync(src);
  const text = Deno.readTextFileSync(src);
  assert.match(text, /explain every decision; read-only/);
  Deno.writeTextFileSync(
    `${src}.tmp`,
    text.replace("explain every decision; read-only", "explain every choice, changed"),
  );
  Deno.renameSync(`${src}.tmp`, src);
  Deno.utimeSync(src, old.atime!, old.mtime!);
  const r = await help();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /explain every choice, changed/, "the page of the sources");
  assert.equal(currentBundle(root), bundle, "--help builds nothing");
});

Deno.test("while another start builds the cold bundle this one runs from the sources; a dead builder's lock is taken over", async () => {
  const root = await copyLauncher(realTools());
  const prime = join(root, "scripts", "prime");
  const repo = await buildRepo({ files: REPO_FILES });
  const lock = join(root, "src", ".build", ".cli-lock");
  await Deno.mkdir(lock, { recursive: true });
  // A live builder: a process started just now. (Not this test's own: a lock of the older
  // launcher, a pid alone, holds only while its holder has run under ten minutes, and a
  // whole suite runs longer than that before it gets here.)
  const builder = new Deno.Command("sleep", { args: ["60"] }).spawn();
  let r;
  try {
    await Deno.writeTextFile(join(lock, "pid"), `${builder.pid}\n`);
    r = await runPrime(["info"], { cwd: repo.dir, env: repo.env, exe: prime });
  } finally {
    builder.kill();
    await builder.status;
  }
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^prime /);
  assert.equal(currentBundle(root), null, "no second build while one runs");
  // A builder that died (killed mid-build): its pid names no process now.
  const gone = new Deno.Command("true").spawn();
  await gone.status;
  await Deno.writeTextFile(join(lock, "pid"), `${gone.pid}\n`);
  const again = await runPrime(["info"], { cwd: repo.dir, env: repo.env, exe: prime });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, r.stdout);
  assert.ok(currentBundle(root) !== null, "built");
  assert.throws(() => Deno.statSync(lock), Deno.errors.NotFound, "the lock is released");
});

Deno.test("a cold bundle lock whose pid now names an unrelated live process (the builder killed, its pid given again) is taken over, and a dead builder's temporary files go", async () => {
  const root = await copyLauncher(realTools());
  const prime = join(root, "scripts", "prime");
  const repo = await buildRepo({ files: REPO_FILES });
  const build = join(root, "src", ".build");
  const lock = join(build, ".cli-lock");
  await Deno.mkdir(lock, { recursive: true });
  // This test's own process is alive, but it is not the process that took the lock:
  // the lock's start time is not its start time.
  await Deno.writeTextFile(join(lock, "pid"), `${Deno.pid} 1\n`);
  const r = await runPrime(["info"], { cwd: repo.dir, env: repo.env, exe: prime });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(currentBundle(root) !== null, "built: the lock was not its builder's");
  assert.throws(() => Deno.statSync(lock), Deno.errors.NotFound, "the lock is released");
  // A builder killed mid-build left its lock and its half-built directory.
  const gone = new Deno.Command("true").spawn();
  await gone.status;
  await Deno.mkdir(lock);
  await Deno.writeTextFile(join(lock, "pid"), `${gone.pid} 1\n`);
  await Deno.mkdir(join(build, `.cli-tmp.${gone.pid}`, "cli"), { recursive: true });
  await Deno.writeTextFile(join(build, `.cli-tmp.${gone.pid}.start`), "");
  saveAfterBuild(root, join("src", "cli", "main.ts"));
  const again = await runPrime(["info"], { cwd: repo.dir, env: repo.env, exe: prime });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(
    [...Deno.readDirSync(build)].map((e) => e.name).filter((n) => n.startsWith(".cli-")),
    [],
    "no lock or temporary file is left",
  );
});

/** How long ago, in seconds, process `pid` started (null without /proc). */
function processAge(pid: number): number | null {
  try {
    const uptime = Number(Deno.readTextFileSync("/proc/uptime").split(" ")[0]);
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return uptime - Number(fields[19]) / 100;
  } catch {
    return null;
  }
}

const oldPid1 = (processAge(1) ?? 0) > 900;
Deno.test({
  name:
    "a lock of the older launcher (its pid alone) held by a long-lived process is taken over: the cold bundle is built again; a young holder still counts as a builder" +
    requires(need(oldPid1, "pid 1 started less than 15 minutes ago (or no /proc)")).why,
  ignore: !oldPid1,
  async fn() {
    const root = await copyLauncher(realTools());
    const prime = join(root, "scripts", "prime");
    const repo = await buildRepo({ files: REPO_FILES });
    const lock = join(root, "src", ".build", ".cli-lock");
    const info = () => runPrime(["info"], { cwd: repo.dir, env: repo.env, exe: prime });
    // A builder of the older launcher, started a moment ago: its lock holds.
    const young = new Deno.Command("sleep", { args: ["60"] }).spawn();
    try {
      await Deno.mkdir(lock, { recursive: true });
      await Deno.writeTextFile(join(lock, "pid"), `${young.pid}\n`);
      assert.equal((await info()).code, 0);
      assert.equal(currentBundle(root), null, "no second build while one may run");
    } finally {
      young.kill();
      await young.status;
    }
    // The older launcher's builder killed mid-build, its pid now a process that has run
    // for hours (pid 1 here): no build takes that long, so the lock is stale.
    await Deno.writeTextFile(join(lock, "pid"), "1\n");
    const r = await info();
    assert.equal(r.code, 0, r.stderr);
    assert.ok(currentBundle(root) !== null, "built: a long-lived process holds no build");
    assert.throws(() => Deno.statSync(lock), Deno.errors.NotFound, "the lock is released");
  },
});

Deno.test("a source dated ahead of the clock (the clock set back) builds no bundle on each start: the CLI and the warm path run from the sources until the clock passes it", async () => {
  const root = await copyLauncher(realTools());
  const prime = join(root, "scripts", "prime");
  const repo = await buildRepo({ files: REPO_FILES });
  const build = join(root, "src", ".build");
  const hour = new Date(Date.now() + 3_600_000);
  Deno.utimeSync(join(root, "src", "core", "paths.ts"), hour, hour);
  for (let i = 0; i < 2; i++) {
    const r = await runPrime(["info"], { cwd: repo.dir, env: repo.env, exe: prime });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^prime /);
    const app = await runPrime(["app.py"], { cwd: repo.dir, env: repo.env, exe: prime });
    assert.equal(app.code, 0, app.stderr);
    assert.equal(app.stdout, "hi\n");
  }
  const built = [...Deno.readDirSync(build)].map((e) => e.name)
    .filter((n) => n.startsWith("cli.") || n.startsWith("warm.") || n.startsWith(".cli-"));
  assert.deepEqual(built, [], "no bundle was built (each would be stale at once)");
  // Once the clock has passed it, the bundles are built.
  const past = new Date(Date.now() - 2000);
  Deno.utimeSync(join(root, "src", "core", "paths.ts"), past, past);
  const r = await runPrime(["info"], { cwd: repo.dir, env: repo.env, exe: prime });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(currentBundle(root) !== null, "built");
});

/** Runs a command; its exit code. */
async function sh(cmd: string, args: string[]): Promise<number> {
  return (await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output()).code;
}

const root0 = Deno.build.os === "linux" && Deno.uid() === 0;
const tmpfs = requires(need(root0, "mounting a tmpfs needs root on Linux"));

Deno.test({
  name: `a full disk under src/.build, where even the lock's pid cannot be written, leaves no ` +
    `lock: once there is room, the next start builds the cold bundle${tmpfs.why}`,
  ignore: tmpfs.ignore,
  async fn() {
    const root = await copyLauncher(realTools());
    const prime = join(root, "scripts", "prime");
    const repo = await buildRepo({ files: REPO_FILES });
    const build = join(root, "src", ".build");
    await Deno.mkdir(build, { recursive: true });
    assert.equal(await sh("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", build]), 0);
    try {
      // Every block taken: an empty file or a directory can still be made, no byte written.
      const fill = join(build, "fill");
      await sh("dd", ["if=/dev/zero", `of=${fill}`, "bs=4k", "count=64"]);
      const full = await runPrime(["info"], { cwd: repo.dir, env: repo.env, exe: prime });
      assert.equal(full.code, 0, full.stderr);
      assert.equal(full.stderr, "");
      assert.deepEqual(
        [...Deno.readDirSync(build)].map((e) => e.name).filter((n) => n.startsWith(".cli-")),
        [],
        "no lock or temporary file is left",
      );
      Deno.removeSync(fill);
      await sh("mount", ["-o", "remount,size=16m", build]);
      const again = await runPrime(["info"], { cwd: repo.dir, env: repo.env, exe: prime });
      assert.equal(again.code, 0, again.stderr);
      assert.ok(currentBundle(root) !== null, "built once there was room");
    } finally {
      await sh("umount", [build]);
    }
  },
});

const nobody = AS_NOBODY_SKIP;

Deno.test({
  name:
    "another user's checkout, which this user may only read, runs the CLI from the sources when its cold bundle is stale, and builds nothing" +
    nobody.why,
  ignore: nobody.ignore,
  async fn() {
    const root = await copyLauncher(realTools());
    const prime = join(root, "scripts", "prime");
    const repo = await buildRepo({ files: REPO_FILES });
    assert.equal((await runPrime(["info"], { cwd: repo.dir, env: repo.env, exe: prime })).code, 0);
    markInfo(currentBundle(root)!);
    saveAfterBuild(root, "src/log.ts");
    // A deno.lock newer than the toolchain's npm marker (a pull), which this user cannot
    // write either: the launcher checks the packages, and that must not end it.
    Deno.utimeSync(join(root, "deno.lock"), new Date(), new Date());
    const env = await shareWithNobody(root);
    await Deno.chmod(repo.dir, 0o777);
    const before = bundles(root);
    for (let i = 0; i < 2; i++) {
      const r = await runPrime(["info"], { cwd: repo.dir, env, wrap: AS_NOBODY, exe: prime });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^prime /);
      assert.doesNotMatch(r.stderr, /served by the bundle/, "the stale bundle did not serve it");
    }
    assert.deepEqual(bundles(root), before, "nothing built");
  },
});

Deno.test("the cold bundle's entries are src/cli/main.ts and every module load() loads, and the launcher's globs see every source", async () => {
  const launcher = Deno.readTextFileSync(join(REPO, "scripts", "prime"));
  const m = /--outdir "\$tmp" (.+?) >\/dev\/null/s.exec(launcher);
  assert.ok(m, "the launcher's cold bundle command");
  const entries = new Set<string>();
  for (const word of m[1].replace(/\\\n/g, " ").split(/\s+/).filter(Boolean)) {
    const rel = word.replace(/^"\$root"?\/?/, "").replace(/"/g, "");
    if (rel.endsWith("/*.ts")) {
      const dir = rel.slice(0, -"/*.ts".length);
      for (const e of Deno.readDirSync(join(REPO, dir))) {
        if (e.name.endsWith(".ts")) entries.add(`${dir}/${e.name}`);
      }
    } else entries.add(rel);
  }
  assert.ok(entries.has("src/cli/main.ts"));
  const { EMBEDDED } = await import("../../../src/cli/entry.ts");
  for (const spec of Object.keys(EMBEDDED)) {
    const rel = new URL(spec, `file://${REPO}/src/cli/`).pathname.slice(REPO.length + 1);
    assert.ok(entries.has(rel), `load("${spec}") needs ${rel} as an entry of the cold bundle`);
  }
  // The staleness check globs src/*.ts and src/*/*.ts.
  const deeper: string[] = [];
  for (const d of Deno.readDirSync(join(REPO, "src"))) {
    if (!d.isDirectory || d.name.startsWith(".")) continue;
    for (const e of Deno.readDirSync(join(REPO, "src", d.name))) {
      if (e.isDirectory) deeper.push(`src/${d.name}/${e.name}`);
    }
  }
  assert.deepEqual(deeper, [], "a source two levels down needs a glob in scripts/prime");
});
