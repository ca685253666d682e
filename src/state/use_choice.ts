/** This clone's env choice made with `prime use`, kept in `<ref root>/.prime/env`. */
import { ensureSelfIgnoringDir, useChoicePath } from "./paths.ts";
import { ConfigError, errorMessage } from "../errors.ts";

/** The chosen env name, or null. Deno APIs only (warm path). */
export function readUseChoice(refRoot: string): string | null {
  try {
    const name = Deno.readTextFileSync(useChoicePath(refRoot)).trim();
    return name === "" ? null : name;
  } catch {
    return null;
  }
}

/** Saves (or with null clears) the choice. The folder ignores itself in git. */
export function writeUseChoice(refRoot: string, name: string | null): string {
  const dir = `${refRoot}/.prime`;
  const path = useChoicePath(refRoot);
  if (name === null) {
    try {
      Deno.removeSync(path);
    } catch { /* nothing chosen */ }
    return path;
  }
  try {
    ensureSelfIgnoringDir(dir);
    Deno.writeTextFileSync(path, name + "\n");
  } catch (e) {
    throw new ConfigError(
      `cannot save the env choice in ${path}: ${errorMessage(e)}`,
      `${dir} must be a writable directory prime owns; move whatever is there away`,
    );
  }
  return path;
}
