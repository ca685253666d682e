import type { PipLauncher } from "../../../src/python/pip.ts";
import assert from "node:assert/strict";
import { createPipDriver, pipInstallArgs } from "../../../src/installers/pip.ts";
import type { BuildContext } from "../../../src/installers/driver.ts";
import type { Runner } from "../../../src/process.ts";
import { buildContext, fakeRunner, result } from "../../helpers/fake_runner.ts";
import { InstallError, VenvError } from "../../../src/core/errors.ts";

const PIP: PipLauncher = {
  kind: "wheel",
  version: "24.0",
  where: "/py/lib/ensurepip",
  prefix: (py: string) => ({ program: py, args: ["/c/pip"] }),
};

function ctx(runner: Runner): BuildContext {
  return buildContext(runner, { plan: { dependencies: ["six"] } });
}

Deno.test("a venv killed by its timeout says so, not just its exit code", async () => {
  const runner = fakeRunner(() => result(137, "", "", { timedOut: true }));
  await assert.rejects(createPipDriver(PIP).create(ctx(runner)), (e) => {
    assert.ok(e instanceof VenvError);
    assert.match(e.message, /failed: venv exited 137 \(timed out\)/);
    return true;
  });
});

Deno.test("a pip killed by a signal says which signal", async () => {
  const runner = fakeRunner(() => result(137, "", "", { signal: "SIGKILL" }));
  await assert.rejects(createPipDriver(PIP).install(ctx(runner)), (e) => {
    assert.ok(e instanceof InstallError);
    assert.match(e.message, /pip exited on signal SIGKILL/);
    return true;
  });
});

Deno.test("pipInstallArgs() passes uv's --exclude-newer as --uploaded-prior-to, or refuses an older pip", () => {
  assert.deepEqual(pipInstallArgs(["--no-index", "x"], "24.2"), ["--no-index", "x"]);
  assert.deepEqual(pipInstallArgs(["--exclude-newer", "2024-01-01", "x"], "26.0"), [
    "--uploaded-prior-to",
    "2024-01-01",
    "x",
  ]);
  assert.deepEqual(pipInstallArgs(["--exclude-newer=2024-01-01"], "26.1"), [
    "--uploaded-prior-to=2024-01-01",
  ]);
  assert.throws(
    () => pipInstallArgs(["--exclude-newer", "2024-01-01"], "24.2"),
    (e) =>
      e instanceof InstallError &&
      /exclude-newer = "2024-01-01" cannot be applied: pip 24\.2 has no --uploaded-prior-to/.test(
        e.message,
      ),
  );
});
