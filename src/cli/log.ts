import pino, { type DestinationStream, type Logger } from 'pino';
import { isInteractive, UsageError, type CliIo } from './io.ts';

export type LogFormat = 'json' | 'pretty';

export interface LogFormatOption {
  logFormat?: LogFormat;
}

const FORMATS: readonly string[] = ['json', 'pretty'];

/**
 * Logs to stderr: JSON lines for machines (the container has no terminal), or, for a person at a
 * terminal, one readable line per event with an ISO time. `--log-format`, then LOG_FORMAT, decide;
 * LOG_LEVEL sets the level (default info).
 */
export async function logger(io: CliIo, options: LogFormatOption = {}): Promise<Logger> {
  const settings = { level: io.env.LOG_LEVEL ?? 'info', base: undefined };
  if (logFormat(io, options) === 'json') return pino(settings, io.err as DestinationStream);
  // Loaded only for people: the JSON path never pays for it.
  const { default: pretty } = await import('pino-pretty');
  const stream = pretty({
    destination: io.err,
    sync: true,
    colorize: isInteractive(io.err),
    translateTime: "UTC:yyyy-mm-dd'T'HH:MM:ss.l'Z'",
    ignore: 'pid,hostname',
    singleLine: true,
    // An error is logged as its message (never a stack); pino-pretty sets it on a line of its own.
    customPrettifiers: { err: (value: unknown) => errorText(value) },
  });
  return pino(settings, stream);
}

export function logFormat(io: CliIo, options: LogFormatOption): LogFormat {
  if (options.logFormat !== undefined) return options.logFormat;
  const env = io.env.LOG_FORMAT;
  if (env === undefined || env === '') return isInteractive(io.err) ? 'pretty' : 'json';
  if (!FORMATS.includes(env)) throw new UsageError(`LOG_FORMAT: "${env}" is not a log format (expected json or pretty)`);
  return env as LogFormat;
}

function errorText(value: unknown): string {
  const message = typeof value === 'object' && value !== null && 'message' in value ? value.message : undefined;
  return typeof message === 'string' ? message : JSON.stringify(value);
}
