/** Exit codes (README "Exit codes"; every cause: docs/DESIGN.md "Exit codes"). */
export const EXIT = {
  USAGE: 2,
  CONFIG: 3,
  PYTHON: 4,
  VENV: 5,
  INSTALL: 6,
  LOCK_TIMEOUT: 7,
  /** prime itself could not be fetched: scripts/prime, scripts/deno, the ./prime wrapper, `init --wrapper`. */
  FETCH_PRIME: 8,
  INTERNAL: 70,
  CANNOT_EXECUTE: 126,
  NOT_FOUND: 127,
} as const;

/** An error the user can act on: a message, an optional next step, and an exit code. */
export class PrimeError extends Error {
  readonly exitCode: number;
  readonly hint?: string;
  /** Extra lines shown after the message (installer output tail, rejected candidates). */
  readonly details?: string;
  constructor(message: string, exitCode: number, opts: { hint?: string; details?: string } = {}) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = opts.hint;
    this.details = opts.details;
  }
}

/** Bad option, unknown command, missing script, recursion limit (exit 2). */
export class UsageError extends PrimeError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.USAGE, { hint });
  }
}

/** Invalid configuration, .python-version or PEP 723 block (exit 3). */
export class ConfigError extends PrimeError {
  constructor(message: string, hint?: string, details?: string) {
    super(message, EXIT.CONFIG, { hint, details });
  }
}

/** No interpreter satisfies the requirement, or the selector failed (exit 4). */
export class PythonNotFoundError extends PrimeError {
  constructor(message: string, opts: { hint?: string; details?: string } = {}) {
    super(message, EXIT.PYTHON, opts);
  }
}

/** Creating the venv failed (exit 5). */
export class VenvError extends PrimeError {
  constructor(message: string, opts: { hint?: string; details?: string } = {}) {
    super(message, EXIT.VENV, opts);
  }
}

/** Installing dependencies failed (exit 6). */
export class InstallError extends PrimeError {
  constructor(message: string, opts: { hint?: string; details?: string } = {}) {
    super(message, EXIT.INSTALL, opts);
  }
}

/** Timed out waiting for another prime's lock (exit 7). */
export class LockTimeoutError extends PrimeError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.LOCK_TIMEOUT, { hint });
  }
}

/** The program or command to run does not exist (exit 127, as in a shell). */
export class CommandNotFoundError extends PrimeError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.NOT_FOUND, { hint });
  }
}

/** The message of anything thrown: an Error's message, else its string form. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const DISK_CAUSES: Record<string, string> = {
  ENOSPC: "no space left on the device (ENOSPC: the disk or its inodes are full)",
  EDQUOT: "the disk quota is used up (EDQUOT)",
  EROFS: "the file system is read-only (EROFS)",
};

/**
 * A file-system error that the user's disk caused (full, over quota, read-only) as a
 * VenvError (exit 5) naming the path; null for anything else. `path` defaults to the
 * one in Deno's message (`... (os error 28): writefile '/x'`).
 */
export function diskError(e: unknown, path?: string): VenvError | null {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !(code in DISK_CAUSES)) return null;
  const where = path ?? /'([^']+)'\s*$/.exec(e instanceof Error ? e.message : "")?.[1];
  return new VenvError(`cannot write ${where ?? "a file"}: ${DISK_CAUSES[code]}`, {
    hint: code === "EROFS"
      ? "make that file system writable, or point PRIME_CACHE_DIR or the venv elsewhere"
      : "free space or inodes on that file system (df -h; df -i), then run prime again",
  });
}
