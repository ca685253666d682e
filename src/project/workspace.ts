/**
 * Workspace roots: a directory that an ancestor's config names in `project_dirs` (or
 * in `[tool.uv.workspace] members`) belongs to that ancestor's env, as a uv workspace
 * member belongs to its workspace. Cold path only (it parses TOML).
 */
import { parseToml } from "../config/toml.ts";
import { isTable } from "../config/schema.ts";
import { isUvMember, strings, uvWorkspace } from "../config/uv_workspace.ts";
import { ancestorConfigFiles, ancestorMtimes, routePath } from "../core/route.ts";
import * as log from "../log.ts";
import { dirname, isFile, resolvePath } from "../core/files.ts";
import { errorMessage } from "../core/errors.ts";
import { fileSha256, readBoundedText, writeFileAtomic } from "../core/paths.ts";

/** Why a directory's ref root is an ancestor's. */
export interface WorkspaceClaim {
  /** The workspace root: the ref root that applies. */
  root: string;
  /** The nearest config dir, which the root's config names. */
  member: string;
  /** The config file that names it. */
  file: string;
  via: "project_dirs" | "[tool.uv.workspace] members";
}

function realOr(p: string): string {
  try {
    return Deno.realPathSync(p);
  } catch {
    return p;
  }
}

/** The `project_dirs` of a prime config table and its [env.NAME] tables. */
function projectDirsOf(table: Record<string, unknown>): string[] {
  const out = strings(table.project_dirs);
  if (isTable(table.env)) {
    for (const env of Object.values(table.env)) {
      if (isTable(env)) out.push(...strings(env.project_dirs));
    }
  }
  return out;
}

function readToml(path: string): Record<string, unknown> | null {
  try {
    return parseToml(readBoundedText(path), path);
  } catch (e) {
    // An ancestor's broken config is not this project's problem: it just claims nothing.
    log.debug(`workspace: ignoring ${path}: ${errorMessage(e)}`);
    return null;
  }
}

/**
 * The workspace root that claims `member` (the nearest config dir of a start), or null.
 * Ancestors are tried nearest first; in each, prime.toml (else pyproject.toml's
 * [tool.prime]) `project_dirs`, then pyproject.toml's `[tool.uv.workspace] members`.
 */
export function findWorkspaceRoot(member: string): WorkspaceClaim | null {
  const realMember = realOr(member);
  for (const file of ancestorConfigFiles(member)) {
    const dir = dirname(file);
    const doc = readToml(file);
    if (doc === null) continue;
    const isPrime = file.endsWith("/prime.toml");
    const primeTable = isPrime
      ? doc
      : isTable(doc.tool) && isTable(doc.tool.prime) && !ancestorHasPrimeToml(dir)
      ? doc.tool.prime
      : null;
    if (
      primeTable &&
      projectDirsOf(primeTable).some((p) => realOr(resolvePath(dir, p)) === realMember)
    ) {
      return { root: dir, member, file, via: "project_dirs" };
    }
    if (!isPrime) {
      const ws = uvWorkspace(doc);
      const rel = realMember.startsWith(realOr(dir) + "/")
        ? realMember.slice(realOr(dir).length + 1)
        : null;
      if (ws && rel !== null && isUvMember(rel, ws)) {
        return { root: dir, member, file, via: "[tool.uv.workspace] members" };
      }
    }
  }
  return null;
}

function ancestorHasPrimeToml(dir: string): boolean {
  return isFile(`${dir === "/" ? "" : dir}/prime.toml`);
}

/** Records a route (best effort: a read-only cache only costs speed). */
export async function writeRoute(cache: string, member: string, root: string): Promise<void> {
  // Also with no ancestor config file: the ancestors' mtimes spare the warm path from
  // looking for one in each (see ancestorConfigFiles). Taken first, so a file made
  // while this runs changes a recorded mtime.
  const dirs = ancestorMtimes(member);
  const ancestors = await Promise.all(
    ancestorConfigFiles(member).map(async (path) => ({ path, sha256: await fileSha256(path) })),
  );
  try {
    const path = routePath(cache, member);
    Deno.mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileAtomic(path, JSON.stringify({ member, root, ancestors, dirs }) + "\n");
  } catch { /* best effort */ }
}
