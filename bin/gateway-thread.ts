/**
 * The OCPP gateway's thread (gateway/worker.ts), composed: the gateway knows the registry only
 * by its port (gateway/store-port.ts), and the store it opens on this thread, its own connection,
 * is the process's kind (store.ts). Started by gateway/worker-host.ts, which start.ts names this
 * module to.
 */
import { runGatewayThread } from '../gateway/worker.ts';
import { openStore } from './store.ts';

await runGatewayThread(openStore);
