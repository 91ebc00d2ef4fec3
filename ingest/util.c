/*
 * Shared helpers (see util.h).
 */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>

char *wx_strf(const char *f, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, f);
    int n = vasprintf(&s, f, ap);
    va_end(ap);
    return n < 0 ? NULL : s;
}
