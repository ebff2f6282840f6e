/**
 * The deployment files (docs/deploy.md) checked against the code, without Docker: the Compose
 * files' structure and variables, the gateway's settings against common/config.ts, the
 * Dockerfile against package.json and the runtime imports, and the Grafana dashboards' Flux
 * against the InfluxDB schema of docs/history.md.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument, type CollectionTag } from 'yaml';
import { loadConfig } from '../common/config.ts';
import { MEASURANDS } from '../contracts/measurands.ts';

const root = path.resolve(import.meta.dirname, '..');
const read = (rel: string) => readFileSync(path.join(root, rel), 'utf8');

// Compose's merge tags: plain sequences for the structure checks, the tag itself is read from
// the document where it matters.
const composeTags: CollectionTag[] = ['!override', '!reset'].map((tag) => ({ tag, collection: 'seq', resolve: (seq) => seq }));

type Dict = Record<string, unknown>;
interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  ports?: string[];
  environment?: Record<string, string> | string[];
  volumes?: Array<string | { type?: string; source?: string; target?: string }>;
  depends_on?: Record<string, { condition?: string }> | string[];
  profiles?: string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  command?: string[] | string;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const composeFile = (rel: string) => parse(read(rel), { customTags: composeTags }) as ComposeFile;
const compose = composeFile('docker-compose.yml');
const override = composeFile('docker-compose.external-broker.yml');
const svc = (name: string, file: ComposeFile = compose): Service => {
  const s = file.services[name];
  if (!s) throw new Error(`no service ${name}`);
  return s;
};

// --- Compose interpolation (Compose spec, "Interpolation"): $$, $VAR, ${VAR}, ${VAR:-d}, ${VAR-d},
// ${VAR:?err}, ${VAR?err}, ${VAR:+alt}, ${VAR+alt}.
const VAR = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;
interface VarUse {
  name: string;
  op: string | undefined;
  arg: string | undefined;
}
function varsIn(s: string): VarUse[] {
  const out: VarUse[] = [];
  for (const m of s.matchAll(VAR)) {
    if (m[0] === '$$') continue;
    out.push({ name: (m[1] ?? m[4])!, op: m[2], arg: m[3] });
  }
  return out;
}
function interpolate(s: string, vars: Record<string, string>): string {
  return s.replace(VAR, (whole, braced?: string, op?: string, arg?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const v = vars[(braced ?? bare)!];
    const unsetOrEmpty = v === undefined || (op?.startsWith(':') === true && v === '');
    switch (op) {
      case ':-':
      case '-':
        return unsetOrEmpty ? arg! : v!;
      case ':?':
      case '?':
        if (unsetOrEmpty) throw new Error(`required variable ${braced}: ${arg}`);
        return v!;
      case ':+':
      case '+':
        return unsetOrEmpty ? '' : arg!;
      default:
        return v ?? '';
    }
  });
}
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) strings([k, v], out);
  return out;
}
function envOf(s: Service): Record<string, string> {
  if (Array.isArray(s.environment)) {
    return Object.fromEntries(s.environment.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  }
  return { ...(s.environment ?? {}) };
}
const allVars = [...strings(compose), ...strings(override)].flatMap(varsIn);
// The values an operator's .env would hold: every required variable set, the rest defaulted.
const requiredVars = new Set(allVars.filter((v) => v.op === ':?' || v.op === '?').map((v) => v.name));
const dotEnv = Object.fromEntries([...requiredVars].map((name) => [name, `${name.toLowerCase()}-0123456789abcdef`]));
const resolvedEnv = (...services: Service[]) =>
  Object.fromEntries(services.flatMap((s) => Object.entries(envOf(s))).map(([k, v]) => [k, interpolate(v, dotEnv)]));

/** "HOST:CONTAINER" (short syntax, no ranges: none are used) -> numbers. */
function portsOf(s: Service): Array<{ host: number; container: number }> {
  return (s.ports ?? []).map((p) => {
    const parts = p.split('/')[0]!.split(':');
    return { host: Number(parts.at(-2)), container: Number(parts.at(-1)) };
  });
}
/** Bind mounts (short syntax with a path source, or long syntax type: bind) -> host paths. */
function bindMounts(s: Service): Array<{ source: string; target: string }> {
  return (s.volumes ?? []).flatMap((v) => {
    if (typeof v === 'string') {
      const [source, target] = v.split(':');
      return source && target && /^[./~]/.test(source) ? [{ source, target }] : [];
    }
    return v.type === 'bind' && v.source && v.target ? [{ source: v.source, target: v.target }] : [];
  });
}
function namedVolumes(s: Service): string[] {
  return (s.volumes ?? []).flatMap((v) => {
    const source = typeof v === 'string' ? v.split(':')[0]! : v.type === 'volume' ? (v.source ?? '') : '';
    return source && !/^[./~]/.test(source) && (typeof v !== 'string' || v.includes(':')) ? [source] : [];
  });
}
const dependsOn = (s: Service): Record<string, { condition?: string }> =>
  Array.isArray(s.depends_on) ? Object.fromEntries(s.depends_on.map((d) => [d, {}])) : (s.depends_on ?? {});

