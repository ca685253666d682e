/**
 * The warm path: when a venv's stamp matches its inputs, go straight to exec with no
 * subprocess, no network, no build lock and no output (only a shared lock on the venv's
 * generation, held across exec so that no rebuild or gc removes it under the program). This module and what it imports use
 * Deno APIs only (no npm packages, no node: built-ins), because every script start
 * pays for what is loaded here. Anything unusual returns, and the cold path decides.
 */
import { type Invocation, readTopLevelInvocation, withDropIn } from "./invocation.ts";
import { findProjectRoot } from "./ref_root.ts";
import { routedRoot } from "./route.ts";
import { ownCacheDir, readBoundedText } from "./paths.ts";
import {
  type PointerKey,
  pointerPath,
  pointerRequest,
  readPointerEntry,
  requestKey,
} from "./pointer.ts";
import { bareRecordHolds, readBareRecord, staleReason } from "./stamp.ts";
import { vouchedBuild } from "./record.ts";
import { holdGeneration } from "./generation.ts";
import { currentDepth, MAX_DEPTH } from "./program_env.ts";
import { planLaunch } from "./launch_plan.ts";
import { absentPaths, execveAsync } from "./exec.ts";
import { extractPep723Raw } from "./pep723_scan.ts";
import { readVarsFiles } from "./dotenv.ts";
import { absoluteFrom, dirname, statOrNull, writeAll } from "./files.ts";

/**
 * The ref root, null when there is none, or undefined when the cold path must decide:
 * a bad start directory, or ancestors' config files whose recorded route (workspace
 * membership) no longer holds or was never recorded.
 */
async function warmRefRoot(startDir: string, cache: string): Promise<string | null | undefined> {
  let nearest: string | null;
  try {
    // No exception for a missing name in a directory too large to list (a script in
    // /tmp): a first walk notes such names, libc is asked about them (absentPaths), and
    // only when one may be there does a second walk stat it.
    const unlisted: string[] = [];
    nearest = findProjectRoot(startDir, { unlisted });
    if (unlisted.length > 0) {
      const absent = await absentPaths(unlisted);
      if (absent.size < unlisted.length) nearest = findProjectRoot(startDir, { absent });
    }
  } catch {
    return undefined;
  }
  if (nearest === null) return null;
  return (await routedRoot(cache, nearest)) ?? undefined;
}

/**
 * Execs the program if its env is fresh. Returns (having done nothing visible) when
 * the cold path must run instead, or when exec itself failed.
 */
export async function tryWarmStart(argv: string[]): Promise<void> {
  let inv: Invocation;
  try {
    inv = readTopLevelInvocation(argv);
  } catch {
    return; // a bad command line or -C: the cold path reports it
  }
  const { options: o, command: c, base } = inv;
  if (o.refresh || (c.kind !== "script" && c.kind !== "run")) return;
  const depth = currentDepth(Deno.env.get("PRIME_DEPTH"));
  if (depth >= MAX_DEPTH) return;
  // One lstat: a cache another user can write is never trusted (the cold path says why).
  const cache = ownCacheDir();

  let key;
  let refRoot: string | null = null;
  if (c.kind === "script") {
    let text: string;
    let scriptDir: string;
    try {
      const path = absoluteFrom(base, c.script);
      text = readBoundedText(path, { as: "script" });
      scriptDir = dirname(Deno.realPathSync(path));
    } catch {
      return;
    }
    const raw = extractPep723Raw(text);
    if (raw !== null) key = requestKey("script", `${scriptDir}\0${raw}`, inv);
    else {
      const found = await warmRefRoot(scriptDir, cache);
      if (found === undefined) return;
      refRoot = found;
      if (refRoot === null) {
        const bare = requestKey("bare", scriptDir, inv);
        await execBareScript(c.script, c.args, bare, cache, depth, o, base);
        return;
      }
    }
  } else {
    const found = await warmRefRoot(base, cache);
    if (found === undefined || found === null) return;
    refRoot = found;
  }
  if (refRoot !== null) key = requestKey("repo", refRoot, inv);
  const entry = readPointerEntry(pointerPath(cache, key!), pointerRequest(key!));
  if (entry === null) return;
  // The program runs through the venv path (prime's link); what is checked, and held
  // across exec, is the generation the link names now.
  const venvDir = entry.venvDir;
  // The stamp as the user's cache recorded the build (never the venv's own file, which
  // a clone can commit): see record.ts.
  const vouched = vouchedBuild(cache, venvDir);
  if (vouched.stamp === null) return;
  const { stamp, inputs, dir: live } = vouched;
  // The venv dir may since have been rebuilt for another env, --python or driver: the
  // pointer names one build (whose fingerprint covers the ref root and the env).
  if (stamp.fingerprint !== entry.fingerprint) return;
  if (await staleReason(stamp, live, inputs) !== null) return;

  let fileVars: Record<string, string>;
  try {
    fileVars = readVarsFiles(stamp.run.varsFiles);
  } catch {
    return;
  }
  const plan = planLaunch({
    target: c,
    venv: { dir: venvDir, version: stamp.python.version },
    run: stamp.run,
    fileVars,
    inherited: Deno.env.toObject(),
    depth,
    interpreter: null,
  });
  // Not found, the wrong pythonX.Y, or a PATH command that needs a warning: the cold
  // path explains.
  if (plan.kind !== "plan" || plan.warning !== null) return;
  if (c.kind === "script" && refRoot === null) touchLastUsed(venvDir);
  // Held across exec: no clean or gc removes this env while the program runs, and no
  // rebuild removes a generation a program holds. One being removed right now sends
  // this start to the cold path.
  if (!(await holdGeneration(live))) return;
  await execIn(base, o, plan.program, plan.args, plan.env, `${venvDir} is fresh`);
  // exec was impossible here: let the cold path spawn instead.
}

