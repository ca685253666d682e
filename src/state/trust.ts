/**
 * Trust for `prime env` and `prime shell`: a clone's `vars` and `vars_files` reach the
 * user's interactive shell only after `prime trust` in that clone. As with `direnv
 * allow`, the record lives outside the clone (in the cache, under `trust/`) and is
 * keyed by the clone's real path and the content of what defines the variables: the
 * configuration files and the env's vars files. Any edit to them, a `git pull`
 * included, needs a new `prime trust`.
 */
import type { Settings } from "../config/types.ts";
import { ConfigError } from "../core/errors.ts";
import {
  checkOwnDir,
  ownCacheSubdir,
  readBounded,
  readBoundedText,
  sha256Hex,
  writeFileAtomic,
} from "../core/paths.ts";

/** How many trusted digests a clone keeps (one per env, or per recent edit). */
const KEEP = 16;

function realRoot(refRoot: string): string {
  try {
    return Deno.realPathSync(refRoot);
  } catch {
    return refRoot;
  }
}

/** The files whose content a trust covers: the configuration, then the env's vars files. */
export function trustedFiles(s: Settings): string[] {
  return [...s.configFiles, ...s.varsFiles];
}

/**
 * The digest of what defines this env's variables: the clone's real path, and each
 * file's path and content (a missing vars file counts as missing).
 */
export async function varsDigest(s: Settings): Promise<string> {
  const parts: string[] = [realRoot(s.refRoot)];
  for (const f of trustedFiles(s)) {
    let content: string;
    try {
      content = await sha256Hex(readBounded(f));
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      content = "(absent)";
    }
    parts.push(`${f}\0${content}`);
  }
  return await sha256Hex(parts.join("\n"));
}

/** The trust record of a clone: one file per real path. */
async function pathFor(cache: string, s: Settings): Promise<string> {
  return `${cache}/trust/${(await sha256Hex(realRoot(s.refRoot))).slice(0, 32)}.json`;
}

function readDigests(path: string): string[] {
  try {
    if (!Deno.lstatSync(path).isFile) return [];
    const r = JSON.parse(readBoundedText(path));
    return Array.isArray(r?.digests) ? r.digests.filter((d: unknown) => typeof d === "string") : [];
  } catch {
    return [];
  }
}

/** Whether the user trusted this clone's variables as they are now. */
export async function isTrusted(cache: string, s: Settings): Promise<boolean> {
  checkOwnDir(`${cache}/trust`);
  const path = await pathFor(cache, s);
  const digests = readDigests(path);
  return digests.length > 0 && digests.includes(await varsDigest(s));
}

/** Records trust in this clone's variables as they are now. Returns the record's path. */
export async function trust(cache: string, s: Settings): Promise<string> {
  const path = await pathFor(cache, s);
  const digest = await varsDigest(s);
  const digests = [digest, ...readDigests(path).filter((d) => d !== digest)].slice(0, KEEP);
  ownCacheSubdir(`${cache}/trust`);
  writeFileAtomic(
    path,
    JSON.stringify({ refRoot: realRoot(s.refRoot), digests }, null, 1) + "\n",
    0o600,
  );
  return path;
}

/** Forgets every trust of this clone. Returns whether there was any. */
export async function revoke(cache: string, s: Settings): Promise<boolean> {
  const path = await pathFor(cache, s);
  try {
    Deno.removeSync(path);
    return true;
  } catch {
    return false;
  }
}