describe('docker-compose.yml', () => {
  it('runs gateway, influxdb and grafana by default, mosquitto only in the external-broker profile', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['gateway', 'grafana', 'influxdb', 'mosquitto']);
    expect(compose).not.toHaveProperty('version'); // obsolete in the Compose spec
    for (const name of ['gateway', 'influxdb', 'grafana']) expect(svc(name).profiles, name).toBeUndefined();
    expect(svc('mosquitto').profiles).toEqual(['external-broker']);
    // Nothing in the default stack may need the profile's service.
    for (const [name, s] of Object.entries(compose.services)) {
      if (name !== 'mosquitto') expect(Object.keys(dependsOn(s)), name).not.toContain('mosquitto');
    }
  });

  it('builds the gateway from the repository Dockerfile', () => {
    const build = svc('gateway').build;
    const context = typeof build === 'string' ? build : build?.context;
    const dockerfile = (typeof build === 'object' && build.dockerfile) || 'Dockerfile';
    expect(context).toBe('.');
    expect(existsSync(path.join(root, context!, dockerfile))).toBe(true);
  });

  it('publishes the documented ports on the container ports chargebridge listens on', () => {
    const gw = loadConfig(resolvedEnv(svc('gateway')));
    expect(portsOf(svc('gateway'))).toEqual([
      { host: 9000, container: gw.OCPP_PORT },
      { host: 9443, container: gw.OCPP_TLS_PORT },
      { host: 8080, container: gw.HTTP_PORT },
      { host: 8883, container: gw.MQTT_PORT },
    ]);
    expect(portsOf(svc('grafana'))).toEqual([{ host: 3000, container: 3000 }]);
    expect(portsOf(svc('influxdb'))).toEqual([]); // reached on the compose network only
    expect(portsOf(svc('mosquitto'))).toEqual([{ host: 1883, container: 1883 }]);
  });

  it('gives the gateway only real settings of common/config.ts, and they load', () => {
    const env = resolvedEnv(svc('gateway'));
    const config = loadConfig(env) as unknown as Dict;
    // loadConfig keeps only the schema's keys: a misspelt variable would vanish here.
    for (const key of Object.keys(env)) expect(config, key).toHaveProperty(key);
    expect(config['INFLUX_URL']).toBe('http://influxdb:8086');
    expect(config['MQTT_URL']).toBeUndefined(); // the embedded broker
  });

  it('ships with TLS on: a development CA unless certificate files are given (docs/deploy.md "TLS")', () => {
    const config = loadConfig(resolvedEnv(svc('gateway')));
    expect(config.TLS_DEV_CA).toBe(true);
    expect(config.OCPP_TLS_CERT_FILE).toBeUndefined();
    expect(config.MQTT_PORT).toBe(8883);
    expect(read('docs/deploy.md')).toContain('/data/dev-ca/ca.pem');
  });

  it('shares one org, bucket and token between the gateway, InfluxDB setup and Grafana', () => {
    const gw = resolvedEnv(svc('gateway'));
    const influx = resolvedEnv(svc('influxdb'));
    const grafana = resolvedEnv(svc('grafana'));
    expect(influx['DOCKER_INFLUXDB_INIT_MODE']).toBe('setup');
    expect(influx['DOCKER_INFLUXDB_INIT_ORG']).toBe(gw['INFLUX_ORG']);
    expect(influx['DOCKER_INFLUXDB_INIT_BUCKET']).toBe(gw['INFLUX_BUCKET']);
    expect(influx['DOCKER_INFLUXDB_INIT_ADMIN_TOKEN']).toBe(gw['INFLUX_TOKEN']);
    expect(influx['DOCKER_INFLUXDB_INIT_RETENTION']).toBe('30d');
    for (const k of ['INFLUX_ORG', 'INFLUX_BUCKET', 'INFLUX_TOKEN']) expect(grafana[k], k).toBe(gw[k]);
  });

  it('starts the gateway and Grafana once InfluxDB is healthy', () => {
    expect(svc('influxdb').healthcheck?.test).toEqual(['CMD', 'influx', 'ping']);
    expect(dependsOn(svc('gateway'))['influxdb']).toEqual({ condition: 'service_healthy' });
    expect(Object.keys(dependsOn(svc('grafana')))).toContain('influxdb');
  });

  it('bind-mounts only paths that exist, and declares every named volume', () => {
    for (const file of [compose, override]) {
      for (const [name, s] of Object.entries(file.services)) {
        for (const m of bindMounts(s)) expect(existsSync(path.join(root, m.source)), `${name}: ${m.source}`).toBe(true);
        for (const v of namedVolumes(s)) expect(Object.keys(compose.volumes ?? {}), `${name}: ${v}`).toContain(v);
      }
    }
    const grafanaMounts = Object.fromEntries(bindMounts(svc('grafana')).map((m) => [m.target, path.normalize(m.source)]));
    expect(grafanaMounts['/etc/grafana/provisioning']).toBe('dashboards/grafana/provisioning');
    expect(grafanaMounts['/var/lib/grafana/dashboards']).toBe('dashboards/grafana/dashboards');
    expect(bindMounts(svc('mosquitto')).map((m) => path.normalize(m.source))).toEqual(['deploy/mosquitto/mosquitto.conf', 'deploy/mosquitto/acl']);
    expect(svc('gateway').volumes).toContainEqual(expect.stringMatching(/^[\w-]+:\/data$/));
  });

  it('gives every variable a default or a clear error, and documents each in docs/deploy.md', () => {
    const doc = read('docs/deploy.md');
    expect(allVars.length).toBeGreaterThan(0);
    for (const v of allVars) {
      // A bare ${VAR} would silently become empty when unset.
      expect(v.op, v.name).toMatch(/^:?[-?]$/);
      if (v.op?.endsWith('?')) expect(v.arg, v.name).toMatch(/docs\/deploy\.md/);
      expect(doc, v.name).toContain(`\`${v.name}\``);
    }
    expect(requiredVars).toContain('CHARGEBRIDGE_API_TOKEN');
    expect(envOf(svc('gateway'))['API_TOKEN']).toMatch(/^\$\{CHARGEBRIDGE_API_TOKEN:\?/);
    expect(doc).toContain('docker compose config');
    expect(doc).toContain('scale-out.md');
  });
});

