/** InfluxDB 1.x: not implemented yet (issue 4). Fails clearly instead of pretending. */
import type { HistoryBackend } from '../types.ts';

export function createInflux1History(_opts: { url: string; database: string; username?: string | undefined; password?: string | undefined }): HistoryBackend {
  throw new Error('INFLUX_URL/INFLUX_DATABASE: the InfluxDB 1.x backend is not implemented yet; unset them to use the embedded history');
}
