/*
 * Unit tests for parse/dates.c: the record's `dates` field.
 *
 * The main test is a table: an input (title or text), the page's publish
 * date, and the date expected from it, found by its text as written (date,
 * time, end, role), or "rejected" when the input must give no date at all;
 * with how many dates the input gives and a word its warnings must hold.
 * Then the seed notice, a title before a text, Chinese numerals, the
 * calendar, and hostile input (binary, invalid UTF-8, long runs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../parse/dates.h"

typedef struct {
    const char *input;
    const char *published; /* the page's date, or NULL */
    const char *text;      /* the expected date as written; NULL for "rejected" */
    const char *date, *time, *end;
    const char *role;      /* or "rejected": no date at all */
    size_t count;          /* how many dates the input gives */
    const char *warning;   /* a word some warning must hold; NULL: no warning */
} date_case;

#define P "2024-05-11"

static const date_case cases[] = {
    /* ---- the forms ---- */
    {"文件于2024年5月8日印发。", NULL, "2024年5月8日", "2024-05-08", NULL, NULL, "mentioned", 1, NULL},
    {"2024年05月08日发布的报告", NULL, "2024年05月08日", "2024-05-08", NULL, NULL, "mentioned", 1, NULL},
    {"日期：2024 年 5 月 8 日", NULL, "2024 年 5 月 8 日", "2024-05-08", NULL, NULL, "mentioned", 1, NULL},
    {"二〇二四年五月八日", NULL, "二〇二四年五月八日", "2024-05-08", NULL, NULL, "mentioned", 1, NULL},
    {"二○二四年五月八日", NULL, "二○二四年五月八日", "2024-05-08", NULL, NULL, "mentioned", 1, NULL},
    {"二零二四年十二月三十一日", NULL, "二零二四年十二月三十一日", "2024-12-31", NULL, NULL, "mentioned", 1, NULL},
    {"2024年五月二十日", NULL, "2024年五月二十日", "2024-05-20", NULL, NULL, "mentioned", 1, NULL},
    {"２０２４年５月８日", NULL, "２０２４年５月８日", "2024-05-08", NULL, NULL, "mentioned", 1, NULL},
    {"时间：２０２４－０５－０８", NULL, "２０２４－０５－０８", "2024-05-08", NULL, NULL, "mentioned", 1, NULL},
    {"更新于2024-05-08。", NULL, "2024-05-08", "2024-05-08", NULL, NULL, "mentioned", 1, NULL},
    {"2024/5/8", NULL, "2024/5/8", "2024-05-08", NULL, NULL, "mentioned", 1, NULL},
    {"2024.5.8", NULL, "2024.5.8", "2024-05-08", NULL, NULL, "mentioned", 1, NULL},
    {"2024年5月", NULL, "2024年5月", "2024-05", NULL, NULL, "mentioned", 1, NULL},
    {"2024年度工作要点", NULL, "2024年", "2024", NULL, NULL, "mentioned", 1, NULL},
    {"二〇二四年工作总结", NULL, "二〇二四年", "2024", NULL, NULL, "mentioned", 1, NULL},
    {"2024年2月29日", NULL, "2024年2月29日", "2024-02-29", NULL, NULL, "mentioned", 1, NULL},
    {"2024年8日", NULL, "2024年", "2024", NULL, NULL, "mentioned", 1, NULL},   /* 年…日 is no date */
    /* ---- without a year ---- */
    {"5月8号", P, "5月8号", "2024-05-08", NULL, NULL, "mentioned", 1, "published_at"},
    {"十月一日", "2024-09-01", "十月一日", "2024-10-01", NULL, NULL, "mentioned", 1, "guessed"},
    {"2023年6月1日通知，5月31日截止。", P, "5月31日", "2023-05-31", NULL, NULL, "deadline", 2,
     "year written before"},
    {"2024年度计划，5月31日前报送。", "2025-03-01", "5月31日", "2024-05-31", NULL, NULL, "deadline", 2,
     "year written before"},   /* 2024年度 is a year written: it wins over published_at */
    {"请于5月31日前报送。", NULL, NULL, NULL, NULL, NULL, "rejected", 0, "no year"},
    /* ---- impossible dates ---- */
    {"2月30日", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},
    {"13月1日", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},
    {"2023年2月29日", NULL, NULL, NULL, NULL, NULL, "rejected", 0, NULL},
    {"2月29日", "2023-03-01", NULL, NULL, NULL, NULL, "rejected", 0, NULL},
    {"2024-02-30", NULL, NULL, NULL, NULL, NULL, "rejected", 0, NULL},
    {"2024年4月31日", NULL, NULL, NULL, NULL, NULL, "rejected", 0, NULL},
    {"1799年", NULL, NULL, NULL, NULL, NULL, "rejected", 0, NULL},
    {"2101年", NULL, NULL, NULL, NULL, NULL, "rejected", 0, NULL},
    /* ---- numbers that only look like dates ---- */
    {"征订热线：010-82341063", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},
    {"联系电话 13800138000", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},
    {"邮发代号 2-786", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},
    {"依据GB/T 9704-2012编制", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},
    {"符合GB/T 22239—2019要求", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},
    {"网安秘字〔2024〕35号", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},
    {"财会〔2013〕20号", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},
    {"版本1.2.3发布", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},
    {"地址192.168.1.1", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},
    {"版本2024.5.8.1", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},
    {"流水号20240508123", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},
    {"编号12024年", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},
    {"共有2024人参加", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},
    {"见https://www.tc260.org.cn/file/2024-11-28/29b1.docx", P, NULL, NULL, NULL, NULL, "rejected", 0,
     NULL},
    {"过去十年，一年", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},
    /* ---- ranges ---- */
    {"5月8日至31日", P, "5月8日至31日", "2024-05-08", NULL, "2024-05-31", "mentioned", 1, "guessed"},
    {"2024年5月8日—5月31日", NULL, "2024年5月8日—5月31日", "2024-05-08", NULL, "2024-05-31", "mentioned",
     1, NULL},
    {"2024年5月8日-10日", NULL, "2024年5月8日-10日", "2024-05-08", NULL, "2024-05-10", "mentioned", 1, NULL},
    {"2024年5月8日到5月10日", NULL, "2024年5月8日到5月10日", "2024-05-08", NULL, "2024-05-10", "mentioned",
     1, NULL},
    {"2024年5月8日~5月10日", NULL, "2024年5月8日~5月10日", "2024-05-08", NULL, "2024-05-10", "mentioned",
     1, NULL},
    {"2024年5月8日～5月10日", NULL, "2024年5月8日～5月10日", "2024-05-08", NULL, "2024-05-10",
     "mentioned", 1, NULL},
    {"2024年5月8日–5月10日", NULL, "2024年5月8日–5月10日", "2024-05-08", NULL, "2024-05-10", "mentioned",
     1, NULL},
    {"2024年5月8日－5月10日", NULL, "2024年5月8日－5月10日", "2024-05-08", NULL, "2024-05-10",
     "mentioned", 1, NULL},
    {"2024年5月8日——2024年6月1日", NULL, "2024年5月8日——2024年6月1日", "2024-05-08", NULL, "2024-06-01",
     "mentioned", 1, NULL},
    {"2024年5月8—10日", NULL, "2024年5月8—10日", "2024-05-08", NULL, "2024-05-10", "mentioned", 1, NULL},
    {"《规划（2021—2025年）》", NULL, "2021—2025年", "2021", NULL, "2025", "mentioned", 1, NULL},
    {"2021年至2025年", NULL, "2021年至2025年", "2021", NULL, "2025", "mentioned", 1, NULL},
    {"2024年5月至6月", NULL, "2024年5月至6月", "2024-05", NULL, "2024-06", "mentioned", 1, NULL},
    {"2024年12月30日至1月3日", NULL, "2024年12月30日至1月3日", "2024-12-30", NULL, "2025-01-03",
     "mentioned", 1, NULL},
    {"2024-05-08至2024-05-10", NULL, "2024-05-08至2024-05-10", "2024-05-08", NULL, "2024-05-10",
     "mentioned", 1, NULL},
    {"2024.5.8-5.10", NULL, "2024.5.8-5.10", "2024-05-08", NULL, "2024-05-10", "mentioned", 1, NULL},
    {"5月8日（周三）至5月10日（周五）", P, "5月8日（周三）至5月10日", "2024-05-08", NULL, "2024-05-10",
     "mentioned", 1, "guessed"},
    {"2024年5月31日至5月8日", NULL, "2024年5月31日", "2024-05-31", NULL, NULL, "mentioned", 2,
     "year written before"},   /* backwards: no range, two dates */
    /* ---- times ---- */
    {"2024年5月8日15:00", NULL, "2024年5月8日15:00", "2024-05-08", "15:00", NULL, "mentioned", 1, NULL},
    {"2024年5月8日 15时30分", NULL, "2024年5月8日 15时30分", "2024-05-08", "15:30", NULL, "mentioned", 1,
     NULL},
    {"2024年5月8日下午3点", NULL, "2024年5月8日下午3点", "2024-05-08", "15:00", NULL, "mentioned", 1, NULL},
    {"2024年5月8日上午9时", NULL, "2024年5月8日上午9时", "2024-05-08", "09:00", NULL, "mentioned", 1, NULL},
    {"2024年5月8日晚上8点半", NULL, "2024年5月8日晚上8点半", "2024-05-08", "20:30", NULL, "mentioned", 1,
     NULL},
    {"2024年5月8日14:30-16:00", NULL, "2024年5月8日14:30-16:00", "2024-05-08", "14:30", NULL, "mentioned",
     1, NULL},
    {"2024年5月8日（星期三）下午三点", NULL, "2024年5月8日（星期三）下午三点", "2024-05-08", "15:00", NULL,
     "mentioned", 1, NULL},
    {"2024-05-08 09:30", NULL, "2024-05-08 09:30", "2024-05-08", "09:30", NULL, "mentioned", 1, NULL},
    {"2024年5月8日中午12点", NULL, "2024年5月8日中午12点", "2024-05-08", "12:00", NULL, "mentioned", 1,
     NULL},
    {"2024年5月8日25:00", NULL, "2024年5月8日", "2024-05-08", NULL, NULL, "mentioned", 1, NULL},
    {"2024年5月8日（星期三）", NULL, "2024年5月8日", "2024-05-08", NULL, NULL, "mentioned", 1, NULL},
    /* ---- roles ---- */
    {"请于2024年5月31日前提交。", NULL, "2024年5月31日", "2024-05-31", NULL, NULL, "deadline", 1, NULL},
    {"于2025年1月31日24:00前反馈秘书处", NULL, "2025年1月31日24:00", "2025-01-31", "24:00", NULL,
     "deadline", 1, NULL},
    {"截止日期为2024年5月31日。", NULL, "2024年5月31日", "2024-05-31", NULL, NULL, "deadline", 1, NULL},
    {"截至2024年5月31日，共收到材料。", NULL, "2024年5月31日", "2024-05-31", NULL, NULL, "deadline", 1,
     NULL},
    {"2024年5月31日之前报送材料", NULL, "2024年5月31日", "2024-05-31", NULL, NULL, "deadline", 1, NULL},
    {"材料须在2024年5月31日前报送", NULL, "2024年5月31日", "2024-05-31", NULL, NULL, "deadline", 1, NULL},
    {"不晚于2024年5月31日", NULL, "2024年5月31日", "2024-05-31", NULL, NULL, "deadline", 1, NULL},
    {"报名2024年5月31日截止", NULL, "2024年5月31日", "2024-05-31", NULL, NULL, "deadline", 1, NULL},
    {"2024年5月8日前后", NULL, "2024年5月8日", "2024-05-08", NULL, NULL, "mentioned", 1, NULL},
    {"会议将于2024年5月8日在北京召开。", NULL, "2024年5月8日", "2024-05-08", NULL, NULL, "event", 1, NULL},
    {"2024年5月8日，论坛在北京举行。", NULL, "2024年5月8日", "2024-05-08", NULL, NULL, "event", 1, NULL},
    {"会议已结束。2024年5月8日，天气晴。", NULL, "2024年5月8日", "2024-05-08", NULL, NULL, "mentioned", 1,
     NULL},   /* 会议 in another sentence */
    {"本文发布于2024年5月11日。", P, "2024年5月11日", "2024-05-11", NULL, NULL, "published", 1, NULL},
    {"会议2024年5月11日举行", P, "2024年5月11日", "2024-05-11", NULL, NULL, "event", 1, NULL},
    {"会议报名请于2024年5月11日前提交", P, "2024年5月11日", "2024-05-11", NULL, NULL, "deadline", 1, NULL},
    {"会议将于2024年5月8日召开，请于5月6日前报名。", NULL, "5月6日", "2024-05-06", NULL, NULL, "deadline",
     2, "year written before"},
    {"各单位：\n请按要求执行。\n财政部\n2024年7月26日", NULL, "2024年7月26日", "2024-07-26", NULL, NULL,
     "signed", 1, NULL},
    {"各单位：\n请按要求执行。\n财政部\n\n  2024年7月26日  \n附件：清单\n（来源：网站）", NULL,
     "2024年7月26日", "2024-07-26", NULL, NULL, "signed", 1, NULL},
    {"各单位：\n请按要求执行，做好相关工作。\n2024年7月26日", NULL, "2024年7月26日", "2024-07-26", NULL,
     NULL, "mentioned", 1, NULL},   /* the line above is prose */
    {"2024年7月26日\n财政部", NULL, "2024年7月26日", "2024-07-26", NULL, NULL, "mentioned", 1, NULL},
    {"财政部\n2024年7月26日\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13", NULL, "2024年7月26日",
     "2024-07-26", NULL, NULL, "mentioned", 1, NULL},   /* not among the last lines */
    {"财政部\n2024年7月26日", "2024-07-26", "2024年7月26日", "2024-07-26", NULL, NULL, "signed", 1, NULL},
    /* ---- context: the running year and month (shared/dates/README.md) ---- */
    {"2016年秋天，我们搬了家。\n12月9日，我到了爸妈家。", "2019-11-25", "12月9日", "2016-12-09", NULL,
     NULL, "mentioned", 2, "year written before"},   /* a year of any precision */
    {"2022羊城杯决赛于11月5日举行", "2024-07-27", "11月5日", "2022-11-05", NULL, NULL, "event", 1,
     "year written before"},   /* a bare year counts too, and is no date */
    {"见https://x.cn/2019/a.html，5月8日", P, "5月8日", "2024-05-08", NULL, NULL, "mentioned", 1,
     "published_at"},   /* not a year in a URL */
    {"2024年第1号公告，5月8日发布", "2025-01-05", "5月8日", "2025-05-08", NULL, NULL, "mentioned", 1,
     "published_at"},   /* nor a year in an identifier */
    {"2024年开始，2月29日上线", "2025-03-01", "2月29日", "2024-02-29", NULL, NULL, "mentioned", 2,
     "year written before"},   /* valid in the year it takes */
    {"1月3日开始，27日手段升级", "2025-02-07", "27日", "2025-01-27", NULL, NULL, "mentioned", 2,
     "published_at"},   /* day-only: the month written before */
    {"27日攻击升级", "2025-02-07", NULL, NULL, NULL, NULL, "rejected", 0, NULL},   /* no month before */
    {"1月27、28号，攻击激增", "2025-02-07", "1月27", "2025-01-27", NULL, NULL, "mentioned", 2,
     "published_at"},
    {"微软11月补丁", "2024-11-14", "11月", "2024-11", NULL, NULL, "mentioned", 1, "published_at"},
    {"今年二月，活动开始", "2023-03-25", "二月", "2023-02", NULL, NULL, "mentioned", 1, "published_at"},
    {"1990年获硕士学位，同年参军", NULL, "同年", "1990", NULL, NULL, "mentioned", 2, "year written before"},
    {"1990年毕业，同年10月参军", NULL, "同年10月", "1990-10", NULL, NULL, "mentioned", 2,
     "year written before"},
    {"同年参军", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},   /* no year written before */
    {"动态盘点(2024-9下)", NULL, "2024-9", "2024-09", NULL, NULL, "mentioned", 1, NULL},
    {"培训班（3.23-3.29）", "2023-03-13", "3.23-3.29", "2023-03-23", NULL, "2023-03-29", "mentioned", 1,
     "published_at"},
    {"2024年底，12.30-1.5休假", NULL, "12.30-1.5", "2024-12-30", NULL, "2025-01-05", "mentioned", 2,
     "year written before"},   /* across the year end */
    {"每周情报（2022.12.29～2023.01.05）", NULL, "2022.12.29～2023.01.05", "2022-12-29", NULL,
     "2023-01-05", "mentioned", 1, NULL},
    {"2024年12月30日-2025年1月5日", NULL, "2024年12月30日-2025年1月5日", "2024-12-30", NULL, "2025-01-05",
     "mentioned", 1, NULL},
    {"相约4.18云安全高峰论坛", "2023-03-24", "4.18", "2023-04-18", NULL, NULL, "mentioned", 1,
     "published_at"},
    {"2023年元旦", NULL, "2023年元旦", "2023-01-01", NULL, NULL, "mentioned", 1, NULL},
    {"元旦刚过", "2025-01-04", "元旦", "2025-01-01", NULL, NULL, "mentioned", 1, "published_at"},
    {"14/15年的四大会", "2024-10-29", "14/15年", "2014", NULL, "2015", "mentioned", 1, NULL},
    {"一八七〇年普法战争", NULL, "一八七〇年", "1870", NULL, NULL, "mentioned", 1, NULL},
    {"2024年第四季度交付数据", NULL, "2024年", "2024", NULL, NULL, "mentioned", 1, NULL},
    {"1月2日消息，特斯拉公布数据", "2025-01-04", "1月2日", "2025-01-02", NULL, NULL, "published", 1,
     "published_at"},   /* a dateline */
    {"7月26日SEC官网，证交会通过新规", "2023-08-01", "7月26日", "2023-07-26", NULL, NULL, "published", 1,
     "published_at"},
    {"1月4日至7日，用户可享优惠", "2025-01-04", "1月4日至7日", "2025-01-04", NULL, "2025-01-07",
     "mentioned", 1, "published_at"},   /* a range is never the page's own date */
    {"3月31日（含当日）之前提交", "2023-03-25", "3月31日", "2023-03-31", NULL, NULL, "deadline", 1,
     "published_at"},
    {"取消原定于四月末的截止日期", "2023-03-25", "四月", "2023-04", NULL, NULL, "deadline", 1,
     "published_at"},
    {"现予公布。\n国家互联网信息办公室主任 庄荣文\n公安部部长 王小洪\n2022年11月25日\n第一章\n1\n2\n3\n4\n5\n"
     "6\n7\n8\n9\n10\n11\n12\n13", NULL, "2022年11月25日", "2022-11-25", NULL, NULL, "signed", 1, NULL},
    {"报名须知。\n会议时间\n2024年5月8日\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13", NULL, "2024年5月8日",
     "2024-05-08", NULL, NULL, "mentioned", 1, NULL},   /* a heading, not a signer */
    {"2019年回顾。今年5月发布", "2024-06-01", "5月", "2024-05", NULL, NULL, "mentioned", 2,
     "word before"},   /* 今年 is the page's year, whatever was written last */
    {"2019年回顾。去年11月发布", "2024-03-01", "11月", "2023-11", NULL, NULL, "mentioned", 2,
     "word before"},
    {"处理 2000 亿参数，5月8日发布", P, "5月8日", "2024-05-08", NULL, NULL, "mentioned", 1,
     "published_at"},   /* a quantity is no bare year */
    /* ---- traps: one kind each (shared/dates/README.md) ---- */
    {"2024年第1号公告", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},          /* id */
    {"周报2025年第1期", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},          /* id */
    {"2022年第21次室务会议", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},     /* id */
    {"5月1日起施行，令第12号", P, "5月1日", "2024-05-01", NULL, NULL, "mentioned", 1, "published_at"},
    {"CVE-2023-35078漏洞", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},       /* id */
    {"备忘录M-25-13", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},            /* id */
    {"见https://x.cn/2023/07/26/a", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},   /* url */
    {"近日，今年，本周，下周二", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},  /* relative */
    {"星期二发布补丁", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},           /* weekday */
    {"5月1日报到，含6日三餐", P, "5月1日", "2024-05-01", NULL, NULL, "mentioned", 1, "published_at"},
    {"10个工作日内，14 天内，20年经验，5年来", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},
    {"14:00-15:00 茶歇", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},         /* bare time */
    {"2017加入滴滴，我在2020-23做ACM", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},   /* bare year */
    {"双11，端午节，中秋", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},       /* holiday name */
    {"昨日二月二，龙抬头", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},       /* lunar day */
    {"Lockbit3.0，版本3.1.0，3.10版", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},   /* version */
    {"1.1 情报，CVSS 9.8，1.5倍，8.7篇", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},  /* number */
    {"电话13520852053", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},          /* phone */
    {"24周岁以下", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},               /* age */
    {"第 37 年，67个CVE漏洞", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},    /* count */
    {"2023届高校毕业生", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},         /* cohort */
    {"1970 年代", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},                /* vague */
    {"5月1日起，见公通字〔2015〕4号；3.2.3 日志记录", P, "5月1日", "2024-05-01", NULL, NULL,
     "mentioned", 1, "published_at"},   /* doc number, outline number */
    {"固件版本3.01开始，影响8.14至17.1.7版本，（10.26期）", P, NULL, NULL, NULL, NULL, "rejected", 0,
     NULL},   /* versions and issues, not dotted days */
    {"镜头 1:3.5-6.3 VR", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},   /* a ratio */
    {"2020年报告：不同年龄段，同年级", P, "2020年", "2020", NULL, NULL, "mentioned", 1, NULL},
    {"印度在 2005-06 年", P, NULL, NULL, NULL, NULL, "rejected", 0, NULL},   /* fiscal years */
    {"积分≥2000）\n活动时间：9.19-9.30", "2021-09-10", "9.19-9.30", "2021-09-19", NULL, "2021-09-30",
     "mentioned", 1, "published_at"},   /* ≥2000 is a quantity, no bare year */
    {"5月1日起，3号楼用12号字", P, "5月1日", "2024-05-01", NULL, NULL, "mentioned", 1, "published_at"},
};