describe('docker-compose.external-broker.yml', () => {
  it('points the gateway at the profile\'s Mosquitto with loadable settings', () => {
    expect(Object.keys(override.services)).toEqual(['gateway']);
    const env = resolvedEnv(svc('gateway'), svc('gateway', override));
    const config = loadConfig(env) as unknown as Dict;
    for (const key of Object.keys(env)) expect(config, key).toHaveProperty(key);
    expect(config['MQTT_URL']).toBe('mqtt://mosquitto:1883');
    expect(config['MQTT_USERNAME']).toBe(resolvedEnv(svc('mosquitto'))['MQTT_USERNAME']);
    expect(dependsOn(svc('gateway', override))['mosquitto']).toEqual({ condition: 'service_healthy' });
  });

  it('replaces the gateway\'s ports so that host port 1883 is Mosquitto\'s alone', () => {
    const doc = parseDocument(read('docker-compose.external-broker.yml'), { customTags: composeTags });
    const ports = doc.getIn(['services', 'gateway', 'ports'], true) as { tag?: string } | undefined;
    expect(ports?.tag).toBe('!override'); // a plain list would be appended to the base one
    const published = [...portsOf(svc('gateway', override)), ...portsOf(svc('grafana')), ...portsOf(svc('mosquitto'))].map((p) => p.host);
    expect(published.filter((p) => p === 1883)).toHaveLength(1);
    expect(new Set(published).size).toBe(published.length);
  });

  it('gives Mosquitto a config with no anonymous clients and the password file the container writes', () => {
    const conf = read('deploy/mosquitto/mosquitto.conf');
    const directives = new Map(conf.split('\n').filter((l) => l.trim() && !l.startsWith('#')).map((l) => [l.split(/\s+/)[0]!, l.split(/\s+/).slice(1).join(' ')]));
    expect(directives.get('listener')).toBe('1883');
    expect(directives.get('allow_anonymous')).toBe('false');
    const passwordFile = directives.get('password_file')!;
    expect(strings(svc('mosquitto').command).join('\n')).toContain(`mosquitto_passwd -b ${passwordFile}`);
  });

  it('confines tenants with the ACL file (deploy/mosquitto/acl, the tenant-level layout), its service account named MQTT_USERNAME', () => {
    const conf = read('deploy/mosquitto/mosquitto.conf');
    const aclFile = /^acl_file\s+(\S+)$/m.exec(conf)?.[1];
    expect(aclFile).toBe('/mosquitto/data/acl');
    const acl = read('deploy/mosquitto/acl');
    expect(acl).toMatch(/^user chargebridge$/m);
    expect(acl).toMatch(/^pattern write %u\/\+\/config$/m);
    const command = strings(svc('mosquitto').command).join('\n');
    expect(command).toContain(`/mosquitto/config/acl > ${aclFile}`);
    expect(command).toContain('s/^user chargebridge$$/user $$MQTT_USERNAME/');
    expect(bindMounts(svc('mosquitto')).find((m) => path.normalize(m.source) === 'deploy/mosquitto/acl')?.target).toBe('/mosquitto/config/acl');
    expect(resolvedEnv(svc('gateway', override))['MQTT_TOPIC_LAYOUT']).toBe('tenant-level');
    expect(loadConfig({ MQTT_TOPIC_LAYOUT: resolvedEnv(svc('gateway', override))['MQTT_TOPIC_LAYOUT'] }).MQTT_TOPIC_LAYOUT).toBe('tenant-level');
  });
});

