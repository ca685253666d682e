/**
 * The commit a release binary was built from. scripts/compile.ts writes the value just
 * before `deno compile` and puts this file back afterwards; from source it stays null,
 * and `prime --version` reads the commit from the clone's .git instead.
 */
export const BUILD_COMMIT: string | null = null;
