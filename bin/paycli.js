#!/usr/bin/env node
// Loads the compiled CLI; `npm install` builds dist/ through the `prepare` script.
import { main } from '../dist/cli.js';

// `paycli … | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
