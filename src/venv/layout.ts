/**
 * The venv dir as the tools in a repo see it. `.venv` is a real directory, as uv and
 * `python -m venv` make it, holding a `.gitignore` of `*` (so git never lists it,
 * whatever the repo's own `.gitignore` says) and links into the live generation:
 *
 *     .venv/.prime-live -> ../.prime/.venv.g<id>     (switched by one rename)
 *     .venv/bin         -> .prime-live/bin           (one link per top-level entry)
 *     .venv/lib         -> .prime-live/lib
 *     .venv/pyvenv.cfg  -> .prime-live/pyvenv.cfg
 *
 * Python finds `pyvenv.cfg` beside `.venv/bin`, so `sys.prefix` is `.venv`; and every
 * path a build writes that names its generation (console scripts' `#!`, `activate*`'s
 * VIRTUAL_ENV, pyvenv.cfg's `command`) is rewritten to name `.venv` before the stamp.
 * An activated shell, a script's `#!`, an editor's `.venv/bin/python` and a running
 * program's `sys.executable` therefore follow every later rebuild. See docs/DESIGN.md.
 */
import { generationsDir, LIVE_LINK, liveLinkText } from "../core/generation.ts";
import { basename, lstatOrNull } from "../core/files.ts";
import { diskError } from "../core/errors.ts";
import { TRASH_PREFIX } from "../state/gc.ts";
import * as log from "../log.ts";

/**
 * Entries a venv dir keeps of its own, never links: its `.gitignore`, uv's `.lock`,
 * and the mark the warm path touches on each run of a script env.
 */
const OWN = new Set([".gitignore", ".lock", "prime-last-used", LIVE_LINK]);

/** The prefix of a venv dir being made aside, in generationsDir. */
const STAGED_PREFIX = ".venvdir-";

function entryLinkText(name: string): string {
  return `${LIVE_LINK}/${name}`;
}

function readLinkOrNull(path: string): string | null {
  try {
    return Deno.readLinkSync(path);
  } catch {
    return null;
  }
}

function randomSuffix(): string {
  return `${Deno.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * What Python and prime read through a venv dir: in prime's, only its own link can be
 * there (a clone's committed `.venv/bin -> elsewhere` must not pass as prime's).
 */
const ESSENTIAL = new Set([
  "bin",
  "lib",
  "lib64",
  "include",
  "pyvenv.cfg",
  "prime-stamp.json",
  "prime-in-use.lock",
]);

/**
 * Whether `dir` (a real directory) is a venv dir prime made: links into LIVE_LINK
 * (which may be gone, say after `rm -r .prime`), its own files, and what a tool wrote
 * into it besides (uv's `.lock`, a `share/` from a later `pip install`); never any
 * other link, nor anything else under an essential name.
 */
export function isPrimeVenvDir(dir: string): boolean {
  let seen = false;
  try {
    for (const e of Deno.readDirSync(dir)) {
      if (e.name === LIVE_LINK || e.name.startsWith(`${LIVE_LINK}.`)) {
        if (!e.isSymlink) return false;
      } else if (e.isSymlink) {
        if (readLinkOrNull(`${dir}/${e.name}`) !== entryLinkText(e.name)) return false;
      } else if (ESSENTIAL.has(e.name)) {
        return false;
      } else {
        continue;
      }
      seen = true;
    }
  } catch {
    return false;
  }
  return seen;
}

/**
 * Links in `dir` for the entries of `gen` it lacks. One there as anything else was
 * installed into `.venv` itself after the last build (a `pip install` that added
 * `share/`): a build is from scratch, so the new build's entry replaces it, as it
 * replaces the packages of the old one.
 */
function linkEntries(dir: string, gen: string): void {
  for (const e of Deno.readDirSync(gen)) {
    if (OWN.has(e.name)) continue;
    const p = `${dir}/${e.name}`;
    const st = lstatOrNull(p);
    if (st === null) {
      Deno.symlinkSync(entryLinkText(e.name), p);
    } else if (readLinkOrNull(p) !== entryLinkText(e.name)) {
      const trash = `${generationsDir(dir)}/${TRASH_PREFIX}${e.name}-${randomSuffix()}`;
      Deno.renameSync(p, trash);
      Deno.symlinkSync(entryLinkText(e.name), p);
      log.debug(
        `prime: replaced ${p}, installed into it after the last build, with the new build's`,
      );
      try {
        Deno.removeSync(trash, { recursive: true });
      } catch { /* swept by a later build */ }
    }
  }
}

