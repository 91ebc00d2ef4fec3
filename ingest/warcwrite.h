/*
 * warcwrite: what the fetcher received, as WARC/1.1 files (fetch/run
 * --warc).  Each HTTP exchange of a transfer (every hop of a redirect
 * chain) becomes a `request` record and a `response` record pointing at
 * each other (WARC-Concurrent-To), with sha256 block and payload digests
 * and the server's address.  Every record is its own gzip member, written
 * with one write() as a whole, so a killed fetch leaves a file readable up
 * to its last record.  A file begins with a `warcinfo` record naming
 * wxingest; when it would grow past the size limit the next record starts
 * a new file: FILE.warc.gz, FILE-00001.warc.gz, FILE-00002.warc.gz, ...
 *
 * The HTTP message is stored as libcurl handed it over: the status line
 * and header lines as received, the body dechunked and Content-Encoding
 * undone (it is the body the store keeps).  So that the record says what
 * it holds, the Transfer-Encoding and Content-Encoding headers are kept as
 * X-Archive-Orig-Transfer-Encoding / X-Archive-Orig-Content-Encoding, a
 * Content-Length that is not the stored body's length likewise, and
 * Content-Length gives the stored body's length.  An HTTP/2 or HTTP/3
 * response is written as HTTP/1.1 (WARC holds HTTP/1.x messages).
 */
#ifndef WX_INGEST_WARCWRITE_H
#define WX_INGEST_WARCWRITE_H

#include <stddef.h>
#include <stdint.h>

typedef struct wx_warc_writer wx_warc_writer;
typedef struct wx_warc_capture wx_warc_capture;

/* Open the series named by path (it must end in ".warc.gz").  Records are
 * appended to the last file of the series that exists, else path is
 * created; each run begins with a warcinfo record naming software
 * ("wxingest/VERSION").  max_size: bytes at which a file ends (> 0).
 * Returns NULL with a malloc'd message in *err on failure. */
wx_warc_writer *wx_warc_writer_open(const char *path, uint64_t max_size, const char *software, char **err);

/* Close the current file.  Returns 0, or -1 with a message in *err. */
int wx_warc_writer_close(wx_warc_writer *w, char **err);

/* One transfer's exchanges, collected from libcurl's callbacks as they
 * happen.  Out of memory makes the capture unusable, not the fetch. */
wx_warc_capture *wx_warc_capture_new(void);
void wx_warc_capture_free(wx_warc_capture *c);

/* Bytes of a request head as sent (libcurl's CURLINFO_HEADER_OUT). */
void wx_warc_capture_request(wx_warc_capture *c, const char *data, size_t n);

/* One response header line as received (CURLOPT_HEADERFUNCTION).  A status
 * line starts a new response, of url (the hop's URL) from ip (may be NULL). */
void wx_warc_capture_header(wx_warc_capture *c, const char *line, size_t n, const char *url, const char *ip);

/* Write the captured exchanges as records: body is the last response's
 * body as delivered; earlier responses (redirects) have none, libcurl
 * skips it.  Safe to call from several threads.  Returns 0, or -1 with a
 * malloc'd message ("warc: FILE: why") in *err. */
int wx_warc_capture_write(wx_warc_writer *w, const wx_warc_capture *c, const void *body, size_t len, char **err);

#endif
