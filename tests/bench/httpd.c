/*
 * A small, fast local HTTP/1.1 server for the fetcher benchmark (make
 * bench-fetch): tests/httpd.py is a Python test server with fault
 * injection and would be the bottleneck.  127.0.0.1 only, one thread,
 * epoll, keep-alive.  Every GET gets a small HTML page that names its path,
 * so every URL has its own body (and its own object in the store).
 *
 *   httpd SECONDS      prints the port, serves for SECONDS, then exits
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { MAX_CONN = 4096, BUF = 8192 };

typedef struct { char in[BUF]; size_t len; } conn;

static conn *conns[MAX_CONN];

/* Answer every complete request in c; returns -1 to close the connection. */
static int serve(int fd, conn *c)
{
    for (;;) {
        char *end = memmem(c->in, c->len, "\r\n\r\n", 4);
        if (!end) return c->len == BUF ? -1 : 0;
        size_t reqlen = (size_t)(end - c->in) + 4;
        char path[512] = "/";
        sscanf(c->in, "GET %511s", path);
        for (char *p = path; *p; p++)       /* the path goes into HTML: keep it tame */
            if (*p == '<' || *p == '>' || *p == '&' || *p == '"') *p = '_';
        char body[2048], resp[3072];
        int bn = snprintf(body, sizeof body,
                          "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>page %s</title></head>"
                          "<body><div id=\"js_content\"><p>A small page served at %s for the fetcher "
                          "benchmark. It has a title and a paragraph of text, like a deleted-article "
                          "notice or a short post.</p></div></body></html>\n", path, path);
        int rn = snprintf(resp, sizeof resp,
                          "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                          "Content-Length: %d\r\nConnection: keep-alive\r\n\r\n%s", bn, body);
        if (write(fd, resp, (size_t)rn) != rn) return -1;
        memmove(c->in, c->in + reqlen, c->len - reqlen);
        c->len -= reqlen;
    }
}

int main(int argc, char **argv)
{
    double lifetime = argc > 1 ? atof(argv[1]) : 60;
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 1024) != 0 ||
        getsockname(ls, (struct sockaddr *)&a, &al) != 0) { perror("httpd"); return 1; }
    printf("%d\n", ntohs(a.sin_port));
    fflush(stdout);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    time_t stop = time(NULL) + (time_t)lifetime;
    struct epoll_event evs[256];
    while (time(NULL) < stop) {
        int n = epoll_wait(ep, evs, 256, 200);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == ls) {
                int c;
                while ((c = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if (c >= MAX_CONN || !(conns[c] = calloc(1, sizeof(conn)))) { close(c); continue; }
                    int one = 1;
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct epoll_event ce = {.events = EPOLLIN, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
                }
                continue;
            }
            conn *c = conns[fd];
            ssize_t r = read(fd, c->in + c->len, BUF - c->len);
            if (r > 0) c->len += (size_t)r;
            if (r == 0 || (r < 0 && errno != EAGAIN) || serve(fd, c) != 0) {
                close(fd);
                free(c);
                conns[fd] = NULL;
            }
        }
    }
    return 0;
}
