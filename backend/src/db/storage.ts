/**
 * @module storage — opens the database the configuration names and hands back the dialect-free
 * `TranscriptRepository`: the embedded SQLite file by default, the shared MySQL database when `mysql` is
 * configured (several instances). Nothing above this module knows which one it got.
 */
import type { Config } from '../config';
import { openMysqlDatabase } from './mysql/client';
import { createMysqlTranscriptRepository } from './mysql/transcript-repository';
import { openDatabase } from './sqlite/client';
import { createSqliteTranscriptRepository } from './sqlite/transcript-repository';
import type { TranscriptRepository } from './transcript-repository';

export interface Storage {
  readonly dialect: 'sqlite' | 'mysql';
  readonly repository: TranscriptRepository;
  /** Where the data lives, for the start log (never a password). */
  readonly description: string;
  close(): Promise<void>;
}

/**
 * @example
 * const storage = await openStorage(config);
 * await storage.repository.ping();
 * await storage.close();
 */
export async function openStorage(config: Pick<Config, 'databasePath' | 'mysql'>): Promise<Storage> {
  if (config.mysql) {
    const { host, port, database } = config.mysql;
    const handle = await openMysqlDatabase({ settings: config.mysql });
    return {
      dialect: 'mysql',
      repository: createMysqlTranscriptRepository(handle.db),
      description: `mysql://${host}:${port}/${database}`,
      close: () => handle.close(),
    };
  }
  const handle = openDatabase({ path: config.databasePath });
  return {
    dialect: 'sqlite',
    repository: createSqliteTranscriptRepository(handle.db),
    description: config.databasePath,
    close: async () => handle.close(),
  };
}
