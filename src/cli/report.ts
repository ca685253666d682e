/**
 * Turning an error into what the user reads and an exit code: the CLI's one place
 * for it (main.ts, and help.ts when scripts/prime runs it alone).
 */
import { diskError, errorMessage, EXIT, PrimeError } from "../core/errors.ts";
import * as log from "../log.ts";

/**
 * Prints an error (docs/DESIGN.md "Errors and exit codes") and returns its exit code.
 * A bug's stack shows with -v; an ordinary error (a PrimeError, which names its cause)
 * shows one only with -vv.
 */
export function reportError(e: unknown, verbose: number | boolean): number {
  const level = Number(verbose);
  // A full, over-quota or read-only disk under any of prime's own writes is the
  // user's to fix (exit 5, with the path), never "a bug in prime".
  e = diskError(e) ?? e;
  if (e instanceof PrimeError) {
    log.error(e.message);
    if (e.details) log.errorDetail(e.details);
    if (e.hint) log.errorDetail(`  hint: ${e.hint}`);
    if (level >= 2 && e.stack) log.raw(e.stack);
    return e.exitCode;
  }
  const msg = errorMessage(e);
  log.error(`internal error: ${msg}`);
  if (level >= 1 && e instanceof Error && e.stack) log.raw(e.stack);
  else log.info("  hint: this is a bug in prime; run again with -v for the stack and report it");
  return EXIT.INTERNAL;
}