// --- Dockerfile

interface Instruction {
  op: string;
  args: string;
}
/** Instructions, continuation lines joined, comments dropped; grouped by FROM. */
function dockerStages(text: string): Array<{ from: string; name: string | undefined; body: Instruction[] }> {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) continue;
    if (pending && line.startsWith('#')) continue; // comments inside a continued instruction
    if (line.endsWith('\\')) pending += line.slice(0, -1) + ' ';
    else {
      lines.push(pending + line);
      pending = '';
    }
  }
  const stages: Array<{ from: string; name: string | undefined; body: Instruction[] }> = [];
  for (const l of lines) {
    const [op, ...rest] = l.split(/\s+/);
    const ins = { op: op!.toUpperCase(), args: rest.join(' ') };
    if (ins.op === 'FROM') {
      const m = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args)!;
      stages.push({ from: m[1]!, name: m[2], body: [] });
    } else stages.at(-1)!.body.push(ins);
  }
  return stages;
}
const dockerfile = dockerStages(read('Dockerfile'));
const finalStage = dockerfile.at(-1)!;
const finalOps = (op: string) => finalStage.body.filter((i) => i.op === op);

/** Top-level directories reached by relative imports from the CLI entry point. */
function runtimeDirs(entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const src = readFileSync(path.join(root, file), 'utf8');
    for (const m of src.matchAll(/(?:from|import)\s*\(?\s*'(\.\.?\/[^']+)'/g)) {
      const target = path.normalize(path.join(path.dirname(file), m[1]!));
      if (target.endsWith('.ts')) queue.push(target);
    }
  }
  return new Set([...seen].map((f) => f.split(path.sep)[0]!));
}