/* The date object of a with the given text, or NULL. */
static json_t *find_by_text(json_t *dates, const char *text)
{
    size_t i;
    json_t *d;
    json_array_foreach(dates, i, d) {
        if (strcmp(json_string_value(json_object_get(d, "text")), text) == 0) return d;
    }
    return NULL;
}

/* Whether the string member key of obj is want (NULL: JSON null). */
static int member_is(json_t *obj, const char *key, const char *want)
{
    json_t *v = json_object_get(obj, key);
    if (!want) return json_is_null(v);
    return json_is_string(v) && strcmp(json_string_value(v), want) == 0;
}

/* Whether some warning holds word. */
static int warnings_hold(json_t *warnings, const char *word)
{
    size_t i;
    json_t *w;
    json_array_foreach(warnings, i, w) {
        if (strstr(json_string_value(w), word)) return 1;
    }
    return 0;
}

/* Every date object has the record's shape. */
static void assert_date_shape(json_t *d)
{
    assert_true(json_is_object(d));
    assert_int_equal(json_object_size(d), 5);
    assert_true(json_is_string(json_object_get(d, "text")));
    assert_true(json_is_string(json_object_get(d, "date")));
    assert_true(json_is_string(json_object_get(d, "role")));
    json_t *time = json_object_get(d, "time");
    assert_true(json_is_null(time) || strlen(json_string_value(time)) == 5);
    json_t *end = json_object_get(d, "end");
    assert_true(json_is_null(end) || json_is_string(end));
}

