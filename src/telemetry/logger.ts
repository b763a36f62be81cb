import { pino, stdSerializers, type Logger } from 'pino';
import type { Redactor } from '../security/redactor.js';

export interface LoggerOptions {
  level?: string;
  /** `pretty` for people reading a terminal; JSON lines otherwise. */
  format?: 'json' | 'pretty';
  /** Where lines go; stdout by default (tests pass a stream to inspect them). */
  destination?: pino.DestinationStream;
  /** The app's redactor: the logger is one of the two edges where text leaves the app. */
  redactor: Redactor;
}

/**
 * pino with two layers of secret protection: known sensitive paths are removed outright
 * (`redact`), and every string in every line is masked against the redactor's secret values,
 * which catches a token inside an error message or a payload field we did not foresee.
 */
export function createLogger(options: LoggerOptions): Logger {
  const { redactor } = options;
  return pino(
    {
      level: options.level ?? 'info',
      redact: {
        paths: [
          'privateKey',
          'token',
          '*.token',
          'headers.authorization',
          '*.headers.authorization',
          'req.headers.authorization',
          'request.headers.authorization',
          'env',
          '*.env',
        ],
        censor: '***',
      },
      serializers: {
        err: (err: Error) => redactor.redactValue({ ...stdSerializers.err(err) }),
      },
      formatters: {
        log: (obj) => redactor.redactValue(obj),
      },
      hooks: {
        // Mask the message string too (formatters.log only sees the merge object).
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === 'string' ? redactor.redact(a) : a)) as Parameters<typeof method>,
          );
        },
      },
    },
    options.destination ?? (options.format === 'pretty' ? pino.transport({ target: 'pino-pretty' }) : undefined),
  );
}