/** Execs the program (in the -C directory if one was given). Returns if exec failed. */
async function execIn(
  base: string,
  o: { verbose: number; quiet: boolean; directory: string | null },
  program: string,
  args: string[],
  env: Record<string, string>,
  why: string,
): Promise<void> {
  if (o.verbose > 0 && !o.quiet) {
    writeAll(Deno.stderr, `prime: ${why}; exec ${program}\n`);
  }
  if (o.directory) {
    try {
      Deno.chdir(base);
    } catch {
      return;
    }
  }
  await execveAsync(program, args, env);
}

/**
 * A script with no block and no ref root: exec its recorded interpreter, isolated, when
 * the record still holds (see stamp.ts). Returns when it does not.
 */
async function execBareScript(
  script: string,
  args: string[],
  key: PointerKey,
  cache: string,
  depth: number,
  o: { verbose: number; quiet: boolean; directory: string | null },
  base: string,
): Promise<void> {
  const record = readBareRecord(pointerPath(cache, key), pointerRequest(key));
  if (record === null || !(await bareRecordHolds(record))) return;
  const plan = planLaunch({
    target: { kind: "script", script, args },
    venv: null,
    run: { refRoot: null, env: null, vars: {}, varsFiles: [] },
    fileVars: {},
    inherited: Deno.env.toObject(),
    depth,
    interpreter: record.python.path,
  });
  if (plan.kind !== "plan") return;
  await execIn(base, o, plan.program, plan.args, plan.env, "no venv (recorded)");
}

/** Records that a script env was used, for `prime gc`: one utime, no content written. */
export function touchLastUsed(venvDir: string): void {
  const f = `${venvDir}/prime-last-used`;
  const now = new Date();
  try {
    Deno.utimeSync(f, now, now);
  } catch {
    try {
      Deno.writeTextFileSync(f, "");
    } catch { /* read-only cache: gc just sees it as older */ }
  }
}

/**
 * Whether the bundle running (scripts/prime's src/.build/warm.js) may serve this start.
 * The launcher rebuilds it when a source's mtime is newer; files copied in with their
 * old mtimes kept (`tar x`, `rsync -t`, `cp -p` of the tree) slip past that, but they
 * change the src/core directory's ctime, which no tool sets back. Then the bundle is
 * removed (the next start builds it again) and this start goes cold. True when not
 * running from the bundle. Two stats.
 */
function bundleIsCurrent(): boolean {
  const main = Deno.mainModule;
  if (!main.startsWith("file://") || !main.endsWith("/.build/warm.js")) return true;
  // No URL object: its first use costs more than the rest of this check.
  const path = main.slice("file://".length);
  const bundle = path.includes("%") ? decodeURIComponent(path) : path;
  const built = statOrNull(bundle)?.mtime?.getTime();
  // Deno gives ctime in whole seconds: a change in the build's own second is the
  // launcher's mtime check's to see.
  const changed = statOrNull(`${dirname(dirname(bundle))}/core`)?.ctime?.getTime();
  if (built === undefined || changed === undefined || changed < built) return true;
  try {
    Deno.removeSync(bundle);
  } catch { /* another start removed it, or a read-only checkout: cold every time */ }
  return false;
}

// scripts/prime runs this file. The cold CLI is imported through a specifier held in a
// variable, so Deno loads its ~50 modules and npm packages only when the warm path did
// not exec. (main.ts keeps a literal import through entry.ts, which `deno compile`
// needs to embed the cold path; a compiled binary loads modules from memory anyway.)
// No top-level await: the cold CLI imports this module (touchLastUsed), and it could
// not finish loading while this one was still evaluating.
//
// The warm path runs from a promise job, not from this module's top level: the first
// error the process creates (a failed stat, expected on this path) makes V8 collect the
// source positions of every frame on the stack, and the top level's frame is the whole
// bundle, parsed again for it (about 0.7 ms).
if (import.meta.main) {
  const cold: string = "../cli/main.ts";
  let argv = Deno.args;
  Promise.resolve()
    .then(() => {
      argv = withDropIn(Deno.args);
      return bundleIsCurrent() ? tryWarmStart(argv) : undefined;
    })
    .catch(() => {/* anything unusual: the cold path decides and reports */})
    .then(() => import(cold))
    .then(async ({ main }) => Deno.exit(await main(argv)));
}
