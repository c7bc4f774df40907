// node --cpu-prof --import tsx bench/profile-grants.ts DRIVER [seconds]: a grant loop for one
// driver, to profile with --cpu-prof; not part of npm run bench.
import { benchGrant, type DriverCase } from './grants.js';

const driver = (process.argv[2] ?? 'local') as DriverCase;
const seconds = Number(process.argv[3] ?? 3);
const result = await benchGrant(driver, { warmupMs: 300, rounds: 1, roundMs: seconds * 1000 });
console.log(driver, Math.round(result.upgrant.opsPerSec), 'grants/s', Math.round(result.sdk.opsPerSec), 'sdk/s', Math.round(result.floor.opsPerSec), 'floor/s');
