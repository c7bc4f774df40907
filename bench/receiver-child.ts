// The receiver under test, in its own process so that its memory is its own: listenLocal on
// loopback, a grant on request, and RSS sampled every 20 ms while the parent uploads.
// Protocol (IPC): parent sends { grant: { size, contentType } } and gets { grant, rssBefore };
// then { stats: true } and gets { rssPeak, rssAfter, samples }; then { stop: true }.
import { listenLocal } from '../drivers/local/listen.js';
import type { UploadGrant } from '../src/types.js';

export type ChildRequest = { grant: { size: number; contentType: string } } | { stats: true } | { stop: true };
export type ChildAnswer =
  | { ready: string }
  | { grant: UploadGrant; rssBefore: number }
  | { rssPeak: number; rssAfter: number; samples: number }
  | { error: string };

const SAMPLE_MS = 20;

async function main(): Promise<void> {
  const root = process.argv[2];
  if (!root || !process.send) throw new Error('usage: forked with the storage root as argument');
  const send = (answer: ChildAnswer) => process.send!(answer);
  const receiver = await listenLocal({ root, secret: 'bench-receiver-secret-0123456789abcdef' });
  let peak = 0;
  let samples = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
    samples++;
  }, SAMPLE_MS);

  process.on('message', (message: ChildRequest) => {
    void (async () => {
      try {
        if ('grant' in message) {
          const grant = await receiver.presigner.createUploadGrant({
            filename: 'one-gibibyte.bin',
            contentType: message.grant.contentType,
            size: message.grant.size,
            expiresIn: 3600,
          });
          // Start the peak from a settled heap, so growth is what the upload itself costs.
          (globalThis as { gc?: () => void }).gc?.();
          const rssBefore = process.memoryUsage.rss();
          peak = rssBefore;
          samples = 0;
          send({ grant, rssBefore });
        } else if ('stats' in message) {
          const rssAfter = process.memoryUsage.rss();
          send({ rssPeak: Math.max(peak, rssAfter), rssAfter, samples });
        } else {
          clearInterval(sampler);
          await receiver.close();
          process.disconnect();
        }
      } catch (error) {
        send({ error: error instanceof Error ? error.message : String(error) });
      }
    })();
  });
  send({ ready: receiver.baseUrl });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
