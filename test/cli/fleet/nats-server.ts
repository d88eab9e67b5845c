/**
 * A real `nats-server` (Debian's 2.9.x) for the fleet tests and bench: JetStream and WebSocket on
 * 127.0.0.1, free ports, a store directory of its own, started and stopped by its process id.
 * `kill()` + `start()` restarts it on the same ports and store, as a crashed server comes back.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Why the fleet tests cannot run here, or false. */
export const natsServerMissing: string | false =
  spawnSync('nats-server', ['--version'], { encoding: 'utf8' }).status === 0
    ? false
    : 'nats-server is not installed (apt-get install nats-server)';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface NatsServer {
  /** nats://127.0.0.1:<port> (TCP clients: Node kiosks, the fleet side). */
  readonly url: string;
  /** ws://127.0.0.1:<port> (browser kiosks). */
  readonly wsUrl: string;
  readonly monitorUrl: string;
  readonly storeDir: string;
  readonly pid: number | undefined;
  /** (Re)starts the process on the same ports and store; resolves when it answers. */
  start(): Promise<void>;
  /** SIGKILL: no clean shutdown, as in a crash. */
  kill(): Promise<void>;
  /** Stops it (SIGTERM) and removes the store. */
  stop(): Promise<void>;
}

export async function startNatsServer(): Promise<NatsServer> {
  if (natsServerMissing) throw new Error(natsServerMissing);
  const [port, wsPort, monitorPort] = [await freePort(), await freePort(), await freePort()];
  const storeDir = mkdtempSync(join(tmpdir(), 'jadfer-nats-'));
  const config = join(storeDir, 'nats.conf');
  writeFileSync(
    config,
    [
      `listen: 127.0.0.1:${port}`,
      `http: 127.0.0.1:${monitorPort}`,
      `jetstream { store_dir: "${join(storeDir, 'js')}" }`,
      `websocket { listen: "127.0.0.1:${wsPort}", no_tls: true }`,
    ].join('\n'),
  );
  const monitorUrl = `http://127.0.0.1:${monitorPort}`;
  let child: ChildProcess | undefined;
  let log = '';

  const exited = (proc: ChildProcess) =>
    new Promise<void>((resolve) =>
      proc.exitCode !== null || proc.signalCode !== null ? resolve() : proc.once('exit', () => resolve()),
    );

  const server: NatsServer = {
    url: `nats://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    monitorUrl,
    storeDir,
    get pid() {
      return child?.pid;
    },
    async start() {
      const proc = spawn('nats-server', ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
      child = proc;
      proc.stderr!.on('data', (chunk) => (log = (log + chunk).slice(-4000)));
      // Ready when JetStream is up (healthz checks it), within 20 s or it failed.
      for (let i = 0; i < 400; i++) {
        if (proc.exitCode !== null) throw new Error(`nats-server exited: ${log}`);
        try {
          if ((await fetch(`${monitorUrl}/healthz?js-enabled-only=true`)).ok) return;
        } catch {
          // not listening yet
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`nats-server did not become ready: ${log}`);
    },
    async kill() {
      if (!child?.pid) return;
      const proc = child;
      process.kill(proc.pid!, 'SIGKILL');
      await exited(proc);
    },
    async stop() {
      if (child?.pid && child.exitCode === null && child.signalCode === null) {
        const proc = child;
        process.kill(proc.pid!, 'SIGTERM');
        await exited(proc);
      }
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
