/**
 * `prime trust [--revoke]`: lets `prime env` and `prime shell` export this clone's
 * `vars` and `vars_files` to the user's shell, for the configuration as it is now
 * (see state/trust.ts). Like `direnv allow`, an edit needs a new `prime trust`.
 */
import type { RootedProject } from "../project/project.ts";
import { rel } from "../project/project.ts";
import { readVarsFiles } from "../core/dotenv.ts";
import { revoke, trust, trustedFiles } from "../state/trust.ts";
import { judgeVars, userAllowed } from "../shell/env_policy.ts";
import * as log from "../log.ts";

/** Records (or with `revoke` forgets) trust in this clone's variables. */
export async function trustCommand(p: RootedProject, revokeIt: boolean): Promise<number> {
  const s = p.settings;
  if (revokeIt) {
    const had = await revoke(p.cache, s);
    log.info(
      had
        ? `prime: ${s.refRoot} is no longer trusted; prime env exports none of its vars`
        : `prime: ${s.refRoot} was not trusted; nothing to revoke`,
    );
    return 0;
  }
  const names = [
    ...new Set([...Object.keys(s.vars), ...Object.keys(readVarsFiles(s.varsFiles))]),
  ];
  await trust(p.cache, s);
  const files = trustedFiles(s).map((f) => rel(f, s.refRoot)).join(", ");
  log.info(
    `prime: trusted ${s.refRoot} as configured now (${files || "no configuration files"}); ` +
      `prime env may export: ${names.join(", ") || "(no vars)"}`,
  );
  const refused = judgeVars(names, "json", userAllowed(Deno.env.toObject())).refused;
  if (refused.length > 0) {
    log.warn(
      `still refused (set PRIME_ALLOW_VARS outside the repo to allow): ${
        refused.map((r) => r.name).join(", ")
      }`,
    );
  }
  return 0;
}