describe('Dockerfile', () => {
  it('builds on node:24-bookworm-slim in two stages, with no native module to compile', () => {
    expect(dockerfile.length).toBeGreaterThanOrEqual(2);
    for (const s of dockerfile) expect(s.from).toBe('node:24-bookworm-slim');
    // The image's Node satisfies package.json's engines (type stripping by default: docs/runtime.md).
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    expect(Number(/^>=(\d+)/.exec(engines)![1])).toBeLessThanOrEqual(24);
    const build = dockerfile[0]!.body.map((i) => `${i.op} ${i.args}`).join('\n');
    expect(build).toMatch(/npm ci --omit=dev/);
    // The embedded stores use node:sqlite (docs/runtime.md): no dependency runs an install
    // script, so the build stage needs no compiler (a native addon would bring one back).
    expect(build).not.toMatch(/g\+\+|python3/);
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { hasInstallScript?: boolean }> };
    expect(Object.entries(lock.packages).filter(([, p]) => p.hasInstallScript).map(([name]) => name)).toEqual([]);
  });

  it('starts like `npm start`, as the node user, with the data directory as a volume', () => {
    const cmd = JSON.parse(finalOps('CMD').at(-1)!.args) as string[];
    // No loader: Node runs the TypeScript sources itself (docs/runtime.md).
    expect(cmd).toEqual(['node', '--max-semi-space-size=32', 'bin/chargebridge.ts', 'start']);
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; dependencies: Record<string, string> };
    expect(cmd.join(' ')).toBe(pkg.scripts['start']);
    expect(finalOps('USER').at(-1)?.args).toBe('node');
    expect(finalOps('ENV').map((i) => i.args).join(' ')).toMatch(/DATA_DIR=\/data\b/);
    expect(finalOps('VOLUME').map((i) => i.args).join(' ')).toContain('/data');
    const defaults = loadConfig({});
    // The defaults, and the compose file's MQTT over TLS port.
    expect(finalOps('EXPOSE').flatMap((i) => i.args.split(/\s+/)).map(Number).sort()).toEqual(
      [defaults.OCPP_PORT, defaults.OCPP_TLS_PORT, defaults.HTTP_PORT, defaults.MQTT_PORT, 8883].sort(),
    );
  });

  it('checks health on /health, a public route of the HTTP API', () => {
    expect(finalOps('HEALTHCHECK').at(-1)?.args).toMatch(/127\.0\.0\.1:.*\/health/);
    expect(read('device-registry/app.ts')).toMatch(/app\.get\('\/health'/);
  });

  it('copies sources that exist and are not excluded by .dockerignore, and every runtime directory', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const stageNames = new Set(dockerfile.map((s) => s.name).filter(Boolean));
    const copied: string[] = [];
    for (const stage of dockerfile) {
      for (const ins of stage.body.filter((i) => i.op === 'COPY')) {
        const words = ins.args.split(/\s+/);
        const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
        const sources = words.filter((w) => !w.startsWith('--')).slice(0, -1);
        expect(sources.length, ins.args).toBeGreaterThan(0);
        if (from) {
          expect(stageNames, ins.args).toContain(from);
          continue;
        }
        for (const s of sources) {
          expect(existsSync(path.join(root, s)), s).toBe(true);
          expect(ignored.filter((p) => !p.includes('*') && (s === p || s.startsWith(`${p}/`))), s).toEqual([]);
          if (stage === finalStage) copied.push(s.replace(/\/$/, ''));
        }
      }
    }
    for (const dir of runtimeDirs('bin/chargebridge.ts')) expect(copied, dir).toContain(dir);
    expect(copied).toContain('package.json'); // "type": "module"
  });
});

