/**
 * @module drizzle-mysql.config — drizzle-kit settings for the MySQL dialect: writes SQL migrations from
 * `src/db/mysql/schema.ts` into `drizzle-mysql/` (committed; applied by the server at start under a lock,
 * so instances starting together migrate once). Generate with `npx drizzle-kit generate --config drizzle-mysql.config.ts`.
 */
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'mysql',
  schema: './src/db/mysql/schema.ts',
  out: './drizzle-mysql',
});
