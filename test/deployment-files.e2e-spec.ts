import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { minVersion, satisfies } from 'semver';
import { parse, parseAllDocuments } from 'yaml';
import { ENVIRONMENT_VARIABLES } from '../src/config/environment-variables';
import { packageScripts, productionStartCommand } from './support/production-start';

const ROOT = join(__dirname, '..');
const K8S_DIR = join(ROOT, 'deploy', 'k8s');

const APP_PORT = 8000;
/** Routes the app serves that need no auth and check health (API.md). */
const HEALTH_ROUTES: readonly string[] = ['/health', '/health/live', '/health/ready'];
const REAL_LOOKING_KEY = /sk-[A-Za-z0-9]{20,}/;

interface HttpProbe {
  httpGet: { path: string; port: string | number };
}

interface Container {
  name: string;
  image: string;
  ports: { name?: string; containerPort: number }[];
  envFrom: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  livenessProbe: HttpProbe;
  readinessProbe: HttpProbe;
  startupProbe: HttpProbe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  securityContext?: {
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
}

interface Deployment {
  metadata: { name: string };
  spec: {
    replicas: number;
    template: {
      metadata: { annotations?: Record<string, string> };
      spec: {
        terminationGracePeriodSeconds: number;
        securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
        containers: Container[];
      };
    };
  };
}

interface Service {
  spec: { ports: { port: number; targetPort: string | number }[] };
}

interface ConfigMap {
  metadata: { name: string };
  data: Record<string, string>;
}

interface SecretTemplate {
  metadata: { name: string };
  stringData: Record<string, string>;
}

interface Kustomization {
  resources: string[];
}

interface ComposeService {
  command?: string[];
  environment?: Record<string, string> | string[];
  ports?: (string | { target: number })[];
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
}

interface Compose {
  services: Record<string, ComposeService | undefined>;
}

interface DockerInstruction {
  keyword: string;
  args: string;
}

function readText(...segments: string[]): string {
  return readFileSync(join(ROOT, ...segments), 'utf8');
}

function readYaml<T>(...segments: string[]): T {
  return parse(readText(...segments)) as T;
}

function k8sManifest<T>(file: string): T {
  return readYaml<T>('deploy', 'k8s', file);
}

function appContainer(): Container {
  const [container] = k8sManifest<Deployment>('deployment.yaml').spec.template.spec.containers;
  if (!container) throw new Error('deployment.yaml has no container');
  return container;
}

function composeService(name: string): ComposeService {
  const service = readYaml<Compose>('docker-compose.yml').services[name];
  if (!service) throw new Error(`docker-compose.yml has no service "${name}"`);
  return service;
}

/** Instructions of the Dockerfile's stages, continuation lines joined, comments dropped. */
function dockerStages(): DockerInstruction[][] {
  const logicalLines = readText('Dockerfile')
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: DockerInstruction[][] = [];
  for (const line of logicalLines) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    if (instruction.keyword === 'FROM') stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

function runtimeStage(): DockerInstruction[] {
  const stage = dockerStages().at(-1);
  if (!stage) throw new Error('Dockerfile has no FROM');
  return stage;
}

function argsOf(stage: DockerInstruction[], keyword: string): string[] {
  return stage.filter((i) => i.keyword === keyword).map((i) => i.args);
}

/** The container side of a compose port mapping such as "127.0.0.1:8000:8000/tcp". */
function containerPort(mapping: string | { target: number }): number {
  if (typeof mapping !== 'string') return mapping.target;
  return Number(mapping.split('/')[0]?.split(':').at(-1));
}

function composeEnvironment(service: ComposeService): Record<string, string> {
  const environment = service.environment ?? {};
  if (!Array.isArray(environment)) return environment;
  return Object.fromEntries(
    environment.map((entry) => [entry.split('=')[0] ?? '', entry.split('=').slice(1).join('=')]),
  );
}

/** The compose service that the app's Redis URL `variable` points at. */
function composeRedisFor(variable: string): { name: string; service: ComposeService } {
  const url = composeEnvironment(composeService('app'))[variable];
  if (url === undefined) throw new Error(`docker-compose.yml's app does not set ${variable}`);
  const name = new URL(url).hostname;
  return { name, service: composeService(name) };
}

/** The value after `option` in a redis-server command line. */
function redisOption(service: ComposeService, option: string): string | undefined {
  const command = service.command ?? [];
  const at = command.indexOf(option);
  return at < 0 ? undefined : command[at + 1];
}

/** The body of the nginx block that starts with `header {`, braces balanced. */
function nginxBlock(config: string, header: string): string {
  const start = config.indexOf(`${header} {`);
  if (start < 0) throw new Error(`nginx.conf has no "${header}" block`);
  let depth = 0;
  for (let i = config.indexOf('{', start); i < config.length; i++) {
    if (config[i] === '{') depth++;
    if (config[i] === '}' && --depth === 0) return config.slice(start, i + 1);
  }
  throw new Error(`nginx.conf block "${header}" is not closed`);
}

describe('Kubernetes manifests', () => {
  const yamlFiles = readdirSync(K8S_DIR).filter((file) => /\.ya?ml$/.test(file));

  it.each(yamlFiles)('%s parses and every document declares apiVersion and kind', (file) => {
    const documents = parseAllDocuments(readFileSync(join(K8S_DIR, file), 'utf8'));

    expect(documents.length).toBeGreaterThan(0);
    for (const document of documents) {
      expect(document.errors).toEqual([]);
      const manifest = document.toJS() as { apiVersion?: unknown; kind?: unknown };
      expect(manifest.apiVersion).toEqual(expect.any(String));
      expect(manifest.kind).toEqual(expect.any(String));
    }
  });

  it('kustomization lists only existing files, and not the secret template', () => {
    const { resources } = k8sManifest<Kustomization>('kustomization.yaml');

    expect(resources).toEqual(
      expect.arrayContaining([
        'deployment.yaml',
        'service.yaml',
        'configmap.yaml',
        'hpa.yaml',
        'pdb.yaml',
      ]),
    );
    expect(resources).not.toContain('secret.example.yaml');
    for (const resource of resources) {
      expect(existsSync(join(K8S_DIR, resource))).toBe(true);
    }
  });

  it('probes only health routes the app serves: live for liveness/startup, ready for readiness', () => {
    const { livenessProbe, readinessProbe, startupProbe } = appContainer();

    for (const probe of [livenessProbe, readinessProbe, startupProbe]) {
      expect(HEALTH_ROUTES).toContain(probe.httpGet.path);
      expect(probe.httpGet.port).toBe('http');
    }
    expect(livenessProbe.httpGet.path).toBe('/health/live');
    expect(startupProbe.httpGet.path).toBe('/health/live');
    expect(readinessProbe.httpGet.path).toBe('/health/ready');
  });

  it('gives the app longer to stop than SHUTDOWN_TIMEOUT plus the preStop sleep', () => {
    const deployment = k8sManifest<Deployment>('deployment.yaml');
    const shutdownTimeout = Number(k8sManifest<ConfigMap>('configmap.yaml').data.SHUTDOWN_TIMEOUT);
    const preStop = appContainer().lifecycle?.preStop?.exec?.command ?? [];
    const preStopSleep = preStop[0] === 'sleep' ? Number(preStop[1]) : 0;

    expect(shutdownTimeout).toBeGreaterThan(0);
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(
      shutdownTimeout + preStopSleep,
    );
  });

  it('runs the pod as a non-root user on a read-only root filesystem without privileges', () => {
    const podSecurity =
      k8sManifest<Deployment>('deployment.yaml').spec.template.spec.securityContext;
    const containerSecurity = appContainer().securityContext;

    expect(podSecurity?.runAsNonRoot).toBe(true);
    expect(podSecurity?.runAsUser).toBeGreaterThan(0);
    expect(containerSecurity?.readOnlyRootFilesystem).toBe(true);
    expect(containerSecurity?.allowPrivilegeEscalation).toBe(false);
    expect(containerSecurity?.capabilities?.drop).toContain('ALL');
  });

  it('takes its environment from the ConfigMap and the Secret the templates define', () => {
    const sources = appContainer().envFrom;

    expect(sources).toContainEqual({
      configMapRef: { name: k8sManifest<ConfigMap>('configmap.yaml').metadata.name },
    });
    expect(sources).toContainEqual({
      secretRef: { name: k8sManifest<SecretTemplate>('secret.example.yaml').metadata.name },
    });
  });

  it('asks Prometheus to scrape /metrics on the app port', () => {
    const annotations =
      k8sManifest<Deployment>('deployment.yaml').spec.template.metadata.annotations;

    expect(annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(APP_PORT),
      'prometheus.io/path': '/metrics',
    });
  });
});

describe('Dockerfile', () => {
  it('runs the runtime stage as a non-root user', () => {
    const users = argsOf(runtimeStage(), 'USER');

    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0', '0:0', 'root:root']).not.toContain(users.at(-1));
  });

  it('installs only production dependencies in the runtime stage', () => {
    const runs = argsOf(runtimeStage(), 'RUN').join('\n');

    expect(runs).toMatch(/npm ci\b[^\n]*--omit=dev/);
  });

  it('health-checks /health/live with node and starts the service as start:prod does', () => {
    const stage = runtimeStage();

    const healthcheck = argsOf(stage, 'HEALTHCHECK').join('\n');
    const [cmd] = argsOf(stage, 'CMD');

    expect(healthcheck).toMatch(/CMD \["node",/);
    expect(healthcheck).toContain('/health/live');
    expect(JSON.parse(cmd ?? 'null')).toEqual(productionStartCommand());
  });
});

describe('the production start command', () => {
  it('is what npm start runs', () => {
    const scripts = packageScripts();

    expect(scripts.start).toBe(scripts['start:prod']);
  });

  // Quiet spells would otherwise trigger V8's memory-reducing full GCs, which
  // drop optimised code; the next requests then wait on V8 recompiling it.
  it("turns V8's memory reducer off", () => {
    expect(productionStartCommand()).toContain('--no-memory-reducer');
  });
});

describe('docker compose', () => {
  it('starts the app only once redis is healthy', () => {
    expect(composeService('app').depends_on?.redis?.condition).toBe('service_healthy');
  });

  it('keeps state on a Redis that never evicts, persisted', () => {
    const { service } = composeRedisFor('REDIS_URL');

    expect(redisOption(service, '--maxmemory-policy')).toBe('noeviction');
    expect(redisOption(service, '--appendonly')).toBe('yes');
  });

  it('puts the response cache on a Redis of its own that evicts least recently used entries', () => {
    const state = composeRedisFor('REDIS_URL');
    const cache = composeRedisFor('CACHE_REDIS_URL');

    expect(cache.name).not.toBe(state.name);
    expect(redisOption(cache.service, '--maxmemory-policy')).toBe('allkeys-lru');
    expect(redisOption(cache.service, '--maxmemory')).toEqual(expect.any(String));
    expect(composeService('app').depends_on?.[cache.name]?.condition).toBe('service_healthy');
  });

  it('runs nginx only under the production profile', () => {
    expect(composeService('nginx').profiles).toEqual(['production']);
  });
});

describe('the app port', () => {
  it(`is ${APP_PORT} in the container, the Service, the Dockerfile and compose`, () => {
    const { ports } = appContainer();
    const service = k8sManifest<Service>('service.yaml');
    const exposed = argsOf(runtimeStage(), 'EXPOSE');

    expect(ports).toContainEqual(
      expect.objectContaining({ name: 'http', containerPort: APP_PORT }),
    );
    for (const { targetPort } of service.spec.ports) {
      expect([APP_PORT, 'http']).toContain(targetPort);
    }
    expect(exposed).toEqual([String(APP_PORT)]);
    expect((composeService('app').ports ?? []).map(containerPort)).toEqual([APP_PORT]);
    expect(k8sManifest<ConfigMap>('configmap.yaml').data.PORT).toBe(String(APP_PORT));
  });
});

describe('environment variables in deployment files', () => {
  const known = new Set(Object.keys(ENVIRONMENT_VARIABLES));

  it.each([
    ['deploy/k8s/configmap.yaml', () => Object.keys(k8sManifest<ConfigMap>('configmap.yaml').data)],
    [
      'deploy/k8s/secret.example.yaml',
      () => Object.keys(k8sManifest<SecretTemplate>('secret.example.yaml').stringData),
    ],
    ['docker-compose.yml', () => Object.keys(composeEnvironment(composeService('app')))],
  ])('%s sets only known configuration variables', (_file, names: () => string[]) => {
    const unknown = names().filter((name) => !known.has(name));

    expect(unknown).toEqual([]);
  });

  it('the secret template holds placeholders, never a real-looking provider key', () => {
    const { stringData } = k8sManifest<SecretTemplate>('secret.example.yaml');

    expect(Object.keys(stringData)).toEqual(
      expect.arrayContaining(['OPENAI_API_KEY', 'REDIS_URL', 'CACHE_REDIS_URL', 'API_KEYS']),
    );
    for (const value of Object.values(stringData)) {
      expect(value).not.toMatch(REAL_LOOKING_KEY);
      expect(value).toContain('replace-me');
    }
  });
});

describe('the Kubernetes Redis settings', () => {
  it('put the response cache on a Redis apart from the state Redis', () => {
    const { stringData } = k8sManifest<SecretTemplate>('secret.example.yaml');
    const hostOf = (variable: string) => new URL(stringData[variable] ?? '').host;

    expect(hostOf('CACHE_REDIS_URL')).not.toBe(hostOf('REDIS_URL'));
  });

  it('are explained in deploy/k8s/README.md: state Redis noeviction, cache Redis LRU', () => {
    const notes = readText('deploy', 'k8s', 'README.md');

    expect(notes).toContain('noeviction');
    expect(notes).toContain('CACHE_REDIS_URL');
    expect(notes).toContain('allkeys-lru');
  });
});

describe('nginx.conf', () => {
  const config = readText('docker', 'nginx', 'nginx.conf');

  it.each(['location = /api/v1/chat/stream', 'location = /api/v1/chat'])(
    '%s streams unbuffered with long timeouts',
    (location) => {
      const block = nginxBlock(config, location);

      expect(block).toMatch(/^\s*proxy_buffering off;/m);
      expect(block).toMatch(/^\s*proxy_cache off;/m);
      expect(block).toMatch(/^\s*proxy_read_timeout 3600s;/m);
    },
  );

  it('caps request bodies at 1m', () => {
    expect(config).toMatch(/^\s*client_max_body_size 1m;/m);
  });

  it('keeps the upstream and listen lines single and rewritable for tests', () => {
    expect(config.match(/^\s*server app:8000;$/gm)).toHaveLength(1);
    expect(config.match(/^\s*listen 80;$/gm)).toHaveLength(1);
    expect(config.match(/^\s*listen\b/gm)).toHaveLength(1);
    expect(config).not.toMatch(/^\s*pid\b/m);
  });

  it("replaces a caller's X-Forwarded-For instead of appending to it", () => {
    expect(config).toMatch(/^\s*proxy_set_header X-Forwarded-For \$remote_addr;/m);
    expect(config).not.toContain('$proxy_add_x_forwarded_for');
  });

  it('restricts /metrics to loopback and private networks', () => {
    const block = nginxBlock(config, 'location ~* ^/metrics/?$');

    expect(block).toMatch(/allow 127\.0\.0\.1;/);
    expect(block).toMatch(/deny all;/);
  });
});

describe('package-lock.json', () => {
  interface LockedPackage {
    version?: string;
    engines?: { node?: string } | string[];
  }
  const readJson = <T>(file: string) => JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as T;
  const { engines } = readJson<{ engines: { node: string } }>('package.json');
  const { packages } = readJson<{ packages: Record<string, LockedPackage> }>('package-lock.json');
  const testedNodes = [minVersion(engines.node)!.version, process.versions.node];

  it('locks only packages whose engines allow every Node version we test on', () => {
    const refusing = Object.entries(packages).flatMap(([path, { version, engines: wanted }]) => {
      const range = Array.isArray(wanted) ? undefined : wanted?.node;
      if (path === '' || range === undefined) return [];
      return testedNodes
        .filter((node) => !satisfies(node, range))
        .map((node) => `${path}@${version} wants Node ${range}, not ${node}`);
    });

    expect(refusing).toEqual([]);
  });
});
