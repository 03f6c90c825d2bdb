import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TappedChunk {
  /** Which side wrote it: the client connected to the tap, or the server behind it. */
  from: 'client' | 'server';
  text: string;
}

/**
 * A TCP relay on a free loopback port that records every chunk it passes on,
 * in order, so a test can see which commands a client sent before it had a reply.
 */
export class TcpTap {
  readonly chunks: TappedChunk[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async start(targetPort: number): Promise<TcpTap> {
    const server = createServer();
    const tap = new TcpTap(server);
    server.on('connection', (client) => tap.relay(client, targetPort));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return tap;
  }

  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === 'string')
      throw new Error('The tap is not listening');
    return address.port;
  }

  clear(): void {
    this.chunks.length = 0;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
    await once(this.server, 'close');
  }

  private relay(client: Socket, targetPort: number): void {
    const server = createConnection({ host: '127.0.0.1', port: targetPort });
    for (const [from, socket, peer] of [
      ['client', client, server],
      ['server', server, client],
    ] as const) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('data', (data: Buffer) => {
        this.chunks.push({ from, text: data.toString('latin1') });
        peer.write(data);
      });
      socket.on('close', () => {
        this.sockets.delete(socket);
        peer.destroy();
      });
      socket.on('error', () => peer.destroy());
    }
  }
}