static int check_case(size_t n, const date_case *c)
{
    json_t *warnings = json_array();
    json_t *dates = wx_dates_find(NULL, c->input, c->published, warnings);
    int ok = dates != NULL && json_array_size(dates) == c->count;
    size_t i;
    json_t *d;
    json_array_foreach(dates, i, d) assert_date_shape(d);
    if (ok && c->text) {
        json_t *got = find_by_text(dates, c->text);
        ok = got && member_is(got, "date", c->date) && member_is(got, "time", c->time) &&
             member_is(got, "end", c->end) && member_is(got, "role", c->role);
    }
    if (ok) ok = c->warning ? warnings_hold(warnings, c->warning) : json_array_size(warnings) == 0;
    if (!ok) {
        char *got = json_dumps(dates, JSON_COMPACT);
        char *warned = json_dumps(warnings, JSON_COMPACT);
        print_error("case %zu: %s\n  got %s\n  warnings %s\n", n, c->input, got, warned);
        free(got);
        free(warned);
    }
    json_decref(dates);
    json_decref(warnings);
    return ok;
}

static void test_date_table(void **state)
{
    (void)state;
    size_t n = sizeof cases / sizeof cases[0], failed = 0;
    assert_true(n >= 60);
    for (size_t i = 0; i < n; i++) failed += !check_case(i, &cases[i]);
    print_message("%zu table cases, %zu failed\n", n, failed);
    assert_int_equal(failed, 0);
}

