/**
 * @module log — structured logs: one JSON object per line, one line per event.
 *
 * Callers pass an event name and plain fields. Never log secrets (tokens, the token secret, raw headers) or
 * audio; the logger does not try to redact, so the rule is enforced where fields are chosen.
 */
import type { LogLevel } from './config';

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  readonly level?: LogLevel;
  /** Where lines go (default: stdout). Tests collect them here. */
  readonly write?: (line: string) => void;
}

const RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/**
 * Creates a logger.
 *
 * @example
 * const log = createLogger({ level: 'info' });
 * log.info('server.listening', { url });
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = RANK[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const make = (bound: LogFields): Logger => {
    const emit = (level: Exclude<LogLevel, 'silent'>, event: string, fields?: LogFields) => {
      if (RANK[level] < threshold) return;
      const line = { time: new Date().toISOString(), level, event, ...bound, ...serializeFields(fields) };
      write(`${safeStringify(line)}\n`);
    };
    return {
      debug: (event, fields) => emit('debug', event, fields),
      info: (event, fields) => emit('info', event, fields),
      warn: (event, fields) => emit('warn', event, fields),
      error: (event, fields) => emit('error', event, fields),
      child: (fields) => make({ ...bound, ...fields }),
    };
  };
  return make({});
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = createLogger({ level: 'silent' });

function serializeFields(fields: LogFields | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!fields) return out;
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? serializeError(value) : value;
  }
  return out;
}

function serializeError(error: Error): Record<string, unknown> {
  const code = (error as Error & { code?: unknown }).code;
  // Stacks stay in the server log (useful to operators); they are never sent to clients.
  return {
    name: error.name,
    message: error.message,
    ...(code === undefined ? {} : { code }),
    stack: error.stack,
  };
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    return JSON.stringify({ time: new Date().toISOString(), level: 'error', event: 'log.unserializable' });
  }
}
