// Whether the emulators and the browser are required (CI, UPGRANT_REQUIRE_EMULATORS=1): there a
// missing one fails the run; elsewhere its tests skip, saying why.

/** Whether a missing emulator must fail instead of skip. */
export function emulatorsRequired(): boolean {
  return process.env.CI === 'true' || process.env.UPGRANT_REQUIRE_EMULATORS === '1';
}

/**
 * When `thing` cannot run here (`missing` says why): under CI / UPGRANT_REQUIRE_EMULATORS=1 a
 * failure; elsewhere a line saying what is skipped, and the caller skips it.
 */
export function skipOrFail(thing: string, missing: string, skipped: string): void {
  if (emulatorsRequired()) throw new Error(`${thing} is required here (CI / UPGRANT_REQUIRE_EMULATORS): ${missing}`);
  console.warn(`  skipping ${skipped}: ${missing}`);
}
