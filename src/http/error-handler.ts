import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../observe/logger.js';
import { errorAnswer } from './error-answer.js';

/** Express's error handler: renders through errorAnswer, like the token endpoint does. */
export function errorHandler(logger: Logger, realm: () => string) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) {
      logger.error({ err, path: req.path }, 'error after the response started');
      res.destroy();
      return;
    }
    const answer = errorAnswer(err, 'registry', realm(), logger, req.path);
    res.status(answer.status).set(answer.headers).type('application/json').send(answer.body);
  };
}
