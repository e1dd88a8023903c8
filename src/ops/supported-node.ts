/**
 * Imported first by every entry point: on an unsupported Node.js (20 has no `node:sqlite`) the bot would
 * otherwise die loading its store with an error that does not say why. The same range as `engines`.
 */
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);

if (!((major === 22 && minor >= 16) || major >= 24)) {
  process.stderr.write(
    `Park Bot needs Node.js 22.16 or later, 24 or 26 (this is ${process.version}). ` +
      'Run it through npm (`npm start`), which uses the Node.js the project installs, or install a supported Node.js.\n',
  );
  process.exit(1);
}
