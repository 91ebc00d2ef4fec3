/*
 * help: the usage text of every command (--help; on usage errors).
 */
#ifndef WX_HELP_H
#define WX_HELP_H

extern const char wx_usage_text[];

#endif
