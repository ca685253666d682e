/**
 * Venv generations. Every build goes into a directory of its own,
 * `<parent>/.prime/<name>.g<id>`, that only the builder holding the env's lock writes.
 * The venv path (`.venv`) is a real directory of links into the live generation
 * (`bin -> .prime-live/bin`, `lib -> .prime-live/lib`, `pyvenv.cfg`, ...), and
 * `.venv/.prime-live -> ../.prime/<name>.g<id>` names that generation: a build is
 * published by renaming a new `.prime-live` over the old one (src/venv/layout.ts). A
 * published generation is never changed again by prime, and it is removed only when
 * no program uses it: a started program holds a shared flock on its generation's
 * `prime-in-use.lock` (taken before exec, inherited across it), and a removal needs the
 * exclusive one. So a rebuild, `--refresh`, `clean` or `gc` never pulls an env from
 * under a running program, an orphaned installer can only ever write into a generation
 * nobody will publish, and a failed build leaves the link, and so the previous env,
 * untouched. Before, `.venv` itself was the link (`.venv -> .prime/<name>.g<id>`); that
 * form is still read, and replaced at the next build.
 *
 * The read side (liveDir) is on the warm path: Deno APIs only, one lstat, one readlink.
 */
import { basename, dirname, isInside, lstatOrNull, pathExists } from "./files.ts";
import { holdShared, releaseShared } from "./exec.ts";
import { stampPath } from "./paths.ts";

/** The folder, beside the venv path, that holds its generations. */
export function generationsDir(venvDir: string): string {
  return `${dirname(venvDir)}/.prime`;
}

/**
 * The venv's generations dir when prime may list, lock and delete in it: the `.prime`
 * of the venv's own parent, a real directory (not a link, or missing), in a parent that
 * resolves inside `root` (the ref root, or the cache for a script env). Null otherwise:
 * a clone can commit `.prime -> ../other/.prime`, and `clean` must never follow it.
 */
export function ownGenerationsDir(venvDir: string, root: string): string | null {
  const dir = generationsDir(venvDir);
  try {
    const realRoot = Deno.realPathSync(root);
    const realParent = Deno.realPathSync(dirname(venvDir));
    if (!isInside(realRoot, realParent)) return null;
  } catch {
    return null;
  }
  const st = lstatOrNull(dir);
  if (st === null) return dir;
  return st.isDirectory && !st.isSymlink ? dir : null;
}

const GEN_ID = /^g[0-9a-z]+$/;

/** Whether `name` (in generationsDir) is a generation of the venv named `venvName`. */
export function isGenerationName(name: string, venvName: string): boolean {
  return name.startsWith(`${venvName}.`) && GEN_ID.test(name.slice(venvName.length + 1));
}

/** The link, inside the venv dir, that names its live generation. */
export const LIVE_LINK = ".prime-live";

/** The text of LIVE_LINK for a generation (relative, so a moved repo keeps working). */
export function liveLinkText(gen: string): string {
  return `../.prime/${basename(gen)}`;
}

/**
 * The generation that the venv dir at `venvDir` (or prime's older link there) names,
 * or null: a venv of its own (an adopted one), the user's link to a venv elsewhere,
 * or nothing.
 */
export function generationOf(venvDir: string): string | null {
  const st = lstatOrNull(venvDir);
  if (st === null) return null;
  // Only a real directory's LIVE_LINK: through the user's link to another repo's .venv
  // it would name that repo's generation as if it were this one's.
  const [link, prefix] = st.isSymlink
    ? [venvDir, ".prime/"]
    : [`${venvDir}/${LIVE_LINK}`, "../.prime/"];
  let t: string;
  try {
    t = Deno.readLinkSync(link);
  } catch {
    return null;
  }
  const name = t.startsWith(prefix) ? t.slice(prefix.length) : null;
  if (name === null || !isGenerationName(name, basename(venvDir))) return null;
  return `${generationsDir(venvDir)}/${name}`;
}

/** Whether `venvDir` is prime's link from before the venv dir (`.venv -> .prime/…`). */
export function isOldLink(venvDir: string): boolean {
  return lstatOrNull(venvDir)?.isSymlink === true && generationOf(venvDir) !== null;
}

/**
 * Where a program runs from: the generation behind prime's link, else the venv path
 * itself (a venv from before generations, or one behind the user's own link).
 */
export function liveDir(venvDir: string): string {
  return generationOf(venvDir) ?? venvDir;
}

/** The file whose shared flock marks a generation as in use by a running program. */
export function inUseLockPath(dir: string): string {
  return `${dir}/prime-in-use.lock`;
}

