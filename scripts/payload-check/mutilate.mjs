// The negative run's input: a copy of a recording with one always-present field taken out of
// one MESSAGE_CREATE (`timestamp`) and of one REST message (`id`). check.mjs must fail on it
// and name both; scripts/test fails if it does not, so a checker that passes everything
// cannot go unnoticed.
//
//     node mutilate.mjs <recording dir> <copy dir>
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';

const [from, to] = process.argv.slice(2);
mkdirSync(to, { recursive: true });
const removed = { dispatch: false, rest: false };
for (const file of readdirSync(from).filter((f) => f.endsWith('.jsonl'))) {
  const lines = readFileSync(`${from}/${file}`, 'utf8').split('\n');
  for (const [i, line] of lines.entries()) {
    if (!line || (removed.dispatch && removed.rest)) continue;
    const record = JSON.parse(line);
    if (!removed.dispatch && record.kind === 'dispatch' && record.t === 'MESSAGE_CREATE') {
      delete record.d.timestamp;
      removed.dispatch = true;
    } else if (!removed.rest && record.kind === 'rest' && record.method === 'POST' && /^\/channels\/\d+\/messages$/.test(record.path)) {
      delete record.body.id;
      removed.rest = true;
    } else {
      continue;
    }
    lines[i] = JSON.stringify(record);
  }
  writeFileSync(`${to}/${file}`, lines.join('\n'));
}
if (!removed.dispatch || !removed.rest) {
  console.error('error: the recording has no MESSAGE_CREATE or no POST /channels/{id}/messages to take a field from');
  process.exit(2);
}