// --- Grafana

const GRAFANA = 'dashboards/grafana';
const datasources = parse(read(`${GRAFANA}/provisioning/datasources/influxdb.yml`)) as {
  datasources: Array<{ uid: string; type: string; url: string; jsonData: Dict; secureJsonData?: Dict }>;
};
const providers = parse(read(`${GRAFANA}/provisioning/dashboards/chargebridge.yml`)) as {
  providers: Array<{ type: string; options: { path: string } }>;
};
const dashboardFiles = readdirSync(path.join(root, GRAFANA, 'dashboards')).filter((f) => f.endsWith('.json'));

interface Target {
  refId: string;
  datasource?: { type: string; uid: string };
  query: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; datasource?: { type: string; uid: string }; query: string }> };
}
const dashboards = Object.fromEntries(dashboardFiles.map((f) => [f, JSON.parse(read(`${GRAFANA}/dashboards/${f}`)) as Dashboard]));

// The schema of docs/history.md: tags from its table, fields as the normalizer names them.
const historyDoc = read('docs/history.md');
const TAGS = new Set([...historyDoc.matchAll(/^\| tag \| `([^`]+)` \|/gm)].map((m) => m[1]!));
const FIELDS = new Set(Object.values(MEASURANDS).map((m) => m.attr));
const COLUMNS = new Set(['_measurement', '_field', '_value', '_time', '_start', '_stop']);

/** Every Flux query of a dashboard: panel targets and query variables. */
function queries(d: Dashboard): Array<{ where: string; flux: string }> {
  return [
    ...d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `${d.uid} panel "${p.title}"`, flux: t.query }))),
    ...d.templating.list.filter((v) => v.type === 'query').map((v) => ({ where: `${d.uid} variable ${v.name}`, flux: v.query })),
  ];
}

describe('Grafana provisioning', () => {
  it('provisions one Flux InfluxDB data source on the compose service, from Grafana\'s environment', () => {
    expect(datasources.datasources).toHaveLength(1);
    const ds = datasources.datasources[0]!;
    expect(ds).toMatchObject({ uid: 'chargebridge-influx', type: 'influxdb', url: 'http://influxdb:8086' });
    expect(ds.jsonData['version']).toBe('Flux');
    expect(compose.services).toHaveProperty(new URL(ds.url).hostname);
    // Provisioning files expand $VAR / ${VAR} from Grafana's environment.
    const grafanaEnv = envOf(svc('grafana'));
    for (const file of ['datasources/influxdb.yml', 'dashboards/chargebridge.yml']) {
      const used = strings(parse(read(`${GRAFANA}/provisioning/${file}`))).flatMap(varsIn);
      for (const v of used) expect(grafanaEnv, `${file}: ${v.name}`).toHaveProperty(v.name);
    }
    expect(ds.jsonData).toMatchObject({ organization: '${INFLUX_ORG}', defaultBucket: '${INFLUX_BUCKET}' });
    expect(ds.secureJsonData).toEqual({ token: '${INFLUX_TOKEN}' });
  });

  it('loads the dashboards from the directory compose mounts', () => {
    expect(providers.providers).toHaveLength(1);
    expect(providers.providers[0]).toMatchObject({ type: 'file', options: { path: '/var/lib/grafana/dashboards' } });
  });

  it('ships the fleet, charger and sessions dashboards as valid dashboard JSON', () => {
    expect(dashboardFiles.sort()).toEqual(['charger.json', 'fleet.json', 'sessions.json']);
    const uids = Object.values(dashboards).map((d) => d.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const [file, d] of Object.entries(dashboards)) {
      expect(d.schemaVersion, file).toBe(39);
      expect(d.title, file).toMatch(/\S/);
      expect(d.panels.length, file).toBeGreaterThan(0);
      const ids = d.panels.map((p) => p.id);
      expect(new Set(ids).size, file).toBe(ids.length);
      for (const p of d.panels) {
        for (const k of ['h', 'w', 'x', 'y'] as const) expect(Number.isInteger(p.gridPos[k]), `${file} ${p.title} ${k}`).toBe(true);
        expect(p.gridPos.x + p.gridPos.w, `${file} ${p.title}`).toBeLessThanOrEqual(24);
        expect(p.targets?.length, `${file} ${p.title}`).toBeGreaterThan(0);
      }
    }
    expect(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')).toContain('/var/lib/grafana/dashboards/fleet.json');
  });

  it('queries only through the provisioned data source', () => {
    const ds = { type: 'influxdb', uid: datasources.datasources[0]!.uid };
    for (const d of Object.values(dashboards)) {
      for (const p of d.panels) {
        expect(p.datasource, `${d.uid} ${p.title}`).toEqual(ds);
        for (const t of p.targets ?? []) expect(t.datasource, `${d.uid} ${p.title} ${t.refId}`).toEqual(ds);
      }
      for (const v of d.templating.list) expect(v.datasource, `${d.uid} $${v.name}`).toEqual(ds);
    }
  });

  it('reads the documented schema: measurement telemetry, its tags and fields', () => {
    expect([...TAGS].sort()).toEqual(['connector', 'device', 'location', 'phase', 'tenant', 'transaction']);
    for (const f of ['power', 'current', 'voltage', 'soc', 'temperature', 'energy']) {
      expect(FIELDS).toContain(f);
      expect(historyDoc).toContain(`\`${f}\``);
    }
    const names = new Set([...COLUMNS, ...TAGS, ...FIELDS]);
    for (const d of Object.values(dashboards)) {
      for (const { where, flux } of queries(d)) {
        const measurements = [...flux.matchAll(/r\._measurement\s*==\s*"([^"]*)"/g)].map((m) => m[1]);
        expect(measurements.length, where).toBeGreaterThan(0);
        for (const m of measurements) expect(m, where).toBe('telemetry');
        const referenced = [...flux.matchAll(/\br\.([A-Za-z_]\w*)|\br\["([^"]+)"\]/g)].map((m) => (m[1] ?? m[2])!);
        for (const n of referenced) expect(names, `${where}: r.${n}`).toContain(n);
        for (const m of flux.matchAll(/r\._field\s*==\s*"([^"]*)"/g)) expect(FIELDS, `${where}: field ${m[1]}`).toContain(m[1]);
        for (const m of flux.matchAll(/\btag:\s*"([^"]*)"/g)) expect(TAGS, `${where}: tag ${m[1]}`).toContain(m[1]);
        for (const m of flux.matchAll(/\b(?:group\(columns|rowKey):\s*\[([^\]]*)\]/g)) {
          for (const c of m[1]!.matchAll(/"([^"]+)"/g)) expect(names, `${where}: column ${c[1]}`).toContain(c[1]);
        }
      }
    }
  });

  it('follows Grafana\'s time range and window, on the data source\'s bucket', () => {
    for (const d of Object.values(dashboards)) {
      const defined = new Set(d.templating.list.map((v) => v.name));
      for (const { where, flux } of queries(d)) {
        expect(flux, where).toMatch(/bucket: v\.defaultBucket/);
        expect(flux, where).toMatch(/start: v\.timeRangeStart/);
        expect(flux, where).toMatch(/stop: v\.timeRangeStop/);
        if (/aggregateWindow\(/.test(flux)) expect(flux, where).toMatch(/aggregateWindow\(every: v\.windowPeriod/);
        for (const m of flux.matchAll(/\$\{(\w+)(?::\w+)?\}/g)) expect(defined, `${where}: \${${m[1]}}`).toContain(m[1]);
      }
      for (const p of d.panels.filter((x) => x.type === 'timeseries')) {
        expect(p.targets![0]!.query, `${d.uid} ${p.title}`).toMatch(/aggregateWindow\(every: v\.windowPeriod/);
      }
    }
  });
});
