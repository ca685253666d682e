import assert from "node:assert/strict";
import {
  classifyFailure,
  type FailureInput,
  installFailure,
} from "../../../src/drivers/failure.ts";

// Real output of pip 24/25 and uv 0.13.9, captured from the failing commands.
const PIP_TLS = `Looking in indexes: https://127.0.0.1:8443/simple
Could not fetch URL https://127.0.0.1:8443/simple/foo/: There was a problem confirming the ssl certificate: HTTPSConnectionPool(host='127.0.0.1', port=8443): Max retries exceeded with url: /simple/foo/ (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1006)'))) - skipping
ERROR: Could not find a version that satisfies the requirement foo (from versions: none)
ERROR: No matching distribution found for foo`;
const UV_TLS = `error: Failed to fetch: https://127.0.0.1:8443/simple/foo/
  cause: error sending request for url (https://127.0.0.1:8443/simple/foo/)
  cause: client error (Connect)
  cause: invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))`;
const PIP_USER =
  `ERROR: Can not perform a '--user' install. User site-packages are not visible in this virtualenv.`;
const PIP_NOT_FOUND =
  `ERROR: Could not find a version that satisfies the requirement foo (from versions: none)
ERROR: No matching distribution found for foo`;
const UV_NOT_FOUND = `error: No solution found when resolving dependencies
  cause: Because nosuchpkg-xyz was not found in the provided package locations and you require nosuchpkg-xyz, we can conclude that your requirements are unsatisfiable.`;
const PIP_HASH_MISSING =
  `ERROR: Hashes are required in --require-hashes mode, but they are missing from some requirements. Here is a list of those requirements along with the hashes their downloaded archives actually had.
    foo==1.0 --hash=sha256:23720abd5b103524777f7e8584f039cbc3651652d61388b1a0ab7a516d9f88be`;
const UV_HASH_MISSING =
  "error: In `--require-hashes` mode, all requirements must have a hash, but none were provided for: foo==1.0";
const UV_HASH_UNPINNED =
  "error: In `--require-hashes` mode, all requirements must have their versions pinned with `==`, but found: foo";
const PIP_HASH_MISMATCH =
  `ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE. If you have updated the package versions, please update the hashes.`;
const UV_HASH_MISMATCH =
  "error: Failed to download `bar==1.0`\n  cause: Hash mismatch for `bar==1.0`";
const UV_REFUSED = `error: Request failed after 3 retries in 9.9s
  cause: Failed to fetch: http://127.0.0.1:9/simple/nosuchpkg-xyz/
  cause: error sending request for url (http://127.0.0.1:9/simple/nosuchpkg-xyz/)
  cause: Connection refused (os error 111)`;
const PIP_NO_SPACE = `Installing collected packages: numpy
ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device`;
const UV_NO_SPACE =
  `error: Failed to read \`numpy @ file:///tmp/w/numpy-2.5.5-cp312-cp312-manylinux_2_28_x86_64.whl\`
  cause: Failed to extract archive: /tmp/w/numpy-2.5.5-cp312-cp312-manylinux_2_28_x86_64.whl
  cause: I/O operation failed during extraction
  cause: failed to write to file \`/mnt/small/uvc/.tmp0y2jG3/numpy/_core/tests/test_records.py\`: No space left on device (os error 28)`;
const PIP_QUOTA =
  "ERROR: Could not install packages due to an OSError: [Errno 122] Disk quota exceeded";

const cases: Array<[string, FailureInput, string]> = [
  ["pip on a full disk", { installer: "pip", output: PIP_NO_SPACE }, "no-space"],
  ["uv on a full disk", { installer: "uv", output: UV_NO_SPACE }, "no-space"],
  ["pip over its quota", { installer: "pip", output: PIP_QUOTA }, "no-space"],
  ["pip's TLS failure (which also says not found)", { installer: "pip", output: PIP_TLS }, "tls"],
  ["uv's TLS failure", { installer: "uv", output: UV_TLS }, "tls"],
  ["PIP_USER=1", { installer: "pip", output: PIP_USER, env: { PIP_USER: "1" } }, "pip-user"],
  ["pip's not found", { installer: "pip", output: PIP_NOT_FOUND }, "not-found"],
  ["uv's not found", { installer: "uv", output: UV_NOT_FOUND }, "not-found"],
  ["pip's missing hash", { installer: "pip", output: PIP_HASH_MISSING }, "hash-missing"],
  ["uv's missing hash", { installer: "uv", output: UV_HASH_MISSING }, "hash-missing"],
  [
    "uv's unpinned hash-mode requirement",
    { installer: "uv", output: UV_HASH_UNPINNED },
    "hash-missing",
  ],
  ["pip's hash mismatch", { installer: "pip", output: PIP_HASH_MISMATCH }, "hash-mismatch"],
  ["uv's hash mismatch", { installer: "uv", output: UV_HASH_MISMATCH }, "hash-mismatch"],
  ["an unreachable index", { installer: "uv", output: UV_REFUSED }, "network"],
  ["an unknown failure", { installer: "pip", output: "ERROR: something odd" }, "other"],
];

for (const [what, input, id] of cases) {
  Deno.test(`classifyFailure() names the cause of ${what}: ${id}`, () => {
    assert.equal(classifyFailure(input).id, id);
  });
}

Deno.test("classifyFailure() gives different causes different hints", () => {
  for (const [, a, idA] of cases) {
    for (const [, b, idB] of cases) {
      if (idA !== idB) assert.notEqual(classifyFailure(a).hint, classifyFailure(b).hint);
    }
  }
});

Deno.test("classifyFailure() names the missing package", () => {
  assert.match(
    classifyFailure({ installer: "uv", output: UV_NOT_FOUND }).summary,
    /`nosuchpkg-xyz`/,
  );
  assert.match(classifyFailure({ installer: "pip", output: PIP_NOT_FOUND }).summary, /`foo`/);
});

Deno.test("installFailure() is exit 6 with the command, the output's tail and the cause", () => {
  const e = installFailure("pip", "pip exited 1", "pip install foo", {
    code: 1,
    signal: null,
    stdout: "",
    stderr: PIP_USER,
    timedOut: false,
  });
  assert.equal(e.exitCode, 6);
  assert.match(e.message, /^installing dependencies failed: pip exited 1: pip was told to install/);
  assert.match(e.details ?? "", /^\$ pip install foo\n.*--user/s);
  assert.match(e.hint ?? "", /PIP_USER/);
});
