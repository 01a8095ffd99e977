/**
 * One server of the peers scenario in its own process, spawned pinned to the server core:
 * `node --import tsx server-child.ts <name> <host>`. Answers the harness over IPC — `publish`
 * (messages now, each with body `{ n }`) and `head` — and nothing else: CPU and RSS are read
 * from /proc by the parent, the same way for every server.
 */
import { serveIpc } from '../harness/ipc.ts';
import { isPeerServer, PEER_SERVERS } from './servers/index.ts';

const [name = '', host = '127.0.0.1'] = process.argv.slice(2);
if (!isPeerServer(name)) throw new Error(`unknown peer server "${name}"`);
const server = await (await PEER_SERVERS[name]()).start(host);

const send = serveIpc({
  /** Publishes `count` messages at once, bodies `{ n: first … first + count − 1 }`; the head after. */
  publish(args) {
    const { count, first } = args as { count: number; first: number };
    for (let i = 0; i < count; i++) server.publish(first + i);
    return server.head();
  },
  head: () => server.head(),
  async stop() {
    await server.close();
    // Exit after the reply is on its way; --cpu-prof writes its profile at exit.
    setTimeout(() => process.exit(0), 50);
    return null;
  },
});

send('ready', `http://${host}:${server.port}`);
