/** InfluxDB 2.x/3.x: not implemented yet (issue 4). Fails clearly instead of pretending. */
import type { HistoryBackend } from '../types.ts';

export function createInflux2History(_opts: { url: string; token: string; org: string; bucket: string }): HistoryBackend {
  throw new Error('INFLUX_URL/INFLUX_BUCKET: the InfluxDB 2.x backend is not implemented yet; unset them to use the embedded history');
}
