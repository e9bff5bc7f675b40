/**
 * @module buildah — what the image test needs from buildah, each call bounded in time: build the real
 * Dockerfile, read an image's configuration, run its entrypoint + command as its user with its environment
 * (`buildah run --isolation chroot`: this sandbox cannot run podman's OCI runtime), find that process on the
 * host, and list what a container wrote to its own writable layer.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Runs `buildah ARGS` (bounded) and returns its stdout. */
export async function buildah(args: readonly string[], timeoutMs = 60_000): Promise<string> {
  try {
    const { stdout } = await exec('buildah', args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stderr, killed } = error as { stderr?: string; killed?: boolean };
    const why = killed ? `timed out after ${timeoutMs} ms` : (stderr ?? String(error)).trim().slice(-2000);
    throw new Error(`buildah ${args.slice(0, 2).join(' ')} failed: ${why}`);
  }
}

/** The parts of an OCI image configuration a container platform applies. */
export interface ImageConfig {
  readonly User?: string;
  readonly Env?: readonly string[];
  readonly Entrypoint?: readonly string[];
  readonly Cmd?: readonly string[];
  readonly WorkingDir?: string;
  readonly ExposedPorts?: Record<string, unknown>;
}

export async function imageConfig(image: string): Promise<ImageConfig> {
  const inspected = JSON.parse(await buildah(['inspect', '--type', 'image', image])) as {
    OCIv1: { config: ImageConfig };
  };
  return inspected.OCIv1.config;
}

/** `KEY=value` pairs as a map (the value may contain `=`). */
export function envMap(pairs: readonly string[]): Map<string, string> {
  return new Map(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

/**
 * Starts the image's entrypoint + command in container `ctr` the way a platform does: as the image's user,
 * in its working directory, with its environment plus `extraEnv` (what the service sets, e.g. PORT).
 * chroot isolation shares the host's network and PID namespaces, so the server is on the host's loopback
 * and its process is visible in the host's /proc.
 */
export function runImage(ctr: string, config: ImageConfig, extraEnv: Record<string, string>): ChildProcess {
  const env = [...(config.Env ?? []), ...Object.entries(extraEnv).map(([k, v]) => `${k}=${v}`)];
  const command = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  if (command.length === 0) throw new Error('the image has neither an entrypoint nor a command');
  const args = ['run', '--isolation', 'chroot'];
  if (config.User) args.push('--user', config.User);
  if (config.WorkingDir) args.push('--workingdir', config.WorkingDir);
  for (const pair of env) args.push('--env', pair);
  return spawn('buildah', [...args, ctr, '--', ...command], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Child process ids of `pid` (from /proc). */
async function childrenOf(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => []);
  const children: number[] = [];
  for (const task of tasks) {
    const text = await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
    children.push(...text.split(/\s+/).filter(Boolean).map(Number));
  }
  return children;
}

/** The first descendant of `root` whose executable is named `name` (e.g. the container's `node`). */
export async function findDescendant(root: number, name: string): Promise<number | undefined> {
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    const comm = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
    if (pid !== root && comm === name) return pid;
    queue.push(...(await childrenOf(pid)));
  }
  return undefined;
}

/** AT_SECURE from a process's auxiliary vector: 1 = glibc's secure-execution mode (ignores MALLOC_*). */
export async function atSecure(pid: number): Promise<number> {
  const auxv = await readFile(`/proc/${pid}/auxv`);
  const AT_SECURE = 23n;
  for (let offset = 0; offset + 16 <= auxv.length; offset += 16) {
    if (auxv.readBigUInt64LE(offset) === AT_SECURE) return Number(auxv.readBigUInt64LE(offset + 8));
  }
  throw new Error(`no AT_SECURE entry in /proc/${pid}/auxv`);
}

/** The environment a process started with. */
export async function processEnv(pid: number): Promise<Map<string, string>> {
  const raw = await readFile(`/proc/${pid}/environ`, 'utf8');
  return envMap(raw.split('\0').filter(Boolean));
}

/** Real, effective, saved and filesystem uids of a process. */
export async function processUids(pid: number): Promise<number[]> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const line = status.split('\n').find((l) => l.startsWith('Uid:')) ?? '';
  return line.split(/\s+/).slice(1).filter(Boolean).map(Number);
}

export async function processCwd(pid: number): Promise<string> {
  return readlink(`/proc/${pid}/cwd`);
}

/** The writable (upper) layer of a mounted overlay container, beside its `merged` mount point. */
export function upperDir(mountPoint: string): string {
  if (!mountPoint.endsWith('/merged')) throw new Error(`not an overlay mount point: ${mountPoint}`);
  return join(dirname(mountPoint), 'diff');
}

/** Every path under `root` with its type, size and modification time: what a container has written. */
export async function snapshot(root: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      const info = await stat(path).catch(() => undefined);
      const kind = info?.isDirectory() ? 'dir' : info?.isFile() ? 'file' : 'other';
      // Directories change mtime when an entry is added below them; their own content is the entries.
      entries.set(`${prefix}/${name}`, kind === 'dir' ? 'dir' : `${kind} ${info?.size} ${info?.mtimeMs}`);
      if (kind === 'dir') await walk(path, `${prefix}/${name}`);
    }
  };
  await walk(root, '');
  return entries;
}

/** Paths added or changed between two snapshots. */
export function changedPaths(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after].filter(([path, state]) => before.get(path) !== state).map(([path]) => path);
}
