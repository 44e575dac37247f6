// Precompresses the built client (`npm run build` runs this after vite): beside each file
// worth compressing in dist/ it writes NAME.br (brotli, the best quality) and NAME.gz (gzip,
// level 9), which the server picks from by the browser's Accept-Encoding
// (server/parley/src/web.rs). Compressing once here costs nothing per request, and lets the
// slowest, smallest settings be used. A variant that would not be smaller is not written.

import { readFileSync, readdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const DIST = new URL("../dist/", import.meta.url).pathname;
/** Text formats; images and fonts are compressed already. */
const COMPRESSIBLE = /\.(?:html|js|mjs|css|svg|json|map|txt)$/;
/** Below this, the headers cost more than the bytes saved. */
const SMALLEST = 256;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

let before = 0;
let after = 0;
for (const path of files(DIST)) {
  if (/\.(?:br|gz)$/.test(path)) {
    // Left by an earlier build into the same folder; written again below if still wanted.
    unlinkSync(path);
    continue;
  }
  if (!COMPRESSIBLE.test(path)) continue;
  const body = readFileSync(path);
  if (body.length < SMALLEST) continue;
  const variants = {
    br: brotliCompressSync(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    }),
    gz: gzipSync(body, { level: 9 }),
  };
  for (const [suffix, compressed] of Object.entries(variants)) {
    if (compressed.length < body.length) writeFileSync(`${path}.${suffix}`, compressed);
  }
  before += body.length;
  after += variants.br.length;
}
console.log(`precompressed the client: ${(before / 1024).toFixed(1)} KB -> ${(after / 1024).toFixed(1)} KB with brotli`);
