// Ports handed over by the OS, never probed: a server listening on port 0 keeps the port it got
// for as long as it runs, so nothing else can take it between the choice and the use, and a
// process told `--port 0` / PORT=0 prints the port it bound.
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';

/** A port held by a server of the test's own (listen(0) on 127.0.0.1): what "port in use" meets. */
export interface HeldPort {
  readonly port: number;
  close(): Promise<void>;
}

export function holdPort(): Promise<HeldPort> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({ port, close: () => new Promise<void>((done) => server.close(() => done())) });
    });
  });
}

/**
 * The URL a spawned `upgrant serve` prints once it listens ("upgrant demo on URL (...)"), so a
 * test can start it on PORT=0; rejects with what it printed if it exits first.
 */
export function servedUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onExit = (code: number | null) => reject(new Error(`serve exited with ${code}: ${out}`));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /^upgrant demo on (\S+) /m.exec(out)?.[1];
      if (url === undefined) return;
      child.off('exit', onExit);
      resolve(url);
    });
    child.once('exit', onExit);
  });
}

/**
 * A port the OS says is free right now (listen(0), close, return the number): a race, as another
 * process may take it before it is used. Only for daemons that must be told their ports before
 * they start and cannot print the ones they bound (the Swift and Ceph support files).
 */
export async function freePort(): Promise<number> {
  const held = await holdPort();
  await held.close();
  return held.port;
}
