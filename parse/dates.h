/*
 * dates: every calendar date written in a title and text (dates.c), with
 * its role; the Chinese numerals and date validity it is built on.
 */
#ifndef WX_PARSE_DATES_H
#define WX_PARSE_DATES_H

#include <jansson.h>
#include <stddef.h>

/* Find every date in the title, then in the text (either may be NULL), in
 * order.  published_date is the page's own date, "YYYY-MM-DD" (anything
 * after the tenth character is ignored), or NULL.  Each date is an object
 * {"text", "date", "time", "end", "role"}:
 *   text  the date as written (always valid UTF-8, whatever the input),
 *   date  "2024-05-31", or "2024-05" / "2024" when only that much is written,
 *   time  "15:00" or null, end the last day of a range or null,
 *   role  "signed", "deadline", "event", "published" or "mentioned".
 * A date written without a year takes the nearest preceding year written
 * (any precision: 2016年秋天, 2024-9, or bare as in 2022羊城杯; not in URLs
 * or identifiers), else published_date's; a day-only date (22日) the
 * nearest preceding month written.  A human-readable line is
 * appended to warnings (a JSON array; may be NULL) each time a year is
 * guessed, or a date is skipped because no year can be had.
 * Only the first WX_MAX_DATES dates are kept (a page of nothing but dates
 * would otherwise make a record ~8 times its size); the rest still give
 * their year and month to the dates after them, and one warning says how
 * many were left out.
 * Returns a new array (never NULL unless out of memory); the caller owns it.
 * Time and memory are linear in the input size. */
#define WX_MAX_DATES 1000
json_t *wx_dates_find(const char *title, const char *text, const char *published_date,
                      json_t *warnings);

/* The value of a Chinese numeral s[0..len) (UTF-8): written digit by digit
 * (二〇二四 = 2024, with 〇, ○ or 零 as zero; 五 = 5) or with one 十
 * (十 = 10, 十二 = 12, 二十 = 20, 三十一 = 31); 两 counts as 2.  Full-width
 * forms are not numerals here.  Returns 1 and sets *value when the whole of
 * s is one such numeral, else 0. */
int wx_cn_number(const char *s, size_t len, int *value);

/* Whether a written date exists: year 1800–2100; month 0 means "the year
 * alone", day 0 "the month alone"; days are checked against the month,
 * with Gregorian leap years (2024-02-29 exists, 2023-02-29 and 2100-02-29
 * do not). */
int wx_date_is_valid(int year, int month, int day);

#endif
