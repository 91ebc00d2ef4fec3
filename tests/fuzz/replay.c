/*
 * Replay driver: links a fuzz target without libFuzzer so the normal and
 * ASan+UBSan builds of `make check` run it over the kept inputs
 * (tests/fuzz/regressions/TARGET-*, tests/fuzz/seeds/TARGET/).  Each file
 * named on the command line is one input; a directory means its files.
 * A crash, sanitizer report or leak fails the run as it would the fuzzer.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Feed one file to the target; returns 0, or -1 when it cannot be read. */
static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); return -1; }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *g = realloc(buf, cap *= 2);
            if (!g) { free(buf); buf = NULL; }
            else buf = g;
        }
    }
    int bad = ferror(f) || !buf;
    fclose(f);
    if (bad) { fprintf(stderr, "%s: cannot read\n", path); free(buf); return -1; }
    /* an exact-size copy, so ASan sees a read past the input */
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact) { free(buf); return -1; }
    memcpy(exact, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

int main(int argc, char **argv)
{
    int count = 0, errors = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) { perror(argv[i]); errors++; continue; }
        if (!S_ISDIR(st.st_mode)) {
            errors += replay_file(argv[i]) != 0;
            count++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.') continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            errors += replay_file(path) != 0;
            count++;
        }
        if (d) closedir(d);
    }
    printf("replay: %d inputs, %d unreadable\n", count, errors);
    return errors ? 1 : 0;
}