/** Removes `dir`'s links to entries `gen` does not have, and switches cut short. */
function unlinkStale(dir: string, gen: string): void {
  for (const e of Deno.readDirSync(dir)) {
    if (!e.isSymlink || e.name === LIVE_LINK) continue;
    const p = `${dir}/${e.name}`;
    const leftover = e.name.startsWith(`${LIVE_LINK}.`);
    if (
      leftover || (readLinkOrNull(p) === entryLinkText(e.name) && !lstatOrNull(`${gen}/${e.name}`))
    ) {
      try {
        Deno.removeSync(p);
      } catch { /* gone already */ }
    }
  }
}

/**
 * Points prime's venv dir at `gen`: links for entries new in `gen` first (dangling
 * until the switch), then one rename of a new LIVE_LINK over the old one, so a reader
 * sees the old generation or the new one, never neither; then links to entries `gen`
 * lacks go.
 */
export function switchVenvDir(venvDir: string, gen: string): void {
  linkEntries(venvDir, gen);
  const tmp = `${venvDir}/${LIVE_LINK}.${randomSuffix()}`;
  try {
    Deno.symlinkSync(liveLinkText(gen), tmp);
    Deno.renameSync(tmp, `${venvDir}/${LIVE_LINK}`);
  } catch (e) {
    try {
      Deno.removeSync(tmp);
    } catch { /* nothing to clean */ }
    throw diskError(e, `${venvDir}/${LIVE_LINK}`) ?? e;
  }
  unlinkStale(venvDir, gen);
}

/**
 * A new venv dir for `gen`, made aside in generationsDir (the caller renames it to the
 * venv path): its `.gitignore`, LIVE_LINK and the entry links.
 */
export function stageVenvDir(venvDir: string, gen: string): string {
  const staged = `${generationsDir(venvDir)}/${STAGED_PREFIX}${
    basename(venvDir)
  }-${randomSuffix()}`;
  try {
    Deno.mkdirSync(staged, { mode: 0o755 });
    Deno.writeTextFileSync(`${staged}/.gitignore`, "*\n");
    Deno.symlinkSync(liveLinkText(gen), `${staged}/${LIVE_LINK}`);
    linkEntries(staged, gen);
  } catch (e) {
    removeStaged(staged);
    throw diskError(e, venvDir) ?? e;
  }
  return staged;
}

/** Removes a staged venv dir (links only: their targets stay). */
export function removeStaged(staged: string): void {
  try {
    Deno.removeSync(staged, { recursive: true });
  } catch { /* gone already */ }
}

/** Removes venv dirs (and the install alias) of `venvDir` left by a build that was killed. */
export function sweepStaged(venvDir: string): void {
  removeInstallAlias(installAliasPath(venvDir));
  const prefix = `${STAGED_PREFIX}${basename(venvDir)}-`;
  try {
    for (const e of [...Deno.readDirSync(generationsDir(venvDir))]) {
      if (e.name.startsWith(prefix)) removeStaged(`${generationsDir(venvDir)}/${e.name}`);
    }
  } catch { /* no generations dir */ }
}

/** Files a venv writes its own path into: scripts and `activate*` in bin, pyvenv.cfg. */
function filesNamingTheVenv(gen: string): string[] {
  const out = [`${gen}/pyvenv.cfg`];
  try {
    for (const e of Deno.readDirSync(`${gen}/bin`)) {
      if (e.isFile) out.push(`${gen}/bin/${e.name}`);
    }
  } catch { /* no bin */ }
  return out;
}

/** The largest file whose paths are rewritten: scripts are small; a binary is skipped. */
const MAX_REWRITE_BYTES = 1 << 20;

