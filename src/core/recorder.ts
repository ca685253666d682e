/**
 * The inputs recorder (issue 22, one freshness truth). Every file prime reads, or looks
 * for and does not find, while deciding what an env holds goes through one recorder as
 * it is read: the configuration files, the `.python-version` trail, the defaults looked
 * for (requirements.txt, constraints.txt, setup.py, setup.cfg), requirement and
 * constraint files (configured, nested, or named by `install_args`), the lock files,
 * the files the user's Python choice came from, the build files of the project dirs,
 * and what declared `inputs` globs match. The stamp's input list is exactly what the
 * recorder saw, and both paths judge freshness from that list (a recorded file that
 * was read must keep its content; one that was missing must stay missing), so there is
 * no hand-kept list for a new reader to be forgotten from.
 *
 * A settings object carries its recorder, and copies of it share it: whatever reads on
 * behalf of an env (settings resolution, the lock lookup, the requirement files walk,
 * the input hashing) records into the same one. It lives in core/ because config, deps
 * and venv all record into it.
 */
import { statOrNull } from "./files.ts";

/** The files one env's decisions were read from (or found missing at). */
export class InputRecorder {
  readonly #seen = new Set<string>();

  constructor(seen: Iterable<string> = []) {
    for (const p of seen) this.#seen.add(p);
  }

  /** Files read (their content counts) or looked for (their appearing counts). */
  saw(...paths: string[]): void {
    for (const p of paths) this.#seen.add(p);
  }

  /** Looks at a file the way a default is decided: recorded, then whether it is one. */
  isFile(path: string): boolean {
    this.#seen.add(path);
    return statOrNull(path)?.isFile ?? false;
  }

  /** Everything recorded, sorted (so the same reads give the same fingerprint). */
  list(): string[] {
    return [...this.#seen].sort();
  }
}
