/**
 * Serves the web dashboard: `/` is the single page, `/ui/*` its modules and styles, and
 * `/ui/vendor/uplot/*` the one library it loads in the browser (uPlot, for charts) straight from
 * node_modules, so there is no build step. Its live data comes from GET /live (live.ts). The page
 * itself is public; everything it shows comes from the API and MQTT with the token the user
 * signs in with.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

const require = createRequire(import.meta.url);
const WEB = path.join(path.dirname(fileURLToPath(import.meta.url)), 'web');
const UPLOT_DIST = path.join(path.dirname(require.resolve('uplot/package.json')), 'dist');

/** Paths the auth hook lets through: the page and its static files. */
export function isDashboardPath(p: string): boolean {
  return p === '/' || p === '/index.html' || p.startsWith('/ui/');
}

export async function dashboardRoutes(app: FastifyInstance) {
  await app.register(fastifyStatic, { root: WEB, prefix: '/ui/', index: false, maxAge: '1h', schemaHide: true });
  await app.register(fastifyStatic, { root: UPLOT_DIST, prefix: '/ui/vendor/uplot/', decorateReply: false, allowedPath: (p) => p === '/uPlot.esm.js' || p === '/uPlot.min.css', maxAge: '1d', schemaHide: true });
  const page = (_req: unknown, reply: { header(k: string, v: string): unknown; sendFile(f: string): unknown }) => {
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html');
  };
  app.get('/', { schema: { hide: true } }, page as never);
  app.get('/index.html', { schema: { hide: true } }, page as never);
}