/* The seed notice: what a real one gives, item by item. */
static void test_seed_notice(void **state)
{
    (void)state;
    static const char text[] =
        "扫码订阅《中国信息安全》\n"
        "邮发代号 2-786\n"
        "征订热线：010-82341063\n"
        "关于发布2024年度第一批网络安全国家标准需求的通知\n"
        "各位委员、各工作组、各成员单位，及有关单位：\n"
        "为加强网络安全国家标准在国家网络安全保障工作中的基础性、规范性、引领性作用，"
        "全国网络安全标准化技术委员会（简称“网安标委”）秘书处坚持问题导向，调研国家网络安全"
        "重点工作和技术产业发展需求，研究形成了2024年度第一批网络安全国家标准需求清单。"
        "现将清单印发给你们，请围绕需求做好申报工作，并于2024年5月31日前登录网安标委官方网站"
        "“网络安全标准项目管理与服务平台”（https://www.tc260.org.cn/login.html）进行申报。\n"
        "全国网络安全标准化技术委员会秘书处\n"
        "2024年5月8日\n"
        "（来源：网安标委网站）";
    static const struct { const char *text, *date, *role; } want[] = {
        {"2024年", "2024", "mentioned"},   /* 关于发布2024年度…: the year, 度 left out */
        {"2024年", "2024", "mentioned"},   /* 研究形成了2024年度… */
        {"2024年5月31日", "2024-05-31", "deadline"},
        {"2024年5月8日", "2024-05-08", "signed"},
    };
    json_t *warnings = json_array();
    json_t *dates = wx_dates_find(NULL, text, "2024-05-11", warnings);
    assert_non_null(dates);
    assert_int_equal(json_array_size(dates), sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        json_t *d = json_array_get(dates, i);
        assert_date_shape(d);
        assert_true(member_is(d, "text", want[i].text));
        assert_true(member_is(d, "date", want[i].date));
        assert_true(member_is(d, "role", want[i].role));
        assert_true(member_is(d, "time", NULL));
        assert_true(member_is(d, "end", NULL));
    }
    assert_int_equal(json_array_size(warnings), 0);
    json_decref(dates);
    json_decref(warnings);
}

