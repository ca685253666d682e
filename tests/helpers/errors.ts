/** Assertions on prime's error values, shared by unit and integration tests. */
import assert from "node:assert/strict";
import { PythonNotFoundError } from "../../src/core/errors.ts";

/** Awaits `p` and expects a PythonNotFoundError (exit 4) whose message matches `pattern`. */
export async function expectPythonNotFound(
  p: Promise<unknown>,
  pattern: RegExp,
): Promise<PythonNotFoundError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof PythonNotFoundError, `expected PythonNotFoundError, got ${e}`);
    assert.equal(e.exitCode, 4);
    assert.match(e.message, pattern);
    return e;
  }
  assert.fail(`expected exit 4 matching ${pattern}`);
}