/**
 * Rewrites, in the unpublished generation `gen`, every path that names it (as
 * `<parent>/.prime/<name>.g<id>`) to name the venv path (`<parent>/<name>`): the `#!`
 * of console scripts (pip's and uv's, the `/bin/sh` form for long paths included), the
 * VIRTUAL_ENV of every `activate*`, pyvenv.cfg's `command`. The generation's id makes
 * the text unique, and only the `/.prime/<name>.g<id>` tail is replaced, so however a
 * tool quoted the parent directory, the result is the same quoting of the venv path.
 */
export function nameVenvPath(gen: string, venvDir: string): void {
  const to = `/${basename(venvDir)}`;
  renameInVenv(gen, [
    [`/.prime/${basename(gen)}`, to],
    [`/.prime/${basename(installAliasPath(venvDir))}`, to],
  ]);
}

/**
 * The stable path (`<parent>/.prime/<name>.uv`) an installer reaches a new generation
 * by while it installs. uv caches what it learns of an interpreter by the path it was
 * given (and the mtime of the real binary): given each new generation's own path, it
 * started the venv's Python to query it on every build (about 40 ms of CPU, more wall
 * under load), where `uv venv && uv pip install` in a fixed `.venv` does once. Not a
 * generation name, so gc and clean pass it by; the paths uv writes through it are
 * renamed to the venv path with the generation's own (nameVenvPath).
 */
export function installAliasPath(venvDir: string): string {
  return `${generationsDir(venvDir)}/${basename(venvDir)}.uv`;
}

/**
 * Points the install alias of `venvDir` at `gen` (one rename) and returns it; null when
 * it cannot be made (a clone's own directory at that path, a full disk): the install
 * then names the generation itself, as before the alias, and only pays uv's query.
 */
export function linkInstallAlias(venvDir: string, gen: string): string | null {
  const alias = installAliasPath(venvDir);
  const tmp = `${alias}.${randomSuffix()}`;
  try {
    Deno.symlinkSync(basename(gen), tmp);
    Deno.renameSync(tmp, alias);
  } catch (e) {
    try {
      Deno.removeSync(tmp);
    } catch { /* never made */ }
    log.debug(`prime: no install alias at ${alias}: ${e instanceof Error ? e.message : e}`);
    return null;
  }
  return alias;
}

/** Removes the install alias (a link: its generation stays). */
export function removeInstallAlias(alias: string): void {
  try {
    if (lstatOrNull(alias)?.isSymlink) Deno.removeSync(alias);
  } catch { /* gone already */ }
}

/**
 * Replaces each path tail `from` with its `to` in the files of `gen` that name the venv
 * (scripts' `#!`, `activate*`, pyvenv.cfg), reading and writing each file once.
 */
function renameInVenv(gen: string, tails: Array<[from: string, to: string]>): void {
  const enc = new TextEncoder();
  const pairs = tails.map(([from, to]) => [enc.encode(from), enc.encode(to)] as const);
  for (const f of filesNamingTheVenv(gen)) {
    const st = lstatOrNull(f);
    if (st === null || !st.isFile || st.size > MAX_REWRITE_BYTES) continue;
    const data = Deno.readFileSync(f);
    let out: Uint8Array | null = null;
    for (const [from, to] of pairs) out = replaceAll(out ?? data, from, to) ?? out;
    if (out === null) continue;
    try {
      Deno.writeFileSync(f, out);
    } catch (e) {
      throw diskError(e, f) ?? e;
    }
  }
}

/** `data` with every `from` replaced by `to`, or null when there is none. Pure. */
export function replaceAll(data: Uint8Array, from: Uint8Array, to: Uint8Array): Uint8Array | null {
  const hits: number[] = [];
  for (let i = data.indexOf(from[0]); i !== -1 && i <= data.length - from.length;) {
    let j = 1;
    while (j < from.length && data[i + j] === from[j]) j++;
    if (j === from.length) {
      hits.push(i);
      i = data.indexOf(from[0], i + from.length);
    } else {
      i = data.indexOf(from[0], i + 1);
    }
  }
  if (hits.length === 0) return null;
  const out = new Uint8Array(data.length + hits.length * (to.length - from.length));
  let src = 0;
  let dst = 0;
  for (const h of hits) {
    out.set(data.subarray(src, h), dst);
    dst += h - src;
    out.set(to, dst);
    dst += to.length;
    src = h + from.length;
  }
  out.set(data.subarray(src), dst);
  return out;
}
