// Errors at the HTTP edge. Metacontroller treats any non-200 as a failed sync and changes nothing,
// which is the safe outcome; the body is one line of JSON so it reads well in the parent's events.
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';

export type ErrorCode =
  | 'MalformedJSON'
  | 'UnsupportedMediaType'
  | 'NotAMetacontrollerRequest'
  | 'PayloadTooLarge'
  | 'Unauthorized'
  | 'NotFound'
  /** The hook's answer failed its checks: our bug, and nothing is sent (handlers.ts). */
  | 'InvalidResponse'
  | 'Internal';

const STATUS: Record<ErrorCode, number> = {
  MalformedJSON: 400,
  UnsupportedMediaType: 415,
  NotAMetacontrollerRequest: 422,
  PayloadTooLarge: 413,
  Unauthorized: 401,
  NotFound: 404,
  InvalidResponse: 500,
  Internal: 500,
};

export class HookError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }

  get status(): number {
    return STATUS[this.code];
  }
}

const MAX_MESSAGE = 500;
const oneLine = (text: string) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_MESSAGE ? `${flat.slice(0, MAX_MESSAGE - 1)}…` : flat;
};

/** body-parser's error types, mapped to our codes. */
function fromBodyParser(error: unknown): HookError | undefined {
  const type = (error as { type?: unknown } | null)?.type;
  switch (type) {
    case 'entity.parse.failed':
      // V8's parse messages quote the body around the error, and a body may carry Secret data.
      return new HookError('MalformedJSON', `request body is not valid JSON${jsonPosition(error)}`);
    case 'entity.too.large':
      return new HookError('PayloadTooLarge', 'request body exceeds BODY_LIMIT');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HookError('UnsupportedMediaType', (error as Error).message);
    default:
      return undefined;
  }
}

function jsonPosition(error: unknown): string {
  const match = /position (\d+)/.exec(String((error as Error).message));
  return match ? ` (at byte ${match[1]})` : '';
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, _request, response, _next) => {
    const known = error instanceof HookError ? error : fromBodyParser(error);
    // A server fault is logged in full and answered generically.
    if (known && known.status < 500) {
      response.status(known.status).json({ code: known.code, message: oneLine(known.message) });
      return;
    }
    logger.error({ err: error }, 'hook failed');
    response.status(500).json({ code: 'Internal', message: 'internal error; see the hook server logs' });
  };
}
