import type { IncomingMessage } from 'node:http';
import { ClientAbortedError, InvalidRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.js';

/** oauth.md bodies are a few hundred bytes; a refresh token is under 1 KiB. */
export const MAX_FORM_BYTES = 8 * 1024;
const FORM = 'application/x-www-form-urlencoded';
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads an application/x-www-form-urlencoded body (a charset parameter is fine if it is UTF-8).
 * A body over the cap is refused before it is parsed: a declared Content-Length over the cap is
 * refused before a byte is read, and a chunked body is cut off as soon as it passes the cap.
 */
export async function readFormBody(req: IncomingMessage, limit = MAX_FORM_BYTES): Promise<string> {
  checkContentType(req.headers['content-type']);
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    throw new PayloadTooLargeError(`the request body is larger than ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw new PayloadTooLargeError(`the request body is larger than ${limit} bytes`);
      chunks.push(chunk);
    }
  } catch (err) {
    // A client that hangs up mid-body is not a server error.
    if (err instanceof PayloadTooLargeError) throw err;
    throw new ClientAbortedError();
  }
  if (!req.complete) throw new ClientAbortedError();
  try {
    return utf8.decode(Buffer.concat(chunks));
  } catch {
    throw new InvalidRequestError('the request body is not valid UTF-8');
  }
}

function checkContentType(header: string | undefined): void {
  const [mediaType = '', ...params] = (header ?? '').split(';').map((part) => part.trim());
  if (mediaType.toLowerCase() !== FORM) {
    throw new UnsupportedMediaTypeError(`the request body must be ${FORM}`);
  }
  for (const param of params) {
    const [name = '', value = ''] = param.split('=').map((part) => part.trim().toLowerCase());
    if (name === 'charset' && value.replaceAll('"', '') !== 'utf-8') {
      throw new UnsupportedMediaTypeError('the form body must be UTF-8');
    }
  }
}
