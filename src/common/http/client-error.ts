import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { describeError, errorBody } from '../errors/error-response';
import { MalformedRequestError } from '../errors/request.errors';
import { newRequestId, requestIdOf } from '../request-context/request-id';

/** The response Node is writing on the socket, if a request on it got that far. */
type ClientSocket = Socket & { _httpMessage?: ServerResponse & { req?: object } };

/**
 * Requests Node's HTTP parser refuses (a raw CR in a header, a chunked body cut
 * inside a chunk) never reach Express; Node would answer them with a bare 400.
 * They get the contract's body instead, unless an answer has already begun.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (_error: Error, socket: ClientSocket) => {
    const inFlight = socket._httpMessage;
    if (socket.writable && !inFlight?.headersSent) {
      const requestId = inFlight?.req ? requestIdOf(inFlight.req) : newRequestId();
      const body = JSON.stringify(errorBody(describeError(new MalformedRequestError()), requestId));
      socket.write(
        'HTTP/1.1 400 Bad Request\r\n' +
          'Content-Type: application/json; charset=utf-8\r\n' +
          `Content-Length: ${Buffer.byteLength(body)}\r\n` +
          `X-Request-ID: ${requestId}\r\n` +
          'Connection: close\r\n\r\n' +
          body,
      );
    }
    socket.destroy();
  });
}