/* Title dates come first and lend their year to the text's. */
static void test_title_then_text(void **state)
{
    (void)state;
    json_t *warnings = json_array();
    json_t *dates = wx_dates_find("2023年6月1日会议通知", "会议于6月8日举行。\n联系人：张三\n2023年6月1日",
                                  "2024-05-11", warnings);
    assert_int_equal(json_array_size(dates), 3);
    json_t *first = json_array_get(dates, 0), *second = json_array_get(dates, 1);
    assert_true(member_is(first, "text", "2023年6月1日"));
    assert_true(member_is(first, "role", "event"));   /* 会议 in the title; never signed */
    assert_true(member_is(second, "date", "2023-06-08"));
    assert_true(member_is(json_array_get(dates, 2), "role", "signed"));
    assert_true(warnings_hold(warnings, "year written before"));
    json_decref(dates);
    json_decref(warnings);

    /* NULL title, NULL text, no warnings array: fine */
    dates = wx_dates_find(NULL, NULL, NULL, NULL);
    assert_non_null(dates);
    assert_int_equal(json_array_size(dates), 0);
    json_decref(dates);
    dates = wx_dates_find("", "5月8日", "not a date", NULL);
    assert_int_equal(json_array_size(dates), 0);   /* no year to be had */
    json_decref(dates);
}

