/** Saving this clone's `prime use` choice (reading it is core/use_choice.ts's). */
import {
  ensureSelfIgnoringDir,
  refuseLink,
  useChoicePath,
  writeFileAtomic,
} from "../core/paths.ts";
import { ConfigError, diskError, errorMessage, VenvError } from "../core/errors.ts";

/** Saves (or with null clears) the choice. The folder ignores itself in git. */
export function writeUseChoice(refRoot: string, name: string | null): string {
  const dir = `${refRoot}/.prime`;
  const path = useChoicePath(refRoot);
  // Never through a link: a clone may commit `.prime` or `.prime/env` as one.
  refuseLink(dir, true);
  if (name === null) {
    try {
      Deno.removeSync(path); // a link is removed, never followed
    } catch { /* nothing chosen */ }
    return path;
  }
  try {
    ensureSelfIgnoringDir(dir, { noSymlink: true });
    refuseLink(path);
    writeFileAtomic(path, name + "\n");
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    // A full, over-quota or read-only disk is exit 5 naming the file, like every write
    // (writeFileAtomic has made it one already; mkdir has not).
    if (e instanceof VenvError) throw e;
    const disk = diskError(e, path);
    if (disk) throw disk;
    throw new ConfigError(
      `cannot save the env choice in ${path}: ${errorMessage(e)}`,
      `${dir} must be a writable directory prime owns; move whatever is there away`,
    );
  }
  return path;
}
