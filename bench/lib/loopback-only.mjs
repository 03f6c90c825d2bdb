/**
 * Preloaded (`node --import`) into a peer whose entry has no host option (Portkey's listens on
 * every interface): a server asked to listen on a port with no host listens on 127.0.0.1, so the
 * benchmark opens nothing beyond loopback.
 */
import { Server } from 'node:net';

const listen = Server.prototype.listen;
/** @param {...any} args */
Server.prototype.listen = function listenOnLoopback(...args) {
  const [port, host] = args;
  if (typeof port === 'number' && (host === undefined || typeof host === 'function')) {
    return listen.call(this, port, '127.0.0.1', ...args.slice(host === undefined ? 2 : 1));
  }
  return listen.apply(this, args);
};
