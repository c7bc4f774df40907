// Every section of the contract suite on one shared harness: what a driver file calls.
import type { HarnessRef } from './harness.js';
import { runErrorContractTests } from './errors-suite.js';
import { runMultipartContractTests } from './multipart-suite.js';
import { runObjectContractTests } from './objects-suite.js';
import { runStagingContractTests } from './staging-suite.js';
import { runContractTests } from './suite.js';

export function runAllContractTests(harness: HarnessRef): void {
  runContractTests(harness);
  runObjectContractTests(harness);
  runErrorContractTests(harness);
  runMultipartContractTests(harness);
  runStagingContractTests(harness);
}
