/**
 * This clone's env choice made with `prime use`, kept in `<ref root>/.prime/env`: it is
 * part of the request a repo's pointer is keyed on, so the warm path reads it (Deno APIs
 * only). Saving it is project/use_choice.ts's.
 */
import { readBoundedText, useChoicePath } from "./paths.ts";
import { listedExists } from "./files.ts";

/**
 * The chosen env name, or null. Only a regular file counts: a committed symlink
 * (say to a file outside the clone) is not read, so nothing of its target is shown.
 * Deno APIs only (warm path).
 */
export function readUseChoice(refRoot: string): string | null {
  try {
    const path = useChoicePath(refRoot);
    // Listings first: with no choice saved (the usual case) no lstat fails.
    const exists = listedExists();
    if (!exists(`${refRoot}/.prime`) || !exists(path)) return null;
    if (!Deno.lstatSync(path).isFile || !Deno.lstatSync(`${refRoot}/.prime`).isDirectory) {
      return null;
    }
    const name = readBoundedText(path, { limit: 4096 }).trim();
    return name === "" ? null : name;
  } catch {
    return null;
  }
}
