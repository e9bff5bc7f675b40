/**
 * @module migrations-folder — where the committed migrations of each dialect are (`backend/drizzle/`,
 * `backend/drizzle-mysql/`), found from the running module whether it runs from source or a bundle.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The committed migrations live in `backend/drizzle/`. This module runs from `src/db/` (tsx, vitest) or
 * from a bundle in `dist/` (container), so walk up from here until the folder is found.
 */
export function findMigrationsFolder(
  start: string = dirname(fileURLToPath(import.meta.url)),
  /** `drizzle` (SQLite) or `drizzle-mysql` (MySQL). */
  name = 'drizzle',
): string {
  let dir = start;
  for (;;) {
    const candidate = join(dir, name);
    if (existsSync(join(candidate, 'meta', '_journal.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`migrations folder (${name}/meta/_journal.json) not found above ${start}`);
    dir = parent;
  }
}
