/**
 * @module drizzle.config — drizzle-kit settings: `npm run db:generate` writes SQL migrations from
 * `src/db/sqlite/schema.ts` into `drizzle/` (committed; applied by the server at start).
 */
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/sqlite/schema.ts',
  out: './drizzle',
});
