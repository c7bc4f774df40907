// import() that bundlers leave alone. A literal `import('x')` makes esbuild, webpack, Vite and
// wrangler resolve and bundle `x`, so every optional SDK would become required for every bundled
// app. Here the specifier is a runtime value and carries each bundler's ignore comment, so only
// the runtime resolves it (on Node: from the installed package). A relative specifier is
// relative to this file, in src/ and in dist/src/ alike.
export function unbundledImport(specifier: string): Promise<unknown> {
  return import(/* webpackIgnore: true */ /* @vite-ignore */ specifier);
}