/**
 * Opens a generation's in-use lock file, or null when there is none. Only a regular
 * file: a clone can commit `.prime/<name>.g<id>/prime-in-use.lock` as a FIFO, whose
 * open would wait forever, or as a link (the race between this lstat and the open is
 * the repo owner's own, see docs/SECURITY.md).
 */
function openInUseLock(gen: string): Deno.FsFile | null {
  const path = inUseLockPath(gen);
  if (lstatOrNull(path)?.isFile !== true) return null;
  try {
    return Deno.openSync(path, { read: true });
  } catch {
    return null;
  }
}

/** A fresh generation path for `venvDir` (not created: the venv module creates it). */
export function newGenerationPath(venvDir: string): string {
  const id = `g${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  return `${generationsDir(venvDir)}/${basename(venvDir)}.${id}`;
}

/** Every generation directory of `venvDir` (published or not), sorted by name. */
export function listGenerations(venvDir: string): string[] {
  const name = basename(venvDir);
  const dir = generationsDir(venvDir);
  try {
    return [...Deno.readDirSync(dir)]
      .filter((e) => e.isDirectory && isGenerationName(e.name, name))
      .map((e) => `${dir}/${e.name}`)
      .sort();
  } catch {
    return [];
  }
}

/**
 * Removes `gen` unless a program uses it: under its exclusive in-use lock, renamed to
 * a `.trash-*` name first (so no reader ever sees it half-deleted), then deleted.
 * Returns "removed", "busy" or "gone".
 */
export async function removeGenerationIfUnused(
  gen: string,
): Promise<"removed" | "busy" | "gone"> {
  if (lstatOrNull(gen) === null) return "gone";
  // No lock file: never published (an interrupted build).
  let f = openInUseLock(gen);
  try {
    if (f !== null && !(await f.tryLock(true))) return "busy";
    const trash = toTrash(gen);
    if (trash === null) return "gone";
    // Deleted in place (see toTrash), the lock stays held until the directory is gone.
    if (trash !== gen) {
      f?.close();
      f = null;
    }
    Deno.removeSync(trash, { recursive: true });
    return "removed";
  } finally {
    f?.close();
  }
}

/**
 * Marks `dir` (a generation, or a venv from before generations) as in use by the
 * program about to be exec'd: a shared flock that the program inherits. False when
 * the generation is being removed or is gone: the caller must look again.
 */
export async function holdGeneration(dir: string): Promise<boolean> {
  const fd = await holdShared(inUseLockPath(dir));
  if (fd === "busy") return false;
  // Checked after the lock: a removal renames the whole dir away under its exclusive
  // lock, so a stamp still in place now stays in place while the lock is held.
  if (pathExists(stampPath(dir))) return true;
  if (typeof fd === "number") await releaseShared(fd);
  return false;
}

/**
 * Takes the in-use lock of every generation in `gens` exclusively, without waiting:
 * the held files (close them to release), or null (nothing held) when a program uses
 * any of them. A program runs through the venv path, so it may read whichever
 * generation the link names now, not only the one it holds: removing a live env
 * needs all of them free.
 */
export async function lockGenerations(gens: string[]): Promise<Deno.FsFile[] | null> {
  const held: Deno.FsFile[] = [];
  for (const gen of gens) {
    const f = openInUseLock(gen);
    if (f === null) continue; // no lock file: never published
    if (await f.tryLock(true)) {
      held.push(f);
      continue;
    }
    f.close();
    for (const h of held) h.close();
    return null;
  }
  return held;
}

/** Renames a generation to trash and deletes it (its lock, if any, held by the caller). */
export function deleteGeneration(gen: string): void {
  const trash = toTrash(gen);
  if (trash !== null) Deno.removeSync(trash, { recursive: true });
}

/**
 * Renames `gen` to a `.trash-*` name beside it and returns that name; null when it is
 * gone. A directory an overlay file system keeps in a lower layer (an env built by
 * `docker build`, started by `docker run`) cannot be renamed (EXDEV): it is then
 * deleted where it is, stamp first, and `gen` comes back. Readers still never use it
 * half-deleted: a start checks for the stamp only after its shared lock, which the
 * caller's exclusive one refuses until the lock file itself is gone, and by then so is
 * the stamp.
 */
function toTrash(gen: string): string | null {
  const trash = `${dirname(gen)}/.trash-${basename(gen)}-${Deno.pid}`;
  try {
    Deno.renameSync(gen, trash);
    return trash;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    if ((e as { code?: unknown }).code !== "EXDEV") throw e;
    try {
      Deno.removeSync(stampPath(gen));
    } catch (e2) {
      if (!(e2 instanceof Deno.errors.NotFound)) throw e2;
    }
    return gen;
  }
}
