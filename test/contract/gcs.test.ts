// The GCS driver through the contract suite, against a STAND-IN for GCS (test/support/gcs-standin.ts),
// not Google's service: no GCS emulator that accepts V4 signed-URL uploads can be installed here
// (see ../shared/emulators/README.md). The stand-in verifies V4 signatures with the service
// account's PUBLIC key and enforces the signed headers the way GCS documents them; the proof that
// the signatures match Google's is the conformance suite (test/conformance/gcs-v4.test.ts).
import { createDriver } from '../../drivers/gcs/index.js';
import { startGcsStandIn, type GcsStandIn } from '../support/gcs-standin.js';
import { uploadViaHttp } from '../support/http.js';
import { editSignedUrl, flipHex, throwawayAccount } from '../gcs/helpers.js';
import { presignerOn, sharedHarness, type ContractHarness } from './harness.js';
import { runAllContractTests } from './run.js';

const SECRET = 'contract-suite-secret-0123456789abcdef';
const BUCKET = 'uploads';
const OTHER = 'other-uploads';

describe('contract: gcs driver on the GCS stand-in', function () {
  const makeHarness = async (): Promise<ContractHarness | undefined> => {
    const account = throwawayAccount();
    // Rewrites of 64 KiB per call: the 256 KiB race case promotes in 4 interleaved calls per grant
    // (the create-only check must hold on the last one), the 5 MiB multipart case in 81, not 5121.
    const standIn: GcsStandIn = await startGcsStandIn({ buckets: [BUCKET, OTHER], accounts: [account], rewriteChunk: 64 * 1024 });
    const harness: ContractHarness = {
      name: 'gcs',
      otherBucket: OTHER,
      // V4 signed PUT URLs, and XML API POST policies for forms (the stand-in checks both).
      methods: ['PUT', 'POST'],
      async makePresigner(overrides = {}) {
        const driver = await createDriver({ bucket: overrides.bucket ?? BUCKET, credentials: account, apiEndpoint: standIn.endpoint, projectId: 'upgrant-test' });
        return presignerOn(driver, SECRET, overrides);
      },
      upload: uploadViaHttp,
      async read(key, bucket = BUCKET) {
        const object = standIn.read(bucket, key);
        return object ? new Uint8Array(object.data) : undefined;
      },
      list: async (bucket = BUCKET) => standIn.list(bucket),
      remove: async (key) => {
        await (await fetch(`${standIn.endpoint}/storage/v1/b/${BUCKET}/o/${encodeURIComponent(key)}`, { method: 'DELETE' })).arrayBuffer();
      },
      tamper: (grant) => editSignedUrl(grant, { signature: flipHex }),
      tamperPart: (url) => url.replace(/([?&]upload_id=)(.)/, (_m, p: string, c: string) => p + (c === 'A' ? 'B' : 'A')),
      retargetKey: (grant, otherKey) => editSignedUrl(grant, { path: () => `/${BUCKET}/${otherKey}` }),
      retargetBucket: (grant, other) => editSignedUrl(grant, { path: (p) => p.replace(`/${BUCKET}/`, `/${other}/`) }),
      // The statuses GCS documents for these failures (signature: 403 SignatureDoesNotMatch;
      // expired: 400 ExpiredToken; x-goog-if-generation-match: 412; x-goog-content-length-range
      // and Content-MD5: 400). The signed content-type makes a wrong type a signature mismatch.
      statuses: {
        tamperedSignature: [403],
        expired: [400],
        replay: [412],
        concurrent: [412],
        wrongType: [403],
        tooLarge: [400],
        tooSmall: [400],
        overRangeMax: [400],
        wrongChecksum: [400],
        otherKey: [403],
        otherBucket: [403],
      },
      async close() {
        await standIn.close();
      },
    };
    return harness;
  };
  runAllContractTests(sharedHarness(makeHarness));
});
