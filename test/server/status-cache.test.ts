/** Renders are reused while the state's version stays: a burst of loads after one change is one snapshot. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { newStatus } from '../../src/runtime/index.ts';
import { StatusBoard, statusHandler, type StatusSource } from '../../src/server/index.ts';
import { closeServer, listenLocal } from '../harness/ports.ts';

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

/** The board, counting the snapshots taken of it. */
function counted(board: StatusBoard, versioned: boolean): StatusSource & { taken: number } {
  const source = {
    taken: 0,
    snapshot: () => {
      source.taken++;
      return board.snapshot();
    },
    subscribe: (f: () => void) => board.subscribe(f),
    ...(versioned ? { version: () => board.version() } : {}),
  };
  return source;
}

for (const versioned of [true, false]) {
  test(`a source ${versioned ? 'with' : 'without'} a version: ${versioned ? 'one snapshot per change and query' : 'a snapshot per request'}`, async () => {
    const board = new StatusBoard();
    board.track({ name: 'fleet', intervalMs: 60_000 }, newStatus());
    const source = counted(board, versioned);
    const handler = statusHandler({ source });
    const server = createServer(handler);
    try {
      const base = `http://127.0.0.1:${await listenLocal(server)}/`;
      // Counted only for a burst that stayed within one second (the reuse window): a loaded machine may cross it.
      let taken: number | undefined;
      for (let attempt = 0; taken === undefined && attempt < 20; attempt++) {
        // A new version each attempt: an attempt that crossed a second must not leave renders the next one reuses.
        board.changed();
        source.taken = 0;
        const started = Date.now();
        await Promise.all([get(base), get(base), get(`${base}fragment`), get(`${base}fragment?q=web`)]);
        if (Math.floor(started / 1000) === Math.floor(Date.now() / 1000)) taken = source.taken;
      }
      assert.equal(taken, versioned ? 2 : 4, 'the page and its fragment share one render; another query is its own');
      source.taken = 0;
      board.untrack('fleet');
      const after = await get(base);
      assert.equal(source.taken, 1);
      assert.match(after, /No automation has been configured/, 'a change is rendered at once');
    } finally {
      handler.close();
      await closeServer(server);
    }
  });
}
