/**
 * `node --import ./test/harness/record-loads.ts …`: writes the URL of every module the program
 * loaded (ESM and CommonJS) to $LOADED_FILE as a JSON array when the process exits.
 */
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const loaded: string[] = [];
registerHooks({
  load(url, context, next) {
    loaded.push(url);
    return next(url, context);
  },
});
process.on('exit', () => writeFileSync(process.env.LOADED_FILE ?? 'loaded.json', JSON.stringify(loaded)));
