/**
 * The OCPP gateway's thread (gateway/worker.ts), composed: the gateway knows the registry only
 * by its port (gateway/store-port.ts); the store it gets is the process's kind (store.ts), on
 * SQLite served by a registry thread of its own so that no commit waits on the OCPP event loop.
 * Started by gateway/worker-host.ts, which start.ts names this module to.
 */
import { runGatewayThread } from '../gateway/worker.ts';
import { openGatewayStore } from './store.ts';

await runGatewayThread(openGatewayStore);