static void test_cn_number(void **state)
{
    (void)state;
    static const struct { const char *in; int ok, value; } cases_cn[] = {
        {"二〇二四", 1, 2024}, {"二○二四", 1, 2024}, {"二零二四", 1, 2024}, {"一九九八", 1, 1998},
        {"五", 1, 5},         {"十", 1, 10},        {"十二", 1, 12},      {"二十", 1, 20},
        {"三十一", 1, 31},    {"两", 1, 2},         {"〇", 1, 0},         {"十十", 0, 0},
        {"一十二三", 0, 0},   {"二十〇", 0, 0},     {"〇十", 0, 0},       {"", 0, 0},
        {"2024", 0, 0},       {"二〇二四年", 0, 0}, {"２", 0, 0},         {"\xff\xfe", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases_cn / sizeof cases_cn[0]; i++) {
        int value = -1;
        int ok = wx_cn_number(cases_cn[i].in, strlen(cases_cn[i].in), &value);
        if (ok != cases_cn[i].ok || (ok && value != cases_cn[i].value))
            print_error("case %zu: %s -> %d %d\n", i, cases_cn[i].in, ok, value);
        assert_int_equal(ok, cases_cn[i].ok);
        if (ok) assert_int_equal(value, cases_cn[i].value);
    }
}

static void test_date_is_valid(void **state)
{
    (void)state;
    assert_true(wx_date_is_valid(2024, 2, 29));
    assert_false(wx_date_is_valid(2023, 2, 29));
    assert_true(wx_date_is_valid(2000, 2, 29));
    assert_false(wx_date_is_valid(2100, 2, 29));
    assert_false(wx_date_is_valid(2024, 4, 31));
    assert_true(wx_date_is_valid(2024, 12, 31));
    assert_false(wx_date_is_valid(2024, 13, 1));
    assert_true(wx_date_is_valid(2024, 5, 0));
    assert_true(wx_date_is_valid(1800, 0, 0));   /* 一八七〇年 */
    assert_false(wx_date_is_valid(1799, 0, 0));
    assert_false(wx_date_is_valid(2101, 1, 1));
    assert_false(wx_date_is_valid(2024, 0, 5));
}

/* Whether s is valid UTF-8 (jansson would refuse it otherwise, but check). */
static int is_utf8(const char *s)
{
    json_t *j = json_string(s);
    json_decref(j);
    return j != NULL;
}

/* Binary and invalid UTF-8: a valid array, every text valid UTF-8. */
static void test_hostile_input(void **state)
{
    (void)state;
    static const char *const inputs[] = {
        "\xff\xfe\x80\x81 2024\xe5\xb9\xb4\xe4\xb8\x80 \xc3\x28",
        "2024\xe5\xb9\xb4\xff" "5\xe6\x9c\x88" "8\xe6\x97\xa5",   /* 2024年<FF>5月8日 */
        "\xe5\xb9\xb4\xe6\x9c\x88\xe6\x97\xa5\xe5",             /* 年月日 and a cut-off letter */
        "2024\xe5\xb9",                                         /* 2024 and half a 年 */
        "\xed\xa0\x80 2024-05-08 \xf4\x90\x80\x80",             /* surrogate, beyond U+10FFFF */
        "财政部\n2024年7月26日\xf0",
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        json_t *warnings = json_array();
        json_t *dates = wx_dates_find(inputs[i], inputs[i], "2024-05-11", warnings);
        assert_true(json_is_array(dates));
        size_t k;
        json_t *d;
        json_array_foreach(dates, k, d) {
            assert_date_shape(d);
            assert_true(is_utf8(json_string_value(json_object_get(d, "text"))));
        }
        json_decref(dates);
        json_decref(warnings);
    }

    /* pseudo-random bytes, with the characters dates are made of mixed in */
    static const char *const pieces[] = {"2024", "年", "月", "日", "-", "至", "\n", "5", "\xe4",
                                         "\x80", "〇", "十", ":", "前", "下午", "号", " ", "."};
    unsigned seed = 12345;
    char buf[4096];
    for (int round = 0; round < 200; round++) {
        size_t n = 0;
        while (n < sizeof buf - 16) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = (seed >> 16) & 0x7fff;
            if (r % 3 == 0) {
                buf[n++] = (char)(r & 0xff ? r & 0xff : 1);
            } else {
                const char *p = pieces[r % (sizeof pieces / sizeof pieces[0])];
                size_t len = strlen(p);
                memcpy(buf + n, p, len);
                n += len;
            }
        }
        buf[n] = '\0';
        json_t *warnings = json_array();
        json_t *dates = wx_dates_find(buf, buf, round % 2 ? "2024-05-11" : NULL, warnings);
        assert_true(json_is_array(dates));
        size_t k;
        json_t *d;
        json_array_foreach(dates, k, d) assert_date_shape(d);
        json_decref(dates);
        json_decref(warnings);
    }
}

