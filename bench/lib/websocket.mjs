/**
 * Just enough of a WebSocket client (RFC 6455) for the DevTools inspector: unfragmented text
 * messages over loopback, masked on the way out as the protocol requires. Node 20 has no
 * WebSocket global without a flag, and the benchmark takes no client library for one socket.
 */
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';

const TEXT = 0x1;
const CLOSE = 0x8;
const FIN = 0x80;
const MASKED = 0x80;

/**
 * @param {string} url ws://host:port/path
 * @param {(text: string) => void} onMessage called with each text message, in order
 * @returns {Promise<{ send: (text: string) => void, close: () => void }>}
 */
export function openWebSocket(url, onMessage) {
  return new Promise((resolve, reject) => {
    const req = request(url.replace(/^ws:/, 'http:'), {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-key': randomBytes(16).toString('base64'),
        'sec-websocket-version': '13',
      },
    });
    req.once('error', reject);
    req.once('response', (res) =>
      reject(new Error(`no WebSocket upgrade: HTTP ${res.statusCode}`)),
    );
    req.once('upgrade', (_res, socket, head) => {
      let pending = head;
      socket.on('data', (/** @type {Buffer} */ data) => {
        pending = Buffer.concat([pending, data]);
        for (let frame = readFrame(pending); frame; frame = readFrame(pending)) {
          pending = pending.subarray(frame.size);
          if (frame.opcode === TEXT) onMessage(frame.payload.toString('utf8'));
          else if (frame.opcode === CLOSE) socket.end();
        }
      });
      socket.on('error', () => socket.destroy());
      resolve({
        send: (text) => socket.write(frameOf(TEXT, Buffer.from(text, 'utf8'))),
        close: () => socket.end(frameOf(CLOSE, Buffer.alloc(0))),
      });
    });
    req.end();
  });
}

/**
 * One frame from the server (never masked), or undefined until all of it has arrived.
 *
 * @param {Buffer} buffer
 */
function readFrame(buffer) {
  if (buffer.length < 2) return undefined;
  const short = buffer[1] & 0x7f;
  const header = short === 126 ? 4 : short === 127 ? 10 : 2;
  if (buffer.length < header) return undefined;
  const length =
    short === 126
      ? buffer.readUInt16BE(2)
      : short === 127
        ? Number(buffer.readBigUInt64BE(2))
        : short;
  if (buffer.length < header + length) return undefined;
  return {
    opcode: buffer[0] & 0x0f,
    payload: buffer.subarray(header, header + length),
    size: header + length,
  };
}

/**
 * @param {number} opcode
 * @param {Buffer} payload
 */
function frameOf(opcode, payload) {
  const mask = randomBytes(4);
  const length = payload.length;
  let header;
  if (length < 126) header = Buffer.from([FIN | opcode, MASKED | length]);
  else if (length < 65536) {
    header = Buffer.from([FIN | opcode, MASKED | 126, 0, 0]);
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.from([FIN | opcode, MASKED | 127, 0, 0, 0, 0, 0, 0, 0, 0]);
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i] ^= mask[i % 4];
  return Buffer.concat([header, mask, masked]);
}
