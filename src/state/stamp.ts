/**
 * The stamp: the record, written last inside a venv, of the inputs it was built from.
 * Reading and checking it uses Deno APIs only, because it is the warm path.
 */
import { fileSha256, stampPath, writeFileAtomic } from "./paths.ts";
import { PRIME_VERSION } from "../version.ts";

/** One input file and the hash of its content (null: it must not exist). */
export interface StampInput {
  path: string;
  sha256: string | null;
}

/** The identity of the base interpreter a venv was made from. */
export interface StampPython {
  realPath: string;
  mtimeMs: number;
  size: number;
  version: string;
  implementation: string;
}

/** What the program is started with, so the warm path needs no configuration parsing. */
export interface StampRun {
  refRoot: string | null;
  env: string | null;
  vars: Record<string, string>;
  varsFiles: string[];
}

/** The whole stamp. */
export interface Stamp {
  schema: 1;
  prime: string;
  fingerprint: string;
  driver: string;
  toolVersion: string;
  createdAt: string;
  inputs: StampInput[];
  python: StampPython;
  run: StampRun;
}

/** Reads a venv's stamp; null when it is missing or unreadable (the venv is then incomplete). */
export function readStamp(venvDir: string): Stamp | null {
  try {
    const s = JSON.parse(Deno.readTextFileSync(stampPath(venvDir)));
    if (s && s.schema === 1 && typeof s.fingerprint === "string") return s as Stamp;
    return null;
  } catch {
    return null;
  }
}

/** Writes the stamp atomically, as the last step of a build. Mode 0600: it may hold vars. */
export function writeStamp(venvDir: string, stamp: Stamp): void {
  writeFileAtomic(stampPath(venvDir), JSON.stringify(stamp, null, 1) + "\n", 0o600);
}

/**
 * Checks a stamp against the files and interpreter on disk, without parsing any
 * configuration. Returns null when fresh, else the reason it is not.
 */
export async function staleReason(stamp: Stamp, venvDir: string): Promise<string | null> {
  if (stamp.prime !== PRIME_VERSION) return `built by prime ${stamp.prime}`;
  try {
    const st = Deno.statSync(stamp.python.realPath);
    if (st.size !== stamp.python.size || (st.mtime?.getTime() ?? 0) !== stamp.python.mtimeMs) {
      return `interpreter ${stamp.python.realPath} changed`;
    }
  } catch {
    return `interpreter ${stamp.python.realPath} is gone`;
  }
  try {
    Deno.statSync(`${venvDir}/bin/python`);
  } catch {
    return "the venv's python is missing";
  }
  const hashes = await Promise.all(stamp.inputs.map((i) => fileSha256(i.path)));
  for (let i = 0; i < hashes.length; i++) {
    const want = stamp.inputs[i];
    if (hashes[i] !== want.sha256) {
      if (want.sha256 === null) return `${want.path} appeared`;
      if (hashes[i] === null) return `${want.path} was removed`;
      return `${want.path} changed`;
    }
  }
  return null;
}
