// An independent reader of wxingest's WARCs: npm's node-warc (installed by
// `make deps-node` into build/node; tests/warc_test.py runs this script).
// Usage: node node_warc_check.js NODE_MODULES FILE.warc.gz...
// Prints one JSON line per record node-warc reads: its named fields, the
// HTTP status or request line it parsed, and the SHA-256 (hex) of the
// content it separated from the HTTP head; "error" lines for failures.
'use strict'
const path = require('path')
const crypto = require('crypto')
const fs = require('fs')
const zlib = require('zlib')
const { WARCStreamTransform } = require(path.join(process.argv[2], 'node-warc'))

// node-warc 3.3.1's WARCStreamTransform._flush calls its callback twice
// after pushing the last record, which Node 20 reports as
// ERR_MULTIPLE_CALLBACK at the end of every file (wget's too): that one is
// printed as {"end_error": ...} and the caller checks that every record
// came through before it; any other error is {"error": ...}.
function readOne (file) {
  return new Promise((resolve) => {
    const line = (o) => process.stdout.write(JSON.stringify(Object.assign({ file: path.basename(file) }, o)) + '\n')
    fs.createReadStream(file)
      .on('error', (e) => { line({ error: String(e) }); resolve() })
      .pipe(zlib.createGunzip())
      .on('error', (e) => { line({ error: String(e) }); resolve() })
      .pipe(new WARCStreamTransform())
      .on('data', (r) => {
        const h = r.httpInfo || {}
        const content = r.content || Buffer.alloc(0)
        line({
          type: r.warcType,
          id: r.warcRecordID,
          date: r.warcDate,
          uri: r.warcTargetURI,
          concurrent: r.warcConcurrentTo,
          ip: r.warcIPAddress,
          length: r.warcContentLength,
          block_digest: r.warcBlockDigest,
          payload_digest: r.warcPayloadDigest,
          status: h.statusCode || null,
          request_line: h.requestLine || null,
          content_sha256: crypto.createHash('sha256').update(content).digest('hex'),
          content_len: content.length
        })
      })
      .on('error', (e) => {
        line(e.code === 'ERR_MULTIPLE_CALLBACK' ? { end_error: e.code } : { error: String(e) })
        resolve()
      })
      .on('end', resolve)
  })
}

(async () => {
  for (const f of process.argv.slice(3)) await readOne(f)
})()
