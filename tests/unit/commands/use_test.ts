import assert from "node:assert/strict";
import { describeEnvSource } from "../../../src/commands/use.ts";

Deno.test("describeEnvSource() names the env and where it came from", () => {
  const d = { choiceFile: ".prime/env", configFile: "prime.toml" };
  const table: Array<[string | null, string | null, string]> = [
    ["dev", "--env", "dev (from --env)"],
    ["dev", "PRIME_ENV", "dev (from PRIME_ENV)"],
    ["dev", "prime use", "dev (from prime use, saved in .prime/env)"],
    ["ci", "default_env", "ci (from default_env in prime.toml)"],
    [null, null, "(none): no env is picked, so the base configuration applies"],
  ];
  for (const [env, source, want] of table) assert.equal(describeEnvSource(env, source, d), want);
});
