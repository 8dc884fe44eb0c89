// Serves files from one directory on loopback, streamed from disk, for the media benchmark.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const root = process.env.FILES_DIR!;
const server = http.createServer((req, res) => {
  const file = path.join(root, path.basename(new URL(req.url ?? '/', 'http://x').pathname));
  fs.stat(file, (err, st) => {
    if (err) return res.writeHead(404).end();
    res.writeHead(200, { 'content-length': st.size, 'content-type': 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write(`listening ${process.env.PORT}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
