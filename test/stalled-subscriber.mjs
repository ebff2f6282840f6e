// A platform process for test/broker-isolation.test.ts, run as a child so that the test can
// SIGSTOP it: its sockets stay open and nothing is read. Two connections of one tenant:
// `flood` takes the telemetry (attrs at QoS 1, events at QoS 0), `idle` only the state
// shadows (QoS 1, a few per charger). Prints "ready" once both are subscribed.
// Usage: node stalled-subscriber.mjs <mqtt url> <username> <password>
import mqtt from 'mqtt';

const [url, username, password] = process.argv.slice(2);
const opts = { username, password, reconnectPeriod: 0, keepalive: 600 };
const flood = await mqtt.connectAsync(url, { ...opts, clientId: 'stalled-flood' });
await flood.subscribeAsync('+/attrs', { qos: 1 });
await flood.subscribeAsync('+/events', { qos: 0 });
const idle = await mqtt.connectAsync(url, { ...opts, clientId: 'stalled-idle' });
await idle.subscribeAsync('+/state', { qos: 1 });
for (const c of [flood, idle]) c.on('error', () => undefined);
process.stdout.write('ready\n');
