import type { RequestHandler } from 'express';
import type { ZodTypeAny } from 'zod';
import { HttpError } from '../lib/http-error';

type Source = 'body' | 'query' | 'params';

// Parses req[source] with a zod schema and replaces it with the parsed (coerced) value.
export function validate(schema: ZodTypeAny, source: Source = 'body'): RequestHandler {
  return (req, _res, next) => {
    const result = schema.safeParse(req[source]);
    if (!result.success) {
      next(HttpError.badRequest('Validation failed', result.error.flatten()));
      return;
    }
    (req as unknown as Record<Source, unknown>)[source] = result.data;
    next();
  };
}
