/**
 * `prime use [NAME]`: this clone's own env choice, kept in `<ref root>/.prime/env`
 * (a self-ignoring folder, so it is never committed). `--env` and PRIME_ENV still win
 * over it; `default_env` comes after it. Each env has its own venv, so switching back
 * and forth needs no cleanup.
 */
import type { RootedProject } from "../project/project.ts";
import { rel } from "../project/project.ts";
import { pickEnv } from "../config/settings.ts";
import { readUseChoice } from "../core/use_choice.ts";
import { writeUseChoice } from "../project/use_choice.ts";
import { useChoicePath } from "../core/paths.ts";
import * as log from "../log.ts";
import { writeAll } from "../core/files.ts";

/** Describes where the env came from, for `prime use` with no NAME. Pure. */
export function describeEnvSource(
  env: string | null,
  source: string | null,
  detail: { choiceFile: string; configFile: string | null },
): string {
  if (env === null) return "(none): no env is picked, so the base configuration applies";
  switch (source) {
    case "prime use":
      return `${env} (from prime use, saved in ${detail.choiceFile})`;
    case "default_env":
      return `${env} (from default_env in ${detail.configFile ?? "the configuration"})`;
    default:
      return `${env} (from ${source})`;
  }
}

/** Which of --env / PRIME_ENV would override a saved choice right now, if any. */
function overriddenBy(p: RootedProject): string | null {
  const env = p.invocation.overrides.env;
  if (env === null) return null;
  return env.source === "--env" ? `--env ${env.value}` : `PRIME_ENV=${env.value}`;
}

/** Prints, saves (NAME) or clears (`-`) this clone's env choice. */
export function useCommand(p: RootedProject, name: string | null): Promise<number> {
  const root = p.refRoot;
  const loaded = p.loaded;
  const s = p.settings;
  const choiceFile = rel(useChoicePath(root), root);
  const defined = Object.keys(loaded.envs);
  const override = overriddenBy(p);

  if (name === null) {
    const line = describeEnvSource(s.env, s.envSource, {
      choiceFile,
      configFile: loaded.configFiles[0] ? rel(loaded.configFiles[0], root) : null,
    });
    writeAll(Deno.stdout, line + "\n");
    const saved = readUseChoice(root);
    // A saved choice whose env is no longer defined was ignored (loading warned so), so
    // nothing wins over it: no note, or it would name default_env or "null" as the winner.
    if (saved !== null && s.envSource !== "prime use" && Object.hasOwn(loaded.envs, saved)) {
      log.info(`prime: note: this clone's choice is ${saved} (prime use), but ${s.envSource} wins`);
    }
    log.info(
      defined.length > 0
        ? `prime: envs defined: ${defined.join(", ")}`
        : "prime: the configuration defines no envs ([env.NAME] tables)",
    );
    return Promise.resolve(0);
  }

  if (name === "-") {
    const was = readUseChoice(root);
    writeUseChoice(root, null);
    log.info(
      was === null
        ? "prime: this clone had no env choice; nothing to clear"
        : `prime: cleared this clone's env choice (was ${was})`,
    );
    const fallback = loaded.base.default_env;
    log.info(
      fallback !== undefined
        ? `prime: default_env applies now: ${fallback}`
        : "prime: no env is picked now, so the base configuration applies",
    );
    return Promise.resolve(0);
  }

  // Validates the name against the [env.NAME] tables (ConfigError, exit 3, with a
  // did-you-mean), exactly as a later run would.
  // Named as coming from `prime use` (not --env) in the message; a blank or padded
  // name is checked as written, and refused.
  pickEnv(loaded, name !== "" && name === name.trim() ? { useChoice: name } : { flag: name });
  writeUseChoice(root, name);
  log.info(`prime: this clone now uses env ${name} (saved in ${choiceFile})`);
  if (override !== null) {
    log.warn(`${override} is set and still wins over this choice here`);
  }
  return Promise.resolve(0);
}