/* Long runs that a backtracking matcher would choke on finish at once;
 * 200,000 dates in a row keep the first WX_MAX_DATES and warn once. */
static void test_long_runs(void **state)
{
    (void)state;
    static const char *const units[] = {"1", "1-", "2024-05-08-", "5月", "一", " ", "\n", "2024年"};
    size_t reps = 200000;
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        size_t len = strlen(units[u]);
        char *s = malloc(len * reps + 1);
        assert_non_null(s);
        for (size_t i = 0; i < reps; i++) memcpy(s + i * len, units[u], len);
        s[len * reps] = '\0';
        json_t *warnings = json_array();
        json_t *dates = wx_dates_find(NULL, s, NULL, warnings);
        assert_true(json_is_array(dates));
        assert_int_equal(json_array_size(dates), u == 7 ? WX_MAX_DATES : 0);
        if (u == 7) {
            assert_int_equal(json_array_size(warnings), 1);
            char want[80];
            snprintf(want, sizeof want, "%zu more dates not kept", reps - WX_MAX_DATES);
            assert_non_null(strstr(json_string_value(json_array_get(warnings, 0)), want));
            assert_string_equal(json_string_value(json_object_get(json_array_get(dates, WX_MAX_DATES - 1), "text")), "2024年");
        }
        json_decref(warnings);
        json_decref(dates);
        free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_table),
        cmocka_unit_test(test_seed_notice),
        cmocka_unit_test(test_title_then_text),
        cmocka_unit_test(test_cn_number),
        cmocka_unit_test(test_date_is_valid),
        cmocka_unit_test(test_hostile_input),
        cmocka_unit_test(test_long_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
