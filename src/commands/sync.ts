/** `prime sync` (and bare `prime`): bring the env up to date and say so in one line. */
import { rel, type RootedProject } from "../project/project.ts";
import { prepareEnv, warnActiveVenv } from "../venv/prepare.ts";
import * as log from "../log.ts";
import { describeChanges } from "../venv/changes.ts";
import { rememberRequest } from "../launch/launch.ts";

/** Makes the env fresh and prints one summary line on stderr. */
export async function syncCommand(p: RootedProject): Promise<number> {
  const s = p.settings;
  warnActiveVenv(s.venvDir);
  // No program runs from the env after a sync: a new build is not held for one.
  const prepared = await prepareEnv(p, s, { holdForProgram: false });
  const r = prepared.result;
  // The next `prime app.py` (a container's start after the image's `RUN prime sync`, whose
  // cache writes are lost with each container) takes the warm path.
  await rememberRequest(p, prepared.inputs.venvDir, prepared.inputs.fingerprint).catch(() => {
    /* a read-only cache: the next start goes cold once and writes it */
  });
  const changed = r.changes ? ` ${describeChanges(r.changes)};` : "";
  const what = r.built
    ? `built in ${r.seconds.toFixed(1)}s (${r.reason}):${changed}`
    : "up to date:";
  log.info(
    `prime: ${
      rel(s.venvDir, s.refRoot)
    } ${what} Python ${prepared.python.version}, ${prepared.inputs.driverName}${
      s.env ? `, env ${s.env}` : ""
    }`,
  );
  return 0;
}
