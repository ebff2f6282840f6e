/** The backend contract on a real InfluxDB 1.x (Debian's influxd, installed by .ci/run). */
import { afterAll, it } from 'vitest';
import { startInfluxd } from '../../test/processes.ts';
import { createInflux1History } from './influx1.ts';
import { describeBackendContract } from './contract.ts';

const ci = !!process.env['CI'] && process.env['CI'] !== 'false';
const influx = await startInfluxd().catch((err: Error) => err);
if (influx instanceof Error) {
  if (ci) it('influxd is required in CI', () => {
    throw influx;
  });
  else it.skip(`InfluxDB 1.x contract: ${influx.message}`, () => {});
} else {
  afterAll(() => influx.destroy());
  let n = 0;
  describeBackendContract('InfluxDB 1.x (real influxd)', async () => {
    const b = createInflux1History({ url: influx.url, database: `contract_${process.pid}_${n++}` });
    await b.init();
    return b;
  });
}
